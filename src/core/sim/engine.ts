import type { PerfModel } from '../perf/types';
import type { ClusterSpec, Deployment, LinkSpec, Plan, PoolSpec, RoutingSpec } from '../spec/types';
import { EventQueue } from './eventQueue';
import type { RoutingPolicy, PrefillTaskView, RoutingContext } from './policies';
import { pickNext } from './reorder';
import { RollingWindow } from './stats';
import type { TraceSession } from './workload';

/** A problem with the simulation's input that the user must fix (bad deployment for the cluster…). */
export class SimInputError extends Error {}

export interface EngineInput {
  plan: Plan;
  deployment: Deployment;
  routing: RoutingSpec;
  policy: RoutingPolicy;
  sessions: TraceSession[];
  perf: { prefill: PerfModel; decode: PerfModel };
  isCancelled?: () => boolean;
  onProgress?: (fraction: number) => void;
}

interface RoundRecord {
  readyMs: number;
  firstTokenMs: number;
  lastTokenMs: number;
  outputTokens: number;
  maxGapMs: number;
  gaps?: number[];
  local: boolean;
  incremental: boolean;
  done: boolean;
}

interface Session {
  trace: TraceSession;
  order: number;
  decode: DecodeWorker;
  roundIndex: number;
  /** Tokens of KV the session holds on its decode worker (reserved for the running round too). */
  heldTokens: number;
  /** Tokens of context the KV covers once the running round completes. */
  contextTokens: number;
  resident: boolean;
  idleSince: number;
  pinnedUntil: number;
  inRound: boolean;
  rounds: RoundRecord[];
  finishedMs: number;
  failed: boolean;
  tokensDecoded: number;
}

interface PrefillTask extends PrefillTaskView {
  session: Session;
  round: RoundRecord;
  readyMs: number;
  /** When the router placed it; a wait for KV memory on the decode side comes before this. */
  routedMs: number;
  estimatedMs: number;
  postponed: number;
}

interface ActiveRound {
  session: Session;
  round: RoundRecord;
  remaining: number;
}

interface Link {
  spec: LinkSpec;
  kind: 'intraNode' | 'interNode' | 'crossCluster';
  active: Transfer[];
  lastUpdate: number;
  version: number;
}

interface Transfer {
  /** Exclusive-link time still needed, ms; shared fairly among overlapping transfers. */
  remainingMs: number;
  bytes: number;
  done: () => void;
}

interface Placement {
  cluster: 'main' | 'prefill' | 'decode';
  node: number;
}

interface PrefillWorker {
  id: string;
  index: number;
  tp: number;
  place: Placement;
  perf: PerfModel;
  queue: PrefillTask[];
  queuedMs: number;
  busyUntil: number;
  busy: boolean;
  busyMs: number;
  ttftWindow: RollingWindow;
  served: number;
  maxQueue: number;
}

interface DecodeWorker {
  id: string;
  index: number;
  tp: number;
  role: 'decode' | 'colocated';
  place: Placement;
  perf: PerfModel;
  capacityTokens: number;
  usedTokens: number;
  batch: ActiveRound[];
  batchContext: number;
  /** Rounds whose first token is out but that wait for a batch slot. */
  admitQueue: ActiveRound[];
  localQueue: PrefillTask[];
  localQueuedMs: number;
  memoryWaiters: Session[];
  busy: boolean;
  busyUntil: number;
  busyMs: number;
  lastStepEnd: number;
  itlWindow: RollingWindow;
  sessions: Set<Session>;
  localPrefills: number;
  remotePrefills: number;
  maxQueue: number;
}

type SimEvent =
  | { kind: 'arrive'; session: Session }
  | { kind: 'ready'; session: Session }
  | { kind: 'decodeFree'; worker: DecodeWorker; startedAt: number; finishLocal?: PrefillTask }
  | { kind: 'linkJoin'; link: Link; transfer: Transfer }
  | { kind: 'linkCheck'; link: Link; version: number }
  | { kind: 'prefillComputed'; worker: PrefillWorker; task: PrefillTask; computeMs: number }
  | { kind: 'sample' };

export interface EngineOutput {
  sessions: Array<{ order: number; rounds: RoundRecord[]; arrivalMs: number; finishedMs: number; failed: boolean; tokensDecoded: number; tokensRequested: number }>;
  prefillWorkers: PrefillWorker[];
  decodeWorkers: DecodeWorker[];
  endMs: number;
  events: number;
  evictions: number;
  recomputedTokens: number;
  kvBytesMoved: { intraNode: number; interNode: number; crossCluster: number };
  unstable: boolean;
  samples: { tSec: number[]; queueLength: Record<string, number[]>; utilization: Record<string, number[]> };
  /** Time-integral of sessions in the system, session·ms, for Little's law. */
  sessionMsInSystem: number;
  cancelled: boolean;
}

const MAX_SAMPLES = 200;

/** Assigns replicas to nodes in order; a replica never straddles two nodes. */
function placeReplicas(tps: number[], pool: PoolSpec, cluster: Placement['cluster'], what: string, start = { node: 0, used: 0 }): Placement[] {
  const placements: Placement[] = [];
  const cursor = start;
  for (const tp of tps) {
    if (tp > pool.gpusPerNode) {
      throw new SimInputError(`${what} replica of TP ${tp} needs more GPUs than a node has (${pool.gpusPerNode}); use TP ≤ ${pool.gpusPerNode}`);
    }
    if (cursor.used + tp > pool.gpusPerNode) {
      cursor.node += 1;
      cursor.used = 0;
    }
    if (cursor.node >= pool.nodes) {
      throw new SimInputError(`the deployment does not fit the ${cluster === 'main' ? 'cluster' : cluster + ' pool'}: ${pool.nodes} node(s) of ${pool.gpusPerNode} GPUs; use fewer replicas or add nodes`);
    }
    placements.push({ cluster, node: cursor.node });
    cursor.used += tp;
  }
  return placements;
}

function expand(groups: Array<{ tp: number; dp: number }>): number[] {
  return groups.flatMap((g) => Array.from({ length: g.dp }, () => g.tp));
}

export function runEngine(input: EngineInput): EngineOutput {
  const { plan, deployment, policy, routing } = input;
  const cluster: ClusterSpec = plan.cluster;
  const slo = plan.slo;
  const policySpec = plan.policy;
  const windowMs = policySpec.statsWindowSec * 1000;
  const queue = new EventQueue<SimEvent>();
  const kvBytesMoved = { intraNode: 0, interNode: 0, crossCluster: 0 };
  let evictions = 0;
  let recomputedTokens = 0;
  let events = 0;
  let now = 0;

  if (deployment.kind === 'colocated' && !policy.colocated) {
    throw new SimInputError(`policy '${policy.name}' routes between prefill and decode workers, but the deployment is co-located; use --policy colocated or continuum, or a P:…,D:… deployment`);
  }
  if (deployment.kind === 'disaggregated' && policy.colocated) {
    throw new SimInputError(`policy '${policy.name}' is co-located, but the deployment has separate prefill and decode workers; use a C:TPxN deployment`);
  }

  // ---- workers and placement ----
  const prefillPool = cluster.prefillPool ?? cluster;
  const decodePool = cluster.decodePool ?? cluster;
  const separatePools = Boolean(cluster.prefillPool || cluster.decodePool);
  const prefillWorkers: PrefillWorker[] = [];
  const decodeWorkers: DecodeWorker[] = [];
  const makeDecode = (tp: number, place: Placement, role: DecodeWorker['role'], index: number): DecodeWorker => {
    const memory = input.perf.decode.memoryPlan(tp);
    if (!memory.fits || memory.kvCapacityTokens <= 0) {
      throw new SimInputError(`${plan.model.name} does not fit a TP ${tp} replica of ${decodePool.gpu.name} with room for KV; use a larger TP`);
    }
    return {
      id: `${role === 'colocated' ? 'C' : 'D'}${index}`,
      index,
      tp,
      role,
      place,
      perf: input.perf.decode,
      capacityTokens: memory.kvCapacityTokens,
      usedTokens: 0,
      batch: [],
      batchContext: 0,
      admitQueue: [],
      localQueue: [],
      localQueuedMs: 0,
      memoryWaiters: [],
      busy: false,
      busyUntil: 0,
      busyMs: 0,
      lastStepEnd: -1,
      itlWindow: new RollingWindow(windowMs),
      sessions: new Set(),
      localPrefills: 0,
      remotePrefills: 0,
      maxQueue: 0,
    };
  };
  if (deployment.kind === 'colocated') {
    const tps = expand(deployment.colocated);
    placeReplicas(tps, cluster, 'main', 'a co-located').forEach((place, i) => decodeWorkers.push(makeDecode(tps[i], place, 'colocated', i)));
  } else {
    const ptps = expand(deployment.prefill);
    const dtps = expand(deployment.decode);
    const cursor = { node: 0, used: 0 };
    const pPlaces = placeReplicas(ptps, prefillPool, separatePools ? 'prefill' : 'main', 'a prefill', cursor);
    const dPlaces = placeReplicas(dtps, decodePool, separatePools ? 'decode' : 'main', 'a decode', separatePools ? { node: 0, used: 0 } : cursor);
    pPlaces.forEach((place, i) => {
      const memory = input.perf.prefill.memoryPlan(ptps[i]);
      if (!memory.fits) {
        throw new SimInputError(`${plan.model.name} does not fit a TP ${ptps[i]} prefill replica of ${prefillPool.gpu.name}; use a larger TP`);
      }
      prefillWorkers.push({
        id: `P${i}`,
        index: i,
        tp: ptps[i],
        place,
        perf: input.perf.prefill,
        queue: [],
        queuedMs: 0,
        busyUntil: 0,
        busy: false,
        busyMs: 0,
        ttftWindow: new RollingWindow(windowMs),
        served: 0,
        maxQueue: 0,
      });
    });
    dPlaces.forEach((place, i) => decodeWorkers.push(makeDecode(dtps[i], place, 'decode', i)));
  }

  // ---- links ----
  const links = new Map<string, Link>();
  const linkFor = (a: Placement, b: Placement): Link => {
    let key: string;
    let spec: LinkSpec;
    let kind: Link['kind'];
    if (a.cluster !== b.cluster && cluster.crossCluster) {
      key = 'x';
      spec = cluster.crossCluster;
      kind = 'crossCluster';
    } else if (a.cluster === b.cluster && a.node === b.node) {
      key = `n${a.cluster}${a.node}`;
      spec = (a.cluster === 'prefill' ? prefillPool : a.cluster === 'decode' ? decodePool : cluster).intraNode;
      kind = 'intraNode';
    } else {
      // Inter-node traffic is limited by the decode side's NIC, which every read and write-back of its sessions crosses.
      const decodeSide = b.cluster === 'prefill' ? a : b;
      key = `i${decodeSide.cluster}${decodeSide.node}`;
      spec = (decodeSide.cluster === 'decode' ? decodePool : cluster).interNode;
      kind = 'interNode';
    }
    let link = links.get(key);
    if (!link) {
      link = { spec, kind, active: [], lastUpdate: 0, version: 0 };
      links.set(key, link);
    }
    return link;
  };
  const advanceLink = (link: Link) => {
    const n = link.active.length;
    if (n > 0) {
      const progress = (now - link.lastUpdate) / n;
      for (const t of link.active) t.remainingMs -= progress;
    }
    link.lastUpdate = now;
  };
  const scheduleLink = (link: Link) => {
    link.version += 1;
    if (link.active.length === 0) return;
    let min = Infinity;
    for (const t of link.active) min = Math.min(min, t.remainingMs);
    queue.push(now + Math.max(0, min) * link.active.length, { kind: 'linkCheck', link, version: link.version });
  };
  const transfer = (tokens: number, from: Placement, to: Placement, srcTp: number, dstTp: number, done: () => void) => {
    if (tokens <= 0) {
      done();
      return;
    }
    const link = linkFor(from, to);
    const totalMs = input.perf.decode.kvTransferMs(tokens, link.spec, srcTp, dstTp);
    const latencyMs = Math.min(totalMs, link.spec.latencyUs / 1000);
    const bytes = input.perf.decode.kvBytes(tokens);
    kvBytesMoved[link.kind] += bytes;
    queue.push(now + latencyMs, { kind: 'linkJoin', link, transfer: { remainingMs: totalMs - latencyMs, bytes, done } });
  };
  /** Exclusive-link estimate, for routing costs. */
  const transferEstimate = (tokens: number, from: Placement, to: Placement, srcTp: number, dstTp: number) => {
    if (tokens <= 0) return 0;
    const link = linkFor(from, to);
    return input.perf.decode.kvTransferMs(tokens, link.spec, srcTp, dstTp) * (1 + link.active.length);
  };

  // ---- prefill cost with the batch-token limit: long prompts run in chunks ----
  const chunk = Math.max(1, policySpec.maxBatchTokens);
  const prefillCost = (perf: PerfModel, history: number, tokens: number, tp: number): number => {
    if (tokens <= chunk) return perf.prefillMs(history, tokens, tp);
    let ms = 0;
    for (let done = 0; done < tokens; done += chunk) ms += perf.prefillMs(history + done, Math.min(chunk, tokens - done), tp);
    return ms;
  };

  // ---- sessions ----
  const sessions: Session[] = input.sessions.map((trace, order) => ({
    trace,
    order,
    decode: decodeWorkers[0],
    roundIndex: 0,
    heldTokens: 0,
    contextTokens: 0,
    resident: true,
    idleSince: 0,
    pinnedUntil: 0,
    inRound: false,
    rounds: [],
    finishedMs: NaN,
    failed: false,
    tokensDecoded: 0,
  }));
  for (const s of sessions) queue.push(s.trace.arrivalMs, { kind: 'arrive', session: s });
  const lastArrival = sessions.length ? sessions[sessions.length - 1].trace.arrivalMs : 0;
  let inSystem = 0;
  let lastInSystemChange = 0;
  let sessionMsInSystem = 0;
  const changeInSystem = (delta: number) => {
    sessionMsInSystem += inSystem * (now - lastInSystemChange);
    lastInSystemChange = now;
    inSystem += delta;
  };
  let finished = 0;
  const pinMs = policy.kvPinMs?.(routing) ?? 0;

  // ---- memory ----
  const freeTokens = (d: DecodeWorker) => d.capacityTokens - d.usedTokens;
  const evictFor = (d: DecodeWorker, needed: number): void => {
    if (freeTokens(d) >= needed) return;
    const idle = [...d.sessions]
      .filter((s) => !s.inRound && s.resident && s.heldTokens > 0 && s.pinnedUntil <= now)
      .sort((a, b) => a.idleSince - b.idleSince || a.order - b.order);
    for (const s of idle) {
      if (freeTokens(d) >= needed) break;
      d.usedTokens -= s.heldTokens;
      s.heldTokens = 0;
      s.resident = false;
      evictions += 1;
    }
  };
  const releaseSession = (s: Session) => {
    const d = s.decode;
    d.usedTokens -= s.heldTokens;
    s.heldTokens = 0;
    d.sessions.delete(s);
    retryMemoryWaiters(d);
  };
  const retrying = new Set<DecodeWorker>();
  const retryMemoryWaiters = (d: DecodeWorker) => {
    // A waiter that fails outright frees memory and lands back here: the outer loop carries on.
    if (retrying.has(d)) return;
    retrying.add(d);
    while (d.memoryWaiters.length > 0) {
      const s = d.memoryWaiters[0];
      if (!tryStartRound(s)) break;
      d.memoryWaiters.shift();
    }
    retrying.delete(d);
  };

  // ---- rounds ----
  const startRound = (s: Session) => {
    const round = s.trace.rounds[s.roundIndex];
    const record: RoundRecord = {
      readyMs: now,
      firstTokenMs: NaN,
      lastTokenMs: NaN,
      outputTokens: round.outputTokens,
      maxGapMs: 0,
      gaps: slo.itlStatistic === 'mean' || slo.itlStatistic === 'max' ? undefined : [],
      local: false,
      incremental: s.roundIndex > 0,
      done: false,
    };
    s.rounds.push(record);
    s.inRound = true;
    if (!tryStartRound(s)) s.decode.memoryWaiters.push(s);
  };

  /** Reserves KV for the round and routes its prefill; false when memory is short. */
  const tryStartRound = (s: Session): boolean => {
    const d = s.decode;
    const round = s.trace.rounds[s.roundIndex];
    const record = s.rounds[s.rounds.length - 1];
    const recompute = !s.resident && s.contextTokens > 0;
    const needed = (recompute ? s.contextTokens : 0) + round.inputTokens + round.outputTokens;
    if (needed > d.capacityTokens) {
      // Even an empty worker cannot hold this session: it fails rather than blocking the queue forever.
      s.failed = true;
      record.done = true;
      finishSession(s);
      return true;
    }
    evictFor(d, needed);
    if (freeTokens(d) < needed) return false;
    d.usedTokens += needed;
    s.heldTokens += needed;
    s.resident = true;
    if (recompute) recomputedTokens += s.contextTokens;
    const history = recompute ? 0 : s.contextTokens;
    const newTokens = round.inputTokens + (recompute ? s.contextTokens : 0);
    s.contextTokens += round.inputTokens + round.outputTokens;
    const task: PrefillTask = {
      session: s,
      round: record,
      readyMs: record.readyMs,
      routedMs: now,
      historyTokens: history,
      newTokens,
      incremental: s.roundIndex > 0 && !recompute,
      estimatedMs: 0,
      postponed: 0,
    };
    route(task);
    return true;
  };

  /** Mean ITL so far of the rounds decoding on `d`, the stall since its last step included. */
  const openRoundItl = (d: DecodeWorker): number => {
    let gaps = 0;
    let tokens = 0;
    for (const a of d.batch) {
      gaps += now - a.round.firstTokenMs;
      tokens += a.round.outputTokens - 1 - a.remaining;
    }
    return tokens > 0 ? gaps / tokens : now - d.lastStepEnd;
  };

  const localOption = (task: PrefillTask) => {
    const d = task.session.decode;
    let remaining = 0;
    for (const a of d.batch) remaining += a.remaining;
    return {
      queueMs: d.localQueuedMs + Math.max(0, d.busyUntil - now),
      prefillMs: prefillCost(d.perf, task.historyTokens, task.newTokens, d.tp),
      // While local prefills hold the batch back no step ends, so the open gap joins the statistic.
      windowItlMs: d.batch.length > 0 && d.lastStepEnd >= 0 ? d.itlWindow.meanWith(now, openRoundItl(d)) : d.itlWindow.mean(now),
      batchSize: d.batch.length,
      meanRemainingTokens: d.batch.length ? remaining / d.batch.length : 0,
    };
  };

  const route = (task: PrefillTask) => {
    const d = task.session.decode;
    const local = localOption(task);
    const ctx: RoutingContext = {
      slo,
      policy: policySpec,
      routing,
      local,
      remotes: prefillWorkers.map((w) => ({
        worker: w.index,
        queueMs: w.queuedMs + Math.max(0, w.busyUntil - now),
        prefillMs: prefillCost(w.perf, task.historyTokens, task.newTokens, w.tp),
        transferMs:
          transferEstimate(task.historyTokens, d.place, w.place, d.tp, w.tp) +
          transferEstimate(task.newTokens, w.place, d.place, w.tp, d.tp),
        queueLength: w.queue.length,
        windowTtftMs: w.ttftWindow.mean(now),
      })),
    };
    const decision = prefillWorkers.length === 0 ? { kind: 'local' as const } : policy.route(task, ctx);
    if (decision.kind === 'local') {
      task.round.local = true;
      task.estimatedMs = local.prefillMs;
      if (task.incremental) d.localPrefills += 1;
      const priority = policy.localPriority;
      if (priority) {
        const p = priority(task);
        let at = d.localQueue.length;
        while (at > 0 && priority(d.localQueue[at - 1]) > p) at--;
        d.localQueue.splice(at, 0, task);
      } else {
        d.localQueue.push(task);
      }
      d.localQueuedMs += task.estimatedMs;
      d.maxQueue = Math.max(d.maxQueue, d.localQueue.length);
      kickDecode(d);
    } else {
      const w = prefillWorkers[decision.worker];
      const option = ctx.remotes[decision.worker];
      task.estimatedMs = option.prefillMs + option.transferMs;
      if (task.incremental) d.remotePrefills += 1;
      w.queue.push(task);
      w.queuedMs += task.estimatedMs;
      w.maxQueue = Math.max(w.maxQueue, w.queue.length);
      kickPrefill(w);
    }
  };

  // ---- prefill workers ----
  const kickPrefill = (w: PrefillWorker) => {
    if (w.busy || w.queue.length === 0) return;
    const pick = pickNext(w.queue, policySpec.reorderWindow, policySpec.maxPostpone, now, slo.ttftMs);
    for (let i = 0; i < pick; i++) w.queue[i].postponed += 1;
    const [task] = w.queue.splice(pick, 1);
    w.queuedMs -= task.estimatedMs;
    w.busy = true;
    w.busyUntil = now + task.estimatedMs;
    const startedAt = now;
    const d = task.session.decode;
    // Lazy read: the history's KV comes over only when the prefill is about to run.
    transfer(task.historyTokens, d.place, w.place, d.tp, w.tp, () => {
      const computeMs = prefillCost(w.perf, task.historyTokens, task.newTokens, w.tp);
      queue.push(now + computeMs, { kind: 'prefillComputed', worker: w, task, computeMs });
      w.busyUntil = now + computeMs;
      w.busyMs += now - startedAt;
    });
  };

  const completeRemotePrefill = (w: PrefillWorker, task: PrefillTask, computeMs: number) => {
    w.busyMs += computeMs;
    w.busy = false;
    w.served += 1;
    const d = task.session.decode;
    // The write-back carries exactly the KV the prefill computed.
    transfer(task.newTokens, w.place, d.place, w.tp, d.tp, () => {
      // The prefill worker's TTFT statistic reflects its own load: time since the task reached it.
      w.ttftWindow.record(now, now - task.routedMs);
      firstToken(task);
    });
    kickPrefill(w);
  };

  // ---- decode workers ----
  const firstToken = (task: PrefillTask) => {
    const r = task.round;
    r.firstTokenMs = now;
    r.lastTokenMs = now;
    const s = task.session;
    s.tokensDecoded += 1;
    const active: ActiveRound = { session: s, round: r, remaining: r.outputTokens - 1 };
    if (active.remaining <= 0) {
      finishRound(s);
      return;
    }
    const d = s.decode;
    if (d.batch.length < policySpec.maxDecodeBatch) {
      d.batch.push(active);
      d.batchContext += s.contextTokens - active.remaining;
    } else {
      d.admitQueue.push(active);
    }
    kickDecode(d);
  };

  const kickDecode = (d: DecodeWorker) => {
    if (d.busy) return;
    if (d.localQueue.length > 0) {
      // The decode worker's own prefill queue is reordered like a prefill worker's (reference 004,
      // §3 step 3), unless the policy orders it itself (continuum's same-session priority).
      const pick = policy.localPriority ? 0 : pickNext(d.localQueue, policySpec.reorderWindow, policySpec.maxPostpone, now, slo.ttftMs);
      for (let i = 0; i < pick; i++) d.localQueue[i].postponed += 1;
      const [task] = d.localQueue.splice(pick, 1);
      d.localQueuedMs -= task.estimatedMs;
      const ms = prefillCost(d.perf, task.historyTokens, task.newTokens, d.tp);
      d.busy = true;
      d.busyUntil = now + ms;
      queue.push(now + ms, { kind: 'decodeFree', worker: d, startedAt: now, finishLocal: task });
      return;
    }
    if (d.batch.length === 0) {
      d.lastStepEnd = -1;
      return;
    }
    const ms = d.perf.decodeStepMs(d.batch.length, d.batchContext, d.tp);
    d.busy = true;
    d.busyUntil = now + ms;
    queue.push(now + ms, { kind: 'decodeFree', worker: d, startedAt: now });
  };

  const decodeStepDone = (d: DecodeWorker) => {
    d.lastStepEnd = now;
    const current = d.batch;
    d.batch = [];
    for (const a of current) {
      const r = a.round;
      const gap = now - r.lastTokenMs;
      if (gap > r.maxGapMs) r.maxGapMs = gap;
      r.gaps?.push(gap);
      r.lastTokenMs = now;
      a.remaining -= 1;
      a.session.tokensDecoded += 1;
      d.batchContext += 1;
      if (a.remaining > 0) d.batch.push(a);
      else {
        d.batchContext -= a.session.contextTokens;
        finishRound(a.session);
      }
    }
    while (d.batch.length < policySpec.maxDecodeBatch && d.admitQueue.length > 0) {
      const a = d.admitQueue.shift() as ActiveRound;
      d.batch.push(a);
      d.batchContext += a.session.contextTokens - a.remaining;
    }
  };

  const finishRound = (s: Session) => {
    const record = s.rounds[s.rounds.length - 1];
    // The windowed ITL is per round, as the SLO judges it (reference 004 §3: the average ITL of
    // recent requests), so a stall from local prefills counts at the weight users feel it.
    if (record.outputTokens > 1) s.decode.itlWindow.record(now, (now - record.firstTokenMs) / (record.outputTokens - 1));
    record.done = true;
    s.inRound = false;
    s.idleSince = now;
    s.roundIndex += 1;
    if (s.roundIndex >= s.trace.rounds.length) {
      finishSession(s);
      return;
    }
    s.pinnedUntil = now + pinMs;
    queue.push(now + s.trace.rounds[s.roundIndex].thinkMs, { kind: 'ready', session: s });
    // Its KV just became evictable, which may be what a round waiting for memory needs.
    if (pinMs <= 0 && s.decode.memoryWaiters.length > 0) retryMemoryWaiters(s.decode);
  };

  const finishSession = (s: Session) => {
    s.finishedMs = now;
    s.inRound = false;
    finished += 1;
    changeInSystem(-1);
    releaseSession(s);
  };

  // ---- sampling ----
  const span = Math.max(1, lastArrival * 1.15);
  let sampleEvery = span / (MAX_SAMPLES * 0.75);
  const samples = { tSec: [] as number[], queueLength: {} as Record<string, number[]>, utilization: {} as Record<string, number[]> };
  const lastBusy = new Map<string, number>();
  const allWorkers = [...prefillWorkers.map((w) => ({ id: w.id, w, q: () => w.queue.length })), ...decodeWorkers.map((d) => ({ id: d.id, w: d, q: () => d.localQueue.length + d.memoryWaiters.length + d.admitQueue.length }))];
  for (const { id } of allWorkers) {
    samples.queueLength[id] = [];
    samples.utilization[id] = [];
    lastBusy.set(id, 0);
  }
  const takeSample = () => {
    samples.tSec.push(now / 1000);
    for (const { id, w, q } of allWorkers) {
      // Busy time accrues when a task ends, so a sample can read slightly over 1: it is clamped.
      const busy = w.busyMs;
      samples.queueLength[id].push(q());
      samples.utilization[id].push(Math.min(1, Math.max(0, (busy - (lastBusy.get(id) ?? 0)) / sampleEvery)));
      lastBusy.set(id, busy);
    }
    if (samples.tSec.length >= MAX_SAMPLES) {
      // Halve the resolution instead of growing without bound on a long run.
      const keepEven = <T>(xs: T[]) => xs.filter((_, i) => i % 2 === 1);
      samples.tSec = keepEven(samples.tSec);
      for (const { id } of allWorkers) {
        samples.queueLength[id] = keepEven(samples.queueLength[id]);
        const u = samples.utilization[id];
        samples.utilization[id] = u.filter((_, i) => i % 2 === 1).map((v, i) => (v + u[2 * i]) / 2);
      }
      sampleEvery *= 2;
    }
    queue.push(now + sampleEvery, { kind: 'sample' });
  };
  queue.push(sampleEvery, { kind: 'sample' });

  // ---- stability: stop a run whose backlog grows without bound ----
  const workerCount = prefillWorkers.length + decodeWorkers.length;
  const backlogLimit = 100 + 25 * workerCount + sessions.length * 0.25;
  const backlog = () => {
    let n = 0;
    for (const w of prefillWorkers) n += w.queue.length;
    for (const d of decodeWorkers) n += d.localQueue.length + d.memoryWaiters.length + d.admitQueue.length;
    return n;
  };
  /** How long the longest-waiting prefill (or round waiting for KV memory) has waited, ms. */
  const oldestWaitMs = () => {
    let oldest = now;
    const scan = (tasks: PrefillTask[]) => {
      // Reordering moves tasks only inside the first W, so the oldest sits among the first W + 1.
      const n = Math.min(tasks.length, policySpec.reorderWindow + 1);
      for (let i = 0; i < n; i++) if (tasks[i].readyMs < oldest) oldest = tasks[i].readyMs;
    };
    for (const w of prefillWorkers) scan(w.queue);
    for (const d of decodeWorkers) {
      scan(d.localQueue);
      const waiter = d.memoryWaiters[0];
      if (waiter) oldest = Math.min(oldest, waiter.rounds[waiter.rounds.length - 1].readyMs);
    }
    return now - oldest;
  };
  // A wait this long cannot come from a burst at a sustainable load: the run stops and says so.
  const clearlyUnstableWaitMs = Math.max(60_000, 20 * slo.ttftMs);
  let unstable = false;
  let backlogAtHalf = -1;
  let backlogAtThreeQuarters = -1;
  let backlogAtEnd = -1;
  let waitAtEnd = 0;
  let cancelled = false;
  let nextProgress = 0;

  // ---- main loop ----
  for (;;) {
    const next = queue.pop();
    if (!next) break;
    if (!Number.isFinite(next.time)) {
      // An infinite clock never advances past its events: stop instead of looping there forever.
      throw new SimInputError(
        `simulated time reached ${next.time} ms (after ${events} events): a time in the workload is too large to simulate; look for extreme tool waits (workload.toolLatencyMs, a trace's thinkMs or arrivalMs) or arrival rates`,
      );
    }
    now = next.time;
    events += 1;
    const e = next.item;
    switch (e.kind) {
      case 'arrive': {
        const s = e.session;
        // Bind to the decode worker with the most free KV memory (DESIGN.md), lowest index on ties.
        let best = decodeWorkers[0];
        for (const d of decodeWorkers) if (freeTokens(d) > freeTokens(best)) best = d;
        s.decode = best;
        best.sessions.add(s);
        changeInSystem(1);
        startRound(s);
        break;
      }
      case 'ready':
        // An evicted session's round recomputes its history; tryStartRound counts it.
        startRound(e.session);
        break;
      case 'prefillComputed':
        completeRemotePrefill(e.worker, e.task, e.computeMs);
        break;
      case 'decodeFree': {
        const d = e.worker;
        d.busyMs += now - e.startedAt;
        // Still busy while the step's results land, so nothing they trigger starts a step mid-update.
        if (e.finishLocal) firstToken(e.finishLocal);
        else decodeStepDone(d);
        d.busy = false;
        kickDecode(d);
        break;
      }
      case 'linkJoin': {
        advanceLink(e.link);
        e.link.active.push(e.transfer);
        scheduleLink(e.link);
        break;
      }
      case 'linkCheck': {
        const link = e.link;
        if (e.version !== link.version) break;
        advanceLink(link);
        // This check was scheduled for the transfer closest to done, so that one finishes now even
        // when rounding at large clock values leaves a sliver (which would otherwise re-schedule
        // itself at the same instant forever).
        let least = Infinity;
        for (const t of link.active) least = Math.min(least, t.remainingMs);
        const finishing = Math.max(1e-9, least + 1e-9);
        const doneNow = link.active.filter((t) => t.remainingMs <= finishing);
        link.active = link.active.filter((t) => t.remainingMs > finishing);
        scheduleLink(link);
        for (const t of doneNow) t.done();
        break;
      }
      case 'sample':
        if (finished < sessions.length) takeSample();
        break;
    }
    if (backlogAtHalf < 0 && now >= lastArrival / 2) backlogAtHalf = backlog();
    if (backlogAtThreeQuarters < 0 && now >= lastArrival * 0.75) backlogAtThreeQuarters = backlog();
    if (backlogAtEnd < 0 && now >= lastArrival) {
      backlogAtEnd = backlog();
      waitAtEnd = oldestWaitMs();
    }
    if ((events & 1023) === 0) {
      if (input.isCancelled?.()) {
        cancelled = true;
        break;
      }
      if (backlog() > backlogLimit || oldestWaitMs() > clearlyUnstableWaitMs) {
        unstable = true;
        break;
      }
      if (input.onProgress && sessions.length > 0) {
        const fraction = finished / sessions.length;
        if (fraction >= nextProgress) {
          input.onProgress(fraction);
          nextProgress = fraction + 0.05;
        }
      }
    }
  }
  changeInSystem(0);
  if (!unstable && backlogAtHalf >= 0) {
    // A queue that keeps growing through the arrival window also means overload, even if it drained after arrivals stopped.
    // Under overload the backlog grows about linearly with time: twice as long at the end of the
    // arrivals as halfway. A sustainable load fluctuates instead of climbing at every checkpoint.
    const climbing = backlogAtHalf < backlogAtThreeQuarters && backlogAtThreeQuarters < backlogAtEnd;
    unstable =
      backlogAtEnd > 4 * Math.max(backlogAtHalf, 5 * workerCount) ||
      (climbing && backlogAtEnd > 1.5 * backlogAtHalf + 2 * workerCount && waitAtEnd > 2 * slo.ttftMs);
  }

  return {
    sessions: sessions.map((s) => ({
      order: s.order,
      rounds: s.rounds,
      arrivalMs: s.trace.arrivalMs,
      finishedMs: s.finishedMs,
      failed: s.failed,
      tokensDecoded: s.tokensDecoded,
      tokensRequested: s.trace.rounds.reduce((n, r) => n + r.outputTokens, 0),
    })),
    prefillWorkers,
    decodeWorkers,
    endMs: now,
    events,
    evictions,
    recomputedTokens,
    kvBytesMoved,
    unstable,
    samples,
    sessionMsInSystem,
    cancelled,
  };
}
