import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ParetoPoint, ParetoResult } from '../../../src/core/pareto';
import {
  bestFeasible,
  frontierChart,
  frontierRows,
  logTickLabel,
  measureText,
  sloSide,
} from '../../../src/shared/paretoModel';
import { parseWebviewMessage } from '../../../src/shared/panelProtocol';
import { renderReport } from '../../../src/extension/report';
import { perGpuFigures } from '../../../src/core/cost/perGpu';
import { comparisonRows, perGpuTokens } from '../../../src/shared/panelModel';
import { panelContext, planResult, simMetrics, simResult } from '../../fixtures/extension/results';

function point(
  layout: string,
  rate: number,
  tokPerGpu: number,
  itlMs: number,
  ttftP90Ms: number,
  feasible: boolean,
  unstable = false,
): ParetoPoint {
  return {
    layout,
    deployment: { kind: 'colocated', colocated: [{ tp: 1, dp: 2 }] },
    policy: 'colocated',
    gpus: 2,
    ratePerSec: rate,
    unstable,
    attainment: feasible ? 0.95 : 0.5,
    turn1Attainment: 0.9,
    turn2plusAttainment: feasible ? 0.97 : 0.4,
    outputTokensPerSecPerGpu: tokPerGpu,
    inputTokensPerSecPerGpu: tokPerGpu * 3,
    goodputPerGpu: 0.1,
    tokensPerSecPerUser: 1000 / itlMs,
    itlMeanMs: itlMs,
    ttftP50Ms: ttftP90Ms / 2,
    ttftP90Ms,
    turn1TtftP90Ms: ttftP90Ms * 2,
    turn2plusTtftP90Ms: ttftP90Ms / 2,
    feasible,
    turn1Feasible: feasible,
    turn2plusFeasible: feasible,
    usdPerHour: 6,
    usdPerMillionOutputTokens: feasible ? 1.25 : null,
    measuredSessions: 300,
  };
}

const result: ParetoResult = {
  points: [
    point('C:1x2', 1, 100, 20, 300, true),
    point('C:1x2', 2, 180, 30, 900, true),
    point('P:1x1,D:1x1', 2, 220, 45, 40_000, false),
    point('P:1x1,D:1x1', 4, 0, 0, 0, false, true),
  ],
  frontiers: {
    session: [
      { against: 'tokensPerSecPerUser', all: [2, 1, 0], feasible: [1, 0] },
      { against: 'ttftP90Ms', all: [0, 1, 2], feasible: [0, 1] },
    ],
    round: [
      { against: 'turn1TtftP90Ms', all: [0, 1, 2], feasible: [0, 1] },
      { against: 'turn2plusTtftP90Ms', all: [0, 1, 2], feasible: [0, 1] },
    ],
  },
  rates: [1, 2, 4],
  layouts: ['C:1x2', 'P:1x1,D:1x1'],
  layoutsLeftOut: 0,
  skipped: [],
  simulations: 4,
  attainmentTarget: 0.9,
  measure: { maxReplications: 1, halfWidth: 0.05, measuredSessions: [412, 3000], cellPoints: 2 },
};
const slo = { ttftMs: 2000, itlMs: 40 };

test('a Pareto chart: feasible and other stable points apart, unstable ones left off, the SLO side of the axis, a log axis for a wide TTFT range', () => {
  const perUser = frontierChart(result, result.frontiers.session[0], slo);
  assert.deepEqual(
    perUser.feasible.map((p) => p.index),
    [0, 1],
  );
  assert.deepEqual(
    perUser.other.map((p) => p.index),
    [2],
    'the unstable point is on no chart',
  );
  assert.deepEqual(
    perUser.frontierFeasible.map((p) => p.x),
    [1000 / 30, 1000 / 20],
  );
  assert.equal(perUser.sloSide.min, 25, 'an ITL SLO of 40 ms allows 25 tokens/s/user and more');
  assert.equal(perUser.xType, 'linear');
  assert.ok(perUser.yMax > 220);
  const ttft = frontierChart(result, result.frontiers.session[1], slo);
  assert.equal(ttft.sloSide.max, 2000);
  assert.equal(ttft.xType, 'logarithmic', '300 ms to 40 s spans more than 20x');
  assert.ok(ttft.xRange.min < 300 && ttft.xRange.max > 40_000);
});

test('the frontier table lists the SLO-feasible frontier, fastest per user first; the best feasible point has the most tokens/s/GPU', () => {
  const rows = frontierRows(result);
  assert.deepEqual(
    rows.map((r) => `${r[0]}@${r[2]}`),
    ['C:1x2@1', 'C:1x2@2'],
  );
  assert.equal(rows[0][9], '$1.25');
  assert.equal(bestFeasible(result)?.outputTokensPerSecPerGpu, 180);
  assert.equal(sloSide('turn1TtftP90Ms', slo).max, 2000);
});

test('a Pareto report names the best point within the SLO and carries the frontier table; exportLayout messages are narrowed', () => {
  const data = {
    kind: 'pareto' as const,
    context: {
      planName: 'p',
      fileName: '/w/p.pdplan.yaml',
      gpuName: 'H100',
      nodes: 1,
      gpusPerNode: 8,
      sloTtftMs: 2000,
      sloItlMs: 40,
      attainmentTarget: 0.9,
      ratePerSec: 1,
    },
    result,
  };
  const md = renderReport(data, 'markdown');
  assert.match(md, /Most output tokens\/s\/GPU within the SLO: C:1x2 at 2 sessions\/s, 180\.0 output tokens\/s\/GPU/);
  assert.match(md, /\| C:1x2 \| 2 \| 1 \| 100\.0 \| 300\.0 \|/);
  assert.deepEqual(parseWebviewMessage({ type: 'exportLayout', layout: 'P:4x2,D:8x1' }), {
    type: 'exportLayout',
    layout: 'P:4x2,D:8x1',
  });
  assert.equal(parseWebviewMessage({ type: 'exportLayout', layout: 'P:4x2;rm -rf /' }), undefined);
  assert.equal(parseWebviewMessage({ type: 'exportLayout', layout: 7 }), undefined);
});

test("per-GPU figures: the comparison divides each column's output rate by its own GPUs; a candidate row shows it; unstable runs have none", () => {
  const a = simMetrics({ throughputTokensPerSec: 1600 });
  const b = simMetrics({ throughputTokensPerSec: 1200 });
  const rows = comparisonRows([
    {
      deployment: { kind: 'disaggregated', prefill: [{ tp: 2, dp: 2 }], decode: [{ tp: 4, dp: 1 }] },
      gpus: 8,
      policy: 'adaptive',
      metrics: a,
    },
    { deployment: { kind: 'colocated', colocated: [{ tp: 4, dp: 1 }] }, gpus: 4, policy: 'colocated', metrics: b },
  ]);
  const perGpu = rows.find((r) => r.label === 'Output tokens/s per GPU');
  assert.deepEqual(
    perGpu?.cells.map((c) => [c.text, c.best, c.worst]),
    [
      ['200', false, true],
      ['300', true, false],
    ],
  );
  assert.equal(rows[rows.findIndex((r) => r.label === 'Throughput (tokens/s)') + 1], perGpu);
  assert.equal(perGpuTokens(4, b), '300.0');
  assert.equal(perGpuTokens(4, { ...b, unstable: true }), '—');
  assert.deepEqual(perGpuFigures(4, b, 2), {
    outputTokensPerSecPerGpu: 300,
    goodputPerGpu: b.goodput / 4,
    headroomPerGpu: 0.5,
  });
});

test('a log axis labels 1, 2 and 5 times a power of ten only; a linear Pareto axis starts at 0', () => {
  assert.deepEqual([39, 50, 70, 100, 200, 300, 500, 1000, 2000, 6470].map(logTickLabel), [
    '',
    '50',
    '',
    '100',
    '200',
    '',
    '500',
    '1,000',
    '2,000',
    '',
  ]);
  assert.equal(frontierChart(result, result.frontiers.session[0], slo).xRange.min, 0);
});

test("reports carry per-GPU figures: a simulation's output tokens/s and goodput per GPU, a plan's per candidate", () => {
  const context = panelContext;
  const metrics = simMetrics({ throughputTokensPerSec: 1600, goodput: 1.6 });
  const sim = renderReport({ kind: 'simulation', context, result: simResult(metrics) }, 'markdown');
  // P:2x2,D:4x1 is 8 GPUs.
  assert.match(sim, /Per GPU: 200\.0 output tokens\/s\/GPU, 0\.200 sessions\/s\/GPU within SLO \(8 GPUs\)/);
  const plan = renderReport({ kind: 'plan', context, result: planResult() }, 'markdown');
  const header = plan.split('\n').find((l) => l.startsWith('| Rank'))!;
  const column = header.split(' | ').indexOf('Out tok/s/GPU');
  assert.ok(column > 0, header);
  const first = planResult().candidates[0];
  const row = plan.split('\n').find((l) => l.startsWith(`| ${first.rank}`))!;
  assert.equal(row.split(' | ')[column], (first.metrics!.throughputTokensPerSec / first.gpus).toFixed(1));
});

test('how the points were measured, in words: the screening rule with its session range and cells, or the count asked for', () => {
  assert.equal(
    measureText(result.measure),
    'each a warm-up and a window of 3 mean session durations (412–3000 measured sessions), 2 as a cell of their layout; 1 replication',
  );
  assert.equal(
    measureText({ sessions: 300, maxReplications: 1, halfWidth: 0.05, measuredSessions: [300, 300], cellPoints: 0 }),
    '300 measured sessions each; 1 replication',
  );
  assert.equal(
    measureText({ trace: true, maxReplications: 1, halfWidth: 0.05, measuredSessions: [4, 4], cellPoints: 0 }),
    'each the recorded trace replayed at the rate (4 measured sessions); 1 replication',
  );
  // No point simulated (every layout refused): no session count to give.
  assert.equal(
    measureText({ maxReplications: 1, halfWidth: 0.05, cellPoints: 0 }),
    'each a warm-up and a window of 3 mean session durations; 1 replication',
  );
});
