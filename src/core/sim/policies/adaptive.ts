import { remoteCost, type LocalOption, type RemoteOption, type RoutingPolicy } from './policy';

/**
 * AMPD's adaptive routing (reference 004 §4.1, Algorithm 1):
 * 1. prefill workers with slack to meet the TTFT SLO (α) are candidates: take the cheapest;
 * 2. otherwise, if the session's decode worker has slack on the ITL SLO (β), run locally;
 * 3. otherwise compare the local cost (prefill + local queue) with each remote cost (prefill +
 *    KV read of the history + write-back of the increment + queue) and take the cheapest.
 *
 * "Slack" is read two ways (`routing.slack`):
 * - `windowed`, Algorithm 1 as written: windowed TTFT of each prefill worker under α·SLO, windowed
 *   ITL of the decode worker under β·SLO.
 * - `estimated` (default): the windowed statistics must leave slack *and* so must the performance
 *   model's estimate for this very task — its TTFT on the prefill worker (Eq. 2) and the decode
 *   ITL once the stall it adds is counted. Windowed means lag the queues by the window: a prefill
 *   worker whose backlog has not yet shown in its finished tasks still looks free, and a decode
 *   worker keeps looking idle while local prefills pile up in its queue, so the literal reading
 *   stacks seconds of prefill on one decode worker (stalling its whole batch) while prefill
 *   workers drain. Step 3 then runs locally only if the projected ITL stays within the SLO itself.
 */
export const adaptivePolicy: RoutingPolicy<'adaptive'> = {
  name: 'adaptive',
  colocated: false,
  route(_task, ctx) {
    const { alpha, beta } = ctx.policy;
    const estimated = (ctx.routing.slack ?? 'estimated') === 'estimated';
    const ttftBound = alpha * ctx.slo.ttftMs;
    let best: RemoteOption | undefined;
    for (const option of ctx.remotes) {
      const hasSlack = option.windowTtftMs <= ttftBound && (!estimated || remoteCost(option) <= ttftBound);
      if (hasSlack && (!best || remoteCost(option) < remoteCost(best))) best = option;
    }
    if (best) return { kind: 'remote', worker: best.worker };
    const itl = estimated ? projectedItlMs(ctx.local) : ctx.local.windowItlMs;
    if (itl <= beta * ctx.slo.itlMs) return { kind: 'local' };
    let cheapest = ctx.remotes[0];
    for (const option of ctx.remotes) if (remoteCost(option) < remoteCost(cheapest)) cheapest = option;
    if (estimated && itl > ctx.slo.itlMs) return { kind: 'remote', worker: cheapest.worker };
    const localCost = ctx.local.queueMs + ctx.local.prefillMs;
    return localCost <= remoteCost(cheapest) ? { kind: 'local' } : { kind: 'remote', worker: cheapest.worker };
  },
};

/**
 * The decode worker's ITL if this prefill ran locally: its windowed ITL plus the stall (the local
 * work queued ahead and this prefill) spread over the tokens its running rounds still decode.
 */
export function projectedItlMs(local: LocalOption): number {
  if (local.batchSize === 0) return local.windowItlMs;
  return local.windowItlMs + (local.queueMs + local.prefillMs) / Math.max(1, local.meanRemainingTokens);
}
