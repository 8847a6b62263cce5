import { pickNext } from './reorder';
import type { Session } from './session';

/**
 * A FIFO of prefill tasks that reordering can take from near the head (AMPD §4.2 looks at the first
 * W ≤ 6 tasks): taking the k-th moves k entries, not the whole queue, and the head advances
 * without copying, so a long backlog costs nothing per task.
 */
export class TaskQueue {
  private items: Session[] = [];
  private head = 0;
  /** Sum of the queued tasks' estimated run times, ms. */
  queuedMs = 0;
  /** Whether the last takeNext ran a task other than the head (reordering changed the order). */
  lastTakeReordered = false;

  get length(): number {
    return this.items.length - this.head;
  }

  at(i: number): Session {
    return this.items[this.head + i];
  }

  push(task: Session): void {
    this.items.push(task);
    this.queuedMs += task.estimatedMs;
  }

  /** Inserts keeping `priority` ascending (FCFS among equals): continuum's same-session priority. */
  insertByPriority(task: Session, priority: (t: Session) => number): void {
    const p = priority(task);
    let at = this.items.length;
    while (at > this.head && priority(this.items[at - 1]) > p) at--;
    this.items.splice(at, 0, task);
    this.queuedMs += task.estimatedMs;
  }

  /** Removes and returns the i-th task from the head. */
  takeAt(i: number): Session {
    const items = this.items;
    const at = this.head + i;
    const task = items[at];
    for (let k = at; k > this.head; k--) items[k] = items[k - 1];
    (items as (Session | undefined)[])[this.head] = undefined;
    this.head++;
    if (this.head > 1024 && this.head * 2 > items.length) {
      this.items = items.slice(this.head);
      this.head = 0;
    }
    this.queuedMs -= task.estimatedMs;
    if (this.length === 0) this.queuedMs = 0;
    return task;
  }

  /**
   * The head task to run now: TTFT-aware reordering over the first `window` tasks (reference 004
   * §4.2), each task passed over counting one more postponement.
   */
  takeNext(window: number, maxPostpone: number, now: number, ttftSloMs: number): Session {
    const w = Math.min(window, this.length);
    let pick = 0;
    if (w > 1) {
      const scratch = SCRATCH;
      scratch.length = w;
      for (let i = 0; i < w; i++) scratch[i] = this.at(i);
      pick = pickNext(scratch, w, maxPostpone, now, ttftSloMs);
      scratch.length = 0;
    }
    for (let i = 0; i < pick; i++) this.at(i).postponed += 1;
    this.lastTakeReordered = pick > 0;
    return this.takeAt(pick);
  }

  /** Earliest ready time among the tasks reordering can reach (the oldest sits among the first W + 1). */
  oldestReadyMs(window: number): number {
    let oldest = Infinity;
    const n = Math.min(this.length, window + 1);
    for (let i = 0; i < n; i++) oldest = Math.min(oldest, this.at(i).readyMs);
    return oldest;
  }
}

const SCRATCH: Session[] = [];

/** A plain FIFO with an advancing head (memory waiters, rounds waiting for a batch slot). */
export class Fifo<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  peek(): T | undefined {
    return this.items[this.head];
  }

  push(item: T): void {
    this.items.push(item);
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}
