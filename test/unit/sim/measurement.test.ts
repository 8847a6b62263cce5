import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { simulate } from '../../../src/core/sim';
import {
  MIN_WINDOW_SESSIONS,
  resolveMeasure,
  sessionDurations,
  WINDOW_SESSION_DURATIONS,
} from '../../../src/core/sim/measure';
import { loadPlan } from '../../../src/core/spec';
import { parseDeploymentSpec } from '../../../src/core/spec/deployment';
import { testPlan } from '../../helpers/plan';

const chat = loadPlan(
  readFileSync(join(__dirname, '..', '..', '..', 'examples', 'chat-llama-3.1-8b.pdplan.yaml'), 'utf8'),
).plan!;
const deployment = (text: string) => {
  const parsed = parseDeploymentSpec(text);
  if ('error' in parsed) throw new Error(parsed.error);
  return parsed.deployment;
};
const overlap = (a: [number, number], b: [number, number]) => a[0] <= b[1] && b[0] <= a[1];

test('the window covers several session durations and enough arrivals; warm-up the long sessions', () => {
  const plan = testPlan();
  const { meanMs, p95Ms } = sessionDurations(plan);
  assert.ok(p95Ms > meanMs);
  const m = resolveMeasure(plan, undefined, 2);
  assert.equal(m.warmupMs, p95Ms);
  assert.ok(m.windowMs >= WINDOW_SESSION_DURATIONS * meanMs);
  assert.ok(m.windowMs >= (MIN_WINDOW_SESSIONS / 2) * 1000);
  const asked = resolveMeasure(plan, { sessions: 10 }, 2);
  assert.equal(asked.sessions, 10);
  assert.match(asked.note ?? '', /shorter than 3 mean session durations/);
});

test('goodput and attainment of one layout and rate agree at 200 and 10,000 sessions (no drain in the rate)', () => {
  // Before: goodput 0.742 at 200 sessions and 6.447 at 10,000 for this very case.
  const run = (sessions: number) =>
    simulate({
      plan: chat,
      deployment: deployment('C:2x1'),
      routing: { name: 'colocated' },
      ratePerSec: 8,
      measure: { sessions, maxReplications: 1 },
    }).metrics;
  const short = run(200);
  const long = run(10_000);
  assert.equal(short.sessions, 200);
  assert.equal(long.sessions, 10_000);
  assert.ok(overlap(short.goodputCi95!, long.goodputCi95!), `goodput ${short.goodputCi95} vs ${long.goodputCi95}`);
  assert.ok(
    overlap(short.sloAttainmentCi95!, long.sloAttainmentCi95!),
    `attainment ${short.sloAttainmentCi95} vs ${long.sloAttainmentCi95}`,
  );
  // Goodput is a rate of sessions within SLO: near the arrival rate when all meet it.
  assert.ok(Math.abs(long.goodput - 8 * long.sloAttainment) < 0.4, `goodput ${long.goodput}`);
});

test('replications are added until the interval is as narrow as asked, or the cap', () => {
  // A TTFT SLO this tight leaves attainment near 70%, where 150 sessions cannot pin it to ±0.1 points.
  const plan = testPlan({ slo: 'slo:\n  ttftMs: 15\n  itlMs: 50\n  attainmentTarget: 0.9\n  scope: session' });
  const input = {
    plan,
    deployment: deployment('P:1x1,D:1x1'),
    ratePerSec: 3,
    measure: { sessions: 150, halfWidth: 0.001, maxReplications: 3 },
  };
  const capped = simulate(input).metrics;
  assert.ok(capped.sloAttainment > 0.3 && capped.sloAttainment < 0.95, `attainment ${capped.sloAttainment}`);
  assert.equal(capped.measurement!.replications, 3);
  assert.equal(capped.measurement!.measuredSessions, 450);
  assert.equal(capped.measurement!.precisionMet, false);
  assert.match(capped.measurement!.note ?? '', /wider than the ±0.1 asked for/);
  const loose = simulate({ ...input, measure: { ...input.measure, halfWidth: 1 } }).metrics;
  assert.equal(loose.measurement!.replications, 1);
  assert.equal(loose.measurement!.precisionMet, true);
});

test('an overloaded layout is unstable, with a reason, and no number is claimed for it', () => {
  const m = simulate({
    plan: chat,
    deployment: deployment('C:1x1'),
    routing: { name: 'colocated' },
    ratePerSec: 200,
  }).metrics;
  assert.equal(m.unstable, true);
  assert.match(m.unstableReason ?? '', /exceeds capacity/);
  assert.equal(m.measurement!.precisionMet, false);
});
