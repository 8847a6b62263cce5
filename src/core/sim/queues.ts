import { pickNext } from './reorder';
import type { Session } from './session';

/**
 * A FIFO of prefill tasks that reordering can take from near the head (AMPD §4.2 looks at the first
 * W ≤ 6 tasks): taking the k-th moves k entries, not the whole queue, and the head advances
 * without copying, so a long backlog costs nothing per task.
 */
export class TaskQueue {
  // Entries live in items[head, tail); the array never shrinks (shrinking frees its store, and the
  // next push allocates it again) and the indices return to 0 whenever the queue empties.
  private items: (Session | undefined)[] = [];
  private head = 0;
  private tail = 0;
  /** Sum of the queued tasks' estimated run times, ms. */
  queuedMs = 0;
  /** Whether the last takeNext ran a task other than the head (reordering changed the order). */
  lastTakeReordered = false;

  get length(): number {
    return this.tail - this.head;
  }

  at(i: number): Session {
    return this.items[this.head + i] as Session;
  }

  push(task: Session): void {
    if (this.tail === this.items.length) this.items.push(task);
    else this.items[this.tail] = task;
    this.tail++;
    this.queuedMs += task.estimatedMs;
  }

  /** Inserts keeping `priority` ascending (FCFS among equals): continuum's same-session priority. */
  insertByPriority(task: Session, priority: (t: Session) => number): void {
    const p = priority(task);
    const items = this.items;
    let at = this.tail;
    while (at > this.head && priority(items[at - 1] as Session) > p) at--;
    if (this.tail === items.length) items.push(undefined);
    for (let k = this.tail; k > at; k--) items[k] = items[k - 1];
    items[at] = task;
    this.tail++;
    this.queuedMs += task.estimatedMs;
  }

  /** Removes and returns the i-th task from the head. */
  takeAt(i: number): Session {
    const items = this.items;
    const at = this.head + i;
    const task = items[at] as Session;
    for (let k = at; k > this.head; k--) items[k] = items[k - 1];
    items[this.head] = undefined;
    this.head++;
    if (this.head === this.tail) {
      this.head = 0;
      this.tail = 0;
      this.queuedMs = 0;
    } else {
      this.queuedMs -= task.estimatedMs;
      if (this.head > COMPACT_AFTER && this.head * 2 > this.tail) {
        this.tail = moveToFront(items, this.head, this.tail);
        this.head = 0;
      }
    }
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
      // pickNext reads only the first w entries; the scratch array keeps its length between calls.
      const scratch = SCRATCH;
      while (scratch.length < w) scratch.push(this.at(0));
      for (let i = 0; i < w; i++) scratch[i] = this.at(i);
      pick = pickNext(scratch, w, maxPostpone, now, ttftSloMs);
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

/** A queue whose head has advanced this far (and past half its entries) moves them to the front. */
const COMPACT_AFTER = 1024;

/** Moves items[head, tail) to items[0, …), clears the rest and returns the new tail. */
function moveToFront<T>(items: (T | undefined)[], head: number, tail: number): number {
  const n = tail - head;
  for (let k = 0; k < n; k++) items[k] = items[head + k];
  for (let k = n; k < tail; k++) items[k] = undefined;
  return n;
}

/** A plain FIFO with an advancing head (memory waiters, rounds waiting for a batch slot). */
export class Fifo<T> {
  // As TaskQueue: items[head, tail), never shrunk, indices reset when empty.
  private items: (T | undefined)[] = [];
  private head = 0;
  private tail = 0;

  get length(): number {
    return this.tail - this.head;
  }

  peek(): T | undefined {
    return this.head < this.tail ? this.items[this.head] : undefined;
  }

  push(item: T): void {
    if (this.tail === this.items.length) this.items.push(item);
    else this.items[this.tail] = item;
    this.tail++;
  }

  shift(): T | undefined {
    if (this.head >= this.tail) return undefined;
    const items = this.items;
    const item = items[this.head];
    items[this.head++] = undefined;
    if (this.head === this.tail) {
      this.head = 0;
      this.tail = 0;
    } else if (this.head > COMPACT_AFTER && this.head * 2 > this.tail) {
      this.tail = moveToFront(items, this.head, this.tail);
      this.head = 0;
    }
    return item;
  }
}
