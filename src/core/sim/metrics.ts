import type { Plan } from '../spec/types';
import type { EngineOutput } from './engine';
import { confidenceInterval95, percentileSorted, summarize } from './stats';
import type { SimMetrics, TurnMetrics, WorkerMetrics } from './types';

type RoundRecord = EngineOutput['sessions'][number]['rounds'][number];

function itlOf(round: RoundRecord, statistic: Plan['slo']['itlStatistic']): number {
  if (round.outputTokens <= 1) return 0;
  switch (statistic) {
    case 'mean':
      return (round.lastTokenMs - round.firstTokenMs) / (round.outputTokens - 1);
    case 'max':
      return round.maxGapMs;
    default: {
      const q = { p50: 0.5, p90: 0.9, p95: 0.95, p99: 0.99 }[statistic];
      const gaps = Float64Array.from(round.gaps ?? []).sort();
      return percentileSorted(gaps, q);
    }
  }
}

/**
 * Metrics exactly as DESIGN.md defines them, pooled over replications. Sessions before `warmup`
 * (by arrival) are left out; sessions a stopped run never finished count as missing the SLO.
 */
export function computeMetrics(outputs: EngineOutput[], plan: Plan, warmup: number): SimMetrics {
  const slo = plan.slo;
  const attainment = (sessionsMet: number, sessionCount: number, roundsMetCount: number, roundCount: number) =>
    slo.scope === 'round' ? (roundCount ? roundsMetCount / roundCount : 0) : sessionCount ? sessionsMet / sessionCount : 0;
  const ttfts: number[] = [];
  const itls: number[] = [];
  const e2e: number[] = [];
  const turn = { t1: { met: 0, total: 0, ttft: [] as number[], itl: [] as number[] }, t2: { met: 0, total: 0, ttft: [] as number[], itl: [] as number[] } };
  let sessions = 0;
  let completed = 0;
  let met = 0;
  let roundsMet = 0;
  let roundsTotal = 0;
  let requested = 0;
  let decoded = 0;
  let failed = 0;
  let spanMs = 0;
  let local = 0;
  let remote = 0;
  let sojournMs = 0;
  let sojourners = 0;
  let inSystemMs = 0;
  let totalMs = 0;
  let arrivals = 0;
  /** Attainment of each replication on its own, for the interval across them. */
  const perReplication: number[] = [];
  for (const out of outputs) {
    const before = { sessions, met, roundsMet, roundsTotal };
    const measured = out.sessions.filter((s) => s.order >= warmup);
    const firstArrival = measured.length ? measured[0].arrivalMs : 0;
    spanMs += Math.max(1, out.endMs - firstArrival);
    inSystemMs += out.sessionMsInSystem;
    totalMs += Math.max(1, out.endMs);
    arrivals += out.sessions.length;
    for (const d of out.decodeWorkers) {
      local += d.localPrefills;
      remote += d.remotePrefills;
    }
    for (const s of out.sessions) {
      if (Number.isFinite(s.finishedMs)) {
        sojournMs += s.finishedMs - s.arrivalMs;
        sojourners += 1;
      }
    }
    for (const s of measured) {
      sessions += 1;
      requested += s.tokensRequested;
      decoded += s.tokensDecoded;
      if (s.failed) failed += 1;
      const finished = Number.isFinite(s.finishedMs) && !s.failed;
      if (finished) {
        completed += 1;
        e2e.push(s.finishedMs - s.arrivalMs);
      }
      const plannedRounds = Math.max(s.rounds.length, 1);
      let allMet = finished;
      let sessionRounds = 0;
      for (let i = 0; i < s.rounds.length; i++) {
        const r = s.rounds[i];
        const bucket = i === 0 ? turn.t1 : turn.t2;
        bucket.total += 1;
        sessionRounds += 1;
        if (!r.done || !Number.isFinite(r.firstTokenMs)) {
          allMet = false;
          continue;
        }
        const ttft = r.firstTokenMs - r.readyMs;
        const itl = itlOf(r, slo.itlStatistic);
        ttfts.push(ttft);
        bucket.ttft.push(ttft);
        if (r.outputTokens > 1) {
          itls.push(itl);
          bucket.itl.push(itl);
        }
        const ok = ttft <= slo.ttftMs && itl <= slo.itlMs;
        if (ok) {
          bucket.met += 1;
          roundsMet += 1;
        } else allMet = false;
      }
      roundsTotal += Math.max(sessionRounds, plannedRounds);
      if (allMet) met += 1;
    }
    perReplication.push(attainment(met - before.met, sessions - before.sessions, roundsMet - before.roundsMet, roundsTotal - before.roundsTotal));
  }
  const turnMetrics = (b: typeof turn.t1): TurnMetrics => ({
    sloAttainment: b.total ? b.met / b.total : 0,
    rounds: b.total,
    ttftMs: summarize(b.ttft),
    itlMs: summarize(b.itl),
  });
  const first = outputs[0];
  const workers: WorkerMetrics[] = [
    ...first.prefillWorkers.map((w) => ({
      id: w.id,
      role: 'prefill' as const,
      tp: w.tp,
      utilization: first.endMs > 0 ? Math.min(1, w.busyMs / first.endMs) : 0,
      maxQueueLength: w.maxQueue,
    })),
    ...first.decodeWorkers.map((d) => ({
      id: d.id,
      role: d.role,
      tp: d.tp,
      utilization: first.endMs > 0 ? Math.min(1, d.busyMs / first.endMs) : 0,
      localPrefillRatio: d.localPrefills + d.remotePrefills > 0 ? d.localPrefills / (d.localPrefills + d.remotePrefills) : 0,
      localPrefills: d.localPrefills,
      remotePrefills: d.remotePrefills,
      maxQueueLength: d.maxQueue,
    })),
  ];
  const overall = attainment(met, sessions, roundsMet, roundsTotal);
  const metrics: SimMetrics = {
    sessions,
    completedSessions: completed,
    sloAttainment: overall,
    turn1: turnMetrics(turn.t1),
    turn2plus: turnMetrics(turn.t2),
    ttftMs: summarize(ttfts),
    itlMs: summarize(itls),
    e2eLatencyMs: summarize(e2e),
    throughputTokensPerSec: spanMs > 0 ? (decoded / spanMs) * 1000 : 0,
    throughputSessionsPerSec: spanMs > 0 ? (completed / spanMs) * 1000 : 0,
    goodput: spanMs > 0 ? (slo.scope === 'round' ? overall * completed : met) / spanMs * 1000 : 0,
    localPrefillRatio: local + remote > 0 ? local / (local + remote) : 0,
    kvBytesMoved: {
      intraNode: outputs.reduce((a, o) => a + o.kvBytesMoved.intraNode, 0) / outputs.length,
      interNode: outputs.reduce((a, o) => a + o.kvBytesMoved.interNode, 0) / outputs.length,
      crossCluster: outputs.reduce((a, o) => a + o.kvBytesMoved.crossCluster, 0) / outputs.length,
    },
    evictions: outputs.reduce((a, o) => a + o.evictions, 0) / outputs.length,
    recomputedTokens: outputs.reduce((a, o) => a + o.recomputedTokens, 0) / outputs.length,
    workers,
    timeSeries: first.samples,
    unstable: outputs.some((o) => o.unstable),
    littlesLaw: {
      meanInSystem: inSystemMs / totalMs,
      arrivalRatePerSec: (arrivals / totalMs) * 1000,
      meanSojournSec: sojourners ? sojournMs / sojourners / 1000 : 0,
    },
    tokens: { requested, decoded },
    failedSessions: failed,
  };
  if (outputs.length > 1) {
    metrics.sloAttainmentCi95 = confidenceInterval95(perReplication);
  }
  return metrics;
}
