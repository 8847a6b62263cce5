import type { MemoryPlan, PerfModel } from '../../src/core/perf/types';

/**
 * A performance model with round numbers, so a scenario's answer can be worked out by hand:
 * prefill = 10 ms + 0.1 ms per new token (+0.01 per history token), decode step = 5 ms,
 * KV transfer = 1 ms + 0.01 ms per token, 1 kB of KV per token.
 */
export function toyPerf(options: { kvCapacityTokens?: number } = {}): PerfModel {
  const capacity = options.kvCapacityTokens ?? 1_000_000;
  const memory = (tp: number): MemoryPlan => ({
    tp,
    weightBytesPerGpu: 1e9,
    kvBytesPerToken: 1000,
    reserveBytesPerGpu: 0,
    kvCapacityTokens: capacity,
    maxDecodeBatch: 256,
    fits: true,
  });
  return {
    prefillMs: (history, tokens) => 10 + 0.1 * tokens + 0.01 * history,
    decodeStepMs: () => 5,
    kvTransferMs: (tokens) => (tokens > 0 ? 1 + 0.01 * tokens : 0),
    kvBytes: (tokens) => tokens * 1000,
    memoryPlan: memory,
  };
}
