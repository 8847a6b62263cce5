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

/** A validated plan and the measured profile it names, parsed, when one was read. */
export interface PlanValidation extends PlanLoad {
  profile?: MeasuredProfile;
}

/**
 * Everything `pdplan validate` and the editor report for a plan: the loader's diagnostics
 * (YAML, schema, names, semantics), the named measured profile's diagnostics (PDP150–PDP169,
 * reported at the plan's `perf.profile` with the profile's own file and line in the message), and
 * the performance-model physics checks (PDP100–PDP149) of the plan and of each variant.
 */
export function validatePlanText(text: string, options: ValidateOptions = {}): PlanValidation {
  const load = loadPlan(text, options);
  if (!load.plan) return load;
  const diagnostics: Diagnostic[] = [...load.diagnostics];

  let profile: MeasuredProfile | undefined;
  const profileReference = load.references.find((ref) => ref.kind === 'profile');
  if (profileReference && options.readReference) {
    const profileText = options.readReference(profileReference);
    if (profileText === undefined && profileReference.builtIn) {
      // Plan-relative files that cannot be read are the CLI's PDP070; a built-in one is ours.
      diagnostics.push({
        severity: 'warning',
        code: PLAN_CHECK_CODES.builtInProfileMissing,
        message: `the built-in profile ${profileReference.path} is not installed with this copy of pdplan; the analytical model is used instead.`,
        path: profileReference.jsonPath,
        range: profileReference.range,
      });
    }
    if (profileText !== undefined) {
      const parsed = parseProfile(profileText, profileReference.path);
      profile = parsed.profile;
      for (const d of parsed.diagnostics) {
        diagnostics.push({ ...d, path: profileReference.jsonPath, range: profileReference.range });
      }
    }
  }

  const seen = new Set<string>();
  const addChecks = (plan: Plan, prefix: string): void => {
    const found = checkPlanPhysics(plan, { rangeOf: (path) => load.rangeOf(prefix + path), profile });
    for (const d of found) {
      // A variant that inherits the base plan's problem would only repeat it.
      const key = `${d.code}\u0000${d.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      diagnostics.push(prefix ? { ...d, path: prefix + d.path, message: `variant '${prefix.split('/')[2]}': ${d.message}` } : d);
    }
  };
  addChecks(load.plan, '');
  for (const [name, variant] of Object.entries(load.plan.variants ?? {})) addChecks(variant, `/variants/${name}`);

  const hasError = diagnostics.some((d) => d.severity === 'error');
  return {
    plan: hasError ? undefined : load.plan,
    diagnostics,
    references: load.references,
    rangeOf: load.rangeOf,
    profile,
  };
}
