/**
 * Walks the plan's JSON Schema along a path: which keys a mapping takes, which values an enum
 * allows, what a field means. Pure, so completion and hover logic is unit-tested without VS Code.
 */
export interface JsonSchema {
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  definitions?: Record<string, JsonSchema>;
  type?: string | string[];
  description?: string;
  markdownDescription?: string;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  allOf?: JsonSchema[];
  if?: JsonSchema;
  then?: JsonSchema;
  else?: JsonSchema;
  examples?: unknown[];
  minimum?: number;
  maximum?: number;
}

export class SchemaNavigator {
  constructor(private readonly root: JsonSchema) {}

  private resolve(schema: JsonSchema | undefined, seen = 0): JsonSchema | undefined {
    if (!schema || seen > 16) return schema;
    if (schema.$ref?.startsWith('#/')) {
      const target = schema.$ref
        .slice(2)
        .split('/')
        .reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part], this.root) as
        JsonSchema | undefined;
      return this.resolve({ ...target, ...schema, $ref: undefined }, seen + 1);
    }
    return schema;
  }

  /**
   * Every alternative a schema allows: oneOf/anyOf/allOf flattened, and both branches of an
   * if/then/else (the plan schema picks a scalar or a mapping form that way, e.g. `routing: adaptive`
   * or `routing: { name: threshold, … }`); completion offers what either branch accepts.
   */
  private alternatives(schema: JsonSchema | undefined): JsonSchema[] {
    const resolved = this.resolve(schema);
    if (!resolved) return [];
    const branches = [resolved.then, resolved.else].filter((b): b is JsonSchema => b !== undefined);
    const nested = [...(resolved.oneOf ?? []), ...(resolved.anyOf ?? []), ...(resolved.allOf ?? []), ...branches];
    return [resolved, ...nested.flatMap((s) => this.alternatives(s))];
  }

  /** The schemas that may apply at `path` (several when the schema branches). */
  at(path: (string | number)[]): JsonSchema[] {
    let current: JsonSchema[] = this.alternatives(this.root);
    for (const segment of path) {
      current = current.flatMap((schema) => {
        if (typeof segment === 'number') return this.alternatives(schema.items);
        const property = schema.properties?.[segment];
        if (property) return this.alternatives(property);
        if (typeof schema.additionalProperties === 'object') return this.alternatives(schema.additionalProperties);
        return [];
      });
      if (current.length === 0) return [];
    }
    return current;
  }

  keys(path: (string | number)[]): { name: string; description?: string; type?: string }[] {
    const seen = new Map<string, { name: string; description?: string; type?: string }>();
    for (const schema of this.at(path)) {
      for (const [name, property] of Object.entries(schema.properties ?? {})) {
        if (seen.has(name)) continue;
        const resolved = this.resolve(property);
        seen.set(name, { name, description: resolved?.description, type: typeName(resolved) });
      }
    }
    return [...seen.values()];
  }

  enumValues(path: (string | number)[]): string[] {
    const values = new Set<string>();
    for (const schema of this.at(path)) {
      for (const v of schema.enum ?? []) values.add(String(v));
      if (schema.const !== undefined) values.add(String(schema.const));
    }
    return [...values];
  }

  description(path: (string | number)[]): string | undefined {
    for (const schema of this.at(path)) {
      const text = schema.markdownDescription ?? schema.description;
      if (text) {
        const extras: string[] = [];
        if (schema.default !== undefined) extras.push(`default \`${JSON.stringify(schema.default)}\``);
        if (schema.minimum !== undefined) extras.push(`minimum ${schema.minimum}`);
        if (schema.maximum !== undefined) extras.push(`maximum ${schema.maximum}`);
        if (schema.enum) extras.push(`one of ${schema.enum.map((v) => `\`${String(v)}\``).join(', ')}`);
        return extras.length > 0 ? `${text}\n\n${extras.join(' · ')}` : text;
      }
    }
    return undefined;
  }
}

function typeName(schema: JsonSchema | undefined): string | undefined {
  if (!schema) return undefined;
  return Array.isArray(schema.type) ? schema.type.join(' | ') : schema.type;
}
