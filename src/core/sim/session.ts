import type { PrefillTaskView } from './policies';
import type { ReorderItem } from './reorder';
import type { DecodeWorker } from './workers';
import type { TraceSession } from './workload';

/**
 * One session in flight, and the one round it runs at a time. A session is also its round's
 * prefill task (the router's view and the reorder queue's item) and its decode-batch entry, so a
 * round allocates nothing: long runs hold only the sessions in the system, never a record per round.
 */
export class Session implements PrefillTaskView, ReorderItem {
  decode!: DecodeWorker;
  roundIndex = 0;
  /** Tokens of KV the session holds on its decode worker (reserved for the running round too). */
  heldTokens = 0;
  /** Tokens of context the KV covers once the running round completes. */
  contextTokens = 0;
  resident = true;
  pinnedUntil = 0;
  failed = false;

  // ---- measurement: the batch of the window it arrived in, or -1 when it is not measured ----
  batch = -1;
  allRoundsMet = true;

  // ---- the running round ----
  /** When the round's input was ready: TTFT counts from here (and the reorder queue reads it). */
  readyMs = 0;
  firstTokenMs = NaN;
  lastTokenMs = NaN;
  outputTokens = 0;
  maxGapMs = 0;
  /** Token gaps of the round, kept only when the ITL statistic is a percentile of them. */
  gaps: number[] | undefined = undefined;

  // ---- the round's prefill task ----
  historyTokens = 0;
  newTokens = 0;
  incremental = false;
  /** When the router placed it; a wait for KV memory on the decode side comes before this. */
  routedMs = 0;
  estimatedMs = 0;
  postponed = 0;
  /** policy.mixedBatching: prompt tokens already computed, and those in the step in flight. */
  prefilledTokens = 0;
  chunkTokens = 0;

  // ---- the round's place in its decode worker's batch ----
  /** The worker's step count at which the round has decoded its last token. */
  finishStep = 0;
  /** Order of joining the batch: rounds finishing at the same step finish in this order. */
  joinSeq = 0;
  /** Output tokens left when the round joined the batch (waiting in the admit queue). */
  pendingTokens = 0;

  // ---- the worker's list of idle sessions whose KV may be evicted, oldest first ----
  idlePrev: Session | null = null;
  idleNext: Session | null = null;
  idleListed = false;

  constructor(
    readonly trace: TraceSession,
    readonly order: number,
  ) {}

  get roundCount(): number {
    return this.trace.rounds.length;
  }
}
