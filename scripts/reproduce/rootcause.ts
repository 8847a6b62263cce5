// Runs behind the root-cause sections of docs/validation.md: why our PPD and prefill-reordering
// figures differ from the papers', each cause isolated by changing one thing and re-running.

import { createPerfModel, typicalSizes } from '../../src/core/perf';
import type { Deployment, Plan, ReplicaGroup } from '../../src/core/spec/types';
import { formatDeployment } from '../../src/core/spec/deployment';
import type { Point, PolicyVariant, Runner } from './experiments';

function perfOf(plan: Plan) {
  return createPerfModel(plan.model, plan.cluster.gpu, { intraNode: plan.cluster.intraNode, perf: plan.perf });
}

/** The history a typical append sees: half a session's context. */
function typicalHistory(plan: Plan): number {
  const t = typicalSizes(plan.workload);
  return t.promptTokens + ((t.rounds - 1) / 2) * (t.incrementalTokens + t.outputTokens);
}

/** Offered work over capacity of each role when every prefill runs on a prefill worker (plain PD). */
export interface RoleLoad {
  prefill: number;
  decode: number;
}

/**
 * How loaded each role is at `ratePerSec` under PD, from the performance model alone: prefill
 * GPU-time demanded per second over the prefill replicas, and output tokens demanded per second
 * over what the decode replicas produce at their largest batch. A role near 1 has no room for more
 * work — the room PPD spends when it moves appends onto decode workers.
 */
export function roleLoads(plan: Plan, deployment: Deployment, ratePerSec: number, historyReadMs = 0): RoleLoad {
  if (deployment.kind !== 'disaggregated') throw new Error('roleLoads needs a disaggregated deployment');
  const perf = perfOf(plan);
  const t = typicalSizes(plan.workload);
  const appends = t.rounds - 1;
  const midHistory = typicalHistory(plan);
  // A remote append holds its prefill worker while its history is read, then while it computes.
  const prefillMsPerSession = (tp: number) =>
    perf.prefillMs(0, t.promptTokens, tp) +
    appends * (historyReadMs + perf.prefillMs(midHistory, t.incrementalTokens, tp));
  const batch = plan.policy.maxDecodeBatch;
  const tokensPerSec = (tp: number) => (1000 * batch) / perf.decodeStepMs(batch, batch * t.decodeContextTokens, tp);
  const capacity = (groups: ReplicaGroup[], perReplica: (tp: number) => number) =>
    groups.reduce((sum, g) => sum + g.dp * perReplica(g.tp), 0);
  // Prefill capacity is in sessions/s: each replica finishes 1000 / prefillMsPerSession of them.
  const prefillSessionsPerSec = capacity(deployment.prefill, (tp) => 1000 / prefillMsPerSession(tp));
  const decodeTokensPerSec = capacity(deployment.decode, tokensPerSec);
  return {
    prefill: ratePerSec / prefillSessionsPerSec,
    decode: (ratePerSec * t.rounds * t.outputTokens) / decodeTokensPerSec,
  };
}

const PD: PolicyVariant = { label: 'PD', routing: { name: 'remote' }, policy: { reorderWindow: 1 } };
const PPD: PolicyVariant = { label: 'PPD', routing: { name: 'ppd' }, policy: { reorderWindow: 1 } };

export interface PpdSetup {
  label: string;
  file: string;
  deployment: string;
  rates: number[];
  loads: RoleLoad[];
  /** Sessions each run at these rates measures (for the one-line commands the report prints). */
  sessions: number[];
  /** A typical append's history read from decode to prefill worker, alone on the link, ms. */
  historyReadMs: number;
  pd: Point[];
  ppd: Point[];
}

/**
 * A typical append's prefill on one GPU as our PD runs it (history KV read, only the new tokens
 * computed) and as PPD's PD baseline does (the previous answer re-prefilled with the new prompt).
 */
export function typicalAppendMs(plan: Plan): { reused: number; recomputed: number } {
  const perf = perfOf(plan);
  const t = typicalSizes(plan.workload);
  const history = typicalHistory(plan);
  return {
    reused: perf.prefillMs(history, t.incrementalTokens, 1),
    recomputed: perf.prefillMs(Math.max(0, history - t.outputTokens), t.incrementalTokens + t.outputTokens, 1),
  };
}

/** The history read of a typical append (half a session's context) over the plan's P–D link. */
function typicalHistoryReadMs(plan: Plan): number {
  // One replica per node puts prefill and decode workers on different nodes.
  const link = plan.cluster.gpusPerNode === 1 ? plan.cluster.interNode : plan.cluster.intraNode;
  return perfOf(plan).kvTransferMs(typicalHistory(plan), link, 1, 1);
}

async function ppdSetup(
  run: Runner,
  label: string,
  file: string,
  plan: Plan,
  deployment: Deployment,
  rates: number[],
): Promise<PpdSetup> {
  const points = await run.measure(
    plan,
    [PD, PPD].flatMap((variant) => rates.map((ratePerSec) => ({ deployment, variant, ratePerSec }))),
  );
  return {
    label,
    file,
    deployment: formatDeployment(deployment),
    rates,
    loads: rates.map((r) => roleLoads(plan, deployment, r, typicalHistoryReadMs(plan))),
    sessions: rates.map((r) => run.sessionsFor(plan, r)),
    historyReadMs: typicalHistoryReadMs(plan),
    pd: points.slice(0, rates.length),
    ppd: points.slice(rates.length),
  };
}

export interface PpdRootCause {
  setups: PpdSetup[];
  /** PPD at other TTFT weights, at the headline's heaviest rate. */
  weights: Array<{ ttftWeight: number; point: Point }>;
  appendMs: { reused: number; recomputed: number };
}

/**
 * PPD against PD in three setups that differ in one thing each from the headline comparison: the
 * same layout and rates (the headline itself, with each role's load); a layout with decode
 * headroom at its own PD knee; and the headline layout with KV crossing a 25 GB/s NIC.
 */
export async function ppdRootCause(
  run: Runner,
  chat: { file: string; plan: Plan; deployment: Deployment; rates: number[] },
  network: { file: string; plan: Plan },
  headroomDeployment: Deployment,
  log: (s: string) => void,
): Promise<PpdRootCause> {
  const headline = await ppdSetup(
    run,
    'headline: NVLink, both roles near capacity at the PD knee',
    chat.file,
    chat.plan,
    chat.deployment,
    chat.rates,
  );
  const knee = (await run.halfAttainmentRate(chat.plan, headroomDeployment, PD)).rate;
  const headroomRates = [0.5, 0.8, 1.0].map((f) => Number((knee * f).toPrecision(3)));
  log(
    `  PPD root cause: ${formatDeployment(headroomDeployment)} at ${headroomRates.join(', ')}; ${network.file} at ${chat.rates.join(', ')}`,
  );
  const headroom = await ppdSetup(
    run,
    'decode headroom: one prefill GPU, PD knee set by prefill alone',
    chat.file,
    chat.plan,
    headroomDeployment,
    headroomRates,
  );
  const overNetwork = await ppdSetup(
    run,
    'KV over a 25 GB/s NIC: same layout and rates as the headline',
    network.file,
    network.plan,
    chat.deployment,
    chat.rates,
  );
  // PPD's TTFT weight at the headline's heaviest rate: does any setting keep ITL down there?
  const knownWeights = [0.2, 0.8];
  const kneeRate = chat.rates[chat.rates.length - 1];
  const weighted = await run.measure(
    chat.plan,
    knownWeights.map((w) => ({
      deployment: chat.deployment,
      ratePerSec: kneeRate,
      variant: { label: `PPD w=${w}`, routing: { name: 'ppd', ttftWeight: w }, policy: { reorderWindow: 1 } },
    })),
  );
  return {
    setups: [headline, headroom, overNetwork],
    weights: knownWeights.map((ttftWeight, i) => ({ ttftWeight, point: weighted[i] })),
    appendMs: typicalAppendMs(chat.plan),
  };
}

export interface ReorderCause {
  file: string;
  deployment: string;
  rates: number[];
  /** Attainment with FCFS (W = 1) and with reordering (W = 3), per admission setting. */
  rows: Array<{ label: string; alpha: number; fcfs: Point[]; reordered: Point[] }>;
}

/**
 * Adaptive routing with the plan's α (a task goes to a prefill worker only while its estimated
 * TTFT there is within α·SLO) against α = 1.5 (tasks estimated to miss the SLO still queue there),
 * each with and without reordering, on the same layout and rates.
 */
export async function reorderRootCause(
  run: Runner,
  file: string,
  plan: Plan,
  deployment: Deployment,
  rates: number[],
): Promise<ReorderCause> {
  const settings = [
    {
      label: `α = ${plan.policy.alpha} (the plan's): only tasks estimated to meet α·SLO queue at a prefill worker`,
      alpha: plan.policy.alpha,
    },
    { label: 'α = 1.5: tasks estimated to miss the SLO queue there too', alpha: 1.5 },
  ];
  const variants = settings.flatMap((s) =>
    [1, 3].map((w): PolicyVariant => ({
      label: `${s.alpha}/${w}`,
      routing: { name: 'adaptive' },
      policy: { reorderWindow: w, alpha: s.alpha },
    })),
  );
  const points = await run.measure(
    plan,
    variants.flatMap((variant) => rates.map((ratePerSec) => ({ deployment, variant, ratePerSec }))),
  );
  const n = rates.length;
  return {
    file,
    deployment: formatDeployment(deployment),
    rates,
    rows: settings.map((s, i) => ({
      ...s,
      fcfs: points.slice(2 * i * n, (2 * i + 1) * n),
      reordered: points.slice((2 * i + 1) * n, (2 * i + 2) * n),
    })),
  };
}
