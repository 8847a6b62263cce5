import { cheapestRemote, type RoutingPolicy } from './policy';

export const DEFAULT_MAX_LOCAL_PREFILL_TOKENS = 512;

/**
 * Conditional disaggregation as Dynamo and TensorRT-LLM (`max_local_prefill_length`) and llm-d
 * (non-cached-token threshold) do it: a prefill whose uncached tokens are at most the threshold
 * runs on the decode worker, optionally only while that worker's batch is small.
 */
export const thresholdPolicy: RoutingPolicy<'threshold'> = {
  name: 'threshold',
  colocated: false,
  route(task, ctx) {
    const limit = ctx.routing.maxLocalPrefillTokens ?? DEFAULT_MAX_LOCAL_PREFILL_TOKENS;
    const batchLimit = ctx.routing.maxLocalDecodeBatch ?? Infinity;
    if (task.newTokens <= limit && ctx.local.batchSize <= batchLimit) return { kind: 'local' };
    return cheapestRemote(ctx.remotes);
  },
};
