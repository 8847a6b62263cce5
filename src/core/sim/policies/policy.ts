import type { PolicySpec, RoutingOf, RoutingPolicyName, SloSpec } from '../../spec/types';

/** What a routing policy sees of a prefill task. */
export interface PrefillTaskView {
  /** Tokens already in the session's KV on its decode worker (0 for an initial or recomputed prefill). */
  historyTokens: number;
  /** Uncached tokens this prefill must compute. */
  newTokens: number;
  /** Round 2 or later of a session whose KV is on its decode worker. */
  incremental: boolean;
}

/** Estimated costs the router compares, all in ms from now. */
export interface RemoteOption {
  worker: number;
  queueMs: number;
  prefillMs: number;
  /** KV read of the history before the prefill plus write-back of the result after it. */
  transferMs: number;
  queueLength: number;
  /** Windowed mean TTFT of tasks this worker finished (AMPD §4.1). */
  windowTtftMs: number;
}

export interface LocalOption {
  queueMs: number;
  prefillMs: number;
  /** Windowed mean inter-token gap on the session's decode worker. */
  windowItlMs: number;
  /** Running decode batch on that worker. */
  batchSize: number;
  /** Output tokens the running batch still has to produce, on average per sequence. */
  meanRemainingTokens: number;
}

export interface RoutingContext<N extends RoutingPolicyName = RoutingPolicyName> {
  slo: SloSpec;
  policy: PolicySpec;
  /** The settings of the policy that routes (a policy sees only its own). */
  routing: RoutingOf<N>;
  local: LocalOption;
  /** Empty for co-located deployments. */
  remotes: RemoteOption[];
}

export type RouteDecision = { kind: 'local' } | { kind: 'remote'; worker: number };

/**
 * One routing policy: where a prefill runs. Policies are pure functions of the task and the costs
 * the engine estimated, so each reads like its paper's pseudo-code.
 */
export interface RoutingPolicy<N extends RoutingPolicyName = RoutingPolicyName> {
  readonly name: N;
  /** Co-located policies run every prefill on the session's own worker and need no prefill workers. */
  readonly colocated: boolean;
  route(task: PrefillTaskView, ctx: RoutingContext<N>): RouteDecision;
  /** Order of a worker's local prefill queue: lower runs first (default FCFS). */
  localPriority?(task: PrefillTaskView): number;
  /** How long a session's KV stays pinned across a tool call, ms (continuum). */
  kvPinMs?(routing: RoutingOf<N>): number;
}

export function remoteCost(option: RemoteOption): number {
  return option.queueMs + option.prefillMs + option.transferMs;
}

/** The remote worker that would finish the task soonest. */
export function cheapestRemote(remotes: RemoteOption[]): RouteDecision {
  let best = remotes[0];
  for (const option of remotes) if (remoteCost(option) < remoteCost(best)) best = option;
  return { kind: 'remote', worker: best.worker };
}
