import type { RoutingPolicyName, RoutingSpec } from '../../spec/types';
import { adaptivePolicy } from './adaptive';
import { colocatedPolicy } from './colocated';
import { continuumPolicy } from './continuum';
import { localPolicy } from './local';
import type { RoutingPolicy } from './policy';
import { ppdPolicy } from './ppd';
import { prfaasPolicy } from './prfaas';
import { remotePolicy } from './remote';
import { thresholdPolicy } from './threshold';

/** Each policy by its name; `POLICIES[routing.name]` routes with `routing`'s own settings. */
export const POLICIES: { [N in RoutingPolicyName]: RoutingPolicy<N> } = {
  adaptive: adaptivePolicy,
  remote: remotePolicy,
  local: localPolicy,
  threshold: thresholdPolicy,
  ppd: ppdPolicy,
  prfaas: prfaasPolicy,
  colocated: colocatedPolicy,
  continuum: continuumPolicy,
};

/**
 * The policy that routes with `routing`. Each policy is typed to read only its own settings; the
 * lookup by name is what guarantees it gets them, which the compiler cannot follow through an index.
 */
export function policyFor(routing: RoutingSpec): RoutingPolicy {
  return POLICIES[routing.name] as RoutingPolicy;
}

export type {
  RoutingPolicy,
  RoutingContext,
  RouteDecision,
  PrefillTaskView,
  LocalOption,
  RemoteOption,
} from './policy';
