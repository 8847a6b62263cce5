/**
 * The extension's job worker: plans, simulations, comparisons and rate sweeps run here so the
 * extension host (and typing) never waits on them. Speaks src/workers/jobProtocol.ts: `ready`
 * first, then progress and one result (or invalid/error/cancelled) per job.
 */
import { parentPort } from 'node:worker_threads';
import { formatDeployment } from '../core/spec/deployment';
import { checkRunOverrides, formatOverrideProblems, rateRange } from '../core/spec/overrides';
import type { Deployment, Plan } from '../core/spec/types';
import { timesSource } from '../core/perf/profile';
import { parseTrace, planOnTrace, simulate, traceArrivalRate, type SimInput } from '../core/sim';
import type { SimResult } from '../core/sim/types';
import { validatePlanText } from '../core/validate';
import { ExportError, exportDeployment } from '../core/export';
import { paretoSteps, routingForLayout } from '../core/pareto';
import { runPlanJob } from './planJob';
import { defaultSweepRates, isToWorker, type FromWorker, type JobRequest, type JobResult, type PlanSource, type SweepPoint } from './jobProtocol';

if (!parentPort) throw new Error('jobWorker must run as a worker thread');
const port = parentPort;
const post = (message: FromWorker) => port.postMessage(message);

class InvalidPlan extends Error {
  constructor(readonly diagnostics: import('../core/spec/types').Diagnostic[]) {
    super('invalid plan');
  }
}

/** Cancel requests that arrived; checked between simulations (a single one cannot be interrupted). */
const cancelled = new Set<number>();
class Cancelled extends Error {}

function progressReporter(id: number, label: string, from = 0, to = 1) {
  let last = -1;
  return (fraction: number) => {
    const overall = from + (to - from) * Math.max(0, Math.min(1, fraction));
    if (overall - last < 0.01 && fraction < 1) return;
    last = overall;
    post({ type: 'progress', id, fraction: overall, message: label });
  };
}

/** What a job runs on: the plan (its variant, when one is named), the trace it replays and the measured profile it names. */
interface ResolvedSource {
  plan: Plan;
  trace?: SimInput['trace'];
  profile?: SimInput['profile'];
  /** Which times the job's simulations use, in words. */
  timesFrom: string;
}

/** Validates a source and resolves it to what a job runs on. */
export function resolveSource(source: PlanSource): ResolvedSource {
  const load = validatePlanText(source.text, {
    fileName: source.fileName,
    readReference: (ref) => source.files?.[ref.path],
  });
  if (!load.plan) throw new InvalidPlan(load.diagnostics.filter((d) => d.severity === 'error'));
  let plan = load.plan;
  if (source.variant) {
    const variant = plan.variants?.[source.variant];
    if (!variant) throw new Error(`the plan has no variant '${source.variant}'`);
    plan = variant;
  }
  let trace: SimInput['trace'];
  const tracePath = plan.workload.trace;
  if (tracePath && source.files?.[tracePath] !== undefined) {
    const parsed = parseTrace(source.files[tracePath], { maxContextTokens: plan.model.maxContextTokens });
    if (parsed.diagnostics.some((d) => d.severity === 'error')) throw new InvalidPlan(parsed.diagnostics);
    trace = parsed.sessions;
  } else if (tracePath && plan.workload.profile === undefined) {
    // Without the trace a trace-only plan has no sessions to run: no rate, no token counts.
    throw new Error(
      `the trace ${tracePath} was not read (an untrusted workspace reads no files a plan names: trust the workspace to replay it), and the workload names no profile to run instead`,
    );
  }
  const profile = load.profileFor(source.variant);
  return { plan, trace, profile, timesFrom: timesSource(plan.perf.profile, profile) };
}

function deploymentOf(plan: Plan, notation: string | undefined): Deployment {
  if (notation) {
    // The same checks as a plan file's own `deployment:` (and as the CLI's --deployment).
    const checked = checkRunOverrides(plan, { deployment: notation }, { deployment: `deployment ${notation.length > 40 ? notation.slice(0, 37) + '...' : notation}` });
    if (checked.problems.length > 0 || !checked.deployment) throw new Error(formatOverrideProblems(checked.problems).join(' '));
    return checked.deployment;
  }
  if (plan.deployment) return plan.deployment;
  throw new Error('the plan has no `deployment:`; run the plan first or name a deployment such as P:4x2,D:8x1');
}

function sweepPoints(id: number, { plan, trace, profile }: ResolvedSource, deployment: Deployment, rates: number[]): SweepPoint[] {
  const points: SweepPoint[] = [];
  rates.forEach((ratePerSec, i) => {
    if (cancelled.has(id)) throw new Cancelled();
    const sim = simulate(
      { plan, deployment, ratePerSec, trace, profile },
      { onProgress: progressReporter(id, `rate ${ratePerSec} sessions/s`, i / rates.length, (i + 1) / rates.length), isCancelled: () => cancelled.has(id) },
    );
    const m = sim.metrics;
    points.push({
      ratePerSec,
      sloAttainment: m.sloAttainment,
      goodput: m.goodput,
      unstable: m.unstable,
      ...(m.sloAttainmentCi95 ? { sloAttainmentCi95: m.sloAttainmentCi95 } : {}),
      ...(m.unstableReason ? { unstableReason: m.unstableReason } : {}),
    });
  });
  return points;
}

/** Multiples of a replayed trace's recorded arrival rate, in sessions/s. */
function ratesOnTrace(multiples: number[], { plan, trace }: ResolvedSource): number[] {
  if (!trace) {
    throw new Error(
      plan.workload.trace
        ? `the trace ${plan.workload.trace} was not read (an untrusted workspace reads no referenced files), so it has no rate to sweep around`
        : 'the plan replays no trace; give the rates in sessions/s',
    );
  }
  const recorded = traceArrivalRate(trace);
  if (recorded === undefined) throw new Error(`the sessions of ${plan.workload.trace} all arrive at the same moment, so it has no rate to sweep around; spread its arrivals`);
  return multiples.map((m) => Number((m * recorded).toPrecision(4)));
}

/**
 * Sweep rates are asked for around the plan's written rate; a trace sets its own. Scale them to it,
 * or, when the plan writes no rate (a trace alone), sweep around the trace's.
 */
function sweepRatesAroundTrace(requested: number[] | undefined, written: Plan, fitted: Plan): number[] | undefined {
  const writtenRate = written.workload.arrival.ratePerSec;
  const fittedRate = fitted.workload.arrival.ratePerSec;
  if (!(writtenRate > 0) || !requested || requested.length === 0) return defaultSweepRates(fittedRate);
  return requested.map((r) => Number(((r * fittedRate) / writtenRate).toPrecision(4)));
}

/** Lets the thread take its messages (a cancel) between two synchronous steps. */
const yieldToMessages = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The Pareto sweep, one simulation at a time with the thread free between them, so a cancel stops it. */
async function paretoJob(id: number, { plan, trace, profile, timesFrom }: ResolvedSource): Promise<JobResult> {
  const report = progressReporter(id, 'Pareto sweep');
  const steps = paretoSteps({ plan, trace, profile });
  for (;;) {
    const step = steps.next();
    if (step.done) return { kind: 'pareto', pareto: step.value, timesFrom };
    report(step.value.total > 0 ? step.value.done / step.value.total : 0);
    await yieldToMessages();
    if (cancelled.has(id)) throw new Cancelled();
  }
}

/** Deployment files: pure text from the core; the extension writes or opens them. */
function exportJob(job: Extract<JobRequest, { type: 'exportDeployment' }>): JobResult {
  const { plan } = resolveSource(job.source);
  const deployment = deploymentOf(plan, job.deployment);
  const routing = routingForLayout(plan, deployment);
  try {
    const result = exportDeployment({ plan, deployment, routing, format: job.format });
    return { kind: 'exportDeployment', format: job.format, deployment: formatDeployment(deployment), policy: routing.name, files: result.files, notes: result.notes };
  } catch (error) {
    if (error instanceof ExportError) throw new Error(`${formatDeployment(deployment)}: ${error.message}`);
    throw error;
  }
}

async function run(job: JobRequest): Promise<JobResult> {
  switch (job.type) {
    case 'plan': {
      const { plan: written, trace, profile, timesFrom } = resolveSource(job.source);
      const { plan, note } = planOnTrace(written, trace);
      const result = await runPlanJob(plan, profile, {
        sweepRates: note ? sweepRatesAroundTrace(job.sweepRates, written, plan) : job.sweepRates,
        onProgress: (fraction, message) => post({ type: 'progress', id: job.id, fraction, message }),
        isCancelled: () => cancelled.has(job.id),
      });
      if (note) result.notes = [...(result.notes ?? []), note];
      return { kind: 'plan', plan: result, timesFrom, ratePerSec: plan.workload.arrival.ratePerSec };
    }
    case 'simulate': {
      const { plan, trace, profile, timesFrom } = resolveSource(job.source);
      const deployment = deploymentOf(plan, job.deployment);
      const sim = simulate({ plan, deployment, trace, profile, timeSeries: true }, { onProgress: progressReporter(job.id, 'simulating'), isCancelled: () => cancelled.has(job.id) });
      return { kind: 'simulate', sim, deployment: formatDeployment(deployment), timesFrom };
    }
    case 'compare': {
      const columns: { label: string; deployment: string; ratePerSec: number; sim: SimResult; timesFrom: string }[] = [];
      for (const [i, source] of job.sources.entries()) {
        if (cancelled.has(job.id)) throw new Cancelled();
        const { plan, trace, profile, timesFrom } = resolveSource(source);
        const deployment = deploymentOf(plan, undefined);
        const sim = simulate(
          { plan, deployment, trace, profile },
          { onProgress: progressReporter(job.id, `simulating ${source.label}`, i / job.sources.length, (i + 1) / job.sources.length), isCancelled: () => cancelled.has(job.id) },
        );
        columns.push({ label: source.label, deployment: formatDeployment(deployment), ratePerSec: sim.traceReplay?.replayedRatePerSec ?? plan.workload.arrival.ratePerSec, sim, timesFrom });
      }
      return { kind: 'compare', columns };
    }
    case 'sweep': {
      const resolved = resolveSource(job.source);
      const deployment = deploymentOf(resolved.plan, job.deployment);
      const rates = job.relativeToTrace ? ratesOnTrace(job.rates, resolved) : job.rates;
      // The range a plan may write for workload.arrival.ratePerSec, as the CLI's --rate has.
      const { min, max } = rateRange();
      const outside = rates.find((r) => !(r >= min && r <= max));
      if (outside !== undefined) throw new Error(`a sweep rate of ${outside} sessions/s is outside ${min}–${max}, the range of workload.arrival.ratePerSec; pick rates within it`);
      return { kind: 'sweep', deployment: formatDeployment(deployment), points: sweepPoints(job.id, resolved, deployment, rates), timesFrom: resolved.timesFrom };
    }
    case 'pareto':
      return paretoJob(job.id, resolveSource(job.source));
    case 'exportDeployment':
      return exportJob(job);
  }
}

port.on('message', (message: unknown) => {
  if (!isToWorker(message)) return;
  if (message.type === 'cancel') {
    cancelled.add(message.id);
    return;
  }
  const started = performance.now();
  run(message).then(
    (result) => post({ type: 'result', id: message.id, result, wallMs: performance.now() - started }),
    (error: unknown) => {
      if (error instanceof InvalidPlan) post({ type: 'invalid', id: message.id, diagnostics: error.diagnostics });
      else if (error instanceof Cancelled || (error instanceof Error && /cancel/i.test(error.name + error.message))) post({ type: 'cancelled', id: message.id });
      else post({ type: 'error', id: message.id, message: error instanceof Error ? error.message : String(error) });
      cancelled.delete(message.id);
    },
  );
});

post({ type: 'ready' });
