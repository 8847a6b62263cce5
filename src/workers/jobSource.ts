/**
 * What a job of the extension's worker runs on, from what the extension sends: the plan text, the
 * files it was allowed to read and, for simulate and sweep, a deployment.
 */
import * as path from 'node:path';
import { timesSource } from '../core/perf/profile';
import type { SimInput } from '../core/sim';
import { checkDeploymentValue, formatDeployment } from '../core/spec/deployment';
import { checkRunOverrides, formatOverrideProblems } from '../core/spec/overrides';
import type { Deployment, Diagnostic, Plan } from '../core/spec/types';
import { preparePlan } from '../core/validate';
import { builtInProfileNames } from '../io/references';
import type { PlanSource } from './jobProtocol';

/** The plan did not validate: the job cannot start. */
export class InvalidPlan extends Error {
  constructor(readonly diagnostics: Diagnostic[]) {
    super('invalid plan');
  }
}

let profileNames: string[] | undefined | null = null;

/** The built-in profile names, as the CLI and the editor know them: the worker runs from dist/ (src/workers/ under tsx). */
function workerProfileNames(): string[] | undefined {
  if (profileNames === null)
    profileNames = builtInProfileNames([path.resolve(__dirname, '..'), path.resolve(__dirname, '..', '..')]);
  return profileNames;
}

/** What a job runs on: the plan (its variant, when one is named), the trace it replays and the measured profile it names. */
export interface ResolvedSource {
  plan: Plan;
  trace?: SimInput['trace'];
  profile?: SimInput['profile'];
  /** Which times the job's simulations use, in words. */
  timesFrom: string;
}

/** Validates a source and resolves it to what a job runs on. */
export function resolveSource(source: PlanSource): ResolvedSource {
  // The worker's one call of the core's preparePlan, as the CLI and the editor make it. The files are
  // the ones the extension was allowed to read; any other is skipped, not missing.
  const load = preparePlan(source.text, {
    fileName: source.fileName,
    profileNames: workerProfileNames(),
    read: (ref) => (source.files?.[ref.path] !== undefined ? { text: source.files[ref.path] } : { skipped: true }),
  });
  if (!load.plan) throw new InvalidPlan(load.diagnostics.filter((d) => d.severity === 'error'));
  let plan = load.plan;
  if (source.variant) {
    const variant = plan.variants?.[source.variant];
    if (!variant) throw new Error(`the plan has no variant '${source.variant}'`);
    plan = variant;
  }
  const tracePath = plan.workload.trace;
  const trace = tracePath ? load.traces.get(tracePath) : undefined;
  if (tracePath && !trace && plan.workload.profile === undefined) {
    // Without the trace a trace-only plan has no sessions to run: no rate, no token counts.
    throw new Error(
      `the trace ${tracePath} was not read (an untrusted workspace reads no files a plan names: trust the workspace to replay it), and the workload names no profile to run instead`,
    );
  }
  const profile = load.profileFor(source.variant);
  return { plan, trace, profile, timesFrom: timesSource(plan.perf.profile, profile) };
}

/** The deployment a simulate or sweep job runs: the one sent, checked as the plan file's own would be, else the plan's. */
export function deploymentOf(plan: Plan, chosen: Deployment | undefined): Deployment {
  if (chosen) {
    // A message from outside the worker: its shape first, then the same checks as a plan file's own
    // `deployment:` (and as the CLI's --deployment).
    const shape = checkDeploymentValue(chosen);
    if ('error' in shape) throw new Error(`deployment: ${shape.error}.`);
    const notation = formatDeployment(shape.deployment);
    const checked = checkRunOverrides(
      plan,
      { deployment: shape.deployment },
      { deployment: `deployment ${notation.length > 40 ? notation.slice(0, 37) + '...' : notation}` },
    );
    if (checked.problems.length > 0 || !checked.deployment)
      throw new Error(formatOverrideProblems(checked.problems).join(' '));
    return checked.deployment;
  }
  if (plan.deployment) return plan.deployment;
  throw new Error('the plan has no `deployment:`; run the plan first or name a deployment such as P:4x2,D:8x1');
}
