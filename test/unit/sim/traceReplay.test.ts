import { test } from 'node:test';
import assert from 'node:assert/strict';
import { simulate, SimInputError } from '../../../src/core/sim';
import {
  generateSessions,
  scaleTraceToRate,
  traceArrivalRate,
  type TraceSession,
} from '../../../src/core/sim/workload';
import { parseDeploymentSpec } from '../../../src/core/spec/deployment';
import type { Deployment } from '../../../src/core/spec/types';
import { testPlan } from '../../helpers/plan';

const deployment = (spec: string): Deployment => {
  const parsed = parseDeploymentSpec(spec);
  if ('error' in parsed) throw new Error(parsed.error);
  return parsed.deployment;
};
// A trace-only plan: its workload writes no rate, so the plan's rate resolves to 0.
const tracePlan = testPlan({ workload: 'workload:\n  trace: traces/t.jsonl\n  warmupSessions: 0\n  seed: 1' });
const recorded = generateSessions(testPlan().workload, 120, 2, 5);

test("a trace's arrival rate is its session gaps over the time they span; all at once has none", () => {
  const at = (...ms: number[]): TraceSession[] =>
    ms.map((arrivalMs, i) => ({ id: `s${i}`, arrivalMs, rounds: [{ inputTokens: 10, outputTokens: 1, thinkMs: 0 }] }));
  assert.equal(traceArrivalRate(at(1000, 1500, 3000)), 1);
  assert.equal(traceArrivalRate(at(3000, 1000, 1500)), 1, 'order does not matter');
  assert.equal(traceArrivalRate(at(500, 500)), undefined);
  assert.equal(traceArrivalRate(at(500)), undefined);
});

test('scaling a trace to a rate moves arrivals by one factor from the first and keeps every round', () => {
  const rate = traceArrivalRate(recorded) as number;
  const faster = scaleTraceToRate(recorded, rate * 4);
  assert.ok(Math.abs((traceArrivalRate(faster) as number) / (rate * 4) - 1) < 1e-9);
  const first = recorded[0].arrivalMs;
  for (const [i, s] of faster.entries()) {
    assert.ok(Math.abs(s.arrivalMs - (first + (recorded[i].arrivalMs - first) / 4)) < 1e-6);
    assert.deepEqual(s.rounds, recorded[i].rounds, "tool waits and tokens are the trace's own");
  }
  assert.deepEqual(
    recorded.map((s) => s.id),
    faster.map((s) => s.id),
  );
});

test("a plan that replays a trace runs at the trace's rate, and a rate time-scales the replay", () => {
  const d = deployment('P:1x1,D:1x1');
  // Before: "the arrival rate must be above 0 sessions/s (got 0)", and a rate was ignored.
  const asRecorded = simulate({ plan: tracePlan, deployment: d, trace: recorded });
  const rate = traceArrivalRate(recorded) as number;
  assert.deepEqual(asRecorded.traceReplay, { sessions: 120, recordedRatePerSec: rate, replayedRatePerSec: rate });
  const atRecorded = simulate({ plan: tracePlan, deployment: d, trace: recorded, ratePerSec: rate });
  assert.equal(
    JSON.stringify(atRecorded.metrics),
    JSON.stringify(asRecorded.metrics),
    'scaling to its own rate changes nothing',
  );
  const crowded = simulate({ plan: tracePlan, deployment: d, trace: recorded, ratePerSec: rate * 8 });
  assert.equal(crowded.traceReplay?.replayedRatePerSec, rate * 8);
  assert.ok(
    crowded.metrics.ttftMs.p90 > asRecorded.metrics.ttftMs.p90,
    `TTFT p90 ${crowded.metrics.ttftMs.p90} at 8× vs ${asRecorded.metrics.ttftMs.p90}`,
  );
  assert.ok(crowded.simulatedSec < asRecorded.simulatedSec);
  assert.equal(
    simulate({ plan: testPlan(), deployment: d }).traceReplay,
    undefined,
    'a generated workload is no replay',
  );
});

test('a rate cannot scale a trace whose sessions all arrive at once, and says why', () => {
  const burst = recorded.map((s) => ({ ...s, arrivalMs: 0 }));
  const d = deployment('P:1x1,D:1x1');
  assert.equal(simulate({ plan: tracePlan, deployment: d, trace: burst }).traceReplay?.recordedRatePerSec, null);
  assert.throws(
    () => simulate({ plan: tracePlan, deployment: d, trace: burst, ratePerSec: 2 }),
    (error: unknown) => error instanceof SimInputError && /all arrive at the same moment/.test(error.message),
  );
  assert.throws(() => simulate({ plan: tracePlan, deployment: d, trace: recorded, ratePerSec: 0 }), SimInputError);
});

test('times too large to simulate stop the run with a reason instead of looping at an infinite clock', () => {
  const d = deployment('P:1x1,D:1x1');
  // Before: both ran forever.
  const endlessWait = testPlan({
    workload:
      'workload:\n  profile: ToolBench\n  arrival: { process: poisson, ratePerSec: 1 }\n  toolLatencyMs: { kind: constant, value: 1000 }\n  sessions: 20\n  warmupSessions: 0\n  seed: 1',
  });
  // Validation refuses waits above 1e9 ms (PDP041); the engine's own guard is for plans built in code.
  endlessWait.workload.toolLatencyMs = { kind: 'constant', value: 1e308 };
  assert.throws(
    () => simulate({ plan: endlessWait, deployment: d }),
    (error: unknown) => error instanceof SimInputError && /too large to simulate.*toolLatencyMs/.test(error.message),
  );
  assert.throws(
    () => simulate({ plan: testPlan(), deployment: d, ratePerSec: 1e-320 }),
    /at least 1e-9 sessions\/s \(got 1e-320\)/,
  );
  assert.throws(
    () => simulate({ plan: tracePlan, deployment: d, trace: recorded, ratePerSec: 1e-320 }),
    /at least 1e-9 sessions\/s/,
  );
});
