// Scheduling details worked out by hand with the toy performance model (test/helpers/perf.ts):
// prefill = 10 ms + 0.1 ms per new token (+0.01 per history token), decode step = 5 ms,
// KV transfer = 1 ms + 0.01 ms per token.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { simulate, type TraceSession } from '../../../src/core/sim';
import { parseDeploymentSpec } from '../../../src/core/spec/deployment';
import type { Deployment } from '../../../src/core/spec/types';
import { testPlan } from '../../helpers/plan';
import { toyPerf } from '../../helpers/perf';

function deployment(spec: string): Deployment {
  const parsed = parseDeploymentSpec(spec);
  if ('error' in parsed) throw new Error(parsed.error);
  return parsed.deployment;
}

const close = (actual: number, expected: number, what: string) =>
  assert.ok(Math.abs(actual - expected) < 1e-6, `${what}: ${actual} ≠ ${expected}`);

const oneRound = (id: string, arrivalMs: number, inputTokens: number): TraceSession => ({
  id,
  arrivalMs,
  rounds: [{ inputTokens, outputTokens: 1, thinkMs: 0 }],
});

/**
 * A (1000 tokens, 110 ms) starts at once; B (5000 tokens, 510 ms) and C (10 tokens, 11 ms) queue
 * behind it, with a 500 ms TTFT SLO.
 */
function threeTasks(routing: string, layout: string, reorderWindow: number) {
  const trace = [oneRound('A', 0, 1000), oneRound('B', 1, 5000), oneRound('C', 2, 10)];
  const perf = toyPerf();
  return simulate({
    plan: testPlan({
      slo: 'slo:\n  ttftMs: 500\n  itlMs: 50\n  attainmentTarget: 0.9\n  scope: session',
      policy: `policy:\n  routing: ${routing}\n  reorderWindow: ${reorderWindow}\n  maxPostpone: 3`,
    }),
    deployment: deployment(layout),
    trace,
    perf: { prefill: perf, decode: perf },
  }).metrics;
}

test("a co-located worker reorders its own prefill queue (W = 3) and saves the short task's SLO", () => {
  const run = (reorderWindow: number) => threeTasks('colocated', 'C:1x1', reorderWindow);
  // FCFS: B ends at 110 + 510 (TTFT 619), C at 631 (TTFT 629): both miss 500 ms.
  const fcfs = run(1);
  close(fcfs.ttftMs.max, 629, 'FCFS worst TTFT');
  close(fcfs.sloAttainment, 1 / 3, 'FCFS attainment');
  // Reordered: C runs first (ends 121, TTFT 119) and B after it (ends 631, TTFT 630).
  const reordered = run(3);
  close(reordered.ttftMs.p50, 119, 'reordered median TTFT');
  close(reordered.ttftMs.max, 630, 'reordered worst TTFT');
  close(reordered.sloAttainment, 2 / 3, 'reordered attainment');
  // Three prefills started; reordering changed the order once (C ahead of B), FCFS never.
  close(reordered.reorderedPrefillRatio, 1 / 3, 'reordered share');
  close(fcfs.reorderedPrefillRatio, 0, 'FCFS reordered share');
});

test("a prefill worker's reordering is counted the same way (remote routing)", () => {
  const run = (reorderWindow: number) => threeTasks('remote', 'P:1x1,D:1x1', reorderWindow);
  close(run(3).reorderedPrefillRatio, 1 / 3, 'W = 3: C runs before B');
  close(run(3).sloAttainment, 2 / 3, 'W = 3 attainment');
  close(run(1).reorderedPrefillRatio, 0, 'W = 1 never reorders');
  close(run(1).sloAttainment, 1 / 3, 'W = 1 attainment');
});

test('a round waiting for KV memory starts as soon as another session goes idle, evicting it', () => {
  // 300 tokens of KV. A holds 152 after its first round and then waits 10 s for a tool; B needs 202.
  const trace: TraceSession[] = [
    {
      id: 'A',
      arrivalMs: 0,
      rounds: [
        { inputTokens: 150, outputTokens: 2, thinkMs: 0 },
        { inputTokens: 10, outputTokens: 2, thinkMs: 10_000 },
      ],
    },
    { id: 'B', arrivalMs: 10, rounds: [{ inputTokens: 200, outputTokens: 2, thinkMs: 0 }] },
  ];
  const perf = toyPerf({ kvCapacityTokens: 300 });
  const m = simulate({
    plan: testPlan(),
    deployment: deployment('P:1x1,D:1x1'),
    trace,
    perf: { prefill: perf, decode: perf },
  }).metrics;
  // A: prefill 25 + write-back 2.5 → first token at 27.5, one 5 ms step → idle at 32.5.
  // B waited from 10 to 32.5, then prefill 30 + write-back 3: first token at 65.5, TTFT 55.5.
  close(m.turn1.ttftMs.max, 55.5, "B's TTFT");
  close(m.turn1.ttftMs.p50, 27.5, "A's TTFT");
  assert.equal(m.evictions, 1);
  // A's second round recomputes its 152 evicted tokens with the 10 new ones: prefill 10 + 16.2.
  assert.equal(m.recomputedTokens, 152);
  close(m.turn2plus.ttftMs.p50, 26.2 + 1 + 1.62, "A's second TTFT (recompute + write-back)");
});
