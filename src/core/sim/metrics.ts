import type { Plan } from '../spec/types';
import type { EngineOutput } from './engine';
import { TurnTally } from './measure';
import { LatencySketch } from './sketch';
import { meanInterval95 } from './stats';
import type { Measurement, SimMetrics, TurnMetrics, WorkerMetrics } from './types';

/**
 * SLO attainment pooled over replications (per session, or per round when the SLO's scope is a
 * round) with its 95% interval from batch means: the figure a replication rule stops on, without
 * the latency distributions the full metrics sort.
 */
export function attainmentInterval(
  outputs: EngineOutput[],
  plan: Plan,
): { attainment: number; ci: [number, number]; halfWidth: number; batches: number } {
  const roundScope = plan.slo.scope === 'round';
  const batchAttainment: number[] = [];
  let good = 0;
  let total = 0;
  for (const out of outputs) {
    const t = out.tally;
    for (let b = 0; b < t.batches; b++) {
      const batchTotal = roundScope ? t.batchRounds[b] : t.batchSessions[b];
      if (batchTotal === 0) continue;
      const batchGood = roundScope ? t.batchRoundsMet[b] : t.batchMet[b];
      batchAttainment.push(batchGood / batchTotal);
    }
    good += roundScope ? sum(t.batchRoundsMet, t.batches) : t.met;
    total += roundScope ? sum(t.batchRounds, t.batches) : t.sessions;
  }
  const attainment = total ? good / total : 0;
  const ci = meanInterval95(batchAttainment, attainment, [0, 1]);
  return { attainment, ci, halfWidth: (ci[1] - ci[0]) / 2, batches: batchAttainment.length };
}

function sum(values: Float64Array, count: number): number {
  let total = 0;
  for (let i = 0; i < count; i++) total += values[i];
  return total;
}

/**
 * Metrics exactly as DESIGN.md defines them, pooled over replications: sessions arriving in each
 * replication's measurement window count; one a run never finished counts as missing the SLO.
 * Rates are over the window, not over a span that includes warm-up or the drain. Attainment and
 * goodput get a 95% interval from batch means (every batch of every replication).
 */
export function computeMetrics(outputs: EngineOutput[], plan: Plan, requestedHalfWidth: number): SimMetrics {
  const slo = plan.slo;
  const roundScope = slo.scope === 'round';
  const turn1 = new TurnTally();
  const turn2 = new TurnTally();
  const e2e = new LatencySketch();
  const batchGoodput: number[] = [];
  let sessions = 0;
  let completed = 0;
  let met = 0;
  let failed = 0;
  let requested = 0;
  let decoded = 0;
  let windowTokens = 0;
  let windowMs = 0;
  let inSystemMs = 0;
  let arrivals = 0;
  let sojournMs = 0;
  let local = 0;
  let remote = 0;
  let prefillStarts = 0;
  let reordered = 0;
  let unfinished = 0;
  const kv = { intraNode: 0, interNode: 0, crossCluster: 0 };
  let evictions = 0;
  let recomputed = 0;
  for (const out of outputs) {
    const t = out.tally;
    for (let b = 0; b < t.batches; b++) {
      const batchSec = (t.batchEdgesMs[b + 1] - t.batchEdgesMs[b]) / 1000;
      const total = roundScope ? t.batchRounds[b] : t.batchSessions[b];
      if (total === 0) continue;
      const good = roundScope ? t.batchRoundsMet[b] : t.batchMet[b];
      if (batchSec > 0) batchGoodput.push((roundScope ? (good / total) * t.batchCompleted[b] : good) / batchSec);
    }
    turn1.merge(t.turn1);
    turn2.merge(t.turn2);
    e2e.merge(t.e2e);
    sessions += t.sessions;
    completed += t.completed;
    met += t.met;
    failed += t.failed;
    requested += t.tokensRequested;
    decoded += t.tokensDecoded;
    windowTokens += t.windowTokens;
    windowMs += out.measure.windowMs;
    inSystemMs += t.inSystemMs;
    arrivals += t.arrivalsInWindow;
    sojournMs += t.sojournMs;
    local += t.localPrefills;
    prefillStarts += t.prefillStarts;
    reordered += t.reorderedPrefills;
    remote += t.remotePrefills;
    unfinished += t.unfinished;
    evictions += t.evictions;
    recomputed += t.recomputedTokens;
    kv.intraNode += out.kvBytesMoved.intraNode;
    kv.interNode += out.kvBytesMoved.interNode;
    kv.crossCluster += out.kvBytesMoved.crossCluster;
  }
  const n = outputs.length;
  const windowSec = windowMs / 1000;
  const { attainment, ci: attainmentCi, halfWidth, batches } = attainmentInterval(outputs, plan);
  const goodput = windowSec > 0 ? (roundScope ? attainment * completed : met) / windowSec : 0;
  const goodputCi = meanInterval95(batchGoodput, goodput, [0, Infinity]);
  const unstableOut = outputs.find((o) => o.unstable);
  const first = outputs[0];
  const notes: string[] = [];
  if (first.measure.note) notes.push(first.measure.note);
  const cutOff = outputs.find((o) => o.cutOff);
  if (cutOff?.cutOff) notes.push(cutOff.cutOff);
  if (unstableOut) notes.push(`stopped early: ${unstableOut.unstableReason}`);
  else if (halfWidth > requestedHalfWidth) {
    notes.push(
      `the 95% interval is ±${(halfWidth * 100).toFixed(1)} points after ${n} replication(s), wider than the ±${(requestedHalfWidth * 100).toFixed(1)} asked for`,
    );
  }
  const measurement: Measurement = {
    warmupSec: first.measure.warmupMs / 1000,
    windowSec: first.measure.windowMs / 1000,
    replications: n,
    batches,
    measuredSessions: sessions,
    attainmentHalfWidth: halfWidth,
    precisionMet: !unstableOut && halfWidth <= requestedHalfWidth,
    ...(notes.length ? { note: notes.join('; ') } : {}),
  };
  const turnMetrics = (t: TurnTally): TurnMetrics => ({
    sloAttainment: t.rounds ? t.met / t.rounds : 0,
    rounds: t.rounds,
    ttftMs: t.ttft.summary(),
    itlMs: t.itl.summary(),
  });
  const ttft = new LatencySketch();
  ttft.merge(turn1.ttft);
  ttft.merge(turn2.ttft);
  const itl = new LatencySketch();
  itl.merge(turn1.itl);
  itl.merge(turn2.itl);
  const metrics: SimMetrics = {
    sessions,
    completedSessions: completed,
    sloAttainment: attainment,
    turn1: turnMetrics(turn1),
    turn2plus: turnMetrics(turn2),
    ttftMs: ttft.summary(),
    itlMs: itl.summary(),
    e2eLatencyMs: e2e.summary(),
    throughputTokensPerSec: windowSec > 0 ? windowTokens / windowSec : 0,
    throughputSessionsPerSec: windowSec > 0 ? completed / windowSec : 0,
    goodput,
    localPrefillRatio: local + remote > 0 ? local / (local + remote) : 0,
    reorderedPrefillRatio: prefillStarts > 0 ? reordered / prefillStarts : 0,
    kvBytesMoved: { intraNode: kv.intraNode / n, interNode: kv.interNode / n, crossCluster: kv.crossCluster / n },
    evictions: evictions / n,
    recomputedTokens: recomputed / n,
    workers: workersOf(outputs),
    timeSeries: first.samples ?? { tSec: [], queueLength: {}, utilization: {} },
    unstable: Boolean(unstableOut),
    littlesLaw: {
      meanInSystem: windowMs > 0 ? inSystemMs / windowMs : 0,
      arrivalRatePerSec: windowSec > 0 ? arrivals / windowSec : 0,
      meanSojournSec: completed ? sojournMs / completed / 1000 : 0,
    },
    tokens: { requested, decoded },
    failedSessions: failed,
    sloAttainmentCi95: attainmentCi,
    goodputCi95: goodputCi,
    measurement,
  };
  if (unstableOut?.unstableReason) metrics.unstableReason = unstableOut.unstableReason;
  // Sessions cut off in a long tool wait count as missing the SLO and are in the notes; the run is stable.
  if (unfinished > 0 && !unstableOut && !cutOff)
    metrics.unstableReason = `${unfinished} measured session(s) unfinished`;
  return metrics;
}

/** Per-worker figures averaged over replications (the same workers in each). */
function workersOf(outputs: EngineOutput[]): WorkerMetrics[] {
  const n = outputs.length;
  return outputs[0].workers.map((w, i) => {
    const all = outputs.map((o) => o.workers[i]);
    const sum = (pick: (x: WorkerMetrics) => number | undefined) => all.reduce((a, x) => a + (pick(x) ?? 0), 0);
    const localPrefills = sum((x) => x.localPrefills);
    const remotePrefills = sum((x) => x.remotePrefills);
    return {
      ...w,
      utilization: sum((x) => x.utilization) / n,
      maxQueueLength: Math.max(...all.map((x) => x.maxQueueLength)),
      ...(w.role !== 'prefill'
        ? {
            localPrefills,
            remotePrefills,
            localPrefillRatio:
              localPrefills + remotePrefills > 0 ? localPrefills / (localPrefills + remotePrefills) : 0,
          }
        : {}),
    };
  });
}
