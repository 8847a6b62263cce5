import type { RoutingPolicy } from './policy';

/** vLLM-style co-location: every prefill runs on the session's worker, ahead of its decode batch. */
export const colocatedPolicy: RoutingPolicy<'colocated'> = {
  name: 'colocated',
  colocated: true,
  route: () => ({ kind: 'local' }),
};
