import type { ErrorObject } from 'ajv';
import planSchema from '../../../schemas/pdplan.schema.json';
/**
 * The schema precompiled by scripts/gen-schema-validator.mjs (ajv standalone code, same options:
 * allErrors, verbose): compiling it at run time cost ~200 ms per process. A unit test fails when
 * the generated file no longer matches the schema.
 */
import validate from './schemaValidator.generated.js';
import { suggest } from './catalog';
import type { SpecCode } from './codes';
import { displayPath, pointer, splitPointer } from './yamlSource';

/** A schema violation, before it gets a range: `at` says which part of the YAML to underline. */
export interface SchemaIssue {
  code: SpecCode;
  path: string;
  /** value: the value at `path`; key: the key of `path`; parent: the key of the object missing a property. */
  at: 'value' | 'key' | 'parent';
  message: string;
  fix?: { replacement: string; title: string };
}

export { planSchema };

export function schemaIssues(data: unknown): SchemaIssue[] {
  const nonFinite = nonFiniteIssues(data);
  if (validate(data)) return nonFinite;
  const issues: SchemaIssue[] = [];
  const missingByParent = new Map<string, { props: string[]; schema: SchemaNode | undefined }>();
  for (const error of validate.errors ?? []) {
    if (error.keyword === 'required') {
      const parent = error.instancePath;
      const entry = missingByParent.get(parent) ?? { props: [], schema: error.parentSchema as SchemaNode };
      const prop = String(error.params.missingProperty);
      if (!entry.props.includes(prop)) entry.props.push(prop);
      missingByParent.set(parent, entry);
      continue;
    }
    const issue = issueOf(error, data);
    if (issue) issues.push(issue);
  }
  for (const [parent, { props, schema }] of missingByParent) {
    issues.push(missingIssue(parent, props, schema));
  }
  // A non-finite value gets the one message that says so, not also every range it falls outside.
  const nonFinitePaths = new Set(nonFinite.map((i) => i.path));
  return dedupe([...issues.filter((i) => !nonFinitePaths.has(i.path)), ...nonFinite]);
}

/**
 * YAML's `.inf`, `.nan` and overflowing literals such as `1e309` are numbers to JSON Schema (an
 * infinite value even passes `"type": "integer"`), yet no count, rate or latency can be one; left
 * in, an infinite node size would make the planner enumerate TP degrees forever.
 */
function nonFiniteIssues(data: unknown): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  // YAML aliases can share a node or even make a cycle (`&a [*a]`): visit each object once.
  const seen = new Set<object>();
  const stack: Array<{ value: unknown; path: string }> = [{ value: data, path: '' }];
  while (stack.length > 0) {
    const { value, path } = stack.pop()!;
    if (value !== null && typeof value === 'object') {
      if (seen.has(value)) continue;
      seen.add(value);
    }
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) {
        issues.push({
          code: 'PDP014',
          path,
          at: 'value',
          message: `'${displayPath(path)}' must be a finite number, not ${String(value)}; write the value out.`,
        });
      }
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => stack.push({ value: item, path: `${path}/${i}` }));
    } else if (value !== null && typeof value === 'object') {
      for (const key of Object.keys(value))
        stack.push({ value: (value as Record<string, unknown>)[key], path: path + pointer([key]) });
    }
  }
  return issues;
}

interface SchemaNode {
  description?: string;
  examples?: unknown[];
  properties?: Record<string, SchemaNode>;
  enum?: unknown[];
  $ref?: string;
}

function dedupe(issues: SchemaIssue[]): SchemaIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = `${issue.code}|${issue.path}|${issue.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function valueAt(data: unknown, path: string): unknown {
  let node = data;
  for (const part of splitPointer(path)) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `the string ${JSON.stringify(truncate(value))}`;
  return `${typeof value} ${String(value)}`;
}

function truncate(text: string): string {
  return text.length > 40 ? text.slice(0, 37) + '...' : text;
}

const TYPE_WORDS: Record<string, string> = {
  object: 'a mapping',
  array: 'a list',
  integer: 'a whole number',
  number: 'a number',
  string: 'a string',
  boolean: 'true or false',
  null: 'empty',
};

/** Schemas reached through $ref keep their examples on the referenced definition. */
function resolveRef(node: SchemaNode | undefined): SchemaNode | undefined {
  if (!node?.$ref) return node;
  const target = valueAt(planSchema, node.$ref.replace(/^#/, '')) as SchemaNode | undefined;
  return { ...target, ...node, $ref: undefined, examples: node.examples ?? target?.examples };
}

function exampleOf(node: SchemaNode | undefined): string | undefined {
  const example = resolveRef(node)?.examples?.[0];
  if (example === undefined) return undefined;
  return typeof example === 'object' ? JSON.stringify(example) : String(example);
}

function missingIssue(parent: string, props: string[], schema: SchemaNode | undefined): SchemaIssue {
  const where = parent === '' ? 'the plan' : `'${displayPath(parent)}'`;
  const examples = props
    .map((p) => {
      const example = exampleOf(schema?.properties?.[p]);
      return example === undefined ? undefined : `${p}: ${example}`;
    })
    .filter((e): e is string => e !== undefined);
  const list = props.map((p) => `'${p}'`).join(', ');
  const hint = examples.length > 0 ? ` (e.g. ${examples.join(', ')})` : '';
  const presetHint = schema?.properties?.preset ? `, or name a catalog entry with 'preset'` : '';
  return {
    code: 'PDP010',
    path: parent + pointer([props[0]]),
    at: 'parent',
    message: `${where} is missing ${props.length === 1 ? 'required property' : 'required properties'} ${list}; add ${props.length === 1 ? 'it' : 'them'}${hint}${presetHint}.`,
  };
}

function issueOf(error: ErrorObject, data: unknown): SchemaIssue | undefined {
  const path = error.instancePath;
  const where = `'${displayPath(path)}'`;
  const value = valueAt(data, path);
  const parentSchema = error.parentSchema as SchemaNode | undefined;
  switch (error.keyword) {
    case 'if':
      return undefined; // the failing branch reports its own errors
    case 'additionalProperties': {
      const prop = String(error.params.additionalProperty);
      const allowed = Object.keys(parentSchema?.properties ?? {});
      const guess = suggest(prop, allowed);
      const owner = path === '' ? 'the plan' : `'${displayPath(path)}'`;
      return {
        code: 'PDP011',
        path: path + pointer([prop]),
        at: 'key',
        message:
          `unknown property '${truncate(prop)}' in ${owner}; ` +
          (guess ? `did you mean '${guess}'?` : `remove it or use one of: ${allowed.join(', ')}.`),
        fix: guess ? { replacement: guess, title: `Change to '${guess}'` } : undefined,
      };
    }
    case 'type': {
      const types = String(error.params.type).split(',');
      const expected = types.map((t) => TYPE_WORDS[t] ?? t).join(' or ');
      const example = exampleOf(parentSchema);
      return {
        code: 'PDP012',
        path,
        at: 'value',
        message: `${where} must be ${expected}, not ${describe(value)}${example ? `; e.g. ${example}` : ''}.`,
      };
    }
    case 'enum':
    case 'const': {
      const allowed =
        (error.keyword === 'const' ? [error.params.allowedValue] : (error.params.allowedValues as unknown[])) ?? [];
      const guess = typeof value === 'string' ? suggest(value, allowed.map(String)) : undefined;
      return {
        code: 'PDP013',
        path,
        at: 'value',
        message:
          `${where} must be ${allowed.length === 1 ? '' : 'one of '}${allowed.map((a) => JSON.stringify(a)).join(', ')}, not ${describe(value)}` +
          (guess ? `; did you mean '${guess}'?` : '.'),
        fix: guess ? { replacement: guess, title: `Change to '${guess}'` } : undefined,
      };
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
    case 'multipleOf': {
      const words: Record<string, string> = {
        minimum: 'at least',
        maximum: 'at most',
        exclusiveMinimum: 'greater than',
        exclusiveMaximum: 'less than',
        multipleOf: 'a multiple of',
      };
      return {
        code: 'PDP014',
        path,
        at: 'value',
        message: `${where} must be ${words[error.keyword]} ${String(error.params.limit ?? error.params.multipleOf)}, not ${String(value)}.`,
      };
    }
    case 'minItems':
      return {
        code: 'PDP015',
        path,
        at: 'value',
        message: `${where} must list at least ${String(error.params.limit)} item(s); add one.`,
      };
    case 'maxItems':
      return {
        code: 'PDP015',
        path,
        at: 'value',
        message: `${where} may list at most ${String(error.params.limit)} item(s); remove some.`,
      };
    case 'uniqueItems':
      return {
        code: 'PDP015',
        path: `${path}/${Math.max(Number(error.params.i), Number(error.params.j))}`,
        at: 'value',
        message: `${where} lists the same value twice (items ${String(error.params.j)} and ${String(error.params.i)}); remove the duplicate.`,
      };
    case 'minLength':
      return { code: 'PDP015', path, at: 'value', message: `${where} must not be empty.` };
    case 'pattern':
    case 'propertyNames': {
      // ajv reports a bad property name twice: once from the inner 'pattern', once as 'propertyNames'.
      if (error.keyword === 'pattern' && (error as { propertyName?: string }).propertyName !== undefined)
        return undefined;
      const name = error.params.propertyName as string | undefined;
      if (name !== undefined) {
        return {
          code: 'PDP015',
          path: path + pointer([name]),
          at: 'key',
          message: `name '${truncate(name)}' in ${where} may use only letters, digits, '_', '.' and '-', starting with a letter or digit; rename it.`,
        };
      }
      return {
        code: 'PDP015',
        path,
        at: 'value',
        message: `${where} does not have the expected form; see the hover text for examples.`,
      };
    }
    default:
      return { code: 'PDP015', path, at: 'value', message: `${where} ${error.message ?? 'is invalid'}.` };
  }
}
