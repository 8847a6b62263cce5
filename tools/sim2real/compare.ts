// Measured (tools/sim2real/data/rounds-<rate>.jsonl) against simulated (`pdplan simulate` of
// tools/sim2real/transformers-cb.pdplan.yaml, variant r<rate>) TTFT and ITL percentiles and SLO
// attainment, per arrival rate. `node --import tsx tools/sim2real/compare.ts [--variant-set NAME]`
// prints the table of docs/sim-to-real.md; test/unit/sim/simToReal.test.ts re-checks it.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { processIo } from '../../src/cli/io';
import { loadRunInputs, traceFor } from '../../src/cli/runInputs';
import { simulate } from '../../src/core/sim';
import { percentileSorted } from '../../src/core/sim/stats';
import type { Plan } from '../../src/core/spec/types';

export const PLAN_FILE = path.join(__dirname, 'transformers-cb.pdplan.yaml');
export const DATA_DIR = path.join(__dirname, 'data');
/** Every rate measured, sessions/s (each has rounds-, trace- and steps- files in data/). */
export const RATES = [0.5, 1, 1.25, 1.6, 2, 3.5, 5, 6.5];
/** A rate is below the knee when the engine finished all but this share of its sessions within the drain limit. */
export const MAX_UNFINISHED_BELOW_KNEE = 0.05;

export interface MeasuredRound {
  session: string;
  round: number;
  outputTokens: number;
  generated: number;
  /** Each output token's time from the round's input being ready, ms. */
  tokenMs: number[];
}

export interface Summary {
  ttft: { p50: number; p90: number; p99: number };
  /** Of each round's mean inter-token gap (DESIGN.md: a round's ITL statistic is its mean). */
  itl: { p50: number; p90: number; p99: number };
  attainment: number;
  rounds: number;
  sessions: number;
  /** Sessions whose rounds did not all finish (measured runs stop at a drain limit). */
  unfinishedSessions: number;
}

export function parseRounds(text: string): MeasuredRound[] {
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as MeasuredRound);
}

function pct(values: number[]): { p50: number; p90: number; p99: number } {
  const sorted = Float64Array.from(values).sort();
  return {
    p50: percentileSorted(sorted, 0.5),
    p90: percentileSorted(sorted, 0.9),
    p99: percentileSorted(sorted, 0.99),
  };
}

/**
 * The measured figures, as the simulator defines them: TTFT from the round's input being ready to
 * its first token; a round's ITL is its mean gap; a session attains when every round meets both
 * SLOs. Sessions cut off by the drain limit are left out of attainment (their rounds never ran).
 */
export function measuredSummary(
  rounds: MeasuredRound[],
  roundsPerSession: Map<string, number>,
  slo: { ttftMs: number; itlMs: number },
): Summary {
  const ttft: number[] = [];
  const itl: number[] = [];
  const met = new Map<string, { rounds: number; ok: boolean }>();
  for (const r of rounds) {
    if (r.generated !== r.outputTokens || r.tokenMs.length !== r.outputTokens) {
      throw new Error(
        `session ${r.session} round ${r.round}: ${r.tokenMs.length} token times for ${r.outputTokens} output tokens`,
      );
    }
    const first = r.tokenMs[0];
    const meanItl = r.tokenMs.length > 1 ? (r.tokenMs[r.tokenMs.length - 1] - first) / (r.tokenMs.length - 1) : 0;
    ttft.push(first);
    if (r.tokenMs.length > 1) itl.push(meanItl);
    const s = met.get(r.session) ?? { rounds: 0, ok: true };
    s.rounds += 1;
    s.ok &&= first <= slo.ttftMs && meanItl <= slo.itlMs;
    met.set(r.session, s);
  }
  let finished = 0;
  let attained = 0;
  for (const [id, want] of roundsPerSession) {
    const s = met.get(id);
    if (!s || s.rounds < want) continue;
    finished += 1;
    if (s.ok) attained += 1;
  }
  return {
    ttft: pct(ttft),
    itl: pct(itl),
    attainment: finished > 0 ? attained / finished : 0,
    rounds: rounds.length,
    sessions: roundsPerSession.size,
    unfinishedSessions: roundsPerSession.size - finished,
  };
}

export interface RateComparison {
  rate: number;
  measured: Summary;
  simulated: Summary & { unstable: boolean };
  belowKnee: boolean;
}

/** Loads the plan with its traces and profile (the CLI's loader), for the base plan or one variant. */
export function loadPlan(planFile = PLAN_FILE): {
  variant(name: string): { plan: Plan; run: Parameters<typeof simulate>[0] };
} {
  const inputs = loadRunInputs(planFile, processIo(), 'simulate');
  if ('exitCode' in inputs) throw new Error(`${planFile} did not load (exit ${inputs.exitCode})`);
  return {
    variant(name: string) {
      const plan = inputs.plan.variants?.[name];
      if (!plan) throw new Error(`${planFile} has no variant ${name}`);
      if (!plan.deployment) throw new Error(`${planFile} names no deployment`);
      return {
        plan,
        run: { plan, deployment: plan.deployment, trace: traceFor(inputs, plan), profile: inputs.profileFor(name) },
      };
    },
  };
}

/** One rate: the measured run and the simulation of the same sessions (variant `r<rate>` overridden by `overrides`). */
export function compareRate(
  rate: number,
  loaded = loadPlan(),
  overrides: (plan: Plan) => Plan = (p) => p,
): RateComparison {
  const { plan, run } = loaded.variant(`r${rate}`);
  const changed = overrides(plan);
  const result = simulate({ ...run, plan: changed, deployment: changed.deployment ?? run.deployment });
  const rounds = parseRounds(readFileSync(path.join(DATA_DIR, `rounds-${rate}.jsonl`), 'utf8'));
  const perSession = new Map((run.trace ?? []).map((s) => [s.id, s.rounds.length]));
  const measured = measuredSummary(rounds, perSession, plan.slo);
  const m = result.metrics;
  const simulated = {
    ttft: { p50: m.ttftMs.p50, p90: m.ttftMs.p90, p99: m.ttftMs.p99 },
    itl: { p50: m.itlMs.p50, p90: m.itlMs.p90, p99: m.itlMs.p99 },
    attainment: m.sloAttainment,
    rounds: m.turn1.rounds + m.turn2plus.rounds,
    sessions: m.sessions,
    unfinishedSessions: m.sessions - m.completedSessions,
    unstable: result.metrics.unstable === true,
  };
  return {
    rate,
    measured,
    simulated,
    belowKnee: measured.unfinishedSessions / measured.sessions <= MAX_UNFINISHED_BELOW_KNEE,
  };
}

export function relativeError(simulated: number, measured: number): number {
  return Math.abs(simulated - measured) / measured;
}

/** Median absolute relative error of TTFT and ITL p50 and p90 over the rates below the knee. */
export function medianErrorBelowKnee(rows: RateComparison[]): { median: number; errors: number[] } {
  const errors: number[] = [];
  for (const r of rows.filter((x) => x.belowKnee)) {
    for (const key of ['ttft', 'itl'] as const) {
      for (const q of ['p50', 'p90'] as const) errors.push(relativeError(r.simulated[key][q], r.measured[key][q]));
    }
  }
  const sorted = [...errors].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  const median =
    sorted.length === 0 ? NaN : sorted.length % 2 ? sorted[Math.floor(mid)] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, errors };
}

export function table(rows: RateComparison[]): string {
  const f = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
  const cell = (m: number, s: number) =>
    `${f(m)} / ${f(s)} (${s >= m ? '+' : '−'}${(relativeError(s, m) * 100).toFixed(0)}%)`;
  const lines = [
    '| rate (sessions/s) | sessions (unfinished) | TTFT p50 | TTFT p90 | TTFT p99 | ITL p50 | ITL p90 | ITL p99 | SLO attainment |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const { measured: m, simulated: s } = r;
    const points = Math.round((s.attainment - m.attainment) * 100);
    const simAtt = s.unstable
      ? 'unstable'
      : `${(s.attainment * 100).toFixed(0)}% (${points >= 0 ? '+' : '−'}${Math.abs(points)} points)`;
    const att = `${(m.attainment * 100).toFixed(0)}% / ${simAtt}`;
    lines.push(
      `| ${r.rate}${r.belowKnee ? '' : ' (past the knee)'} | ${m.sessions} (${m.unfinishedSessions}) | ${cell(m.ttft.p50, s.ttft.p50)} | ${cell(m.ttft.p90, s.ttft.p90)} | ${cell(m.ttft.p99, s.ttft.p99)} | ${cell(m.itl.p50, s.itl.p50)} | ${cell(m.itl.p90, s.itl.p90)} | ${cell(m.itl.p99, s.itl.p99)} | ${att} |`,
    );
  }
  return lines.join('\n');
}

if (require.main === module) {
  const loaded = loadPlan();
  // Ablations: what each setting the engine needed is worth.
  const mixedOff = process.argv.includes('--prefill-first');
  const wholeHistory = process.argv.includes('--whole-history');
  const override = (p: Plan): Plan => ({
    ...p,
    policy: {
      ...p.policy,
      ...(mixedOff ? { mixedBatching: false } : {}),
      ...(wholeHistory ? { prefixReuseBlockTokens: 1 } : {}),
    },
  });
  const rows = RATES.map((rate) => compareRate(rate, loaded, override));
  const notes = [
    mixedOff ? 'policy.mixedBatching: false' : '',
    wholeHistory ? 'policy.prefixReuseBlockTokens: 1' : '',
  ].filter(Boolean);
  console.log(`measured / simulated (error), ms${notes.length ? ` — ${notes.join(', ')}` : ''}\n`);
  console.log(table(rows));
  const { median, errors } = medianErrorBelowKnee(rows);
  console.log(
    `\nmedian absolute error of TTFT and ITL p50/p90 below the knee: ${(median * 100).toFixed(1)}% (${errors.length} figures: ${errors.map((e) => (e * 100).toFixed(0)).join(', ')}%)`,
  );
}
