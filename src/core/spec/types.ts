/**
 * The resolved plan: what every layer below the loader works with. Catalog names are already
 * replaced by their entries, defaults are filled in, and units are in the field names.
 *
 * The YAML a user writes has the same shape, except that `model`, `cluster.gpu` and
 * `workload` may be catalog names, and most fields are optional (defaults come from the schema).
 */

export type DType = 'fp32' | 'bf16' | 'fp16' | 'fp8' | 'int8' | 'int4' | 'fp4';

export interface MoeSpec {
  experts: number;
  activeExperts: number;
  /** FFN size of one routed expert. */
  expertFfnSize: number;
  /** Experts every token goes through (DeepSeek/Qwen style); 0 when none. */
  sharedExperts: number;
  /** Leading layers that are dense rather than MoE (DeepSeek-V3 has 3). */
  denseLayers: number;
}

/** Multi-head latent attention (DeepSeek): the KV cache holds a compressed latent per token. */
export interface MlaSpec {
  kvLoraRank: number;
  qLoraRank: number;
  ropeHeadDim: number;
}

export interface ModelSpec {
  name: string;
  layers: number;
  hiddenSize: number;
  attentionHeads: number;
  kvHeads: number;
  headDim: number;
  /** FFN intermediate size of a dense layer. */
  ffnSize: number;
  vocabSize: number;
  /** Gated (SwiGLU) MLPs have three weight matrices; plain MLPs two. */
  gatedMlp: boolean;
  moe?: MoeSpec;
  mla?: MlaSpec;
  weightDtype: DType;
  kvDtype: DType;
  /** Longest context the model supports, in tokens. */
  maxContextTokens: number;
  source?: string;
}

export interface GpuSpec {
  name: string;
  memoryGB: number;
  bf16Tflops: number;
  fp8Tflops: number;
  /** Dense FP4 (NVFP4) tensor throughput; absent on GPUs without FP4 tensor cores. */
  fp4Tflops?: number;
  hbmBandwidthGBps: number;
  /** Per-GPU NVLink (or Infinity Fabric, or PCIe) bandwidth, one direction. */
  nvlinkBandwidthGBps: number;
  /** GPUs one NVLink domain joins when it spans nodes (72 on GB200 NVL72); absent: the node. */
  nvlinkDomainGpus?: number;
  /**
   * Set by the user: achievable fraction of peak GEMM compute, and of HBM bandwidth (weights and
   * KV), overriding the catalog's calibration of every dtype (docs/perf-model.md).
   */
  computeEfficiency?: number;
  memoryEfficiency?: number;
  /** Per-op efficiencies fitted to measured per-op data (catalog only; docs/calibration.md). */
  calibration?: GpuCalibration;
  source?: string;
}

/** Achievable rates of one GEMM path (BF16, FP8 or FP4 tensor cores). */
export interface GemmCalibration {
  /** Fraction of the path's peak FLOP/s in compute-bound shapes. */
  compute: number;
  /** Fraction of HBM bandwidth reached streaming the weights (small batches). */
  memory: number;
  /** Fixed time of one GEMM call, µs (launch, tail; FP8: the activation quantisation too). */
  overheadUs: number;
  /**
   * Weight bytes/s one column of 128-wide output tiles streams, GB/s: a narrow GEMM (few output
   * tiles, no split-K) at small batch keeps too few SMs busy to reach `memory` × HBM bandwidth.
   * Absent: no such limit (the kernel splits K).
   */
  tileGBps?: number;
}

/** Per-op efficiencies of one GPU, each fitted to published or measured per-op times. */
export interface GpuCalibration {
  source: string;
  gemm: { bf16?: GemmCalibration; fp8?: GemmCalibration; fp4?: GemmCalibration };
  /** Causal prefill attention: fraction of BF16 peak once the key length is long, ramping up as 1 − exp(−keys / rampTokens). */
  prefillAttention: { compute: number; rampTokens: number; overheadUs: number };
  /**
   * Decode attention: fraction of HBM bandwidth reading KV once enough (sequence, KV head) pairs
   * run in parallel, ramping up as 1 − exp(−pairs / rampPairs); compute as a fraction of BF16 peak;
   * a cost per (sequence, KV head) pair, µs (the kernel's waves of thread blocks).
   */
  decodeAttention: DecodeAttentionCalibration & {
    /** An FP8 KV cache runs a kernel of its own (dequantising in the kernel): its own fit where measured. */
    fp8Kv?: DecodeAttentionCalibration;
  };
  /**
   * One TP all-reduce, the faster of a one-shot exchange (every GPU reads the other t − 1
   * shares: lowest latency, what engines use for small messages) and a two-shot / ring
   * all-reduce (2(t − 1)/t of the message, a higher fixed latency); `busEfficiency` is the
   * fraction of the link's per-direction bandwidth both reach.
   */
  allReduce: {
    latencyUs: number;
    ringLatencyUs: number;
    busEfficiency: number;
    /** Latency added per peer GPU beyond the first (the one-shot exchange reads t − 1 peers), µs. */
    peerLatencyUs?: number;
    /** Largest message the engine sends one-shot; larger ones always go two-shot/ring (absent: the faster form). */
    oneShotMaxBytes?: number;
    /**
     * Bus bandwidth at t GPUs is the 2-GPU figure × (2 / t)^busScaling: 0 where every GPU has its
     * own path (NVLink, NVSwitch), > 0 where GPUs share one fabric (PCIe through the host).
     */
    busScaling?: number;
  };
}

export interface DecodeAttentionCalibration {
  memory: number;
  rampPairs: number;
  /**
   * KV bytes/s one (sequence, KV head) pair streams, GB/s, where the kernel gives each pair one
   * thread block (no split-KV): few pairs then cannot reach `memory` × HBM. Absent: no such limit.
   */
  pairGBps?: number;
  compute: number;
  overheadUs: number;
  pairUs: number;
  /**
   * Fixed cost, µs, added to a call whose KV read (one layer, one GPU) is at least `largeKvMB` MB:
   * the engine's decode attention takes ~10–20 µs more once its KV outgrows a few tens of MB
   * (H100/H200, docs/calibration.md), whatever the (sequence, KV head, context) split. Absent: no such step.
   */
  largeKvUs?: number;
  largeKvMB?: number;
}

/** How a mixture-of-experts model is served with expert parallelism (perf-model terms in perf/moe.ts). */
export interface MoeServingSpec {
  /** An EPLB-style balancer replicates hot experts and places them by load (default true). */
  eplb?: boolean;
  /** Max/mean expert load across GPUs; default 1.1 with EPLB, 1.5 without. */
  expertImbalance?: number;
  /** Two micro-batches overlap the all-to-all with compute (default true). */
  twoBatchOverlap?: boolean;
}

export interface LinkSpec {
  bandwidthGBps: number;
  latencyUs: number;
}

/** A set of identical nodes. */
export interface PoolSpec {
  gpu: GpuSpec;
  gpusPerNode: number;
  nodes: number;
  intraNode: LinkSpec;
  interNode: LinkSpec;
  /** GPUs one NVLink domain joins (72 on GB200 NVL72); default gpusPerNode. */
  nvlinkDomainGpus?: number;
}

export interface ClusterSpec extends PoolSpec {
  /**
   * Separate pools for the two roles (reference 003, "the right chip for each phase"). When absent
   * both roles share the main pool.
   */
  prefillPool?: PoolSpec;
  decodePool?: PoolSpec;
  /** Link between the prefill and decode pools when they are separate clusters. */
  crossCluster?: LinkSpec;
}

export type Distribution =
  | { kind: 'constant'; value: number }
  | { kind: 'uniform'; min: number; max: number }
  | { kind: 'normal'; mean: number; std: number; min?: number; max?: number }
  | { kind: 'lognormal'; mean: number; std: number; min?: number; max?: number }
  | { kind: 'exponential'; mean: number; min?: number; max?: number }
  | { kind: 'gamma'; mean: number; cv: number; min?: number; max?: number }
  | { kind: 'empirical'; values: number[]; weights?: number[] };

export interface ArrivalSpec {
  process: 'poisson' | 'gamma';
  /** New sessions per second. */
  ratePerSec: number;
  /** Coefficient of variation of inter-arrival times (gamma only; poisson is 1). */
  cv?: number;
}

export interface WorkloadSpec {
  /** Built-in profile the distributions came from, if any. */
  profile?: string;
  arrival: ArrivalSpec;
  rounds: Distribution;
  initialPromptTokens: Distribution;
  incrementalTokens: Distribution;
  outputTokens: Distribution;
  toolLatencyMs: Distribution;
  /** JSONL trace to replay instead of the distributions (path as written, relative to the plan). */
  trace?: string;
  /** Stop generating arrivals after this many seconds, or after `sessions` sessions. */
  durationSec?: number;
  sessions?: number;
  /** Sessions at the start excluded from metrics. */
  warmupSessions: number;
  seed: number;
}

export type ItlStatistic = 'mean' | 'p50' | 'p90' | 'p95' | 'p99' | 'max';

export interface SloSpec {
  ttftMs: number;
  itlMs: number;
  /** Fraction in (0, 1]; the planner's target. */
  attainmentTarget: number;
  scope: 'session' | 'round';
  itlStatistic: ItlStatistic;
}

export type RoutingPolicyName =
  'adaptive' | 'remote' | 'local' | 'threshold' | 'ppd' | 'prfaas' | 'colocated' | 'continuum';

export const ROUTING_POLICY_NAMES: readonly RoutingPolicyName[] = [
  'adaptive',
  'remote',
  'local',
  'threshold',
  'ppd',
  'prfaas',
  'colocated',
  'continuum',
];

export type AdaptiveSlack = 'estimated' | 'windowed';

/** A routing policy and the settings it reads, keyed by the policy's name: each policy has only its own. */
export type RoutingSpec =
  | {
      name: 'adaptive';
      /** What counts as slack — windowed statistics and this task's estimate, or the windowed statistics alone. */
      slack?: AdaptiveSlack;
    }
  | { name: 'remote' }
  | { name: 'local' }
  | {
      name: 'threshold';
      /** Run locally when uncached tokens <= this. */
      maxLocalPrefillTokens?: number;
      /** Additionally require the decode worker's running batch to be below this. */
      maxLocalDecodeBatch?: number;
    }
  | {
      name: 'ppd';
      /** Weight of the TTFT term against the TPOT term in the routing score. */
      ttftWeight?: number;
    }
  | {
      name: 'prfaas';
      /** Only prefills with at least this many uncached tokens go to the remote cluster. */
      minRemotePrefillTokens?: number;
      /** Skip the remote cluster when its queue holds more than this many tasks. */
      maxRemoteQueue?: number;
    }
  | { name: 'colocated' }
  | {
      name: 'continuum';
      /** How long a session's KV is pinned across a tool call, in ms. */
      kvTtlMs?: number;
    };

/** The routing settings of one policy. */
export type RoutingOf<N extends RoutingPolicyName> = Extract<RoutingSpec, { name: N }>;

export interface PolicySpec {
  routing: RoutingSpec;
  /** Prefill reordering window W (1 = FCFS). */
  reorderWindow: number;
  /** Most times one prefill task may be postponed (M). */
  maxPostpone: number;
  /** Window of the TTFT/ITL statistics the adaptive router reads, in seconds. */
  statsWindowSec: number;
  /** Slack factor on the TTFT SLO for prefill workers (adaptive). */
  alpha: number;
  /** Slack factor on the ITL SLO for decode workers (adaptive). */
  beta: number;
  /** Continuous-batching limits of a decode worker. */
  maxDecodeBatch: number;
  maxBatchTokens: number;
  /** Prefills on a decode (or co-located) worker share its forward steps with the running decodes. */
  mixedBatching?: boolean;
  /** A round reuses its history's KV in whole blocks of this many tokens; the rest is recomputed (default 1). */
  prefixReuseBlockTokens?: number;
}

export type PlannerObjective =
  'min-p95-latency' | 'max-attainment' | 'max-goodput' | 'min-gpus' | 'min-cost' | 'max-rate';

export interface PlannerSpec {
  gpuBudget: number;
  tpDegrees: number[];
  /**
   * Replica widths the planner may run as expert-parallel replicas with data-parallel attention
   * (MoE models; widths may span nodes). A width in both lists is expert-parallel.
   */
  epDegrees?: number[];
  /** Attention TP inside each data-parallel rank of an expert-parallel replica (default 1). */
  attentionTp?: number;
  objective: PlannerObjective;
  topK: number;
  /** Consider co-located deployments beside disaggregated ones. */
  includeColocated: boolean;
  /** Allow different TP degrees inside one role. */
  mixedTp: boolean;
  /** Replications (seeds) per top-K re-simulation. */
  replications: number;
  /** Hard caps so a plan cannot run away. */
  maxCandidates: number;
  timeLimitSec: number;
}

export interface ReplicaGroup {
  /** GPUs of one replica: its TP degree, or its expert-parallel degree when `ep` is set. */
  tp: number;
  /** Replicas. */
  dp: number;
  /**
   * Expert-parallel replica: routed experts sharded over all `tp` GPUs (ep === tp), attention,
   * dense layers and shared experts run as tp / attentionTp data-parallel ranks.
   */
  ep?: number;
  /** Attention TP inside one data-parallel rank of an expert-parallel replica (default 1). */
  attentionTp?: number;
}

export type Deployment =
  | { kind: 'disaggregated'; prefill: ReplicaGroup[]; decode: ReplicaGroup[] }
  | { kind: 'colocated'; colocated: ReplicaGroup[] };

/** Analytical-model settings and the measured profile that overrides it. */
export interface PerfSpec {
  /** Catalog profile name or a path (relative to the plan) of a measured profile table. */
  profile?: string;
  /** Fixed per-step runtime overhead, ms (scheduler, kernel launches). */
  stepOverheadMs?: number;
  /** Fraction of GPU memory reserved for activations, CUDA graphs and the runtime. */
  memoryReserveFraction?: number;
  /** Expert-parallel serving of mixture-of-experts models. */
  moe?: MoeServingSpec;
}

/** Prices for the cost of a layout (docs/cost.md); catalog/prices.json fills in what is not given. */
export interface CostSpec {
  /** US dollars per GPU-hour: one price for every GPU type, or one per GPU type name. */
  gpuHourUsd?: number | Record<string, number>;
  /** GPU types `pdplan cost` chooses between (catalog names). */
  gpuTypes?: string[];
  /** With two or more gpuTypes, also each pair of different types for the prefill and decode pools (default true). */
  gpuPairs?: boolean;
}

export interface Plan {
  version: 1;
  name?: string;
  model: ModelSpec;
  cluster: ClusterSpec;
  workload: WorkloadSpec;
  slo: SloSpec;
  policy: PolicySpec;
  planner: PlannerSpec;
  perf: PerfSpec;
  cost?: CostSpec;
  deployment?: Deployment;
  /** Named overrides, each already merged into a whole plan. */
  variants?: Record<string, Plan>;
}

/** LSP-style position: 0-based line and UTF-16 character. */
export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

export type Severity = 'error' | 'warning' | 'info';

export interface Diagnostic {
  severity: Severity;
  /** Stable code, PDP followed by three digits. */
  code: string;
  message: string;
  /** JSON path of the offending node, e.g. `/cluster/gpu`. */
  path: string;
  range: Range;
  /** Machine-readable fix, when one exists (quick fixes use it). */
  fix?: { replacement: string; range: Range; title: string };
}

/** A file a plan names; the core never reads it, the shells (CLI, extension) do. */
export interface FileReference {
  kind: 'trace' | 'profile';
  /** As written in the plan (relative to the plan file), or `catalog/profiles/<name>.csv` when built in. */
  path: string;
  /** True for a built-in profile name: the path is relative to the extension, not to the plan. */
  builtIn?: boolean;
  /** Where the plan names it, so a problem with the file is reported there. */
  jsonPath: string;
  range: Range;
}

/** What `loadPlan` returns. */
export interface PlanLoad {
  /** The resolved plan; present only when there are no error diagnostics. */
  plan?: Plan;
  diagnostics: Diagnostic[];
  references: FileReference[];
  /** Range of the value at a JSON path (else of its key, else of the nearest ancestor that exists). */
  rangeOf(jsonPath: string): Range;
}
