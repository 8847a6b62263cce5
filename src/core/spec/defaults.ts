/**
 * Defaults filled in by the loader. The schema's `default` keywords say the same (a unit test
 * keeps the two in step); they live here too so the loader does not walk the schema at run time.
 */
export const DEFAULTS = {
  cluster: { gpusPerNode: 8, nodes: 1 },
  intraNodeLatencyUs: 5,
  interNode: { bandwidthGBps: 50, latencyUs: 10 },
  model: { gatedMlp: true, weightDtype: 'bf16', kvDtype: 'bf16', maxContextTokens: 131072 },
  moe: { sharedExperts: 0, denseLayers: 0 },
  mla: { qLoraRank: 0 },
  workload: { process: 'poisson', durationSec: 300, warmupSessions: 0, seed: 1 },
  slo: { attainmentTarget: 0.9, scope: 'session', itlStatistic: 'mean' },
  policy: {
    routing: 'adaptive',
    reorderWindow: 3,
    maxPostpone: 3,
    statsWindowSec: 10,
    alpha: 0.9,
    beta: 0.9,
    maxDecodeBatch: 256,
    maxBatchTokens: 16384,
    mixedBatching: false,
    prefixReuseBlockTokens: 1,
  },
  routing: {
    slack: 'estimated',
    maxLocalPrefillTokens: 1024,
    ttftWeight: 0.5,
    minRemotePrefillTokens: 2048,
    maxRemoteQueue: 16,
    kvTtlMs: 5000,
  },
  planner: {
    objective: 'max-attainment',
    topK: 3,
    includeColocated: true,
    mixedTp: false,
    replications: 3,
    maxCandidates: 2000,
    timeLimitSec: 60,
  },
} as const;

/** Which routing parameters each policy reads; others are reported as unused. */
export const ROUTING_PARAMETERS: Record<string, readonly string[]> = {
  adaptive: ['slack'],
  remote: [],
  local: [],
  threshold: ['maxLocalPrefillTokens', 'maxLocalDecodeBatch'],
  ppd: ['ttftWeight'],
  prfaas: ['minRemotePrefillTokens', 'maxRemoteQueue'],
  colocated: [],
  continuum: ['kvTtlMs'],
};

export const COLOCATED_POLICIES: readonly string[] = ['colocated', 'continuum'];
