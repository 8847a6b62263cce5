/**
 * The extension's job worker: plans, simulations, comparisons and rate sweeps run here so the
 * extension host (and typing) never waits on them. Speaks src/workers/jobProtocol.ts: `ready`
 * first, then progress and one result (or invalid/error/cancelled) per job.
 */
import { parentPort } from 'node:worker_threads';
import { rateRange } from '../core/spec/overrides';
import type { Deployment, Plan } from '../core/spec/types';
import { Cancelled, type RunControl } from '../core/control';
import { planOnTrace, simulate, traceArrivalRate } from '../core/sim';
import type { SimResult } from '../core/sim/types';
import { ExportError, exportDeployment } from '../core/export';
import { paretoSteps, routingForLayout } from '../core/pareto';
import { formatDeployment } from '../core/spec/deployment';
import { deploymentOf, InvalidPlan, resolveSource, type ResolvedSource } from './jobSource';
import { runPlanJob } from './planJob';
import {
  defaultSweepRates,
  isToWorker,
  type FromWorker,
  type JobRequest,
  type JobResult,
  type SweepPoint,
} from './jobProtocol';

if (!parentPort) throw new Error('jobWorker must run as a worker thread');
const port = parentPort;
const post = (message: FromWorker) => port.postMessage(message);

/** Cancel requests that arrived; checked between simulations and, in a simulation, every few thousand events. */
const cancelled = new Set<number>();

/** A job's control: progress posted for the part from `from` to `to` of the job, cancelled when asked. */
function jobControl(
  id: number,
  label: string | ((done: number, total: number) => string),
  from = 0,
  to = 1,
): RunControl {
  let last = -1;
  return {
    isCancelled: () => cancelled.has(id),
    onProgress: (done, total) => {
      const overall = from + (to - from) * Math.max(0, Math.min(1, done / total));
      if (overall - last < 0.01 && done < total) return;
      last = overall;
      post({
        type: 'progress',
        id,
        fraction: overall,
        message: typeof label === 'string' ? label : label(done, total),
      });
    },
  };
}

/** A simulation stopped by a cancel returns what it had measured; the job is cancelled all the same. */
function unlessCancelled<T>(id: number, result: T): T {
  if (cancelled.has(id)) throw new Cancelled('the job');
  return result;
}

function sweepPoints(
  id: number,
  { plan, trace, profile }: ResolvedSource,
  deployment: Deployment,
  rates: number[],
): SweepPoint[] {
  const points: SweepPoint[] = [];
  rates.forEach((ratePerSec, i) => {
    if (cancelled.has(id)) throw new Cancelled('the job');
    const sim = unlessCancelled(
      id,
      simulate(
        { plan, deployment, ratePerSec, trace, profile },
        jobControl(id, `rate ${ratePerSec} sessions/s`, i / rates.length, (i + 1) / rates.length),
      ),
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
  if (recorded === undefined)
    throw new Error(
      `the sessions of ${plan.workload.trace} all arrive at the same moment, so it has no rate to sweep around; spread its arrivals`,
    );
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
  const control = jobControl(id, (done, total) => `Pareto sweep: ${done}/${total} simulations`);
  const steps = paretoSteps({ plan, trace, profile });
  for (;;) {
    const step = steps.next();
    if (step.done) return { kind: 'pareto', pareto: step.value, timesFrom };
    control.onProgress?.(step.value.done, Math.max(1, step.value.total));
    await yieldToMessages();
    if (cancelled.has(id)) throw new Cancelled('the job');
  }
}

/** Deployment files: pure text from the core; the extension writes or opens them. */
function exportJob(job: Extract<JobRequest, { type: 'exportDeployment' }>): JobResult {
  const { plan } = resolveSource(job.source);
  const deployment = deploymentOf(plan, job.deployment);
  const routing = routingForLayout(plan, deployment);
  try {
    const result = exportDeployment({ plan, deployment, routing, format: job.format });
    return {
      kind: 'exportDeployment',
      format: job.format,
      deployment,
      policy: routing.name,
      files: result.files,
      notes: result.notes,
    };
  } catch (error) {
    if (error instanceof ExportError)
      throw new Error(`${formatDeployment(deployment)}: ${error.message}`, { cause: error });
    throw error;
  }
}

async function run(job: JobRequest): Promise<JobResult> {
  switch (job.type) {
    case 'plan': {
      const { plan: written, trace, profile, timesFrom } = resolveSource(job.source);
      const { plan, note } = planOnTrace(written, trace);
      const sweepRates = note ? sweepRatesAroundTrace(job.sweepRates, written, plan) : job.sweepRates;
      const result = await runPlanJob(
        plan,
        profile,
        sweepRates,
        jobControl(job.id, (done, total) => `${done}/${total} simulations`),
      );
      if (note) result.notes = [...(result.notes ?? []), note];
      return { kind: 'plan', plan: result, timesFrom, ratePerSec: plan.workload.arrival.ratePerSec };
    }
    case 'simulate': {
      const { plan, trace, profile, timesFrom } = resolveSource(job.source);
      const deployment = deploymentOf(plan, job.deployment);
      const sim = unlessCancelled(
        job.id,
        simulate({ plan, deployment, trace, profile, timeSeries: true }, jobControl(job.id, 'simulating')),
      );
      return { kind: 'simulate', sim, deployment, timesFrom };
    }
    case 'compare': {
      const columns: {
        label: string;
        deployment: Deployment;
        ratePerSec: number;
        sim: SimResult;
        timesFrom: string;
      }[] = [];
      for (const [i, source] of job.sources.entries()) {
        if (cancelled.has(job.id)) throw new Cancelled('the job');
        const { plan, trace, profile, timesFrom } = resolveSource(source);
        const deployment = deploymentOf(plan, undefined);
        const sim = unlessCancelled(
          job.id,
          simulate(
            { plan, deployment, trace, profile },
            jobControl(job.id, `simulating ${source.label}`, i / job.sources.length, (i + 1) / job.sources.length),
          ),
        );
        columns.push({
          label: source.label,
          deployment,
          ratePerSec: sim.traceReplay?.replayedRatePerSec ?? plan.workload.arrival.ratePerSec,
          sim,
          timesFrom,
        });
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
      if (outside !== undefined)
        throw new Error(
          `a sweep rate of ${outside} sessions/s is outside ${min}–${max}, the range of workload.arrival.ratePerSec; pick rates within it`,
        );
      return {
        kind: 'sweep',
        deployment,
        points: sweepPoints(job.id, resolved, deployment, rates),
        timesFrom: resolved.timesFrom,
      };
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
      else if (error instanceof Cancelled) post({ type: 'cancelled', id: message.id });
      else post({ type: 'error', id: message.id, message: error instanceof Error ? error.message : String(error) });
      cancelled.delete(message.id);
    },
  );
});

post({ type: 'ready' });
