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

test("a co-located worker reorders its own prefill queue (W = 3) and saves the short task's SLO", () => {
  // A (1000 tokens, 110 ms) starts at once; B (5000 tokens, 510 ms) and C (10 tokens, 11 ms) queue behind it.
  const trace = [oneRound('A', 0, 1000), oneRound('B', 1, 5000), oneRound('C', 2, 10)];
  const perf = toyPerf();
  const run = (reorderWindow: number) =>
    simulate({
      plan: testPlan({
        slo: 'slo:\n  ttftMs: 500\n  itlMs: 50\n  attainmentTarget: 0.9\n  scope: session',
        policy: `policy:\n  routing: colocated\n  reorderWindow: ${reorderWindow}\n  maxPostpone: 3`,
      }),
      deployment: deployment('C:1x1'),
      trace,
      perf: { prefill: perf, decode: perf },
    }).metrics;
  // FCFS: B ends at 110 + 510 (TTFT 619), C at 631 (TTFT 629): both miss 500 ms.
  const fcfs = run(1);
  close(fcfs.ttftMs.max, 629, 'FCFS worst TTFT');
  close(fcfs.sloAttainment, 1 / 3, 'FCFS attainment');
  // Reordered: C runs first (ends 121, TTFT 119) and B after it (ends 631, TTFT 630).
  const reordered = run(3);
  close(reordered.ttftMs.p50, 119, 'reordered median TTFT');
  close(reordered.ttftMs.max, 630, 'reordered worst TTFT');
  close(reordered.sloAttainment, 2 / 3, 'reordered attainment');
});

test('a round waiting for KV memory starts as soon as another session goes idle, evicting it', () => {
  // 300 tokens of KV. A holds 152 after its first round and then waits 10 s for a tool; B needs 202.
  const trace: TraceSession[] = [
    { id: 'A', arrivalMs: 0, rounds: [{ inputTokens: 150, outputTokens: 2, thinkMs: 0 }, { inputTokens: 10, outputTokens: 2, thinkMs: 10_000 }] },
    { id: 'B', arrivalMs: 10, rounds: [{ inputTokens: 200, outputTokens: 2, thinkMs: 0 }] },
  ];
  const perf = toyPerf({ kvCapacityTokens: 300 });
  const m = simulate({ plan: testPlan(), deployment: deployment('P:1x1,D:1x1'), trace, perf: { prefill: perf, decode: perf } }).metrics;
  // A: prefill 25 + write-back 2.5 → first token at 27.5, one 5 ms step → idle at 32.5.
  // B waited from 10 to 32.5, then prefill 30 + write-back 3: first token at 65.5, TTFT 55.5.
  close(m.turn1.ttftMs.max, 55.5, "B's TTFT");
  close(m.turn1.ttftMs.p50, 27.5, "A's TTFT");
  assert.equal(m.evictions, 1);
  // A's second round recomputes its 152 evicted tokens with the 10 new ones: prefill 10 + 16.2.
  assert.equal(m.recomputedTokens, 152);
  close(m.turn2plus.ttftMs.p50, 26.2 + 1 + 1.62, "A's second TTFT (recompute + write-back)");
});
