/**
 * Runs jobs on the job worker thread: waits for its `ready` handshake, routes progress to the
 * caller, caches results by content hash, and cancels by terminating the worker when it does not
 * stop on its own (a long simulation step never yields). No `vscode` import: unit-tested in Node.
 */
import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { isFromWorker, type FromWorker, type JobRequest, type JobResult } from '../workers/jobProtocol';
import type { Diagnostic } from '../core/spec/types';
import { Cancelled } from '../core/control';

export type JobSpec = JobRequest extends infer R ? (R extends JobRequest ? Omit<R, 'id'> : never) : never;

export class JobInvalid extends Error {
  constructor(readonly diagnostics: Diagnostic[]) {
    super(diagnostics.map((d) => d.message).join('; ') || 'the plan did not validate');
  }
}

export interface JobHandle {
  promise: Promise<{ result: JobResult; cached: boolean; wallMs: number }>;
  cancel(): void;
}

interface Pending {
  resolve: (value: { result: JobResult; cached: boolean; wallMs: number }) => void;
  reject: (error: Error) => void;
  onProgress?: (fraction: number, message: string) => void;
  key: string;
}

/** The cache key: everything a job's result depends on, hashed. */
export function jobKey(spec: JobSpec): string {
  return createHash('sha256').update(JSON.stringify(spec)).digest('hex');
}

export class JobClient {
  private worker?: Worker;
  private ready?: Promise<Worker>;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly cache = new Map<string, JobResult>();

  constructor(
    private readonly workerPath: string,
    private readonly options: { cacheSize?: number; cancelGraceMs?: number } = {},
  ) {}

  get running(): number {
    return this.pending.size;
  }

  private start(): Promise<Worker> {
    if (this.ready) return this.ready;
    const worker = new Worker(this.workerPath);
    this.worker = worker;
    this.ready = new Promise<Worker>((resolve, reject) => {
      const onFirst = (message: unknown) => {
        if (isFromWorker(message) && message.type === 'ready') {
          worker.off('message', onFirst);
          worker.on('message', (m: unknown) => this.onMessage(m));
          resolve(worker);
        }
      };
      worker.on('message', onFirst);
      worker.once('error', (error) => {
        reject(error);
        this.failAll(error instanceof Error ? error : new Error(String(error)));
      });
      worker.once('exit', (code) => {
        if (this.worker === worker) {
          this.worker = undefined;
          this.ready = undefined;
          this.failAll(new Error(`job worker exited with code ${code}`));
        }
      });
    });
    return this.ready;
  }

  private failAll(error: Error): void {
    for (const [id, job] of this.pending) {
      this.pending.delete(id);
      job.reject(error);
    }
  }

  private onMessage(raw: unknown): void {
    if (!isFromWorker(raw) || raw.type === 'ready') return;
    const message = raw as Exclude<FromWorker, { type: 'ready' }>;
    const job = this.pending.get(message.id);
    if (!job) return;
    switch (message.type) {
      case 'progress':
        job.onProgress?.(message.fraction, message.message);
        return;
      case 'result':
        this.pending.delete(message.id);
        this.remember(job.key, message.result);
        job.resolve({ result: message.result, cached: false, wallMs: message.wallMs });
        return;
      case 'invalid':
        this.pending.delete(message.id);
        job.reject(new JobInvalid(message.diagnostics));
        return;
      case 'error':
        this.pending.delete(message.id);
        job.reject(new Error(message.message));
        return;
      case 'cancelled':
        this.pending.delete(message.id);
        job.reject(new Cancelled('the job'));
        return;
    }
  }

  private remember(key: string, result: JobResult): void {
    this.cache.delete(key);
    this.cache.set(key, result);
    const limit = this.options.cacheSize ?? 32;
    while (this.cache.size > limit) this.cache.delete(this.cache.keys().next().value as string);
  }

  run(spec: JobSpec, onProgress?: (fraction: number, message: string) => void): JobHandle {
    const key = jobKey(spec);
    const hit = this.cache.get(key);
    if (hit) return { promise: Promise.resolve({ result: hit, cached: true, wallMs: 0 }), cancel: () => undefined };
    const id = this.nextId++;
    let cancelled = false;
    const promise = new Promise<{ result: JobResult; cached: boolean; wallMs: number }>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onProgress, key });
      this.start().then(
        (worker) => {
          if (!cancelled) worker.postMessage({ ...spec, id } as JobRequest);
        },
        (error: Error) => {
          this.pending.delete(id);
          reject(error);
        },
      );
    });
    const cancel = () => {
      const job = this.pending.get(id);
      if (!job || cancelled) return;
      cancelled = true;
      this.worker?.postMessage({ type: 'cancel', id });
      // A job inside one long synchronous step cannot see the cancel: stop the thread instead.
      setTimeout(() => {
        if (!this.pending.has(id)) return;
        this.pending.delete(id);
        job.reject(new Cancelled('the job'));
        void this.restart();
      }, this.options.cancelGraceMs ?? 300).unref?.();
    };
    return { promise, cancel };
  }

  private async restart(): Promise<void> {
    const worker = this.worker;
    // Jobs already sent to the old thread die with it; jobs started from now on get a new one.
    const onOldThread = [...this.pending.entries()];
    this.worker = undefined;
    this.ready = undefined;
    for (const [id, job] of onOldThread) {
      this.pending.delete(id);
      job.reject(new Cancelled('the job'));
    }
    if (worker) await worker.terminate();
  }

  async dispose(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    this.ready = undefined;
    this.failAll(new Cancelled('the job'));
    if (worker) await worker.terminate();
  }
}
