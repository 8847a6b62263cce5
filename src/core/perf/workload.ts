import type { Distribution, WorkloadSpec } from '../spec/types';

/**
 * Mean of a workload distribution, clipped to its bounds. Clipping the mean rather than
 * integrating the truncated distribution is an approximation, good enough for the "typical"
 * sizes the physics checks and the memory plan use.
 */
export function distributionMean(distribution: Distribution): number {
  let mean: number;
  switch (distribution.kind) {
    case 'constant':
      return distribution.value;
    case 'uniform':
      return (distribution.min + distribution.max) / 2;
    case 'empirical': {
      const { values, weights } = distribution;
      if (values.length === 0) return 0;
      let sum = 0;
      let total = 0;
      for (let i = 0; i < values.length; i++) {
        const weight = weights?.[i] ?? 1;
        sum += values[i] * weight;
        total += weight;
      }
      return total > 0 ? sum / total : 0;
    }
    default:
      mean = distribution.mean;
  }
  if (distribution.min !== undefined) mean = Math.max(mean, distribution.min);
  if (distribution.max !== undefined) mean = Math.min(mean, distribution.max);
  return mean;
}

export interface TypicalSizes {
  /** Mean first-round prompt, tokens. */
  promptTokens: number;
  /** Mean new tokens of a later round (tool output + user turn). */
  incrementalTokens: number;
  outputTokens: number;
  rounds: number;
  /**
   * Mean context a decoding sequence holds over a session's life: the first prompt, half the
   * growth of the later rounds, and half of one round's output.
   */
  decodeContextTokens: number;
}

export function typicalSizes(workload: WorkloadSpec): TypicalSizes {
  const promptTokens = Math.max(1, distributionMean(workload.initialPromptTokens));
  const incrementalTokens = Math.max(0, distributionMean(workload.incrementalTokens));
  const outputTokens = Math.max(1, distributionMean(workload.outputTokens));
  const rounds = Math.max(1, distributionMean(workload.rounds));
  const decodeContextTokens = Math.round(
    promptTokens + ((rounds - 1) / 2) * (incrementalTokens + outputTokens) + outputTokens / 2,
  );
  return { promptTokens, incrementalTokens, outputTokens, rounds, decodeContextTokens };
}
