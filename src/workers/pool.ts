import * as os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { SimJob } from '../core/plan/coefficients';
import { Cancelled, type RunControl } from '../core/control';
import type { MeasuredProfile } from '../core/perf/index';
import type { Plan } from '../core/spec/types';
import type { SimResult } from '../core/sim/types';
import type { FromSimWorker, ToSimWorker } from './simProtocol';

export interface SimPoolOptions {
  /** The worker entry: dist/simWorker.js when bundled. */
  script: string;
  /** Threads; the machine's available parallelism by default. */
  size?: number;
  execArgv?: string[];
  /** Measured profile the simulator's perf models use (read by the caller; workers read no files). */
  profile?: MeasuredProfile;
}

interface Slot {
  worker: Worker;
  ready: Promise<void>;
  busy: boolean;
  index: number;
}

interface Task {
  id: number;
  job: SimJob;
  resolve(result: SimResult): void;
  reject(error: Error): void;
  onProgress?(fraction: number): void;
  slot?: Slot;
}

/**
 * A pool of worker threads running simulations of one plan. The plan goes to each worker once;
 * jobs are handed to whichever worker is free. `runSimulations` has the planner's signature.
 */
export class SimPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Task[] = [];
  private readonly running = new Map<number, Task>();
  private readonly cancelFlags: Int32Array;
  private nextId = 1;
  private closed = false;

  constructor(plan: Plan, options: SimPoolOptions) {
    const size = Math.max(1, options.size ?? os.availableParallelism());
    const shared = new SharedArrayBuffer(4 * size);
    this.cancelFlags = new Int32Array(shared);
    for (let index = 0; index < size; index++) {
      // A TypeScript entry (tests, running from source) goes through tsx's require hook.
      const worker = options.script.endsWith('.ts')
        ? new Worker(`require('tsx/cjs'); require(${JSON.stringify(options.script)});`, {
            eval: true,
            execArgv: options.execArgv,
          })
        : new Worker(options.script, { execArgv: options.execArgv });
      const slot: Slot = { worker, busy: false, index, ready: Promise.resolve() };
      slot.ready = new Promise<void>((resolve, reject) => {
        const onFirst = (message: FromSimWorker) => {
          if (message.type === 'ready') {
            worker.off('error', reject);
            const init: ToSimWorker = { type: 'init', plan, profile: options.profile, cancelFlags: shared };
            worker.postMessage(init);
            resolve();
          }
        };
        worker.once('message', onFirst);
        worker.once('error', reject);
      });
      worker.on('message', (message: FromSimWorker) => this.onMessage(slot, message));
      worker.on('error', (error) => this.failSlot(slot, error));
      // An idle pool must not keep the process alive; a busy worker does (see pump/finish).
      worker.unref();
      this.slots.push(slot);
    }
  }

  get size(): number {
    return this.slots.length;
  }

  runSimulations = async (jobs: SimJob[], control?: RunControl): Promise<SimResult[]> => {
    let done = 0;
    const report = () => control?.onProgress?.(done, jobs.length);
    const tasks = jobs.map(
      (job) =>
        new Promise<SimResult>((resolve, reject) => {
          const task: Task = {
            id: this.nextId++,
            job,
            resolve: (r) => {
              done++;
              report();
              resolve(r);
            },
            reject,
          };
          this.queue.push(task);
        }),
    );
    const poll = control?.isCancelled
      ? setInterval(() => {
          if (control.isCancelled?.()) this.cancelAll();
        }, 50)
      : undefined;
    this.pump();
    try {
      return await Promise.all(tasks);
    } finally {
      if (poll) clearInterval(poll);
    }
  };

  /** Cancels queued jobs and flags running ones; their promises reject with Cancelled. */
  cancelAll(): void {
    for (const task of this.queue.splice(0)) task.reject(new Cancelled('the simulation'));
    for (const task of this.running.values()) if (task.slot) Atomics.store(this.cancelFlags, task.slot.index, task.id);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.cancelAll();
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0 || this.closed) return;
      if (slot.busy) continue;
      const task = this.queue.shift()!;
      slot.busy = true;
      slot.worker.ref();
      task.slot = slot;
      this.running.set(task.id, task);
      void slot.ready.then(
        () => {
          const message: ToSimWorker = { type: 'run', id: task.id, slot: slot.index, job: task.job };
          slot.worker.postMessage(message);
        },
        (error: Error) => this.finish(slot, task, () => task.reject(error)),
      );
    }
  }

  private finish(slot: Slot, task: Task, settle: () => void): void {
    this.running.delete(task.id);
    slot.busy = false;
    slot.worker.unref();
    settle();
    this.pump();
  }

  private onMessage(slot: Slot, message: FromSimWorker): void {
    if (message.type === 'ready') return;
    const task = this.running.get(message.id);
    if (!task) return;
    switch (message.type) {
      case 'progress':
        task.onProgress?.(message.fraction);
        return;
      case 'result':
        this.finish(slot, task, () => task.resolve(message.result));
        return;
      case 'cancelled':
        this.finish(slot, task, () => task.reject(new Cancelled('the simulation')));
        return;
      case 'error':
        this.finish(slot, task, () => task.reject(new Error(`simulation failed: ${message.message}`)));
        return;
    }
  }

  private failSlot(slot: Slot, error: Error): void {
    // A crashed worker takes no more jobs; its queue share goes to the others.
    slot.busy = true;
    for (const task of [...this.running.values()]) {
      if (task.slot === slot) this.finish(slot, task, () => task.reject(error));
    }
  }
}
