import type { RoutingPolicy } from './policy';

export const DEFAULT_KV_TTL_MS = 10_000;

/**
 * vLLM-Continuum: co-located, but tasks of sessions already in flight (whose KV is cached) run
 * before new sessions' prompts, and a session's KV is pinned across a tool call for a TTL.
 */
export const continuumPolicy: RoutingPolicy<'continuum'> = {
  name: 'continuum',
  colocated: true,
  route: () => ({ kind: 'local' }),
  localPriority: (task) => (task.incremental ? 0 : 1),
  kvPinMs: (routing) => routing.kvTtlMs ?? DEFAULT_KV_TTL_MS,
};
