import * as fs from 'node:fs';
import { routerSettingText } from '../../core/plan/describe';
import * as path from 'node:path';
import { planDeployment, type PlannerDeps } from '../../core/plan/index';
import { verifyPlan, type VerifyReport } from '../../core/plan/verify';
import { timesSource } from '../../core/perf/profile';
import type { MeasuredProfile } from '../../core/perf/types';
import type { Candidate, PlanResult } from '../../core/plan/types';
import { describeCost, layoutCost, measuredCost } from '../../core/cost';
import { perGpuFigures, type PerGpuFigures } from '../../core/cost/perGpu';
import { deploymentRoles, formatDeployment, replicaShape } from '../../core/spec/deployment';
import type { Plan, PlannerObjective, ReplicaGroup } from '../../core/spec/types';
import { layoutThroughput } from '../../core/plan/throughput';
import { throughputText } from '../throughput';
import { SimPool } from '../../workers/pool';
import { loadHighsSolver } from '../../workers/highs';
import type { CliIo } from '../io';
import { EXIT_FINDINGS, EXIT_OK, EXIT_USAGE } from '../io';
import { msText, pct, textTable } from '../format';
import { intOption, parseCommandArgs } from '../args';
import { loadRunInputs, traceFor } from '../runInputs';
import { planOnTrace } from '../../core/sim/workload';

export const USAGE =
  'Usage: pdplan plan FILE [--top K] [--objective NAME] [--sweep-rate FROM:TO:STEPS] [--json]\n' +
  '       pdplan plan FILE --verify [--verify-limit N] [--json]   (brute force: every layout in the budget, long runs)\n';
const OBJECTIVES: PlannerObjective[] = [
  'min-p95-latency',
  'max-attainment',
  'max-goodput',
  'min-gpus',
  'min-cost',
  'max-rate',
];

interface PlanArgs {
  file: string;
  topK?: number;
  objective?: PlannerObjective;
  sweepRate?: { from: number; to: number; steps: number };
  json: boolean;
  verify: boolean;
  verifyLimit?: number;
}

function parseArgs(args: string[]): PlanArgs | string {
  const parsed = parseCommandArgs(args, {
    json: { type: 'boolean' },
    verify: { type: 'boolean' },
    'verify-limit': { type: 'string' },
    top: { type: 'string' },
    objective: { type: 'string' },
    'sweep-rate': { type: 'string' },
  });
  if ('error' in parsed) return parsed.error;
  const { values, positionals } = parsed;
  const topK = intOption(values.top, 'top', 1, 20);
  if (typeof topK === 'object') return topK.error;
  const verifyLimit = intOption(values['verify-limit'], 'verify-limit', 1, 5000);
  if (typeof verifyLimit === 'object') return verifyLimit.error;
  const objective = values.objective as PlannerObjective | undefined;
  if (objective !== undefined && !OBJECTIVES.includes(objective))
    return `--objective '${String(objective).slice(0, 40)}' is not one of ${OBJECTIVES.join(', ')}`;
  let sweepRate: PlanArgs['sweepRate'];
  if (values['sweep-rate'] !== undefined) {
    const parts = String(values['sweep-rate']).split(':').map(Number);
    const [from, to, steps] = parts;
    if (parts.length !== 3 || !(from > 0) || !(to >= from) || !Number.isInteger(steps) || steps < 1 || steps > 50) {
      return '--sweep-rate takes FROM:TO:STEPS with 0 < FROM <= TO (sessions/s) and 1..50 steps, e.g. --sweep-rate 1:8:8';
    }
    sweepRate = { from, to, steps };
  }
  if (positionals.length !== 1) return positionals.length === 0 ? 'name one plan file' : 'plan takes one plan file';
  return {
    file: positionals[0],
    topK,
    objective,
    sweepRate,
    json: values.json === true,
    verify: values.verify === true,
    verifyLimit,
  };
}

/** Dependencies of a planner run; tests pass their own. */
export type PlannerDepsFactory = (
  plan: Plan,
  profile?: MeasuredProfile,
) => Promise<{ deps: PlannerDeps; dispose(): Promise<void> }>;

/** The real dependencies: HiGHS (WebAssembly) and a pool of simulation worker threads. */
export const workerDeps: PlannerDepsFactory = async (plan, profile) => {
  const script = path.join(__dirname, 'simWorker.js');
  if (!fs.existsSync(script)) {
    throw new UserFacingError(`the simulation worker ${script} is missing; run 'npm run build' first`);
  }
  const highs = await loadHighsSolver();
  const pool = new SimPool(plan, { script, profile });
  return { deps: { highs, runSimulations: pool.runSimulations }, dispose: () => pool.close() };
};

class UserFacingError extends Error {}

/** A latency in the candidates table: an overloaded run's is '∞'. */
const ms = (x: number) => msText(x, 1e5);
const groups = (g?: ReplicaGroup[]) =>
  g && g.length > 0 ? g.map((r) => `${r.ep ? replicaShape(r) : `TP${r.tp}`}×${r.dp}`).join('+') : '—';
const table = (headers: string[], rows: string[][]) => textTable(headers, rows, { rule: '-', align: 'left' });

const halfPts = (ci?: [number, number]) => (ci ? `±${(((ci[1] - ci[0]) / 2) * 100).toFixed(1)}` : '');
const rate = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));

/** Headroom as `≈ R [lo–hi]`, `≥ R` when every rate tried met the target, `< R` when none did. */
export function headroomText(c: Candidate): string {
  const h = c.headroom;
  if (!h) return '—';
  if (h.isLowerBound) return `≥ ${rate(h.ratePerSec)}`;
  if (h.ratePerSec <= 0) return `< ${rate(h.ci95[1])}`;
  return `${rate(h.ratePerSec)} [${rate(h.ci95[0])}–${rate(h.ci95[1])}]`;
}

/** Output tokens/s per GPU, and headroom per GPU in sessions/s when the search bracketed it. */
function perGpuText(f: PerGpuFigures): string {
  const tokens = f.outputTokensPerSecPerGpu === null ? '—' : f.outputTokensPerSecPerGpu.toFixed(0);
  return f.headroomPerGpu === null ? tokens : `${tokens} · ${rate(f.headroomPerGpu)}`;
}

function candidateRow(c: Candidate): string[] {
  const p = c.predicted;
  const d = c.deployment;
  return [
    `${c.rank}${c.tiedWith ? '=' : ''}`,
    d.kind === 'colocated' ? `co-located ${groups(d.colocated)}` : groups(d.prefill),
    d.kind === 'colocated' ? '' : groups(d.decode),
    String(c.gpus),
    p.unstable ? 'unstable' : `${pct(p.sloAttainment)} ${halfPts(p.sloAttainmentCi95)}`.trimEnd(),
    headroomText(c),
    perGpuText(
      perGpuFigures(c.gpus, c.metrics, c.headroom?.isLowerBound === false ? c.headroom.ratePerSec : undefined),
    ),
    pct(p.turn1SloAttainment),
    pct(p.turn2plusSloAttainment),
    `${ms(p.ttftP95Ms)}/${ms(p.ttftP99Ms)}`,
    `${ms(p.itlP95Ms)}/${ms(p.itlP99Ms)}`,
    d.kind === 'colocated' ? '—' : pct(p.localPrefillRatio),
    Number.isFinite(c.estimate.objective) ? c.estimate.objective.toFixed(4) : '—',
  ];
}

export function formatPlanResult(plan: Plan, result: PlanResult, file: string, profile?: MeasuredProfile): string {
  let text =
    `Plan ${file}: ${plan.model.name}, ${plan.workload.arrival.ratePerSec} sessions/s, ` +
    `SLO TTFT ${plan.slo.ttftMs} ms / ITL ${plan.slo.itlMs} ms, target ${pct(plan.slo.attainmentTarget)}, ` +
    `objective ${result.objective}, ${timesSource(plan.perf.profile, profile)}\n\n`;
  if (result.notes) text += result.notes.map((n) => `Note: ${n.replace(/\.$/, '')}.\n`).join('') + '\n';
  if (result.infeasibleReasons) {
    return text + 'No deployment can be recommended:\n' + result.infeasibleReasons.map((r) => `  - ${r}\n`).join('');
  }
  const best = result.candidates[0];
  text += `Recommended: ${formatDeployment(best.deployment)} (${best.gpus} GPUs), simulated SLO attainment ${pct(best.predicted.sloAttainment)}`;
  if (best.predicted.sloAttainmentCi95) text += ` ${halfPts(best.predicted.sloAttainmentCi95)} points`;
  if (best.headroom) text += `, headroom ${headroomText(best)} sessions/s`;
  const cost = (best.metrics && measuredCost(plan, best.deployment, best.metrics)) || layoutCost(plan, best.deployment);
  if (cost.usdPerHour !== null || result.objective === 'min-cost') text += `\n${describeCost(cost)}`;
  text +=
    result.maxRatePerSec !== undefined
      ? `\nHighest rate ${space(result.objective)}at the target ${result.maxRateIsLowerBound ? '≥' : '≈'} ${rate(result.maxRatePerSec)} sessions/s` +
        (result.maxRateCi95 && !result.maxRateIsLowerBound
          ? ` (between ${rate(result.maxRateCi95[0])} and ${rate(result.maxRateCi95[1])}: bisection bracket and 95% intervals)`
          : '') +
        `${result.maxRateIsLowerBound ? ' (every rate tried met the target; the search stopped growing)' : ''}\n\n`
      : '\n\n';
  text += throughputText(plan, best.deployment) + '\n';
  const ties = result.candidates.filter((c) => c.tiedWith && c.rank < (c.tiedWith[0] ?? 0));
  if (best.tiedWith) {
    text += `Statistical tie: #${[best.rank, ...best.tiedWith].join(', #')} are within each other's 95% intervals on the objective; the order among them is fewer GPUs, then headroom.\n\n`;
  } else if (ties.length > 0) {
    text += `Statistical ties are marked '=' in the # column.\n\n`;
  }
  if (best.predicted.sloAttainment < plan.slo.attainmentTarget) {
    text +=
      `Note: even the best deployment misses the ${pct(plan.slo.attainmentTarget)} target; raise planner.gpuBudget, ` +
      'lower workload.arrival.ratePerSec, or relax the SLO.\n\n';
  }
  text += table(
    [
      '#',
      'Prefill',
      'Decode',
      'GPUs',
      'Attain ±95%',
      'Headroom/s',
      'Tok/s/GPU · headroom/GPU',
      'Turn-1',
      'Turn-2+',
      'TTFT p95/p99 ms',
      'ITL p95/p99 ms',
      'Local',
      'ILP est.',
    ],
    result.candidates.map(candidateRow),
  );
  if (result.routerSettings.length > 0) {
    text += `\nRouter settings for ${formatDeployment(best.deployment)} (simulated):\n`;
    text += table(
      ['Policy', 'Setting', 'Attain', 'Local'],
      result.routerSettings.map((r) => [
        r.policy,
        routerSettingText(r),
        r.unstable ? 'unstable' : pct(r.sloAttainment),
        pct(r.localPrefillRatio),
      ]),
    );
  }
  if (result.rateSweep) {
    text += '\nAttainment against arrival rate:\n';
    const rates = result.rateSweep[0].points.map((p) => p.ratePerSec);
    text += table(
      ['Rate/s', ...result.rateSweep.map((s) => `#${s.candidateRank}`)],
      rates.map((r, i) => [
        r.toFixed(2),
        ...result.rateSweep!.map((s) => (s.points[i].unstable ? 'unstable' : pct(s.points[i].sloAttainment))),
      ]),
    );
  }
  text +=
    `\nILP (HiGHS): ${result.solver.status}, ${result.solver.ms.toFixed(0)} ms, ${result.solver.variables} variables, ` +
    `${result.solver.constraints} constraints${result.solver.solves ? ` (${result.solver.solves} solves)` : ''}; ${result.coefficientSimulations} coefficient simulations` +
    `${result.layoutSimulations !== undefined ? `, ${result.layoutSimulations} layout simulations (${result.layoutsScreened ?? 0} layouts screened)` : ''}; ${(result.wallMs / 1000).toFixed(1)} s in all.\n`;
  text += precisionText(result);
  text +=
    "\nHow to read this: each row is a deployment (TP×replicas per role) simulated end to end with the plan's routing " +
    'policy; rows are ranked by that simulation, not by the ILP. Attain = share of sessions meeting both SLOs ' +
    '(Turn-1 = first rounds, Turn-2+ = later rounds), with the half-width of its 95% interval; Headroom = the highest arrival ' +
    'rate at which the layout still meets the target (bisection on full simulations; [low–high] where the truth lies); ' +
    'Tok/s/GPU = output tokens/s per GPU over the measurement window, and headroom/GPU = headroom ÷ GPUs (sessions/s per GPU); ' +
    "a '=' after the rank marks a statistical tie. Among layouts meeting the target the fewest GPUs rank first, then the most headroom. " +
    'Local = share of incremental prefills run on the decode worker; ' +
    "ILP est. = the integer program's value (worst replica P95 over its SLO, or its SLO miss share, or GPUs). " +
    'A co-located row ranked first means disaggregation does not pay for this workload.\n';
  return text;
}

function space(objective: string): string {
  return objective === 'max-rate' ? 'the budget serves ' : '';
}

/** What the runs measured over, so that a reader knows how far to trust each figure. */
function precisionText(result: PlanResult): string {
  const p = result.precision;
  if (!p) return '';
  const line = (label: string, r?: NonNullable<PlanResult['precision']>['coefficients']) =>
    r && r.runs > 0 && r.windowSec[1] === 0
      ? `  ${label}: ${r.runs} runs (the simulator reported no measurement window)\n`
      : r && r.runs > 0
        ? `  ${label}: ${r.runs} runs, window ${r.windowSec[0].toFixed(0)}–${r.windowSec[1].toFixed(0)} s after a ${r.warmupSec[0].toFixed(0)}–${r.warmupSec[1].toFixed(0)} s warm-up, ` +
          `attainment ±${r.medianHalfWidthPts.toFixed(1)} points (median 95% half-width; widest ±${r.maxHalfWidthPts.toFixed(1)})` +
          `${r.unstable > 0 ? `, ${r.unstable} unstable` : ''}${r.precisionNotMet > 0 ? `, ${r.precisionNotMet} stopped by the replication cap before the asked precision` : ''}\n`
        : '';
  return (
    'Precision (simulated time):\n' +
    line('coefficients (ILP input)', p.coefficients) +
    line('screening', p.screening) +
    line('candidates shown', p.candidates)
  );
}

function jsonResult(file: string, plan: Plan, result: PlanResult, profile: MeasuredProfile | undefined): unknown {
  return {
    file,
    objective: result.objective,
    perf: { profile: profile ? (plan.perf.profile ?? null) : null },
    recommended:
      result.recommended.deployment && result.candidates.length > 0 && !result.infeasibleReasons
        ? { ...deploymentRoles(result.recommended.deployment), gpus: result.recommended.gpus }
        : null,
    candidates: result.candidates.map((c) => ({
      rank: c.rank,
      deployment: formatDeployment(c.deployment),
      ...deploymentRoles(c.deployment),
      gpus: c.gpus,
      estimate: c.estimate,
      predicted: c.predicted,
      ...(c.meetsTarget !== undefined ? { meetsTarget: c.meetsTarget } : {}),
      ...(c.headroom ? { headroom: c.headroom } : {}),
      perGpu: perGpuFigures(c.gpus, c.metrics, c.headroom?.isLowerBound === false ? c.headroom.ratePerSec : undefined),
      cost: (c.metrics && measuredCost(plan, c.deployment, c.metrics)) || layoutCost(plan, c.deployment),
      ...(c.tiedWith ? { tiedWith: c.tiedWith } : {}),
      nodeThroughput: layoutThroughput(plan, c.deployment),
    })),
    routerSettings: result.routerSettings,
    ...(result.rateSweep ? { rateSweep: result.rateSweep } : {}),
    ...(result.maxRatePerSec !== undefined
      ? {
          maxRatePerSec: result.maxRatePerSec,
          maxRateIsLowerBound: result.maxRateIsLowerBound === true,
          ...(result.maxRateCi95 ? { maxRateCi95: result.maxRateCi95 } : {}),
        }
      : {}),
    ...(result.precision ? { precision: result.precision } : {}),
    ...(result.partial ? { partial: true } : {}),
    ...(result.layoutSimulations !== undefined
      ? { layoutSimulations: result.layoutSimulations, layoutsScreened: result.layoutsScreened }
      : {}),
    ...(result.notes ? { notes: result.notes } : {}),
    solver: result.solver,
    coefficientSimulations: result.coefficientSimulations,
    wallMs: result.wallMs,
    ...(result.infeasibleReasons ? { infeasibleReasons: result.infeasibleReasons } : {}),
  };
}

export async function runPlanCommand(args: string[], io: CliIo, makeDeps: PlannerDepsFactory): Promise<number> {
  const parsed = parseArgs(args);
  if (typeof parsed === 'string') {
    io.err(`pdplan plan: ${parsed}.\n${USAGE}`);
    return EXIT_USAGE;
  }
  const inputs = loadRunInputs(parsed.file, io, 'plan');
  if ('exitCode' in inputs) return inputs.exitCode;
  const { plan, note: traceNote } = planOnTrace(inputs.plan, traceFor(inputs, inputs.plan));
  const started = performance.now();
  let made: Awaited<ReturnType<PlannerDepsFactory>>;
  try {
    made = await makeDeps(plan, inputs.profileFor());
  } catch (error) {
    if (error instanceof UserFacingError) {
      io.err(`pdplan plan: ${error.message}.\n`);
      return EXIT_USAGE;
    }
    throw error;
  }
  if (parsed.verify) return runVerify(parsed, plan, made, io);
  let result: PlanResult;
  try {
    const progress = io.isTty
      ? { onProgress: (done: number, total: number) => io.err(`\rsimulating ${done}/${total}…   `) }
      : undefined;
    result = await planDeployment(
      plan,
      { ...made.deps, now: () => performance.now(), control: progress },
      { topK: parsed.topK, objective: parsed.objective, sweepRate: parsed.sweepRate },
    );
    if (io.isTty) io.err('\r\x1b[K');
  } catch (error) {
    // The simulator rejecting a deployment is a property of the plan, reported as such.
    if (error instanceof Error && error.message.startsWith('simulation failed:')) {
      io.err(`pdplan plan: ${error.message}\n`);
      return EXIT_FINDINGS;
    }
    throw error;
  } finally {
    await made.dispose();
  }
  result.wallMs = performance.now() - started;
  if (traceNote) result.notes = [...(result.notes ?? []), traceNote];
  if (parsed.json) io.out(JSON.stringify(jsonResult(parsed.file, plan, result, inputs.profileFor()), null, 2) + '\n');
  else io.out(formatPlanResult(plan, result, parsed.file, inputs.profileFor()));
  if (result.infeasibleReasons) return EXIT_FINDINGS;
  return result.candidates[0].predicted.sloAttainment >= plan.slo.attainmentTarget ? EXIT_OK : EXIT_FINDINGS;
}

async function runVerify(
  parsed: PlanArgs,
  plan: Plan,
  made: Awaited<ReturnType<PlannerDepsFactory>>,
  io: CliIo,
): Promise<number> {
  let report: VerifyReport;
  try {
    const progress = io.isTty
      ? { onProgress: (done: number, total: number) => io.err(`\rsimulating ${done}/${total}…   `) }
      : undefined;
    report = await verifyPlan(
      plan,
      { ...made.deps, now: () => performance.now(), control: progress },
      { limit: parsed.verifyLimit },
    );
    if (io.isTty) io.err('\r\x1b[K');
  } catch (error) {
    if (error instanceof Error && error.message.startsWith('simulation failed:')) {
      io.err(`pdplan plan --verify: ${error.message}\n`);
      return EXIT_FINDINGS;
    }
    throw error;
  } finally {
    await made.dispose();
  }
  if (parsed.json) {
    const { planner, ...rest } = report;
    io.out(
      JSON.stringify(
        {
          file: parsed.file,
          ...rest,
          planner: {
            pick: planner.pick,
            minGpus: planner.minGpus,
            maxRatePerSec: planner.maxRatePerSec,
            wallMs: planner.results.map((r) => ({ objective: r.objective, wallMs: r.result.wallMs })),
          },
        },
        null,
        2,
      ) + '\n',
    );
  } else io.out(formatVerifyReport(plan, parsed.file, report));
  return report.pass ? EXIT_OK : EXIT_FINDINGS;
}

export function formatVerifyReport(plan: Plan, file: string, report: VerifyReport): string {
  let text =
    `Verify ${file}: every layout within ${plan.planner.gpuBudget} GPUs (${report.layouts.length}${report.truncated ? ', enumeration stopped at its limit' : ''}) ` +
    `simulated with long runs at ${plan.workload.arrival.ratePerSec} sessions/s, target ${pct(report.target)}, objective ${report.objective}; ${report.simulations} simulations\n\n`;
  text += table(
    ['Check', 'Result', 'Detail'],
    report.checks.map((c) => [c.name, c.pass ? 'pass' : 'FAIL', c.detail]),
  );
  const shown = [...report.layouts].sort((a, b) => b.sloAttainment - a.sloAttainment || a.gpus - b.gpus).slice(0, 12);
  text += `\nBest layouts by long-run attainment (${shown.length} of ${report.layouts.length}):\n`;
  text += table(
    ['Layout', 'GPUs', 'Attain ±95%', 'Headroom/s'],
    shown.map((l) => [
      l.deployment,
      String(l.gpus),
      l.unstable ? 'unstable' : `${pct(l.sloAttainment)} ${halfPts(l.ci95)}`.trimEnd(),
      l.headroom
        ? l.headroom.isLowerBound
          ? `≥ ${rate(l.headroom.ratePerSec)}`
          : `${rate(l.headroom.ratePerSec)} [${rate(l.headroom.ci95[0])}–${rate(l.headroom.ci95[1])}]`
        : '—',
    ]),
  );
  text += `\n${report.pass ? 'The planner agrees with brute force on every check.' : 'The planner disagrees with brute force on a check marked FAIL.'}\n`;
  return text;
}

export async function planCommand(args: string[], io: CliIo): Promise<number> {
  return runPlanCommand(args, io, workerDeps);
}
