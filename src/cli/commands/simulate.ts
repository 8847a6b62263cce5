import { performance } from 'node:perf_hooks';
import { describeCost, layoutCost, measuredCost } from '../../core/cost';
import { MAX_SESSIONS, SimInputError, simulate } from '../../core/sim';
import type { SimResult } from '../../core/sim/types';
import { formatDeployment } from '../../core/spec/deployment';
import { checkRunOverrides, formatOverrideProblems, rateRange } from '../../core/spec/overrides';
import { ROUTING_POLICY_NAMES, type Deployment, type Plan, type RoutingPolicyName } from '../../core/spec/types';
import { intOption, numberOption, parseOnePlanCommand } from '../args';
import { latencyCells, pct, textTable } from '../format';
import { EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, type CliIo } from '../io';
import { loadRunInputs, planOrVariant, traceFor } from '../runInputs';
import { throughputText } from '../throughput';

export const USAGE =
  'Usage: pdplan simulate FILE [--policy NAME] [--deployment SPEC] [--variant NAME] [--seed N] [--replications R]\n' +
  '                            [--rate SESSIONS_PER_SEC] [--sessions N] [--precision POINTS] [--json]\n' +
  '  Measures in steady state: a warm-up is discarded, then sessions arriving in a window of several\n' +
  '  session durations are measured (--sessions N: exactly N of them), with replications added until\n' +
  '  the 95% interval on attainment is within ±POINTS (default 1) or 4 replications have run.\n' +
  '  Exit code 1 when the deployment is unstable at this load.\n' +
  "  SPEC: 'P:4x2,D:8x1' (TP x replicas per role) or 'C:4x2' for co-located.\n" +
  '  --rate on a plan that replays a trace moves its session arrivals closer or further apart to that mean rate.\n';

function describeReplay(replay: NonNullable<SimResult['traceReplay']>): string {
  const rate = (r: number) => `${Number(r.toPrecision(4))} sessions/s`;
  const { sessions, recordedRatePerSec: recorded, replayedRatePerSec: replayed } = replay;
  if (recorded === null || replayed === null) return `trace replay: ${sessions} sessions, all arriving at once`;
  if (recorded === replayed)
    return `trace replay: ${sessions} sessions at their recorded ${rate(recorded)} (--rate scales it)`;
  return `trace replay: ${sessions} sessions recorded at ${rate(recorded)}, replayed at ${rate(replayed)} (arrival gaps ×${Number((recorded / replayed).toPrecision(3))})`;
}

/** How the figures were measured: warm-up, window, replications and the interval's width. */
export function describeMeasurement(m: SimResult['metrics']): string {
  const w = m.measurement;
  if (!w) return '';
  const interval = `95% interval ±${(w.attainmentHalfWidth * 100).toFixed(1)} points from ${w.batches} batch means`;
  return (
    `measured ${w.measuredSessions} sessions arriving over ${w.windowSec.toFixed(1)} s after ${w.warmupSec.toFixed(1)} s of warm-up · ` +
    `${w.replications} replication${w.replications === 1 ? '' : 's'} · ${interval}${w.note ? `\nnote: ${w.note}` : ''}`
  );
}

const expertParallel = (d: Deployment) =>
  (d.kind === 'colocated' ? d.colocated : [...d.prefill, ...d.decode]).some((g) => g.ep);

export function describeResult(result: SimResult, plan?: Plan): string {
  const m = result.metrics;
  const ci = m.sloAttainmentCi95 ? ` (95% CI ${pct(m.sloAttainmentCi95[0])}–${pct(m.sloAttainmentCi95[1])})` : '';
  const goodputCi = m.goodputCi95 ? ` (95% CI ${m.goodputCi95[0].toFixed(3)}–${m.goodputCi95[1].toFixed(3)})` : '';
  const headline = m.unstable
    ? [
        `UNSTABLE: ${m.unstableReason ?? 'queues grow without bound at this load'}.`,
        `No steady-state attainment exists at this load (the stopped run measured ${pct(m.sloAttainment)}); add capacity or lower the rate.`,
      ]
    : [
        `SLO attainment ${pct(m.sloAttainment)}${ci} · Turn-1 ${pct(m.turn1.sloAttainment)} · Turn-2+ ${pct(m.turn2plus.sloAttainment)}`,
        `goodput ${m.goodput.toFixed(3)} sessions/s${goodputCi} · throughput ${m.throughputTokensPerSec.toFixed(0)} tokens/s · local share of incremental prefills ${pct(m.localPrefillRatio)}`,
      ];
  const lines = [
    `deployment ${formatDeployment(result.deployment)} · policy ${result.policy} · seed ${result.seed}${result.replications > 1 ? ` · ${result.replications} replications` : ''}`,
    ...(result.traceReplay ? [describeReplay(result.traceReplay)] : []),
    ...headline,
    ...(plan ? [describeCost(measuredCost(plan, result.deployment, m) ?? layoutCost(plan, result.deployment))] : []),
    ...(plan && expertParallel(result.deployment) ? ['', throughputText(plan, result.deployment).trimEnd()] : []),
    '',
    textTable(
      ['latency (ms)', 'p50', 'p90', 'p95', 'p99', 'mean'],
      [
        ['TTFT', m.ttftMs],
        ['TTFT Turn-1', m.turn1.ttftMs],
        ['TTFT Turn-2+', m.turn2plus.ttftMs],
        ['ITL', m.itlMs],
        ['end to end', m.e2eLatencyMs],
      ].map(([name, p]) => {
        const q = p as SimResult['metrics']['ttftMs'];
        return [name as string, ...latencyCells(q)];
      }),
    ),
    textTable(
      ['worker', 'role', 'TP', 'busy', 'max queue', 'local/remote increments'],
      m.workers.map((w) => [
        w.id,
        w.role,
        String(w.tp),
        pct(w.utilization),
        String(w.maxQueueLength),
        w.role === 'prefill' ? '–' : `${w.localPrefills ?? 0}/${w.remotePrefills ?? 0}`,
      ]),
    ),
    `KV moved: ${(m.kvBytesMoved.intraNode / 1e9).toFixed(2)} GB intra-node, ${(m.kvBytesMoved.interNode / 1e9).toFixed(2)} GB inter-node, ${(m.kvBytesMoved.crossCluster / 1e9).toFixed(2)} GB cross-cluster · evictions ${m.evictions} · recomputed ${m.recomputedTokens} tokens`,
    describeMeasurement(m),
    `${m.sessions} measured sessions (${m.completedSessions} completed) · ${result.simulatedSec.toFixed(1)} s simulated · ${result.events} events · ${result.wallMs.toFixed(0)} ms wall`,
  ];
  return lines.filter((line) => line !== '').join('\n') + '\n';
}

export async function simulateCommand(args: string[], io: CliIo): Promise<number> {
  const parsed = parseOnePlanCommand(
    args,
    {
      policy: { type: 'string' },
      deployment: { type: 'string' },
      variant: { type: 'string' },
      seed: { type: 'string' },
      replications: { type: 'string' },
      rate: { type: 'string' },
      sessions: { type: 'string' },
      precision: { type: 'string' },
      json: { type: 'boolean' },
    },
    'simulate',
    USAGE,
    io,
  );
  if (typeof parsed === 'number') return parsed;
  const { values, file } = parsed;
  const seed = intOption(values.seed, 'seed', 0, 2 ** 31 - 1);
  const replications = intOption(values.replications, 'replications', 1, 100);
  const sessions = intOption(values.sessions, 'sessions', 1, MAX_SESSIONS);
  const { min: minRate, max: maxRate } = rateRange();
  const rate = numberOption(values.rate, 'rate', 0, maxRate);
  const precision = numberOption(values.precision, 'precision', 0);
  for (const option of [seed, replications, sessions, rate, precision]) {
    if (typeof option === 'object') {
      io.err(`pdplan simulate: ${option.error}\n`);
      return EXIT_USAGE;
    }
  }
  if (typeof rate === 'number' && rate < minRate) {
    io.err(
      `pdplan simulate: --rate must be at least ${minRate} sessions/s, the smallest workload.arrival.ratePerSec (got '${values.rate}')\n`,
    );
    return EXIT_USAGE;
  }
  const policyName = values.policy as string | undefined;
  if (policyName !== undefined && !ROUTING_POLICY_NAMES.includes(policyName as RoutingPolicyName)) {
    io.err(`pdplan simulate: unknown policy '${policyName}'; use one of ${ROUTING_POLICY_NAMES.join(', ')}.\n`);
    return EXIT_USAGE;
  }
  const inputs = loadRunInputs(file, io, 'simulate');
  if ('exitCode' in inputs) return inputs.exitCode;
  const plan = planOrVariant(inputs, values.variant as string | undefined, io, 'simulate');
  if ('exitCode' in plan) return plan.exitCode;
  // The command line's layout and policy pass the same checks as the plan file's (TP against the
  // heads, node size, cluster size, replica cap, policy against layout), before anything is allocated.
  const checked = checkRunOverrides(plan, { deployment: values.deployment as string | undefined, policy: policyName });
  if (checked.problems.length > 0) {
    for (const line of formatOverrideProblems(checked.problems)) io.err(`pdplan simulate: ${line}\n`);
    return checked.problems.some((p) => p.code === 'PDP024' || p.code === 'PDP013') ? EXIT_USAGE : EXIT_FINDINGS;
  }
  const deployment: Deployment | undefined = checked.deployment;
  if (!deployment) {
    io.err(
      `pdplan simulate: ${inputs.file} has no 'deployment'; add one to the plan or pass --deployment 'P:4x1,D:4x1' (or run 'pdplan plan ${inputs.file}' to find one).\n`,
    );
    return EXIT_USAGE;
  }
  const routing = checked.routing ?? plan.policy.routing;
  const started = performance.now();
  let result: SimResult;
  const minReplications = (replications as number | undefined) ?? 1;
  try {
    result = simulate({
      plan,
      deployment,
      routing,
      seed: seed as number | undefined,
      ratePerSec: rate as number | undefined,
      measure: {
        sessions: sessions as number | undefined,
        halfWidth: precision === undefined ? undefined : (precision as number) / 100,
        minReplications,
        maxReplications: Math.max(minReplications, 4),
      },
      timeSeries: Boolean(values.json),
      trace: traceFor(inputs, plan),
      profile: inputs.profileFor(values.variant as string | undefined),
    });
  } catch (error) {
    if (error instanceof SimInputError) {
      io.err(`pdplan simulate: ${error.message}.\n`);
      return EXIT_FINDINGS;
    }
    throw error;
  }
  result.wallMs = performance.now() - started;
  if (values.json)
    io.out(
      JSON.stringify(
        { ...result, cost: measuredCost(plan, deployment, result.metrics) ?? layoutCost(plan, deployment) },
        null,
        2,
      ) + '\n',
    );
  else io.out(describeResult(result, plan));
  return result.metrics.unstable ? EXIT_FINDINGS : EXIT_OK;
}
