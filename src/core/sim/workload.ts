import type { Diagnostic, Distribution, Plan, WorkloadSpec } from '../spec/types';
import { countSamplerOf, Rng, samplerOf } from './random';

export interface TraceRound {
  /** New (uncached) tokens this round adds: the prompt in round 0, the append after. */
  inputTokens: number;
  outputTokens: number;
  /** Tool or user time between the previous round's last token and this round's input (0 for round 0). */
  thinkMs: number;
}

export interface TraceSession {
  id: string;
  arrivalMs: number;
  rounds: TraceRound[];
}

/** Where a simulation's sessions come from, one at a time in arrival order. */
export interface SessionSource {
  /** The next session to arrive, or undefined when there are no more. */
  next(): TraceSession | undefined;
}

/** The draws of one session after its arrival gap (in the generator's order): its rounds. */
function roundDraws(workload: WorkloadSpec): (rng: Rng) => TraceRound[] {
  const roundsOf = countSamplerOf(workload.rounds);
  const initialTokens = countSamplerOf(workload.initialPromptTokens);
  const incrementalTokens = countSamplerOf(workload.incrementalTokens);
  const outputTokens = countSamplerOf(workload.outputTokens);
  const toolLatencyMs = samplerOf(workload.toolLatencyMs);
  return (rng) => {
    const roundCount = roundsOf(rng);
    const rounds: TraceRound[] = [];
    for (let r = 0; r < roundCount; r++) {
      rounds.push({
        inputTokens: r === 0 ? initialTokens(rng) : incrementalTokens(rng),
        outputTokens: outputTokens(rng),
        thinkMs: r === 0 ? 0 : Math.max(0, toolLatencyMs(rng)),
      });
    }
    return rounds;
  };
}

/**
 * Sessions drawn lazily from the plan's distributions: inter-arrival, rounds, token counts, tool
 * waits. A simulation asks for the next session only when the previous one arrives, so a run of a
 * million sessions holds just those in flight. The draws are the same, in the same order, as
 * `generateSessions`: per session the arrival gap, then the round count and each round's draws.
 */
export function sessionGenerator(
  workload: WorkloadSpec,
  ratePerSec: number,
  seed: number,
  count = Infinity,
): SessionSource {
  const rng = new Rng(seed);
  const meanGapMs = 1000 / ratePerSec;
  const gamma = workload.arrival.process === 'gamma';
  const cv = gamma ? (workload.arrival.cv ?? 1) : 1;
  const shape = 1 / (cv * cv);
  const drawRounds = roundDraws(workload);
  let t = 0;
  let i = 0;
  return {
    next() {
      if (i >= count) return undefined;
      t += gamma ? rng.gamma(shape, meanGapMs / shape) : rng.exponential(meanGapMs);
      const rounds = drawRounds(rng);
      i += 1;
      return { id: `s${i}`, arrivalMs: t, rounds };
    },
  };
}

/** Sessions of one (workload, seed) kept for reuse, and the generator positioned after the last. */
interface DrawnSessions {
  /** Each arrival gap at mean 1 (`Rng.unitExponential`): × the mean gap, the gap at any rate. */
  unitGaps: number[];
  rounds: TraceRound[][];
  ids: string[];
  rng: Rng;
  drawRounds: (rng: Rng) => TraceRound[];
}

/** Sessions kept per (workload, seed): a long planner run's worth; a longer run draws the rest itself. */
const KEPT_SESSIONS = 32_768;
/** Seeds kept per workload (replications use seed, seed + 1, …), the most recently used first. */
const KEPT_SEEDS = 4;
const drawnByWorkload = new WeakMap<WorkloadSpec, Map<number, DrawnSessions>>();

function drawnSessions(workload: WorkloadSpec, seed: number): DrawnSessions {
  let bySeed = drawnByWorkload.get(workload);
  if (!bySeed) {
    bySeed = new Map();
    drawnByWorkload.set(workload, bySeed);
  }
  let drawn = bySeed.get(seed);
  if (drawn) bySeed.delete(seed);
  else drawn = { unitGaps: [], rounds: [], ids: [], rng: new Rng(seed), drawRounds: roundDraws(workload) };
  bySeed.set(seed, drawn);
  if (bySeed.size > KEPT_SEEDS) bySeed.delete(bySeed.keys().next().value as number);
  return drawn;
}

/**
 * `sessionGenerator`'s sessions for Poisson arrivals, bit for bit, from draws shared between runs:
 * a planner simulates hundreds of layouts and load levels on the same seeds, and apart from the
 * arrival times (the same unit gaps scaled by the rate) their sessions are the same. The engine
 * only reads sessions, so runs share their rounds; callers that hand sessions out use
 * `sessionGenerator`. Gamma arrivals are drawn afresh (a gamma gap does not scale exactly).
 */
export function sharedSessionSource(workload: WorkloadSpec, ratePerSec: number, seed: number): SessionSource {
  if (workload.arrival.process === 'gamma') return sessionGenerator(workload, ratePerSec, seed);
  const drawn = drawnSessions(workload, seed);
  const meanGapMs = 1000 / ratePerSec;
  let own: Rng | undefined;
  let t = 0;
  let i = 0;
  return {
    next() {
      if (i === drawn.unitGaps.length && i < KEPT_SESSIONS) {
        drawn.unitGaps.push(drawn.rng.unitExponential());
        drawn.rounds.push(drawn.drawRounds(drawn.rng));
        drawn.ids.push(`s${i + 1}`);
      }
      let session: TraceSession;
      if (i < drawn.unitGaps.length) {
        t += drawn.unitGaps[i] * meanGapMs;
        session = { id: drawn.ids[i], arrivalMs: t, rounds: drawn.rounds[i] };
      } else {
        // Past what is kept: on from where the kept draws end, on a generator of this run's own.
        own ??= drawn.rng.copy();
        t += own.unitExponential() * meanGapMs;
        session = { id: `s${i + 1}`, arrivalMs: t, rounds: drawn.drawRounds(own) };
      }
      i += 1;
      return session;
    },
  };
}

/** A recorded (or already generated) list of sessions, replayed in arrival order. */
export function replaySource(sessions: readonly TraceSession[]): SessionSource {
  const ordered = sessions.every((s, i) => i === 0 || sessions[i - 1].arrivalMs <= s.arrivalMs)
    ? sessions
    : [...sessions].sort((a, b) => a.arrivalMs - b.arrivalMs);
  let i = 0;
  return { next: () => (i < ordered.length ? ordered[i++] : undefined) };
}

/** `count` sessions drawn from the plan's distributions (see `sessionGenerator`). */
export function generateSessions(
  workload: WorkloadSpec,
  count: number,
  ratePerSec: number,
  seed: number,
): TraceSession[] {
  const source = sessionGenerator(workload, ratePerSec, seed, count);
  const sessions: TraceSession[] = [];
  for (let s = source.next(); s; s = source.next()) sessions.push(s);
  return sessions;
}

/** Most points an empirical distribution fitted to a trace keeps: quantiles beyond that add nothing a plan can see. */
const MAX_EMPIRICAL_POINTS = 256;

/** The values as an empirical distribution: each distinct value with its count, or equally weighted quantiles. */
function empiricalOf(values: number[]): Distribution {
  const sorted = [...values].sort((a, b) => a - b);
  const distinct: number[] = [];
  const counts: number[] = [];
  for (const v of sorted) {
    if (distinct.length > 0 && distinct[distinct.length - 1] === v) counts[counts.length - 1]++;
    else {
      distinct.push(v);
      counts.push(1);
    }
  }
  if (distinct.length <= MAX_EMPIRICAL_POINTS) return { kind: 'empirical', values: distinct, weights: counts };
  const quantiles: number[] = [];
  for (let i = 0; i < MAX_EMPIRICAL_POINTS; i++)
    quantiles.push(sorted[Math.floor(((i + 0.5) / MAX_EMPIRICAL_POINTS) * sorted.length)]);
  return { kind: 'empirical', values: quantiles };
}

export interface TraceFit {
  workload: WorkloadSpec;
  /** What was fitted, for the planner's notes. */
  summary: string;
}

/**
 * The plan's workload with its distributions fitted to a trace: arrival rate and burstiness
 * (gamma, the coefficient of variation of the gaps) from the session arrivals, and empirical
 * distributions of rounds, prompt, incremental and output tokens and tool waits. The planner runs
 * thousands of short simulations at scaled rates, which a fixed trace cannot give; drawing from the
 * trace's own marginals can.
 */
export function fitWorkloadToTrace(workload: WorkloadSpec, sessions: TraceSession[]): TraceFit {
  const traceName = workload.trace ? `the trace ${workload.trace}` : 'the trace';
  if (sessions.length === 0)
    return { workload, summary: `${traceName} holds no sessions; planned on the plan's distributions` };
  const arrivals = sessions.map((s) => s.arrivalMs).sort((a, b) => a - b);
  const gaps: number[] = [];
  for (let i = 1; i < arrivals.length; i++) gaps.push(arrivals[i] - arrivals[i - 1]);
  const recordedRate = traceArrivalRate(sessions);
  let arrival = workload.arrival;
  let rateNote = `the plan's rate ${workload.arrival.ratePerSec} sessions/s (the trace's arrivals span no time)`;
  if (recordedRate !== undefined) {
    const meanGap = 1000 / recordedRate;
    const variance = gaps.reduce((sum, g) => sum + (g - meanGap) ** 2, 0) / gaps.length;
    // Bounded so the gamma's shape stays finite for a perfectly regular trace and sane for a bursty one.
    const cv = Math.min(10, Math.max(0.05, Math.sqrt(variance) / meanGap));
    // Four significant digits: the rate is shown to users, and a trace does not pin it down more finely.
    const ratePerSec = Number((1000 / meanGap).toPrecision(4));
    arrival = { process: 'gamma', ratePerSec, cv: Number(cv.toFixed(2)) };
    rateNote = `${ratePerSec} sessions/s, gaps with coefficient of variation ${cv.toFixed(2)}`;
  }
  const rounds = sessions.map((s) => s.rounds.length);
  const first = sessions.map((s) => s.rounds[0].inputTokens);
  const later = sessions.flatMap((s) => s.rounds.slice(1));
  const outputs = sessions.flatMap((s) => s.rounds.map((r) => r.outputTokens));
  return {
    workload: {
      ...workload,
      profile: undefined,
      trace: undefined,
      arrival,
      rounds: empiricalOf(rounds),
      initialPromptTokens: empiricalOf(first),
      // A trace of single-round sessions says nothing about later rounds: keep the plan's.
      incrementalTokens: later.length > 0 ? empiricalOf(later.map((r) => r.inputTokens)) : workload.incrementalTokens,
      toolLatencyMs: later.length > 0 ? empiricalOf(later.map((r) => r.thinkMs)) : workload.toolLatencyMs,
      outputTokens: empiricalOf(outputs),
    },
    summary:
      `planned on distributions fitted to ${traceName} (${sessions.length} sessions, ${later.length + sessions.length} rounds): ` +
      `${rateNote}, and its rounds, token counts and tool waits as empirical distributions`,
  };
}

/**
 * A trace's mean session arrival rate, sessions/s: the gaps between its session arrivals over the
 * time they span. Undefined when every session arrives at the same moment (no rate to speak of).
 */
export function traceArrivalRate(sessions: readonly TraceSession[]): number | undefined {
  if (sessions.length < 2) return undefined;
  let first = Infinity;
  let last = -Infinity;
  for (const s of sessions) {
    first = Math.min(first, s.arrivalMs);
    last = Math.max(last, s.arrivalMs);
  }
  return last > first ? ((sessions.length - 1) * 1000) / (last - first) : undefined;
}

/**
 * The trace replayed at another mean rate: session arrivals move closer or further apart by one
 * factor, so bursts keep their shape; tool waits inside a session are the environment's, and stay.
 */
export function scaleTraceToRate(sessions: readonly TraceSession[], ratePerSec: number): TraceSession[] {
  const recorded = traceArrivalRate(sessions);
  if (recorded === undefined) throw new RangeError('the trace has no arrival rate to scale');
  const stretch = recorded / ratePerSec;
  const first = sessions.reduce((earliest, s) => Math.min(earliest, s.arrivalMs), Infinity);
  return sessions.map((s) => ({ ...s, arrivalMs: first + (s.arrivalMs - first) * stretch }));
}

/** The plan the planner runs on: its workload fitted to the trace it names, when the trace was read. */
export function planOnTrace(plan: Plan, trace: TraceSession[] | undefined): { plan: Plan; note?: string } {
  if (!trace || !plan.workload.trace) return { plan };
  const fit = fitWorkloadToTrace(plan.workload, trace);
  return { plan: { ...plan, workload: fit.workload }, note: fit.summary };
}

export const TRACE_CODES = {
  badJson: 'PDP200',
  missingField: 'PDP201',
  badNumber: 'PDP202',
  roundOrder: 'PDP203',
  noTiming: 'PDP204',
  empty: 'PDP205',
  tooLarge: 'PDP206',
} as const;

/** Lines of a trace read at most; docs/plan-file.md lists it. */
export const MAX_TRACE_LINES = 2_000_000;
/** Tokens one trace round may add or output: beyond any model's context, so a typo, not a workload. */
export const MAX_TRACE_ROUND_TOKENS = 10_000_000;
/** Arrival and think times, ms: about 3,000 years, so epoch milliseconds fit and sums stay exact to well under 1 ms. */
export const MAX_TRACE_MS = 1e14;

function lineRange(line: number, length: number) {
  return { start: { line, character: 0 }, end: { line, character: Math.max(0, length) } };
}

/** What a value is, in words: trace messages say what was found without quoting the file. */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'number') return Number.isFinite(value) ? 'a number out of range' : 'a non-finite number';
  if (typeof value === 'string') return 'a string';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

export interface TraceLimits {
  /** The model's context: a session whose context (all its rounds' input and output) passes it is an error. */
  maxContextTokens?: number;
}

/**
 * JSONL, one round per line: `{"session":"s1","round":0,"arrivalMs":0,"inputTokens":700,"outputTokens":50}`;
 * later rounds give `thinkMs` (tool/user time before the round) instead of `arrivalMs`. Rounds of a
 * session must appear in order. Lines end in LF, CRLF or CR. Errors carry the trace's own 0-based
 * line numbers and never quote the trace (it is not the plan, and may not be the user's to show):
 * they name the line, the field and what was expected.
 */
export function parseTrace(
  text: string,
  limits: TraceLimits = {},
): { sessions: TraceSession[]; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const bySession = new Map<string, TraceSession & { line: number; context: number }>();
  const lines = text.split(/\r\n|\r|\n/);
  // A final line break ends the last line; it does not start another.
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  if (lines.length > MAX_TRACE_LINES) {
    diagnostics.push({
      severity: 'error',
      code: TRACE_CODES.tooLarge,
      message: `the trace has ${lines.length} lines; at most ${MAX_TRACE_LINES} are read — sample it down`,
      path: '',
      range: lineRange(0, 0),
    });
    return { sessions: [], diagnostics };
  }
  const fail = (line: number, code: string, message: string, raw: string) => {
    if (diagnostics.length < 200) {
      diagnostics.push({
        severity: 'error',
        code,
        message: `line ${line + 1}: ${message}`,
        path: `/${line}`,
        range: lineRange(line, raw.length),
      });
    }
  };
  const maxContext = limits.maxContextTokens;
  lines.forEach((raw, line) => {
    if (raw.trim() === '') return;
    const fields = traceFields(raw, (code, message) => fail(line, code, message, raw));
    if (!fields) return;
    const { session, round, inputTokens, outputTokens, arrivalMs, thinkMs } = fields;
    const id = String(session);
    const existing = bySession.get(id);
    const input = Math.round(inputTokens);
    const output = Math.round(outputTokens);
    const tooLong = (context: number): boolean => {
      if (maxContext === undefined || context <= maxContext) return false;
      fail(
        line,
        TRACE_CODES.badNumber,
        `this round takes its session's context (input and output of every round so far) past the model's ${maxContext} tokens (maxContextTokens); shorten the session or split it`,
        raw,
      );
      return true;
    };
    if (round === 0) {
      if (existing) {
        fail(
          line,
          TRACE_CODES.roundOrder,
          `the session of this line already has a round 0 (line ${existing.line + 1}); give each session one round 0`,
          raw,
        );
        return;
      }
      if (arrivalMs === undefined) {
        fail(line, TRACE_CODES.noTiming, 'round 0 needs "arrivalMs", the session\'s arrival time', raw);
        return;
      }
      if (tooLong(input + output)) return;
      bySession.set(id, {
        id,
        arrivalMs,
        rounds: [{ inputTokens: input, outputTokens: output, thinkMs: 0 }],
        line,
        context: input + output,
      });
      return;
    }
    if (!existing || existing.rounds.length !== round) {
      fail(
        line,
        TRACE_CODES.roundOrder,
        `round ${round} of this line's session comes before its round ${existing ? existing.rounds.length : 0}; list rounds in order`,
        raw,
      );
      return;
    }
    if (thinkMs === undefined) {
      fail(line, TRACE_CODES.noTiming, `round ${round} needs "thinkMs", the tool/user time before it`, raw);
      return;
    }
    if (tooLong(existing.context + input + output)) return;
    existing.context += input + output;
    existing.rounds.push({ inputTokens: input, outputTokens: output, thinkMs });
  });
  const sessions: TraceSession[] = [...bySession.values()]
    .sort((a, b) => a.arrivalMs - b.arrivalMs || (a.id < b.id ? -1 : 1))
    .map(({ id, arrivalMs, rounds }) => ({ id, arrivalMs, rounds }));
  if (sessions.length === 0 && diagnostics.length === 0) {
    diagnostics.push({
      severity: 'error',
      code: TRACE_CODES.empty,
      message: 'the trace holds no sessions',
      path: '',
      range: lineRange(0, 0),
    });
  }
  return { sessions, diagnostics };
}

/** One trace line's fields, or undefined when it is not a round (each problem reported). */
function traceFields(
  raw: string,
  fail: (code: string, message: string) => void,
):
  | {
      session: string | number;
      round: number;
      inputTokens: number;
      outputTokens: number;
      arrivalMs?: number;
      thinkMs?: number;
    }
  | undefined {
  let record: unknown;
  try {
    record = JSON.parse(raw);
  } catch {
    fail(
      TRACE_CODES.badJson,
      'not a JSON object; each line must be one round like {"session":"s1","round":0,"arrivalMs":0,"inputTokens":700,"outputTokens":50}',
    );
    return undefined;
  }
  if (typeof record !== 'object' || record === null || Array.isArray(record)) {
    fail(
      TRACE_CODES.badJson,
      `expected a JSON object with session, round, inputTokens and outputTokens, found ${kindOf(record)}`,
    );
    return undefined;
  }
  const r = record as Record<string, unknown>;
  const session = r.session;
  if (typeof session !== 'string' && typeof session !== 'number') {
    fail(TRACE_CODES.missingField, 'missing "session" (a string or number that names the session)');
    return undefined;
  }
  const numberField = (name: string, min: number, max: number, what: string): number | undefined => {
    const value = r[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
      fail(
        TRACE_CODES.badNumber,
        `"${name}" must be ${what} from ${min} to ${max.toExponential()}, found ${kindOf(value)}`,
      );
      return NaN;
    }
    return value;
  };
  const round = numberField('round', 0, MAX_TRACE_LINES, 'a round number');
  const inputTokens = numberField('inputTokens', 1, MAX_TRACE_ROUND_TOKENS, 'a token count');
  const outputTokens = numberField('outputTokens', 1, MAX_TRACE_ROUND_TOKENS, 'a token count');
  const arrivalMs = numberField('arrivalMs', 0, MAX_TRACE_MS, 'a time in ms');
  const thinkMs = numberField('thinkMs', 0, MAX_TRACE_MS, 'a time in ms');
  if ([round, inputTokens, outputTokens, arrivalMs, thinkMs].some((v) => Number.isNaN(v))) return undefined;
  if (round === undefined || inputTokens === undefined || outputTokens === undefined) {
    fail(TRACE_CODES.missingField, 'each line needs "round", "inputTokens" and "outputTokens"');
    return undefined;
  }
  return { session, round, inputTokens, outputTokens, arrivalMs, thinkMs };
}
