import { checkPlanPhysics, PLAN_CHECK_CODES } from './perf/planChecks';
import { parseProfile } from './perf/profile';
import type { MeasuredProfile } from './perf/types';
import { loadPlan, type LoadOptions } from './spec/index';
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
        for (const d of parsed.diagnostics) diagnostics.push({ ...d, path: reference.jsonPath, range: reference.range });
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
    const found = checkPlanPhysics(plan, { rangeOf: (path) => load.rangeOf(prefix + path), profile: profileFor(variant) });
    for (const d of found) {
      // A variant that inherits the base plan's problem would only repeat it.
      const key = `${d.code}\u0000${d.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      diagnostics.push(prefix ? { ...d, path: prefix + d.path, message: `variant '${prefix.split('/')[2]}': ${d.message}` } : d);
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
  };
}
