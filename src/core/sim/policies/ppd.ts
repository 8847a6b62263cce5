import { cheapestRemote, remoteCost, type RoutingPolicy } from './policy';

export const DEFAULT_PPD_TTFT_WEIGHT = 0.5;

/**
 * PPD (references 000/001): Turn-2+ appends may run on the decode worker that holds their KV. Each
 * option gets a score, a weighted sum of its predicted TTFT (against the TTFT SLO) and the decode
 * slowdown it causes (against the ITL SLO); the lower score wins. Initial prefills stay remote.
 */
export const ppdPolicy: RoutingPolicy<'ppd'> = {
  name: 'ppd',
  colocated: false,
  route(task, ctx) {
    const remote = cheapestRemote(ctx.remotes);
    if (!task.incremental || remote.kind !== 'remote') return remote;
    const option = ctx.remotes.find((o) => o.worker === remote.worker) ?? ctx.remotes[0];
    const w = ctx.routing.ttftWeight ?? DEFAULT_PPD_TTFT_WEIGHT;
    const localTtft = ctx.local.queueMs + ctx.local.prefillMs;
    // A local prefill stalls the running batch once; spread over the tokens the batch still has to
    // produce, that is the TPOT increase its sequences see.
    const stall = ctx.local.batchSize > 0 ? ctx.local.prefillMs / Math.max(1, ctx.local.meanRemainingTokens) : 0;
    const baseItl = ctx.local.windowItlMs;
    const localScore = (w * localTtft) / ctx.slo.ttftMs + ((1 - w) * (baseItl + stall)) / ctx.slo.itlMs;
    const remoteScore = (w * remoteCost(option)) / ctx.slo.ttftMs + ((1 - w) * baseItl) / ctx.slo.itlMs;
    return localScore <= remoteScore ? { kind: 'local' } : remote;
  },
};
