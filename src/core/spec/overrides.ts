import { checkDeployment, checkPolicy } from './checks';
import type { SpecCode } from './codes';
import { COLOCATED_POLICIES } from './defaults';
import { checkDeploymentValue, parseDeploymentSpec } from './deployment';
import { planSchema } from './schema';
import { ROUTING_POLICY_NAMES, type Deployment, type Plan, type RoutingPolicyName, type RoutingSpec } from './types';

/**
 * What a run may change about a plan from outside it: the command line (`--deployment`,
 * `--policy`, `--rate`, `--sessions`) or the extension's "simulate this layout". Checked here by
 * the same checks as the plan file's own `deployment:` and `policy:` (PDP024, PDP030–PDP033,
 * PDP050, PDP054), so a layout refused in the file is refused on the command line too.
 */
export interface RunOverrides {
  /** Deployment notation, e.g. `P:4x2,D:8x1` (the command line), or a deployment sent as an object (the extension). */
  deployment?: string | Deployment;
  policy?: string;
  ratePerSec?: number;
  sessions?: number;
}

/** One refused override: `option` is where it came from (`--deployment`), as a location. */
export interface OverrideProblem {
  option: string;
  code: SpecCode;
  message: string;
}

export interface CheckedOverrides {
  deployment?: Deployment;
  routing?: RoutingSpec;
  problems: OverrideProblem[];
}

/** The schema's range of a number, by its path under `definitions` (the one source of each limit). */
export function schemaRange(...path: string[]): { min?: number; max?: number; exclusiveMin?: boolean } {
  let node: unknown = (planSchema as { definitions: unknown }).definitions;
  for (const key of path) node = (node as Record<string, unknown> | undefined)?.[key];
  const n = (node ?? {}) as { minimum?: number; maximum?: number; exclusiveMinimum?: number };
  return n.exclusiveMinimum !== undefined
    ? { min: n.exclusiveMinimum, max: n.maximum, exclusiveMin: true }
    : { min: n.minimum, max: n.maximum };
}

export function rateRange(): { min: number; max: number } {
  const range = schemaRange('workloadObject', 'properties', 'arrival', 'properties', 'ratePerSec');
  return { min: range.min ?? 0, max: range.max ?? Number.MAX_VALUE };
}

/**
 * Checks what a run overrides against the plan it runs on, as the loader checks the plan's own
 * fields; the deployment and routing to run are given when there are no problems of severity error.
 */
export function checkRunOverrides(
  plan: Plan,
  overrides: RunOverrides,
  names: { deployment?: string; policy?: string; rate?: string } = {},
): CheckedOverrides {
  const problems: OverrideProblem[] = [];
  const deploymentOption = names.deployment ?? '--deployment';
  const policyOption = names.policy ?? '--policy';
  let deployment = plan.deployment;
  if (overrides.deployment !== undefined) {
    const parsed =
      typeof overrides.deployment === 'string'
        ? parseDeploymentSpec(overrides.deployment)
        : checkDeploymentValue(overrides.deployment);
    if ('error' in parsed) {
      problems.push({ option: deploymentOption, code: 'PDP024', message: parsed.error });
      return { problems };
    }
    deployment = parsed.deployment;
  }
  let routing = plan.policy.routing;
  if (overrides.policy !== undefined) {
    if (!ROUTING_POLICY_NAMES.includes(overrides.policy as RoutingPolicyName)) {
      problems.push({
        option: policyOption,
        code: 'PDP013',
        message: `unknown policy '${overrides.policy.slice(0, 40)}'; use one of ${ROUTING_POLICY_NAMES.join(', ')}`,
      });
      return { problems };
    }
    // Another policy runs with its own defaults: the plan's settings belong to the plan's policy.
    const name = overrides.policy as RoutingPolicyName;
    routing = name === plan.policy.routing.name ? plan.policy.routing : ({ name } as RoutingSpec);
  }
  if (overrides.ratePerSec !== undefined) {
    const { min, max } = rateRange();
    if (!(overrides.ratePerSec >= min && overrides.ratePerSec <= max)) {
      problems.push({
        option: names.rate ?? '--rate',
        code: 'PDP014',
        message: `the arrival rate must be from ${min} to ${max} sessions/s, as workload.arrival.ratePerSec`,
      });
    }
  }
  if (overrides.deployment === undefined && overrides.policy === undefined) return { deployment, routing, problems };

  const effective: Plan = { ...plan, deployment, policy: { ...plan.policy, routing } };
  // As written: the notation (so findings point at the whole layout) and the routing name.
  const raw = { deployment: overrides.deployment ?? plan.deployment, policy: { routing: routing.name } } as Record<
    string,
    unknown
  >;
  const where = (path: string): string => {
    if (path.startsWith('/policy')) return overrides.policy !== undefined ? policyOption : deploymentOption;
    return overrides.deployment !== undefined ? deploymentOption : policyOption;
  };
  const report = (code: SpecCode, path: string, message: string) => {
    // Only what the override brings in: a colocated policy with separate pools is the plan's own finding.
    if (code === 'PDP051' || code === 'PDP052' || code === 'PDP053') return;
    problems.push({ option: where(path), code, message: message.replace(/[.]$/, '') });
  };
  if (deployment) {
    if (overrides.deployment !== undefined) checkDeployment(effective, raw, report);
    checkPolicy(effective, raw, report);
  } else if (overrides.policy !== undefined && COLOCATED_POLICIES.includes(routing.name)) {
    checkPolicy(effective, raw, report);
  }
  return { deployment, routing, problems };
}

/** One line per problem, `option: message`, for a shell to print. */
export function formatOverrideProblems(problems: OverrideProblem[]): string[] {
  return problems.map((p) => `${p.option}: ${p.message} (${p.code}).`);
}
