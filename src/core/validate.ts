import { checkPlanPhysics, PLAN_CHECK_CODES } from './perf/planChecks';
import { parseProfile } from './perf/profile';
import { parseTrace, type TraceLimits, type TraceSession } from './sim/workload';
import type { MeasuredProfile } from './perf/types';
import { loadPlan, SPEC_CODES, type LoadOptions } from './spec/index';
import type { Diagnostic, FileReference, Plan, PlanLoad } from './spec/types';

export interface ValidateOptions extends LoadOptions {
  /**
   * Text of a file the plan names (a measured profile), or undefined when it cannot be read. The
   * core never reads files: the CLI and the extension pass their own reader. Without one,
   * profiles are not parsed and the physics checks use the analytical model.
   */
  readReference?: (reference: FileReference) => string | undefined;
}

/** A validated plan and the measured profiles it names, parsed, where they were read. */
export interface PlanValidation extends PlanLoad {
  /** The measured profile the base plan (no variant) or the named variant runs on, when it was read and parsed. */
  profileFor(variant?: string): MeasuredProfile | undefined;
  /**
   * The plan as the loader resolved it, whenever the loader found no error: present even when the
   * physics, profile or file checks did (`pdplan estimate` shows its tables for such a plan).
   */
  loadedPlan?: Plan;
}

/**
 * Everything `pdplan validate` and the editor report for a plan: the loader's diagnostics
 * (YAML, schema, names, semantics), the named measured profile's diagnostics (PDP150–PDP169,
 * reported at the plan's `perf.profile` with the profile's own file and line in the message), and
 * the performance-model physics checks (PDP100–PDP149) of the plan and of each variant.
 */
export function validatePlanText(text: string, options: ValidateOptions = {}): PlanValidation {
  const load = loadPlan(text, options);
  if (!load.plan) return { ...load, profileFor: () => undefined };
  const diagnostics: Diagnostic[] = [...load.diagnostics];

  // Each profile file is read and parsed once; a variant that names none inherits the base plan's.
  const profileByReference = new Map<string, MeasuredProfile>();
  const parsedFiles = new Map<string, MeasuredProfile | undefined>();
  for (const reference of load.references) {
    if (reference.kind !== 'profile' || !options.readReference) continue;
    const fileKey = `${reference.builtIn ? 'built-in' : 'plan'}:${reference.path}`;
    if (!parsedFiles.has(fileKey)) {
      const profileText = options.readReference(reference);
      let parsedProfile: MeasuredProfile | undefined;
      if (profileText === undefined && reference.builtIn) {
        // Plan-relative files that cannot be read are the CLI's PDP070; a built-in one is ours.
        diagnostics.push({
          severity: 'warning',
          code: PLAN_CHECK_CODES.builtInProfileMissing,
          message: `the built-in profile ${reference.path} is not installed with this copy of pdplan; the analytical model is used instead.`,
          path: reference.jsonPath,
          range: reference.range,
        });
      }
      if (profileText !== undefined) {
        const parsed = parseProfile(profileText, reference.path);
        parsedProfile = parsed.profile;
        for (const d of parsed.diagnostics)
          diagnostics.push({ ...d, path: reference.jsonPath, range: reference.range });
      }
      parsedFiles.set(fileKey, parsedProfile);
    }
    const parsedProfile = parsedFiles.get(fileKey);
    if (parsedProfile) profileByReference.set(reference.jsonPath, parsedProfile);
  }
  const profileFor = (variant?: string): MeasuredProfile | undefined => {
    const own = variant === undefined ? undefined : profileByReference.get(`/variants/${variant}/perf/profile`);
    return own ?? profileByReference.get('/perf/profile');
  };

  const seen = new Set<string>();
  const addChecks = (plan: Plan, prefix: string, variant?: string): void => {
    const found = checkPlanPhysics(plan, {
      rangeOf: (path) => load.rangeOf(prefix + path),
      profile: profileFor(variant),
    });
    for (const d of found) {
      // A variant that inherits the base plan's problem would only repeat it.
      const key = `${d.code}\u0000${d.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      diagnostics.push(
        prefix ? { ...d, path: prefix + d.path, message: `variant '${prefix.split('/')[2]}': ${d.message}` } : d,
      );
    }
  };
  addChecks(load.plan, '');
  for (const [name, variant] of Object.entries(load.plan.variants ?? {})) addChecks(variant, `/variants/${name}`, name);

  const hasError = diagnostics.some((d) => d.severity === 'error');
  return {
    plan: hasError ? undefined : load.plan,
    diagnostics,
    references: load.references,
    rangeOf: load.rangeOf,
    profileFor,
    loadedPlan: load.plan,
  };
}

/**
 * What a caller found when it looked for a file a plan names: its text, or why it has none and how
 * to fix that (PDP070; src/io/referenceRead.ts words both for the CLI and the editor), or `skipped`
 * when the caller chose not to read it.
 */
export type ReferenceRead = { text: string } | { problem: string; fix: string } | { skipped: true };

/** The limits a trace is checked against: the smallest context of the plan and its variants that replay it. */
export function traceLimitsFor(plan: Plan, tracePath: string): TraceLimits {
  const contexts = [plan, ...Object.values(plan.variants ?? {})]
    .filter((p) => p.workload.trace === tracePath)
    .map((p) => p.model.maxContextTokens);
  return contexts.length > 0 ? { maxContextTokens: Math.min(...contexts) } : {};
}

export interface PrepareOptions extends LoadOptions {
  /** How the caller reads a file the plan names; without it no file is read (untrusted workspace). */
  read?: (reference: FileReference) => ReferenceRead;
}

/**
 * A plan ready to run, or why it is not: the diagnostics `pdplan validate` prints and the editor
 * underlines, the plan when none is an error, the measured profile each variant runs on and the
 * parsed sessions of each trace that was read without errors.
 */
export interface PreparedPlan extends PlanValidation {
  /** Sessions of each trace the plan or a variant replays, by the path written in `workload.trace`. */
  traces: Map<string, TraceSession[]>;
}

/** Parsed traces by file, text and limits, so the editor does not re-parse a large trace on every keystroke. */
const parsedTraces = new Map<string, ReturnType<typeof parseTrace>>();
const TRACE_CACHE_ENTRIES = 4;

function parseTraceOnce(path: string, text: string, limits: TraceLimits): ReturnType<typeof parseTrace> {
  const key = `${path}\u0000${limits.maxContextTokens ?? ''}\u0000${text}`;
  let found = parsedTraces.get(key);
  if (!found) {
    found = parseTrace(text, limits);
    if (parsedTraces.size >= TRACE_CACHE_ENTRIES) parsedTraces.delete(parsedTraces.keys().next().value as string);
    parsedTraces.set(key, found);
  }
  return found;
}

/**
 * The one way every shell (CLI, editor, job worker) turns plan text into what it runs: everything
 * `validatePlanText` reports, then each file the plan names — a plan-relative trace or profile that
 * is missing or unreadable is PDP070, a trace's own problems are shown at the plan's `trace:` value
 * with the trace's line in the message. Sorted by position in the plan, as a compiler lists them.
 * How files are read is the caller's: only the checks live here.
 */
export function preparePlan(text: string, options: PrepareOptions = {}): PreparedPlan {
  const reads = new Map<string, ReferenceRead>();
  const readOnce = (reference: FileReference): ReferenceRead => {
    const key = `${reference.builtIn ? 'built-in' : 'plan'}:${reference.path}`;
    let read = reads.get(key);
    if (!read) {
      read = options.read!(reference);
      reads.set(key, read);
    }
    return read;
  };
  const validation = validatePlanText(text, {
    ...options,
    readReference: options.read
      ? (reference) => {
          const read = readOnce(reference);
          return 'text' in read ? read.text : undefined;
        }
      : undefined,
  });
  const diagnostics = [...validation.diagnostics];
  const traces = new Map<string, TraceSession[]>();
  for (const reference of options.read ? validation.references : []) {
    if (reference.builtIn) continue; // built-in profiles ship with the tool: validatePlanText warns when one is not installed
    const read = readOnce(reference);
    if ('problem' in read) {
      diagnostics.push({
        severity: SPEC_CODES.PDP070.severity,
        code: 'PDP070',
        message: `${read.problem}; ${read.fix}.`,
        path: reference.jsonPath,
        range: reference.range,
      });
    } else if ('text' in read && reference.kind === 'trace') {
      const limits = validation.plan ? traceLimitsFor(validation.plan, reference.path) : {};
      const parsed = parseTraceOnce(reference.path, read.text, limits);
      for (const d of parsed.diagnostics) {
        diagnostics.push({
          ...d,
          message: `trace ${reference.path}: ${d.message}`,
          path: reference.jsonPath,
          range: reference.range,
        });
      }
      if (!parsed.diagnostics.some((d) => d.severity === 'error')) traces.set(reference.path, parsed.sessions);
    }
  }
  diagnostics.sort(
    (a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character,
  );
  const hasError = diagnostics.some((d) => d.severity === 'error');
  return { ...validation, plan: hasError ? undefined : validation.plan, diagnostics, traces };
}
