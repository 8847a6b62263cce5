import type { MessagePort } from 'node:worker_threads';
import { Cancelled } from '../core/control';
import { planForJob } from '../core/plan/coefficients';
import type { MeasuredProfile } from '../core/perf/index';
import type { Plan } from '../core/spec/types';
import type { FromSimWorker, SimulateJob, ToSimWorker } from './simProtocol';

/**
 * The worker side of the pool protocol: answers `ready`, keeps the plan from `init`, runs each job
 * with `simulate` and reports progress. Cancellation arrives through a shared flag per job slot,
 * because a running simulation holds the thread and cannot read messages.
 */
const PROGRESS_INTERVAL_MS = 200;

export function serveSimulations(port: MessagePort, simulate: SimulateJob): void {
  let plan: Plan | undefined;
  let profile: MeasuredProfile | undefined;
  let flags: Int32Array | undefined;
  const send = (message: FromSimWorker) => port.postMessage(message);
  port.on('message', (message: ToSimWorker) => {
    if (message.type === 'init') {
      plan = message.plan;
      profile = message.profile;
      flags = new Int32Array(message.cancelFlags);
      return;
    }
    const { id, slot, job } = message;
    if (!plan || !flags) {
      send({ type: 'error', id, message: 'simulation worker got a job before init' });
      return;
    }
    const cancelFlags = flags;
    const isCancelled = () => Atomics.load(cancelFlags, slot) === id;
    if (isCancelled()) {
      send({ type: 'cancelled', id });
      return;
    }
    // A progress bar needs a few updates a second, not one per tenth of every short planner run:
    // each message costs both threads a wake-up.
    let lastReportAt = performance.now();
    try {
      const result = simulate(
        planForJob(plan, job),
        job,
        {
          isCancelled,
          onProgress: (done: number, total: number) => {
            const now = performance.now();
            if (now - lastReportAt >= PROGRESS_INTERVAL_MS) {
              lastReportAt = now;
              send({ type: 'progress', id, fraction: done / total });
            }
          },
        },
        profile,
      );
      send(isCancelled() ? { type: 'cancelled', id } : { type: 'result', id, result });
    } catch (error) {
      if (error instanceof Cancelled || isCancelled()) send({ type: 'cancelled', id });
      else send({ type: 'error', id, message: error instanceof Error ? error.message : String(error) });
    }
  });
  send({ type: 'ready' });
}
