import type { PerfModel } from '../perf/types';
import { Fifo, TaskQueue } from './queues';
import type { Session } from './session';
import { RollingWindow } from './stats';

/** Most decode steps scheduled as one event: bounds the steps computed ahead and thrown away when a run is cut short. */
export const MAX_RUN_STEPS = 32;

/** Where a replica sits: its cluster (main, or a separate prefill/decode pool) and node. */
export interface Placement {
  cluster: 'main' | 'prefill' | 'decode';
  node: number;
}

/** A prefill replica: a queue of remote prefills, one running at a time. */
export class PrefillWorker {
  readonly queue = new TaskQueue();
  busy = false;
  busyUntil = 0;
  /** The task running (its history read, then its compute). */
  current: Session | undefined = undefined;
  startedAt = 0;
  busyMs = 0;
  /** Busy time inside the measurement window, ms. */
  busyWindowMs = 0;
  maxQueue = 0;
  readonly ttftWindow: RollingWindow;
  /** GPUs the worker's KV is laid out over (its attention TP when the replica is expert-parallel). */
  kvTp: number;

  constructor(
    readonly index: number,
    readonly tp: number,
    readonly place: Placement,
    readonly perf: PerfModel,
    windowMs: number,
  ) {
    this.ttftWindow = new RollingWindow(windowMs);
    this.kvTp = tp;
  }

  get id(): string {
    return `P${this.index}`;
  }
}

/**
 * The running decode batch of one worker in O(1) per step: every round decodes one token per step,
 * so a round that joins at step s with r tokens to go finishes at step s + r. Rounds sit in a heap
 * by that finishing step, and the sums the router and the step time need (context tokens, tokens
 * left, first-token times) are kept as running totals. A step therefore costs the same whether 1 or
 * 256 rounds decode, and only finishing rounds are touched.
 */
export class DecodeBatch {
  private heap: Session[] = [];
  /** Decode steps completed. */
  steps = 0;
  /** Context tokens of the batch's sequences, summed: what a step's attention reads. */
  context = 0;
  private sumFinishStep = 0;
  private sumFirstTokenMs = 0;
  private sumOutputGaps = 0;
  private joins = 0;

  get size(): number {
    return this.heap.length;
  }

  /** Output tokens the rounds still have to produce, summed. */
  get remainingTokens(): number {
    return this.sumFinishStep - this.heap.length * this.steps;
  }

  /** Mean gap so far of the rounds decoding, the time since their last token included. */
  openMeanGapMs(now: number, lastStepEnd: number): number {
    const n = this.heap.length;
    const tokens = this.sumOutputGaps - this.remainingTokens;
    return tokens > 0 ? (n * now - this.sumFirstTokenMs) / tokens : now - lastStepEnd;
  }

  /** A round with `remaining` tokens to go joins; it gets one at the end of every step from now. */
  join(s: Session, remaining: number): void {
    s.finishStep = this.steps + remaining;
    s.joinSeq = this.joins++;
    this.context += s.contextTokens - remaining;
    this.sumFinishStep += s.finishStep;
    this.sumFirstTokenMs += s.firstTokenMs;
    this.sumOutputGaps += s.outputTokens - 1;
    const heap = this.heap;
    let i = heap.length;
    heap.push(s);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent];
      if (before(p, s)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = s;
  }

  /** `n` steps ended with no round finishing: every round got n tokens. */
  stepsDone(n: number): void {
    this.steps += n;
    this.context += n * this.heap.length;
  }

  /** The round that has decoded its last token, if any (call until undefined after each step). */
  popFinished(): Session | undefined {
    const heap = this.heap;
    if (heap.length === 0 || heap[0].finishStep > this.steps) return undefined;
    const top = heap[0];
    const last = heap.pop() as Session;
    const size = heap.length;
    if (size > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= size) break;
        const r = l + 1;
        const c = r < size && before(heap[r], heap[l]) ? r : l;
        if (before(last, heap[c])) break;
        heap[i] = heap[c];
        i = c;
      }
      heap[i] = last;
    }
    this.context -= top.contextTokens;
    this.sumFinishStep -= top.finishStep;
    this.sumFirstTokenMs -= top.firstTokenMs;
    this.sumOutputGaps -= top.outputTokens - 1;
    return top;
  }

  /** Steps until the next round decodes its last token (at least 1 while the batch is not empty). */
  get stepsToNextFinish(): number {
    return this.heap.length > 0 ? this.heap[0].finishStep - this.steps : 0;
  }

  /** Each round in the batch, in no particular order (for the per-gap ITL statistics only). */
  forEach(visit: (s: Session) => void): void {
    for (const s of this.heap) visit(s);
  }
}

function before(a: Session, b: Session): boolean {
  return a.finishStep < b.finishStep || (a.finishStep === b.finishStep && a.joinSeq < b.joinSeq);
}

/** A decode replica (or a co-located one): KV memory, a decode batch, and its own prefill queue. */
export class DecodeWorker {
  usedTokens = 0;
  readonly batch = new DecodeBatch();
  /** Rounds whose first token is out but that wait for a batch slot. */
  readonly admitQueue = new Fifo<Session>();
  readonly localQueue = new TaskQueue();
  readonly memoryWaiters = new Fifo<Session>();
  /** Sessions bound here that are idle between rounds with their KV resident, least recently used first. */
  idleHead: Session | null = null;
  idleTail: Session | null = null;
  busy = false;
  busyUntil = 0;
  startedAt = 0;
  /** The local prefill running instead of a decode step, if any. */
  runningPrefill: Session | undefined = undefined;
  /** policy.mixedBatching: prefills taken into the worker's steps and not yet finished, in arrival order. */
  readonly mixedPrefills: Session[] = [];
  /** The step in flight carries prefill chunks (mixedBatching). */
  mixedStep = false;
  /**
   * A run of decode steps scheduled as one event: the end time of each step, how many the run has
   * and how many of them are done. Steps in which no round finishes change nothing any other part
   * of the system sees until something asks, so they need no event of their own (see the engine).
   */
  readonly stepEnds = new Float64Array(MAX_RUN_STEPS);
  runSteps = 0;
  runDone = 0;
  /** Version of the worker's pending completion event; an event of an older version is stale. */
  runVersion = 0;
  /** Step time at `affineSize` sequences as fixed + slope × context (slope −1: ask the model each step). */
  affineSize = -1;
  affineFixed = 0;
  affineSlope = -1;
  /** Total contexts over which that affine piece holds: [affineFrom, affineBelow). */
  affineFrom = 0;
  affineBelow = Infinity;
  busyMs = 0;
  /** Busy time inside the measurement window, ms. */
  busyWindowMs = 0;
  lastStepEnd = -1;
  readonly itlWindow: RollingWindow;
  localPrefills = 0;
  remotePrefills = 0;
  maxQueue = 0;
  /** GPUs the worker's KV is laid out over (its attention TP when the replica is expert-parallel). */
  kvTp: number;

  constructor(
    readonly index: number,
    readonly tp: number,
    readonly role: 'decode' | 'colocated',
    readonly place: Placement,
    readonly perf: PerfModel,
    readonly capacityTokens: number,
    windowMs: number,
  ) {
    this.itlWindow = new RollingWindow(windowMs);
    this.kvTp = tp;
  }

  get id(): string {
    return `${this.role === 'colocated' ? 'C' : 'D'}${this.index}`;
  }

  get freeTokens(): number {
    return this.capacityTokens - this.usedTokens;
  }

  /** Rounds waiting on this worker: its prefill queue, memory waiters and the admit queue. */
  get waiting(): number {
    return this.localQueue.length + this.memoryWaiters.length + this.admitQueue.length;
  }
}
