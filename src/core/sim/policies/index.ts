import type { RoutingPolicyName } from '../../spec/types';
import { adaptivePolicy } from './adaptive';
import { colocatedPolicy } from './colocated';
import { continuumPolicy } from './continuum';
import { localPolicy } from './local';
import type { RoutingPolicy } from './policy';
import { ppdPolicy } from './ppd';
import { prfaasPolicy } from './prfaas';
import { remotePolicy } from './remote';
import { thresholdPolicy } from './threshold';

export const POLICIES: Record<RoutingPolicyName, RoutingPolicy> = {
  adaptive: adaptivePolicy,
  remote: remotePolicy,
  local: localPolicy,
  threshold: thresholdPolicy,
  ppd: ppdPolicy,
  prfaas: prfaasPolicy,
  colocated: colocatedPolicy,
  continuum: continuumPolicy,
};

export type { RoutingPolicy, RoutingContext, RouteDecision, PrefillTaskView, LocalOption, RemoteOption } from './policy';
