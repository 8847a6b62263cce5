import { remoteCost, type RemoteOption, type RoutingPolicy } from './policy';

/**
 * AMPD's adaptive routing (reference 004 §4.1, Algorithm 1):
 * 1. prefill workers whose windowed TTFT is under α·SLO are candidates: take the cheapest;
 * 2. otherwise, if the session's decode worker has windowed ITL under β·SLO, run locally;
 * 3. otherwise compare the local cost (prefill + local queue) with each remote cost (prefill +
 *    KV read of the history + write-back of the increment + queue) and take the cheapest.
 */
export const adaptivePolicy: RoutingPolicy = {
  name: 'adaptive',
  colocated: false,
  route(_task, ctx) {
    const { alpha, beta } = ctx.policy;
    let best: RemoteOption | undefined;
    for (const option of ctx.remotes) {
      if (option.windowTtftMs <= alpha * ctx.slo.ttftMs && (!best || remoteCost(option) < remoteCost(best))) best = option;
    }
    if (best) return { kind: 'remote', worker: best.worker };
    if (ctx.local.windowItlMs <= beta * ctx.slo.itlMs) return { kind: 'local' };
    let cheapest = ctx.remotes[0];
    for (const option of ctx.remotes) if (remoteCost(option) < remoteCost(cheapest)) cheapest = option;
    const localCost = ctx.local.queueMs + ctx.local.prefillMs;
    return localCost <= remoteCost(cheapest) ? { kind: 'local' } : { kind: 'remote', worker: cheapest.worker };
  },
};
