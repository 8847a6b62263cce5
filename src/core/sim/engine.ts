import type { PerfModel } from '../perf/types';
import type { Deployment, Plan, PolicySpec, PoolSpec, ReplicaGroup, RoutingSpec, SloSpec } from '../spec/types';
import { SimInputError, tooLargeTimeMessage } from './errors';
import { EventQueue } from './eventQueue';
import { LinkNetwork, TransferPurpose, type Link, type Transfer } from './links';
import { RunTally, type MeasurePlan } from './measure';
import { evictFor, markIdle, release, reserve, unmarkIdle } from './memory';
import type { LocalOption, RemoteOption, RoutingContext, RoutingPolicy } from './policies';
import { Session } from './session';
import { STABILITY_SAMPLES, StabilityMonitor } from './stability';
import { percentileSorted } from './stats';
import type { TimeSeries, WorkerMetrics } from './types';
import { DecodeWorker, MAX_RUN_STEPS, PrefillWorker, type Placement } from './workers';
import type { SessionSource, TraceSession } from './workload';

export { SimInputError } from './errors';

export interface EngineInput {
  plan: Plan;
  deployment: Deployment;
  routing: RoutingSpec;
  policy: RoutingPolicy;
  /** Sessions in arrival order, drawn lazily. */
  source: SessionSource;
  measure: MeasurePlan;
  perf: { prefill: PerfModel; decode: PerfModel };
  /** Sample queue lengths and utilization over time (for charts); off for runs whose series nobody reads. */
  timeSeries?: boolean;
  /** Run decode steps without a finishing round as one event (default); false: one event per step. Results are the same. */
  stepRuns?: boolean;
  isCancelled?: () => boolean;
  onProgress?: (fraction: number) => void;
}

/** What one replication measured (see RunTally) and how the run ended. */
export interface EngineOutput {
  tally: RunTally;
  measure: MeasurePlan;
  workers: WorkerMetrics[];
  endMs: number;
  events: number;
  kvBytesMoved: { intraNode: number; interNode: number; crossCluster: number };
  unstable: boolean;
  unstableReason?: string;
  /** Measured sessions left in very long tool waits when the run stopped (counted as misses). */
  cutOff?: string;
  samples?: TimeSeries;
  cancelled: boolean;
}

// Event kinds: the queue stores them as numbers beside the object they concern.
const ARRIVE = 0; // item: TraceSession
const READY = 1; // item: Session (its next round's input is ready)
const DECODE_DONE = 2; // item: DecodeWorker (a step or a local prefill ended)
const PREFILL_DONE = 3; // item: PrefillWorker (its remote prefill's compute ended)
const LINK_JOIN = 4; // item: Transfer (its latency passed)
const LINK_CHECK = 5; // item: Link, arg: version
const SAMPLE = 6; // time series
const BACKLOG_SAMPLE = 7; // stability
const WINDOW_END = 8;
const STABILITY_CHECK = 9;

const MAX_SAMPLES = 200;

/**
 * Assigns replicas to nodes in order; a replica never straddles two nodes, except an
 * expert-parallel one, which takes whole nodes. An expert-parallel replica becomes one worker per
 * data-parallel attention rank (`ranksOf`), each placed on the node its GPUs sit on.
 */
function placeReplicas(
  groups: ReplicaGroup[],
  pool: PoolSpec,
  cluster: Placement['cluster'],
  what: string,
  cursor = { node: 0, used: 0 },
  ranksOf: (tp: number) => number = () => 1,
): Array<{ tp: number; place: Placement }> {
  const where = cluster === 'main' ? 'cluster' : `${cluster} pool`;
  const gpus = groups.reduce((n, g) => n + g.tp * g.dp, 0);
  const perNode = pool.gpusPerNode;
  if (gpus > pool.nodes * perNode) {
    // Checked before expanding replica by replica: a count of a billion must not allocate a billion.
    throw new SimInputError(
      `the deployment needs ${gpus} GPUs but the ${where} has ${pool.nodes} node(s) of ${perNode} GPUs; use fewer replicas or add nodes`,
    );
  }
  const placed: Array<{ tp: number; place: Placement }> = [];
  const full = () => {
    throw new SimInputError(
      `the deployment does not fit the ${where}: ${pool.nodes} node(s) of ${perNode} GPUs; use fewer replicas or add nodes`,
    );
  };
  for (const { tp, dp, ep } of groups) {
    const ranks = ranksOf(tp);
    if (tp > perNode && !(ep && tp % perNode === 0)) {
      throw new SimInputError(
        `${what} replica of TP ${tp} needs more GPUs than a node has (${perNode}); use TP ≤ ${perNode}, or an expert-parallel replica of whole nodes (EP${Math.ceil(tp / perNode) * perNode})`,
      );
    }
    for (let i = 0; i < dp; i++) {
      if (cursor.used > 0 && cursor.used + tp > perNode) {
        cursor.node += 1;
        cursor.used = 0;
      }
      const nodes = Math.ceil(tp / perNode);
      if (cursor.node + nodes > pool.nodes) full();
      for (let r = 0; r < ranks; r++) {
        placed.push({
          tp,
          place: { cluster, node: cursor.node + Math.floor((cursor.used + (r * tp) / ranks) / perNode) },
        });
      }
      if (tp >= perNode) {
        cursor.node += nodes;
        cursor.used = 0;
      } else cursor.used += tp;
    }
  }
  return placed;
}

/**
 * The discrete-event simulation of one deployment (DESIGN.md, "The model of the system"): sessions
 * arrive, bind to a decode worker, and run rounds — prefill (routed by the policy, reordered in its
 * queue), decode in the worker's batch, tool wait — while KV moves over shared links and decode
 * memory evicts idle sessions. The parts live in their own modules: the event queue
 * (eventQueue.ts), sessions and their rounds (session.ts), workers and the decode batch
 * (workers.ts), prefill queues (queues.ts), links (links.ts), KV memory (memory.ts), the
 * measurement (measure.ts) and stability (stability.ts). This class wires them to events.
 */
class Simulation {
  private now = 0;
  private events = 0;
  private readonly insertion = { next: 0 };
  private readonly queue = new EventQueue<unknown>(this.insertion);
  /**
   * Rounds waiting out a tool call (READY events): most of a busy run's pending events and the
   * furthest off. Kept apart, the heap every other event goes through stays a few levels deep; the
   * two pop merged in one order (time, then insertion).
   */
  private readonly toolWaits = new EventQueue<Session>(this.insertion);
  private readonly prefillWorkers: PrefillWorker[] = [];
  private readonly decodeWorkers: DecodeWorker[] = [];
  private readonly links: LinkNetwork;
  private readonly slo: SloSpec;
  private readonly policySpec: PolicySpec;
  private readonly policy: RoutingPolicy;
  private readonly routing: RoutingSpec;
  private readonly tally: RunTally;
  private readonly stability: StabilityMonitor;
  private readonly chunk: number;
  /** Prefills on a decode worker share its forward steps with the running decodes (policy.mixedBatching). */
  private readonly mixed: boolean;
  /** policy.prefixReuseBlockTokens: a round reuses its history's KV in blocks of this many tokens. */
  private readonly reuseBlock: number;
  private readonly pinMs: number;
  private readonly trackGaps: boolean;
  private readonly warmupMs: number;
  /** End of the window for time-based counts; Infinity in count mode until the last measured session arrives. */
  private windowEndMs: number;
  private readonly batchMs: number;
  private measuredArrivals = 0;
  private lastBatch = -1;
  private order = 0;
  private inSystem = 0;
  private lastInSystemChange = 0;
  private measuredOutstanding = 0;
  private windowClosed = false;
  /** Rounds waiting anywhere: prefill queues, memory waiters, admit queues. */
  private backlog = 0;
  private readonly localOption: LocalOption = {
    queueMs: 0,
    prefillMs: 0,
    windowItlMs: 0,
    batchSize: 0,
    meanRemainingTokens: 0,
  };
  private readonly remotes: RemoteOption[] = [];
  private readonly context: RoutingContext;
  private readonly retrying = new Set<DecodeWorker>();
  private samples: TimeSeries | undefined = undefined;
  private sampleEvery = 0;
  private readonly lastBusy: number[] = [];
  private readonly peakQueue: number[] = [];

  constructor(private readonly input: EngineInput) {
    const { plan, deployment, policy, routing, measure } = input;
    this.slo = plan.slo;
    this.policySpec = plan.policy;
    this.policy = policy;
    this.routing = routing;
    this.chunk = Math.max(1, plan.policy.maxBatchTokens);
    this.mixed = plan.policy.mixedBatching === true;
    this.reuseBlock = Math.max(1, plan.policy.prefixReuseBlockTokens ?? 1);
    this.pinMs = policy.kvPinMs?.(routing) ?? 0;
    this.trackGaps = plan.slo.itlStatistic !== 'mean';
    this.stepRuns = input.stepRuns ?? true;
    this.warmupMs = measure.warmupMs;
    this.windowEndMs = measure.sessions === undefined ? measure.warmupMs + measure.windowMs : Infinity;
    this.batchMs = measure.windowMs / measure.batches;
    this.tally = new RunTally(measure.batches);
    for (let b = 0; b <= measure.batches; b++) this.tally.batchEdgesMs[b] = measure.warmupMs + b * this.batchMs;
    this.links = new LinkNetwork(plan.cluster, input.perf.decode);

    if (deployment.kind === 'colocated' && !policy.colocated) {
      throw new SimInputError(
        `policy '${policy.name}' routes between prefill and decode workers, but the deployment is co-located; use --policy colocated or continuum, or a P:…,D:… deployment`,
      );
    }
    if (deployment.kind === 'disaggregated' && policy.colocated) {
      throw new SimInputError(
        `policy '${policy.name}' is co-located, but the deployment has separate prefill and decode workers; use a C:TPxN deployment`,
      );
    }
    this.placeWorkers();
    for (let i = 0; i < this.prefillWorkers.length; i++) {
      this.remotes.push({ worker: i, queueMs: 0, prefillMs: 0, transferMs: 0, queueLength: 0, windowTtftMs: 0 });
    }
    this.context = { slo: this.slo, policy: this.policySpec, routing, local: this.localOption, remotes: this.remotes };

    const workers = this.prefillWorkers.length + this.decodeWorkers.length;
    const expectedArrivals = measure.trace ? 0 : ((measure.warmupMs + measure.windowMs) / 1000) * measure.ratePerSec;
    this.stability = new StabilityMonitor(
      workers,
      this.slo.ttftMs,
      100 + 25 * workers + 0.25 * Math.max(expectedArrivals, this.order),
      Math.max(60_000, 20 * this.slo.ttftMs),
    );
  }

  private placeWorkers(): void {
    const { plan, deployment, perf } = this.input;
    const cluster = plan.cluster;
    const windowMs = this.policySpec.statsWindowSec * 1000;
    const decodePool = cluster.decodePool ?? cluster;
    const prefillPool = cluster.prefillPool ?? cluster;
    const separatePools = Boolean(cluster.prefillPool || cluster.decodePool);
    const addDecode = (tp: number, place: Placement, role: DecodeWorker['role']) => {
      const memory = perf.decode.memoryPlan(tp);
      if (!memory.fits || memory.kvCapacityTokens <= 0) {
        throw new SimInputError(
          `${plan.model.name} does not fit a TP ${tp} replica of ${decodePool.gpu.name} with room for KV; use a larger TP`,
        );
      }
      const worker = new DecodeWorker(
        this.decodeWorkers.length,
        tp,
        role,
        place,
        perf.decode,
        memory.kvCapacityTokens,
        windowMs,
      );
      worker.kvTp = perf.decode.kvTp?.(tp) ?? tp;
      this.decodeWorkers.push(worker);
    };
    const prefillRanks = (tp: number) => perf.prefill.dpRanks?.(tp) ?? 1;
    const decodeRanks = (tp: number) => perf.decode.dpRanks?.(tp) ?? 1;
    if (deployment.kind === 'colocated') {
      for (const { tp, place } of placeReplicas(
        deployment.colocated,
        cluster,
        'main',
        'a co-located',
        undefined,
        decodeRanks,
      ))
        addDecode(tp, place, 'colocated');
      return;
    }
    const cursor = { node: 0, used: 0 };
    const prefill = placeReplicas(
      deployment.prefill,
      prefillPool,
      separatePools ? 'prefill' : 'main',
      'a prefill',
      cursor,
      prefillRanks,
    );
    const decode = placeReplicas(
      deployment.decode,
      decodePool,
      separatePools ? 'decode' : 'main',
      'a decode',
      separatePools ? { node: 0, used: 0 } : cursor,
      decodeRanks,
    );
    for (const { tp, place } of prefill) {
      if (!perf.prefill.memoryPlan(tp).fits) {
        throw new SimInputError(
          `${plan.model.name} does not fit a TP ${tp} prefill replica of ${prefillPool.gpu.name}; use a larger TP`,
        );
      }
      const worker = new PrefillWorker(this.prefillWorkers.length, tp, place, perf.prefill, windowMs);
      worker.kvTp = perf.prefill.kvTp?.(tp) ?? tp;
      this.prefillWorkers.push(worker);
    }
    for (const { tp, place } of decode) addDecode(tp, place, 'decode');
  }

  // ---- time and measurement ----

  private inWindow(t: number): boolean {
    return t >= this.warmupMs && t < this.windowEndMs;
  }

  /** The part of [start, end] inside the measurement window, ms. */
  private windowOverlap(start: number, end: number): number {
    const a = start > this.warmupMs ? start : this.warmupMs;
    const b = end < this.windowEndMs ? end : this.windowEndMs;
    return b > a ? b - a : 0;
  }

  private changeInSystem(delta: number): void {
    this.tally.inSystemMs += this.inSystem * this.windowOverlap(this.lastInSystemChange, this.now);
    this.lastInSystemChange = this.now;
    this.inSystem += delta;
  }

  /** Prefill time with the batch-token limit: a long prompt runs in chunks. */
  private prefillCost(perf: PerfModel, history: number, tokens: number, tp: number): number {
    const chunk = this.chunk;
    if (tokens <= chunk) return perf.prefillMs(history, tokens, tp);
    let ms = 0;
    for (let done = 0; done < tokens; done += chunk)
      ms += perf.prefillMs(history + done, Math.min(chunk, tokens - done), tp);
    return ms;
  }

  private queued(worker: { maxQueue: number }, index: number, length: number): void {
    this.backlog += 1;
    if (this.inWindow(this.now) && length > worker.maxQueue) worker.maxQueue = length;
    if (this.samples && length > this.peakQueue[index]) this.peakQueue[index] = length;
  }

  // ---- sessions and rounds ----

  private arrive(trace: TraceSession): void {
    const next = this.input.source.next();
    if (next) this.queue.push(next.arrivalMs, ARRIVE, next);
    const s = new Session(trace, this.order++);
    // Bind to the decode worker with the most free KV memory (DESIGN.md), lowest index on ties.
    let best = this.decodeWorkers[0];
    for (const d of this.decodeWorkers) if (d.freeTokens > best.freeTokens) best = d;
    s.decode = best;
    this.changeInSystem(1);
    if (this.inWindow(trace.arrivalMs)) this.tally.arrivalsInWindow += 1;
    if (this.isMeasured(trace.arrivalMs)) {
      const t = this.tally;
      const count = this.input.measure.sessions;
      s.batch =
        count === undefined
          ? Math.min(t.batches - 1, Math.floor((trace.arrivalMs - this.warmupMs) / this.batchMs))
          : Math.min(t.batches - 1, Math.floor((this.measuredArrivals * t.batches) / count));
      // Count mode: a batch spans from its first arrival to the next batch's (or the window's end).
      if (count !== undefined && s.batch > 0 && s.batch !== this.lastBatch) t.batchEdgesMs[s.batch] = trace.arrivalMs;
      this.lastBatch = s.batch;
      this.measuredArrivals += 1;
      t.sessions += 1;
      t.batchSessions[s.batch] += 1;
      t.batchRounds[s.batch] += trace.rounds.length;
      for (const r of trace.rounds) t.tokensRequested += r.outputTokens;
      this.measuredOutstanding += 1;
      if (count !== undefined && this.measuredArrivals >= count) this.closeWindow();
    }
    this.startRound(s);
  }

  private isMeasured(arrivalMs: number): boolean {
    if (arrivalMs < this.warmupMs || this.windowClosed) return false;
    const count = this.input.measure.sessions;
    return count === undefined ? arrivalMs < this.windowEndMs : this.measuredArrivals < count;
  }

  /** No more sessions are measured; the run goes on until the measured ones finish. */
  private closeWindow(): void {
    if (this.windowClosed) return;
    this.changeInSystem(0);
    this.windowClosed = true;
    // A trace's drain belongs to the replay: its counts run on to the end.
    if (this.input.measure.sessions !== undefined && !this.input.measure.trace) this.windowEndMs = this.now;
    this.stopReason = this.stability.judgeWindow(this.oldestWaitMs());
  }

  private stopReason: string | undefined = undefined;
  /** Set when the run stopped with measured sessions idle in very long tool waits (not overload). */
  private cutOff: string | undefined = undefined;

  private startRound(s: Session): void {
    const round = s.trace.rounds[s.roundIndex];
    s.readyMs = this.now;
    s.firstTokenMs = NaN;
    s.lastTokenMs = NaN;
    s.outputTokens = round.outputTokens;
    s.maxGapMs = 0;
    s.gaps = this.trackGaps && this.slo.itlStatistic !== 'max' ? [] : undefined;
    unmarkIdle(s.decode, s);
    if (s.batch >= 0) (s.roundIndex === 0 ? this.tally.turn1 : this.tally.turn2).rounds += 1;
    if (!this.tryStartRound(s)) {
      s.decode.memoryWaiters.push(s);
      this.backlog += 1;
    }
  }

  /** Reserves KV for the round and routes its prefill; false when memory is short. */
  private tryStartRound(s: Session): boolean {
    const d = s.decode;
    const round = s.trace.rounds[s.roundIndex];
    const recompute = !s.resident && s.contextTokens > 0;
    const needed = (recompute ? s.contextTokens : 0) + round.inputTokens + round.outputTokens;
    if (needed > d.capacityTokens) {
      // Even an empty worker cannot hold this session: it fails rather than blocking the queue forever.
      s.failed = true;
      s.allRoundsMet = false;
      this.finishSession(s);
      return true;
    }
    const evicted = evictFor(d, needed, this.now);
    if (evicted > 0 && this.inWindow(this.now)) this.tally.evictions += evicted;
    if (d.freeTokens < needed) return false;
    reserve(d, s, needed);
    if (recompute && this.inWindow(this.now)) this.tally.recomputedTokens += s.contextTokens;
    // The KV of the history is reused in whole cache blocks only; its partial last block is recomputed.
    const partial = recompute ? 0 : s.contextTokens % this.reuseBlock;
    s.historyTokens = recompute ? 0 : s.contextTokens - partial;
    s.newTokens = round.inputTokens + (recompute ? s.contextTokens : partial);
    s.contextTokens += round.inputTokens + round.outputTokens;
    s.incremental = s.roundIndex > 0 && !recompute;
    s.routedMs = this.now;
    s.estimatedMs = 0;
    s.postponed = 0;
    this.route(s);
    return true;
  }

  private retryMemoryWaiters(d: DecodeWorker): void {
    // A waiter that fails outright frees memory and lands back here: the outer loop carries on.
    if (this.retrying.has(d)) return;
    this.retrying.add(d);
    while (d.memoryWaiters.length > 0) {
      const s = d.memoryWaiters.peek() as Session;
      if (!this.tryStartRound(s)) break;
      d.memoryWaiters.shift();
      this.backlog -= 1;
    }
    this.retrying.delete(d);
  }

  private finishRound(s: Session): void {
    const d = s.decode;
    const now = this.now;
    const outputGaps = s.outputTokens - 1;
    const meanItl = outputGaps > 0 ? (s.lastTokenMs - s.firstTokenMs) / outputGaps : 0;
    // The windowed ITL is per round, as the SLO judges it (reference 004 §3: the average ITL of
    // recent requests), so a stall from local prefills counts at the weight users feel it.
    if (outputGaps > 0) d.itlWindow.record(now, meanItl);
    if (s.batch >= 0) this.recordRound(s, meanItl);
    s.roundIndex += 1;
    if (s.roundIndex >= s.trace.rounds.length) {
      this.finishSession(s);
      return;
    }
    s.pinnedUntil = now + this.pinMs;
    markIdle(d, s);
    this.toolWaits.push(now + s.trace.rounds[s.roundIndex].thinkMs, READY, s);
    // Its KV just became evictable, which may be what a round waiting for memory needs.
    if (this.pinMs <= 0 && d.memoryWaiters.length > 0) this.retryMemoryWaiters(d);
  }

  private recordRound(s: Session, meanItl: number): void {
    const t = this.tally;
    const ttft = s.firstTokenMs - s.readyMs;
    let itl = meanItl;
    if (s.outputTokens <= 1) itl = 0;
    else if (this.slo.itlStatistic === 'max') itl = s.maxGapMs;
    else if (s.gaps) {
      const q = { p50: 0.5, p90: 0.9, p95: 0.95, p99: 0.99 }[this.slo.itlStatistic as 'p50'];
      itl = percentileSorted(Float64Array.from(s.gaps).sort(), q);
    }
    const turn = s.roundIndex === 0 ? t.turn1 : t.turn2;
    turn.ttft.add(ttft);
    if (s.outputTokens > 1) turn.itl.add(itl);
    t.tokensDecoded += s.outputTokens - 1;
    if (ttft <= this.slo.ttftMs && itl <= this.slo.itlMs) {
      turn.met += 1;
      t.batchRoundsMet[s.batch] += 1;
    } else s.allRoundsMet = false;
  }

  private finishSession(s: Session): void {
    const d = s.decode;
    this.changeInSystem(-1);
    release(d, s);
    if (s.batch >= 0) {
      const t = this.tally;
      this.measuredOutstanding -= 1;
      if (s.failed) t.failed += 1;
      else {
        t.completed += 1;
        t.batchCompleted[s.batch] += 1;
        t.e2e.add(this.now - s.trace.arrivalMs);
        t.sojournMs += this.now - s.trace.arrivalMs;
        if (s.allRoundsMet) {
          t.met += 1;
          t.batchMet[s.batch] += 1;
        }
      }
    }
    this.retryMemoryWaiters(d);
  }

  // ---- routing ----

  private route(s: Session): void {
    const d = s.decode;
    const now = this.now;
    const local = this.localOption;
    local.prefillMs = this.prefillCost(d.perf, s.historyTokens, s.newTokens, d.tp);
    const prefillWorkers = this.prefillWorkers;
    if (prefillWorkers.length === 0) {
      // Co-located: nowhere else to go, and nothing to weigh.
      this.runLocally(s);
      return;
    }
    this.weighOptions(s, d);
    const decision = this.policy.route(s, this.context);
    if (decision.kind === 'local') {
      this.runLocally(s);
      return;
    }
    const w = prefillWorkers[decision.worker];
    const option = this.remotes[decision.worker];
    s.estimatedMs = option.prefillMs + option.transferMs;
    if (s.incremental && this.inWindow(now)) {
      d.remotePrefills += 1;
      this.tally.remotePrefills += 1;
    }
    w.queue.push(s);
    this.queued(w, w.index, w.queue.length);
    this.kickPrefill(w);
  }

  /** What the router weighs: the local option (past its prefill time) and every prefill worker's, as of now. */
  private weighOptions(s: Session, d: DecodeWorker): void {
    // The router reads the worker's step in progress and its batch as of now.
    this.catchUp(d);
    const now = this.now;
    const local = this.localOption;
    const prefillWorkers = this.prefillWorkers;
    const batch = d.batch;
    local.queueMs = d.localQueue.queuedMs + Math.max(0, d.busyUntil - now);
    // While local prefills hold the batch back no step ends, so the open gap joins the statistic.
    local.windowItlMs =
      batch.size > 0 && d.lastStepEnd >= 0
        ? d.itlWindow.meanWith(now, batch.openMeanGapMs(now, d.lastStepEnd))
        : d.itlWindow.mean(now);
    local.batchSize = batch.size;
    local.meanRemainingTokens = batch.size ? batch.remainingTokens / batch.size : 0;
    // Prefill and exclusive-link transfer times depend only on the worker's TP and its link's
    // kind: computed once per such shape, not once per worker (a large cluster has hundreds).
    let costTp = -1;
    let cost = 0;
    let shapeTp = -1;
    let shapeSpec: unknown = undefined;
    let exclusiveMs = 0;
    for (let i = 0; i < prefillWorkers.length; i++) {
      const w = prefillWorkers[i];
      const option = this.remotes[i];
      if (w.tp !== costTp) {
        costTp = w.tp;
        cost = this.prefillCost(w.perf, s.historyTokens, s.newTokens, w.tp);
      }
      const link = this.links.between(w, d);
      if (link.spec !== shapeSpec || w.tp !== shapeTp) {
        shapeSpec = link.spec;
        shapeTp = w.tp;
        exclusiveMs =
          this.links.estimateMs(link, s.historyTokens, d.kvTp, w.kvTp, 0) +
          this.links.estimateMs(link, s.newTokens, w.kvTp, d.kvTp, 0);
      }
      option.queueMs = w.queue.queuedMs + Math.max(0, w.busyUntil - now);
      option.prefillMs = cost;
      // Both transfers share the link with whatever is on it now.
      option.transferMs = exclusiveMs * (1 + link.sharing);
      option.queueLength = w.queue.length;
      option.windowTtftMs = w.ttftWindow.mean(now);
    }
  }

  private runLocally(s: Session): void {
    const d = s.decode;
    s.estimatedMs = this.localOption.prefillMs;
    if (s.incremental && this.inWindow(this.now)) {
      d.localPrefills += 1;
      this.tally.localPrefills += 1;
    }
    this.cutRun(d);
    const priority = this.policy.localPriority;
    if (priority) d.localQueue.insertByPriority(s, priority);
    else d.localQueue.push(s);
    this.queued(d, this.prefillWorkers.length + d.index, d.waiting);
    this.kickDecode(d);
  }

  // ---- prefill workers ----

  private kickPrefill(w: PrefillWorker): void {
    if (w.busy || w.queue.length === 0) return;
    const s = w.queue.takeNext(this.policySpec.reorderWindow, this.policySpec.maxPostpone, this.now, this.slo.ttftMs);
    this.countPrefillStart(w.queue.lastTakeReordered);
    this.backlog -= 1;
    w.busy = true;
    w.busyUntil = this.now + s.estimatedMs;
    w.startedAt = this.now;
    w.current = s;
    // Lazy read: the history's KV comes over only when the prefill is about to run.
    if (s.historyTokens > 0) this.startTransfer(w, s, TransferPurpose.HistoryRead);
    else this.computePrefill(w);
  }

  /** How often reordering changed which prefill ran (a diagnostic: 0 means FCFS was already best). */
  private countPrefillStart(reordered: boolean): void {
    if (!this.inWindow(this.now)) return;
    this.tally.prefillStarts += 1;
    if (reordered) this.tally.reorderedPrefills += 1;
  }

  private computePrefill(w: PrefillWorker): void {
    const s = w.current as Session;
    const computeMs = this.prefillCost(w.perf, s.historyTokens, s.newTokens, w.tp);
    this.accruePrefillBusy(w);
    w.startedAt = this.now;
    w.busyUntil = this.now + computeMs;
    this.queue.push(this.now + computeMs, PREFILL_DONE, w);
  }

  private prefillDone(w: PrefillWorker): void {
    this.accruePrefillBusy(w);
    w.busy = false;
    const s = w.current as Session;
    w.current = undefined;
    // The write-back carries exactly the KV the prefill computed.
    if (s.newTokens > 0) this.startTransfer(w, s, TransferPurpose.WriteBack);
    else this.writeBackDone(w, s);
    this.kickPrefill(w);
  }

  private writeBackDone(w: PrefillWorker, s: Session): void {
    // The prefill worker's TTFT statistic reflects its own load: time since the task reached it.
    w.ttftWindow.record(this.now, this.now - s.routedMs);
    this.firstToken(s);
  }

  // One per worker class: a store shared by both classes would be polymorphic, and V8 boxes a
  // double for each polymorphic store — garbage on every decode step.
  private accruePrefillBusy(w: PrefillWorker): void {
    w.busyMs += this.now - w.startedAt;
    w.busyWindowMs += this.windowOverlap(w.startedAt, this.now);
  }

  private accrueDecodeBusy(d: DecodeWorker): void {
    d.busyMs += this.now - d.startedAt;
    d.busyWindowMs += this.windowOverlap(d.startedAt, this.now);
  }

  // ---- links ----

  private startTransfer(w: PrefillWorker, s: Session, purpose: TransferPurpose): void {
    const d = s.decode;
    const link = this.links.between(w, d);
    const read = purpose === TransferPurpose.HistoryRead;
    const { transfer, latencyMs } = this.links.start(
      link,
      read ? s.historyTokens : s.newTokens,
      read ? d.kvTp : w.kvTp,
      read ? w.kvTp : d.kvTp,
      purpose,
      s,
      w,
      this.inWindow(this.now),
    );
    this.queue.push(this.now + latencyMs, LINK_JOIN, transfer);
  }

  private linkJoin(t: Transfer): void {
    const link = t.link;
    this.links.advance(link, this.now);
    this.links.join(link, t);
    this.scheduleLink(link);
  }

  private readonly finishedTransfers: Transfer[][] = [];
  /** Decode steps without finishing rounds run several to an event (off: one event per step, for tests). */
  private readonly stepRuns: boolean;

  private scheduleLink(link: Link): void {
    const at = this.links.nextCompletion(link, this.now);
    if (at < Infinity) this.queue.push(at, LINK_CHECK, link, link.version);
  }

  private linkCheck(link: Link, version: number): void {
    if (version !== link.version) return;
    this.links.advance(link, this.now);
    // Completions can start transfers on this link and re-enter here: each call has its own list.
    const done = this.finishedTransfers.pop() ?? [];
    const finished = this.links.takeFinished(link, done);
    this.scheduleLink(link);
    for (let i = 0; i < finished; i++) {
      const t = done[i];
      const { worker, session, purpose } = t;
      this.links.recycle(t);
      if (purpose === TransferPurpose.HistoryRead) this.computePrefill(worker);
      else this.writeBackDone(worker, session);
    }
    this.finishedTransfers.push(done);
  }

  // ---- decode workers ----

  private firstToken(s: Session): void {
    const now = this.now;
    s.firstTokenMs = now;
    s.lastTokenMs = now;
    if (s.batch >= 0) this.tally.tokensDecoded += 1;
    if (this.inWindow(now)) this.tally.windowTokens += 1;
    const remaining = s.outputTokens - 1;
    if (remaining <= 0) {
      this.finishRound(s);
      return;
    }
    const d = s.decode;
    if (d.batch.size < this.policySpec.maxDecodeBatch) {
      // It joins mid-step: its first decoded token comes with the step in progress.
      this.catchUp(d);
      d.batch.join(s, remaining);
      this.cutRun(d);
    } else {
      s.pendingTokens = remaining;
      d.admitQueue.push(s);
      this.queued(d, this.prefillWorkers.length + d.index, d.waiting);
    }
    this.kickDecode(d);
  }

  private kickDecode(d: DecodeWorker): void {
    if (d.busy) return;
    const now = this.now;
    if (this.mixed && (d.localQueue.length > 0 || d.mixedPrefills.length > 0) && d.batch.size < this.chunk) {
      this.mixedStep(d);
      return;
    }
    if (!this.mixed && d.localQueue.length > 0) {
      // The decode worker's own prefill queue is reordered like a prefill worker's (reference 004,
      // §3 step 3), unless the policy orders it itself (continuum's same-session priority).
      let s: Session;
      if (this.policy.localPriority) s = d.localQueue.takeAt(0);
      else {
        s = d.localQueue.takeNext(this.policySpec.reorderWindow, this.policySpec.maxPostpone, now, this.slo.ttftMs);
        this.countPrefillStart(d.localQueue.lastTakeReordered);
      }
      this.backlog -= 1;
      const ms = this.prefillCost(d.perf, s.historyTokens, s.newTokens, d.tp);
      d.busy = true;
      d.busyUntil = now + ms;
      d.startedAt = now;
      d.runningPrefill = s;
      d.runSteps = 0;
      this.queue.push(now + ms, DECODE_DONE, d, ++d.runVersion);
      return;
    }
    const batch = d.batch;
    if (batch.size === 0) {
      d.lastStepEnd = -1;
      return;
    }
    // Steps up to the next one in which a round finishes change nothing outside this worker: they
    // run as one event. A round joining, or a local prefill queued, cuts the run short (cutRun).
    const steps = this.stepRuns ? Math.min(MAX_RUN_STEPS, batch.stepsToNextFinish) : 1;
    const size = batch.size;
    let context = batch.context;
    let t = now;
    if (d.affineSize !== size || context < d.affineFrom || context >= d.affineBelow)
      this.refreshAffine(d, size, context);
    if (d.affineSlope >= 0) {
      // An affine step time (the analytical model): two operations a step instead of a model call,
      // and a comparison for the context growing past the piece (a layer's KV turning large).
      let fixed = d.affineFixed;
      let slope = d.affineSlope;
      let below = d.affineBelow;
      for (let j = 0; j < steps; j++) {
        if (context >= below) {
          this.refreshAffine(d, size, context);
          fixed = d.affineFixed;
          slope = d.affineSlope;
          below = d.affineBelow;
        }
        t += fixed + slope * context;
        d.stepEnds[j] = t;
        context += size;
      }
    } else {
      for (let j = 0; j < steps; j++) {
        t += d.perf.decodeStepMs(size, context, d.tp);
        d.stepEnds[j] = t;
        context += size;
      }
    }
    d.runSteps = steps;
    d.runDone = 0;
    d.busy = true;
    d.busyUntil = d.stepEnds[0];
    d.startedAt = now;
    this.queue.push(t, DECODE_DONE, d, ++d.runVersion);
  }

  /**
   * One forward step that carries every running decode and, in the token budget left
   * (maxBatchTokens − decodes), chunks of the worker's prefills in arrival order: unfinished ones
   * first, then new ones from its queue (chunked prefill with decode first, as Sarathi-Serve, vLLM V1
   * and transformers' continuous batching schedule). The step costs the decode step plus what each
   * chunk adds above a one-token forward (the per-step cost the decodes already pay).
   */
  private mixedStep(d: DecodeWorker): void {
    const now = this.now;
    const batch = d.batch;
    const perf = d.perf;
    const perStepMs = perf.prefillMs(0, 1, d.tp);
    let budget = this.chunk - batch.size;
    let ms = batch.size > 0 ? perf.decodeStepMs(batch.size, batch.context, d.tp) : perStepMs;
    const chunkCost = (s: Session): void => {
      const n = Math.min(s.newTokens - s.prefilledTokens, budget);
      s.chunkTokens = n;
      budget -= n;
      if (n > 0) ms += Math.max(0, perf.prefillMs(s.historyTokens + s.prefilledTokens, n, d.tp) - perStepMs);
    };
    for (const s of d.mixedPrefills) {
      if (budget <= 0) s.chunkTokens = 0;
      else chunkCost(s);
    }
    while (budget > 0 && d.localQueue.length > 0) {
      const s = d.localQueue.takeNext(this.policySpec.reorderWindow, this.policySpec.maxPostpone, now, this.slo.ttftMs);
      this.backlog -= 1;
      s.prefilledTokens = 0;
      d.mixedPrefills.push(s);
      chunkCost(s);
    }
    d.stepEnds[0] = now + ms;
    d.runSteps = 1;
    d.runDone = 0;
    d.busy = true;
    d.busyUntil = now + ms;
    d.startedAt = now;
    d.mixedStep = true;
    this.queue.push(now + ms, DECODE_DONE, d, ++d.runVersion);
  }

  /** A mixed step ended: its chunks are computed, and prefills whose last chunk it was give their first token. */
  private mixedChunksDone(d: DecodeWorker): void {
    d.mixedStep = false;
    const list = d.mixedPrefills;
    let kept = 0;
    const done: Session[] = [];
    for (const s of list) {
      s.prefilledTokens += s.chunkTokens;
      s.chunkTokens = 0;
      if (s.prefilledTokens >= s.newTokens) done.push(s);
      else list[kept++] = s;
    }
    list.length = kept;
    for (const s of done) this.firstToken(s);
  }

  /**
   * The worker's step time as fixed + slope × context for this batch size, on the piece that holds
   * at `context`, or slope −1 when the model gives none.
   */
  private refreshAffine(d: DecodeWorker, size: number, context: number): void {
    const affine = d.perf.decodeStepAffine?.(size, d.tp, context);
    d.affineSize = size;
    d.affineFixed = affine ? affine.fixedMs : 0;
    d.affineSlope = affine ? affine.msPerContextToken : -1;
    d.affineFrom = affine ? affine.validFromContext : -Infinity;
    d.affineBelow = affine ? affine.validBelowContext : Infinity;
  }

  /** Completes the steps of the worker's run that ended by now, all but the run's last (its event does that). */
  private catchUp(d: DecodeWorker): void {
    const last = d.runSteps - 1;
    const ends = d.stepEnds;
    const now = this.now;
    let j = d.runDone;
    if (j >= last || ends[j] > now) return;
    if (this.trackGaps) {
      // Per-gap statistics need every step's time for every round.
      for (; j < last && ends[j] <= now; j++) this.gapsAt(d, ends[j]);
    } else {
      while (j < last && ends[j] <= now) j++;
    }
    const done = j - d.runDone;
    const start = d.startedAt;
    const end = ends[j - 1];
    // These steps ran back to back: one busy interval.
    d.busyMs += end - start;
    d.busyWindowMs += this.windowOverlap(start, end);
    let inWindow = 0;
    for (let k = d.runDone; k < j; k++) if (ends[k] >= this.warmupMs && ends[k] < this.windowEndMs) inWindow++;
    this.tally.windowTokens += inWindow * d.batch.size;
    d.batch.stepsDone(done);
    d.lastStepEnd = end;
    d.startedAt = end;
    d.runDone = j;
    d.busyUntil = ends[j];
    this.events += done;
  }

  /** The batch changes, or a local prefill waits: the run ends with the step in progress. */
  private cutRun(d: DecodeWorker): void {
    if (!d.busy || d.runningPrefill || d.runDone >= d.runSteps - 1) return;
    this.catchUp(d);
    if (d.runDone >= d.runSteps - 1) return;
    d.runSteps = d.runDone + 1;
    this.queue.push(d.stepEnds[d.runDone], DECODE_DONE, d, ++d.runVersion);
  }

  private decodeDone(d: DecodeWorker, version: number): boolean {
    if (version !== d.runVersion) return false;
    this.catchUp(d);
    this.accrueDecodeBusy(d);
    // Still busy while the step's results land, so nothing they trigger starts a step mid-update.
    const prefill = d.runningPrefill;
    if (prefill) {
      d.runningPrefill = undefined;
      this.firstToken(prefill);
    } else {
      const mixed = d.mixedStep;
      this.stepDone(d);
      if (mixed) this.mixedChunksDone(d);
    }
    d.busy = false;
    this.kickDecode(d);
    return true;
  }

  /** Each running round's gap up to a step's end (only for per-gap ITL statistics). */
  private gapsAt(d: DecodeWorker, end: number): void {
    d.batch.forEach((s) => {
      const gap = end - s.lastTokenMs;
      if (gap > s.maxGapMs) s.maxGapMs = gap;
      s.gaps?.push(gap);
      s.lastTokenMs = end;
    });
  }

  /** What every step's end does: tokens out, the batch's context grows. */
  private stepEnded(d: DecodeWorker, end: number): void {
    const batch = d.batch;
    d.lastStepEnd = end;
    if (this.trackGaps) this.gapsAt(d, end);
    batch.stepsDone(1);
    if (this.inWindow(end)) this.tally.windowTokens += batch.size;
  }

  /** The run's last step ended: rounds that decoded their last token finish, waiting rounds join. */
  private stepDone(d: DecodeWorker): void {
    const now = this.now;
    const batch = d.batch;
    this.stepEnded(d, now);
    for (let s = batch.popFinished(); s; s = batch.popFinished()) {
      s.lastTokenMs = now;
      this.finishRound(s);
    }
    const max = this.policySpec.maxDecodeBatch;
    while (batch.size < max && d.admitQueue.length > 0) {
      const s = d.admitQueue.shift() as Session;
      this.backlog -= 1;
      batch.join(s, s.pendingTokens);
    }
  }

  // ---- stability and sampling ----

  private oldestWaitMs(): number {
    const window = this.policySpec.reorderWindow;
    let oldest = this.now;
    for (const w of this.prefillWorkers) oldest = Math.min(oldest, w.queue.oldestReadyMs(window));
    for (const d of this.decodeWorkers) {
      oldest = Math.min(oldest, d.localQueue.oldestReadyMs(window));
      const waiter = d.memoryWaiters.peek();
      if (waiter) oldest = Math.min(oldest, waiter.readyMs);
    }
    return this.now - oldest;
  }

  private allWorkers(): Array<PrefillWorker | DecodeWorker> {
    return [...this.prefillWorkers, ...this.decodeWorkers];
  }

  private startSampling(): void {
    const ids = this.allWorkers().map((w) => w.id);
    this.samples = { tSec: [], queueLength: {}, utilization: {} };
    for (const id of ids) {
      this.samples.queueLength[id] = [];
      this.samples.utilization[id] = [];
      this.lastBusy.push(0);
      this.peakQueue.push(0);
    }
    const span = (this.warmupMs + this.input.measure.windowMs + this.input.measure.sessionMs) * 1.15;
    this.sampleEvery = span / (MAX_SAMPLES * 0.75);
    this.queue.push(this.sampleEvery, SAMPLE, null);
  }

  private takeSample(): void {
    const samples = this.samples as TimeSeries;
    for (const d of this.decodeWorkers) this.catchUp(d);
    samples.tSec.push(this.now / 1000);
    this.allWorkers().forEach((w, i) => {
      const length = w instanceof PrefillWorker ? w.queue.length : w.waiting;
      // The highest queue since the last sample, so a chart's peaks match the worker's maximum.
      samples.queueLength[w.id].push(Math.max(length, this.peakQueue[i]));
      this.peakQueue[i] = length;
      // Busy time accrues when a task ends, so a sample can read slightly over 1: it is clamped.
      samples.utilization[w.id].push(Math.min(1, Math.max(0, (w.busyMs - this.lastBusy[i]) / this.sampleEvery)));
      this.lastBusy[i] = w.busyMs;
    });
    if (samples.tSec.length >= MAX_SAMPLES) {
      // Halve the resolution instead of growing without bound on a long run; peaks survive.
      const pairs = <T>(xs: T[], merge: (a: T, b: T) => T) =>
        xs.filter((_, i) => i % 2 === 1).map((v, i) => merge(xs[2 * i], v));
      samples.tSec = pairs(samples.tSec, (_a, b) => b);
      for (const id of Object.keys(samples.queueLength)) {
        samples.queueLength[id] = pairs(samples.queueLength[id], Math.max);
        samples.utilization[id] = pairs(samples.utilization[id], (a, b) => (a + b) / 2);
      }
      this.sampleEvery *= 2;
    }
    this.queue.push(this.now + this.sampleEvery, SAMPLE, null);
  }

  // ---- the run ----

  run(): EngineOutput {
    const { measure } = this.input;
    const queue = this.queue;
    const first = this.input.source.next();
    if (first) queue.push(first.arrivalMs, ARRIVE, first);
    for (let k = 0; k < STABILITY_SAMPLES; k++) {
      queue.push(this.warmupMs + ((k + 0.5) * measure.windowMs) / STABILITY_SAMPLES, BACKLOG_SAMPLE, null);
    }
    if (measure.sessions === undefined) queue.push(this.windowEndMs, WINDOW_END, null);
    // Often enough that a backlog cannot run far past its limit between checks: about every
    // hundred arrivals, and at least every second and tenth of a session.
    const rate = measure.ratePerSec;
    const checkEveryMs = Math.max(
      1e-3,
      Math.min(1000, measure.sessionMs / 10, rate > 0 && !measure.trace ? 100_000 / rate : 1000),
    );
    queue.push(checkEveryMs, STABILITY_CHECK, null);
    if (this.input.timeSeries) this.startSampling();
    if (measure.sessions === 0) this.closeWindow();
    // After the window closes the run continues (arrivals too, keeping the load) until every
    // measured session has finished — or this long, after which the system is not keeping up.
    const drainLimitMs = Math.max(60_000, 10 * measure.longSessionMs);
    const progressSpan = this.warmupMs + measure.windowMs + measure.sessionMs;
    const cancelled = this.runEvents(checkEveryMs, drainLimitMs, progressSpan);
    return this.finish(cancelled);
  }

  /** The event loop, apart so that its optimised code holds nothing else: true when cancelled. */
  private runEvents(checkEveryMs: number, drainLimitMs: number, progressSpan: number): boolean {
    const { isCancelled, onProgress } = this.input;
    const events = this.queue;
    const toolWaits = this.toolWaits;
    let cancelled = false;
    let nextProgress = 0;
    let iterations = 0;

    for (;;) {
      const queue = toolWaits.size > 0 && (events.size === 0 || toolWaits.precedes(events)) ? toolWaits : events;
      if (!queue.pop()) break;
      const time = queue.time;
      if (!Number.isFinite(time)) {
        // An infinite clock never advances past its events: stop instead of looping there forever.
        throw new SimInputError(tooLargeTimeMessage(`simulated time reached ${time} ms (after ${this.events} events)`));
      }
      this.now = time;
      this.events += 1;
      switch (queue.kind) {
        case ARRIVE:
          this.arrive(queue.item as TraceSession);
          break;
        case READY:
          // An evicted session's round recomputes its history; tryStartRound counts it.
          this.startRound(queue.item as Session);
          break;
        case DECODE_DONE:
          // A run cut short leaves its first event behind: stale, and no event of the model.
          if (!this.decodeDone(queue.item as DecodeWorker, queue.arg)) this.events -= 1;
          break;
        case PREFILL_DONE:
          this.prefillDone(queue.item as PrefillWorker);
          break;
        case LINK_JOIN:
          this.linkJoin(queue.item as Transfer);
          break;
        case LINK_CHECK:
          this.linkCheck(queue.item as Link, queue.arg);
          break;
        case SAMPLE:
          if (!this.windowClosed || this.measuredOutstanding > 0) this.takeSample();
          break;
        case BACKLOG_SAMPLE:
          this.stability.sample(this.backlog);
          break;
        case WINDOW_END:
          this.closeWindow();
          break;
        case STABILITY_CHECK:
          // On the simulated clock, so that where an overloaded run stops does not depend on how
          // the engine groups its events.
          this.stopReason = this.stability.check(this.backlog, this.oldestWaitMs());
          events.push(this.now + checkEveryMs, STABILITY_CHECK, null);
          break;
      }
      if (this.stopReason) break;
      if (this.windowClosed) {
        if (this.measuredOutstanding === 0) break;
        if (this.now > this.windowEndMs + drainLimitMs) {
          // Sessions still out this long after the window are either stuck in queues (overload) or
          // in a rare, very long tool wait; only the first makes the run unstable.
          const stuck = this.backlog > 0 && this.oldestWaitMs() > 2 * this.slo.ttftMs;
          if (stuck) this.stopReason = this.stability.unfinished(this.measuredOutstanding, drainLimitMs / 1000);
          else
            this.cutOff = `${this.measuredOutstanding} measured session(s) were still between rounds ${(drainLimitMs / 1000).toFixed(0)} s after the window closed and count as missing the SLO`;
          break;
        }
      }
      if ((++iterations & 1023) === 0) {
        if (isCancelled?.()) {
          cancelled = true;
          break;
        }
        if (onProgress) {
          const fraction = Math.min(0.99, this.now / progressSpan);
          if (fraction >= nextProgress) {
            onProgress(fraction);
            nextProgress = fraction + 0.05;
          }
        }
      }
    }
    return cancelled;
  }

  private finish(cancelled: boolean): EngineOutput {
    const { measure } = this.input;
    // Steps that ended by now but had no reason to be looked at yet.
    for (const d of this.decodeWorkers) this.catchUp(d);
    // A trace that ran dry closes its window when its last session is done.
    if (measure.trace || !this.windowClosed) this.changeInSystem(0);
    this.tally.unfinished = this.measuredOutstanding;
    if (!this.stopReason && !cancelled && !this.cutOff && this.measuredOutstanding > 0) {
      this.stopReason = this.stability.unfinished(
        this.measuredOutstanding,
        Math.max(0, this.now - this.windowEndMs) / 1000,
      );
    }
    const stopReason = this.stopReason;
    // Rates are over the window the run actually measured: up to the last measured arrival in
    // count mode, and for a trace on to the end of its replay.
    const end = measure.trace ? this.now : Math.min(this.now, this.windowEndMs);
    const windowMs = measure.sessions !== undefined ? Math.max(1e-6, end - this.warmupMs) : measure.windowMs;
    this.tally.batchEdgesMs[this.tally.batches] = this.warmupMs + windowMs;
    return {
      tally: this.tally,
      measure: { ...measure, windowMs },
      workers: this.workerMetrics(),
      endMs: this.now,
      events: this.events,
      kvBytesMoved: this.links.bytesMoved,
      unstable: stopReason !== undefined,
      unstableReason: stopReason,
      cutOff: this.cutOff,
      samples: this.samples,
      cancelled,
    };
  }

  private workerMetrics(): WorkerMetrics[] {
    const windowMs = Math.max(1e-9, Math.min(this.now, this.windowEndMs) - this.warmupMs);
    // (count mode: windowEndMs is the last measured arrival, or Infinity for a trace: up to now)
    // A worker mid-task at the end has busy time not yet accrued: count it up to now.
    const busy = (w: PrefillWorker | DecodeWorker) =>
      w.busyWindowMs + (w.busy ? this.windowOverlap(w.startedAt, this.now) : 0);
    const utilization = (w: PrefillWorker | DecodeWorker) => (windowMs > 0 ? Math.min(1, busy(w) / windowMs) : 0);
    return [
      ...this.prefillWorkers.map((w) => ({
        id: w.id,
        role: 'prefill' as const,
        tp: w.tp,
        utilization: utilization(w),
        maxQueueLength: w.maxQueue,
      })),
      ...this.decodeWorkers.map((d) => ({
        id: d.id,
        role: d.role,
        tp: d.tp,
        utilization: utilization(d),
        localPrefillRatio:
          d.localPrefills + d.remotePrefills > 0 ? d.localPrefills / (d.localPrefills + d.remotePrefills) : 0,
        localPrefills: d.localPrefills,
        remotePrefills: d.remotePrefills,
        maxQueueLength: d.maxQueue,
      })),
    ];
  }
}

export function runEngine(input: EngineInput): EngineOutput {
  return new Simulation(input).run();
}
