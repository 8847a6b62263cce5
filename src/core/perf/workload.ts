import { distributionMean } from '../spec/checks';
import type { WorkloadSpec } from '../spec/types';

export { distributionMean };

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
