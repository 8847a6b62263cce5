import { checkNames, checkSemantics, checkTpIndependently, type Report } from './checks';
import { SPEC_CODES, type SpecCode } from './codes';
import { mergeVariant, normalizeRaw, resolvePlan, type Raw } from './resolve';
import { schemaIssues, type SchemaIssue } from './schema';
import type { Diagnostic, FileReference, Plan, PlanLoad, Range } from './types';
import { displayPath, parentPointer, parseYaml, pointer, toRange, type ParsedYaml } from './yamlSource';

export type { PlanLoad, FileReference } from './types';
export { SPEC_CODES } from './codes';

/** Plans are small; anything this big is a mistake (trace data belongs in a trace file). */
export const MAX_PLAN_CHARS = 1024 * 1024;
/** Deeper than any plan needs; bounds the work of every later stage. */
export const MAX_PLAN_DEPTH = 32;
/**
 * YAML aliases a plan may use. Resolving them costs the yaml library time that grows faster than
 * the square of their number when they refer to their own anchor (200 take 2 s, 400 take 8 s);
 * 64 stay near 0.1 s, and no plan needs more.
 */
export const MAX_PLAN_ALIASES = 64;
/** Side-by-side comparison of more than this many variants is not readable anyway. */
export const MAX_VARIANTS = 64;

export interface LoadOptions {
  /** For messages only; the core never reads files. */
  fileName?: string;
  /** Names of the built-in measured profiles (catalog/profiles/<name>.csv), when the caller knows them. */
  profileNames?: readonly string[];
}

const EMPTY_RANGE: Range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

/**
 * Parse, validate and resolve a plan file. Never throws: every problem — YAML syntax, schema,
 * names, semantics — becomes a diagnostic with a code, a JSON path and a range in `text`.
 */
export function loadPlan(text: string, options: LoadOptions = {}): PlanLoad {
  const diagnostics: Diagnostic[] = [];
  const references: FileReference[] = [];
  let parsed: ParsedYaml | undefined;

  const spanOf = (path: string, at: 'value' | 'key' | 'parent'): [number, number] | undefined => {
    if (!parsed) return undefined;
    const { value, key } = parsed.source;
    if (at === 'parent') return key.get(parentPointer(path)) ?? firstLine(parsed);
    if (at === 'key') return key.get(path) ?? value.get(path);
    return value.get(path) ?? key.get(path);
  };
  const rangeOf = (path: string, at: 'value' | 'key' | 'parent' = 'value'): Range => {
    if (!parsed) return EMPTY_RANGE;
    for (let p = path; ; p = parentPointer(p)) {
      const span = spanOf(p, p === path ? at : 'value');
      if (span) return toRange(parsed, span);
      if (p === '') return EMPTY_RANGE;
    }
  };
  const add = (
    code: SpecCode,
    path: string,
    message: string,
    range: Range,
    fix?: { replacement: string; title: string },
  ): void => {
    const diagnostic: Diagnostic = { severity: SPEC_CODES[code].severity, code, message, path, range };
    if (fix) diagnostic.fix = { ...fix, range };
    diagnostics.push(diagnostic);
  };
  const report: Report = (code, path, message, opts) =>
    add(code, path, message, rangeOf(path, opts?.at ?? 'value'), opts?.fix);
  const result = (plan?: Plan): PlanLoad => ({
    plan,
    diagnostics,
    references,
    rangeOf: (path: string) => rangeOf(path),
  });

  try {
    if (text.length > MAX_PLAN_CHARS) {
      add(
        'PDP003',
        '',
        `the plan is ${(text.length / 1048576).toFixed(1)} MB; plans are limited to 1 MB — move bulk data into a trace or profile file.`,
        EMPTY_RANGE,
      );
      return result();
    }
    // Old Mac line ends (a lone CR) are line breaks to the editor but not to the YAML parser. LF in
    // their place keeps every offset, so ranges still point into the text as given.
    if (text.includes('\r')) text = text.replace(/\r(?!\n)/g, '\n');
    parsed = parseYaml(text, MAX_PLAN_DEPTH + 1);
    const raw = planData(parsed, add, rangeOf);
    if (raw === undefined) return result();

    const addIssue = (issue: SchemaIssue, prefix = '') => {
      const path = prefix + issue.path;
      add(issue.code, path, issue.message, rangeOf(path, issue.at), issue.fix);
    };
    for (const issue of schemaIssues(raw)) addIssue(issue);
    checkNames(raw, '', report, references, options);
    const variants: Record<string, Raw> = isRecord(raw.variants) ? raw.variants : {};
    if (Object.keys(variants).length > MAX_VARIANTS) {
      add(
        'PDP003',
        '/variants',
        `the plan has ${Object.keys(variants).length} variants; at most ${MAX_VARIANTS} are compared — split them over several plan files.`,
        rangeOf('/variants', 'key'),
      );
      return result();
    }
    for (const [name, override] of Object.entries(variants)) {
      checkNames(override, `/variants/${escape(name)}`, report, references, options);
    }
    for (const ref of references) ref.range = rangeOf(ref.jsonPath);
    if (hasErrors(diagnostics)) {
      const errorPaths = diagnostics.filter((d) => d.severity === 'error').map((d) => d.path);
      const hasErrorAt = (path: string) => errorPaths.some((p) => p === path || p.startsWith(`${path}/`));
      checkTpIndependently(normalizeRaw(raw), report, hasErrorAt);
      return result();
    }

    const { variants: _variants, ...withoutVariants } = raw;
    const base = normalizeRaw(withoutVariants);
    const plan = resolvePlan(base);
    // Semantic checks see normalised data (`routing: x` became `routing: {name: x}`): report at the
    // nearest path the user actually wrote.
    const existing = (path: string): string => {
      for (let p = path; ; p = parentPointer(p)) {
        if (p === '' || parsed!.source.value.has(p) || parsed!.source.key.has(p)) return p;
      }
    };
    checkSemantics(plan, base, (code, path, message, opts) => report(code, existing(path), message, opts));
    const baseFindings = new Set(diagnostics.map((d) => `${d.code}|${d.path}`));

    const resolvedVariants = resolveVariants(base, variants, {
      parsed,
      add,
      report,
      rangeOf,
      baseFindings,
      diagnostics,
    });
    if (Object.keys(variants).length > 0) plan.variants = resolvedVariants;
    return result(hasErrors(diagnostics) ? undefined : plan);
  } catch (error) {
    // A bug of ours: still a diagnostic, never an exception out of the loader.
    add(
      'PDP099',
      '',
      `internal error while validating (please report it): ${error instanceof Error ? error.message : String(error)}`,
      EMPTY_RANGE,
    );
    return result();
  }
}

type AddDiagnostic = (
  code: SpecCode,
  path: string,
  message: string,
  range: Range,
  fix?: { replacement: string; title: string },
) => void;

/**
 * The plan as plain data, or undefined when the YAML stops it (too deep, syntax errors, empty, too
 * many aliases, not a mapping), each problem added as a diagnostic.
 */
function planData(
  parsed: ParsedYaml,
  add: AddDiagnostic,
  rangeOf: (path: string) => Range,
): Record<string, Raw> | undefined {
  if (parsed.tooDeepAt !== undefined) {
    const at = parsed.tooDeepAt;
    const message = parsed.tooDeepInBlocks
      ? `the plan nests far deeper than ${MAX_PLAN_DEPTH} levels here (indentation or repeated '- '); no plan section is that deep — check the indentation.`
      : `brackets nest deeper than ${2 * (MAX_PLAN_DEPTH + 1)} levels; no plan needs that — close the brackets sooner.`;
    add('PDP003', '', message, toRange(parsed, [at, at + 1]));
    return undefined;
  }
  if (reportYamlErrors(parsed, add)) return undefined;
  if (parsed.depth > MAX_PLAN_DEPTH) {
    add(
      'PDP003',
      '',
      `the plan nests deeper than ${MAX_PLAN_DEPTH} levels; no plan section is that deep — check the indentation.`,
      deepestRange(parsed),
    );
    return undefined;
  }
  if (parsed.doc?.contents === null) {
    add(
      'PDP004',
      '',
      "the plan is empty; start with 'version: 1' and the model, cluster, workload and slo sections.",
      EMPTY_RANGE,
    );
    return undefined;
  }
  if ((parsed.aliases ?? 0) > MAX_PLAN_ALIASES) {
    add(
      'PDP003',
      '',
      `the plan uses ${parsed.aliases} YAML aliases (*name); at most ${MAX_PLAN_ALIASES} are expanded — write the values out instead.`,
      parsed.firstAlias ? toRange(parsed, parsed.firstAlias) : rangeOf(''),
    );
    return undefined;
  }
  let raw: Raw;
  try {
    // The one-walk data is absent for what only toJS converts (aliases, merge keys, tags, …).
    raw = parsed.data ? parsed.data.value : parsed.doc?.toJS({ maxAliasCount: 100 });
  } catch (error) {
    add(
      'PDP003',
      '',
      `the plan expands too far through YAML aliases (${error instanceof Error ? error.message : String(error)}); write the values out instead.`,
      EMPTY_RANGE,
    );
    return undefined;
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    add(
      'PDP004',
      '',
      `the plan must be a mapping of sections (version, model, cluster, …), not ${Array.isArray(raw) ? 'a list' : 'a single value'}.`,
      rangeOf(''),
    );
    return undefined;
  }
  return raw;
}

/** What the loader's variant step shares with it: the parsed YAML, the diagnostics so far and how to add one. */
interface VariantContext {
  parsed: ParsedYaml;
  add: AddDiagnostic;
  report: Report;
  rangeOf: (path: string, at?: 'value' | 'key' | 'parent') => Range;
  /** `code|path` of every finding of the base plan, which a variant inheriting it would only repeat. */
  baseFindings: Set<string>;
  diagnostics: Diagnostic[];
}

/** Each variant merged over the base plan, checked as a whole plan and resolved (those with schema errors are left out). */
function resolveVariants(base: Raw, variants: Record<string, Raw>, ctx: VariantContext): Record<string, Plan> {
  const { parsed, add, report, rangeOf, baseFindings, diagnostics } = ctx;
  const resolvedVariants: Record<string, Plan> = {};
  for (const [name, override] of Object.entries(variants)) {
    const variantPath = `/variants/${escape(name)}`;
    const merged = mergeVariant(base, override);
    // A variant's problem is shown where the variant says it, or on the variant's name when
    // it comes from the combination with the base plan.
    const variantReport: Report = (code, path, message, opts) => {
      if (parsed.source.value.has(variantPath + path) || parsed.source.key.has(variantPath + path)) {
        report(code, variantPath + path, message, opts);
      } else if (!baseFindings.has(`${code}|${path}`)) {
        add(code, variantPath, `variant '${name}': ${displayPath(path)}: ${message}`, rangeOf(variantPath, 'key'));
      }
    };
    const before = diagnostics.length;
    for (const issue of schemaIssues(merged)) {
      variantReport(issue.code, issue.path, issue.message, {
        at: issue.at === 'parent' ? 'key' : issue.at,
        fix: issue.fix,
      });
    }
    if (diagnostics.slice(before).some((d) => d.severity === 'error')) continue;
    const variantPlan = resolvePlan(merged);
    variantPlan.name = isRecord(override) && typeof override.name === 'string' ? override.name : name;
    checkSemantics(variantPlan, merged, variantReport);
    if (isRecord(override) && Object.keys(override).filter((k) => k !== 'name').length === 0) {
      add(
        'PDP060',
        variantPath,
        `variant '${name}' overrides nothing, so it repeats the plan; add the settings it should change, or remove it.`,
        rangeOf(variantPath, 'key'),
      );
    }
    resolvedVariants[name] = variantPlan;
  }
  return resolvedVariants;
}

function isRecord(value: unknown): value is Record<string, Raw> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function escape(name: string): string {
  return pointer([name]).slice(1);
}

function hasErrors(diagnostics: Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/** The first line of the document's content (comments before it excluded). */
function firstLine(parsed: ParsedYaml): [number, number] {
  // The root node's range starts where the document's contents do.
  const start = parsed.source.value.get('')?.[0] ?? 0;
  const end = parsed.text.indexOf('\n', start);
  return [start, end < 0 ? parsed.text.length : end];
}

function deepestRange(parsed: ParsedYaml): Range {
  let deepest: [number, number] = [0, 0];
  let depth = -1;
  for (const [path, span] of parsed.source.value) {
    const d = path.split('/').length;
    if (d > depth) {
      depth = d;
      deepest = span;
    }
  }
  return toRange(parsed, deepest);
}

const YAML_HINTS: Record<string, string> = {
  BAD_INDENT: 'check the indentation, and close every [ or { that is opened',
  MISSING_CHAR: 'add the missing character',
  BLOCK_AS_IMPLICIT_KEY: 'put the key on its own line',
  MULTILINE_IMPLICIT_KEY: 'keys must fit on one line; quote the text or fix the indentation',
  TAB_AS_INDENT: 'indent with spaces, not tabs',
  UNEXPECTED_TOKEN: 'remove or quote the unexpected text',
  BAD_SCALAR_START: 'quote the value',
};

/** True when the YAML could not be read as one clean document. */
function reportYamlErrors(
  parsed: ParsedYaml,
  add: (code: SpecCode, path: string, message: string, range: Range) => void,
): boolean {
  const errors = parsed.doc?.errors ?? [];
  for (const span of parsed.duplicateKeys.slice(0, 50)) {
    const key = parsed.text.slice(span[0], span[1]);
    add(
      'PDP002',
      '',
      `duplicate key '${key.length > 40 ? key.slice(0, 37) + '...' : key}': it appears twice in the same mapping; remove or rename one of them.`,
      toRange(parsed, span),
    );
  }
  for (const error of errors.slice(0, 50)) {
    const span: [number, number] = [error.pos[0], Math.max(error.pos[0], error.pos[1])];
    const range = toRange(parsed, span);
    const raw = error.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    if (error.code === 'MULTIPLE_DOCS') {
      add(
        'PDP004',
        '',
        "a plan file holds one YAML document; remove the '---' separator and what follows, or move it into another file.",
        range,
      );
    } else {
      add('PDP001', '', `YAML syntax error: ${raw}; ${YAML_HINTS[error.code] ?? 'fix the YAML syntax here'}.`, range);
    }
  }
  return errors.length > 0 || parsed.duplicateKeys.length > 0;
}
