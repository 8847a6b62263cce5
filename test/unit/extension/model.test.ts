import assert from 'node:assert/strict';
import { test } from 'node:test';
import { attainmentStatus, CANDIDATE_ATTAINMENT_COLUMN, CANDIDATE_COLUMNS, candidateCells, comparisonRows, downsample, layoutCluster, pct, percentileBars } from '../../../webview/model';
import { planResult, simMetrics } from '../../fixtures/extension/results';

test('layoutCluster keeps each TP group inside one node and colours GPUs by role', () => {
  const layout = layoutCluster(2, 8, { prefill: [{ tp: 2, dp: 2 }], decode: [{ tp: 8, dp: 1 }] });
  assert.equal(layout.used, 12);
  assert.equal(layout.total, 16);
  assert.deepEqual(layout.unplaced, []);
  // The TP-8 decode replica fills node 1 alone; the two TP-2 prefill replicas share node 2.
  assert.ok(layout.nodes[0].every((g) => g.role === 'decode' && g.replica === 'D1'));
  assert.deepEqual(layout.nodes[1].map((g) => g.replica), ['P1', 'P1', 'P2', 'P2', '', '', '', '']);
  assert.equal(layout.nodes[1][7].role, 'idle');
});

test('layoutCluster reports replicas that do not fit and spans nodes only for TP above a node', () => {
  const over = layoutCluster(1, 8, { colocated: [{ tp: 4, dp: 3 }] });
  assert.deepEqual(over.unplaced, ['C3']);
  const wide = layoutCluster(2, 8, { decode: [{ tp: 16, dp: 1 }] });
  assert.equal(wide.used, 16);
  assert.ok(wide.nodes.flat().every((g) => g.replica === 'D1'));
});

test('comparisonRows marks differing rows and the best and worst column by the metric direction', () => {
  const a = simMetrics({ sloAttainment: 0.95, ttftMs: { ...simMetrics().ttftMs, p95: 400 } });
  const b = simMetrics({ sloAttainment: 0.8, ttftMs: { ...simMetrics().ttftMs, p95: 900 } });
  const rows = comparisonRows([
    { deployment: 'P:2x2,D:4x1', gpus: 8, policy: 'adaptive', metrics: a },
    { deployment: 'C:4x2', gpus: 8, policy: 'colocated', metrics: b },
  ]);
  const byLabel = new Map(rows.map((r) => [r.label, r]));
  assert.equal(byLabel.get('GPUs')?.differs, false);
  assert.equal(byLabel.get('Deployment')?.differs, true);
  const attainment = byLabel.get('SLO attainment');
  assert.deepEqual(attainment?.cells.map((c) => [c.text, c.best, c.worst]), [['95.0%', true, false], ['80.0%', false, true]]);
  const ttft = byLabel.get('TTFT P95');
  assert.deepEqual(ttft?.cells.map((c) => c.best), [true, false], 'lower latency is better');
  const same = byLabel.get('ITL P95');
  assert.equal(same?.differs, false);
  assert.ok(same?.cells.every((c) => !c.best && !c.worst), 'equal values are not highlighted');
});

test('percentileBars, attainmentStatus and downsample', () => {
  assert.deepEqual(percentileBars({ p50: 1, p90: 2, p95: 3, p99: 4, mean: 9, max: 5 }), { labels: ['P50', 'P90', 'P95', 'P99', 'MAX'], values: [1, 2, 3, 4, 5] });
  assert.equal(attainmentStatus(0.9, 0.9), 'ok');
  assert.equal(attainmentStatus(0.85, 0.9), 'warn');
  assert.equal(attainmentStatus(0.5, 0.9), 'bad');
  const t = Array.from({ length: 1000 }, (_, i) => i);
  const thin = downsample(t, t.map((x) => x * 2), 100);
  assert.equal(thin.t.length, 100);
  assert.equal(thin.t[0], 0);
  assert.equal(thin.t[99], 999);
  assert.equal(thin.y[99], 1998);
});

test('a candidate row has one cell per column, the attainment where the panel colours it', () => {
  const [first, second] = planResult().candidates;
  const cells = candidateCells(second);
  assert.equal(cells.length, CANDIDATE_COLUMNS.length);
  assert.equal(CANDIDATE_COLUMNS[CANDIDATE_ATTAINMENT_COLUMN], 'Attainment');
  assert.equal(cells[CANDIDATE_ATTAINMENT_COLUMN], pct(second.predicted.sloAttainment));
  assert.deepEqual(cells.slice(0, 3), ['2', 'C:4x2', '8']);
  assert.equal(candidateCells(first)[1], 'P:2x2,D:4x1');
});

test('comparisonRows shows where the times came from only when some column ran on a measured profile', () => {
  const m = simMetrics();
  const analytic = { deployment: 'P:1x1,D:1x1', gpus: 2, policy: 'adaptive', metrics: m, timesFrom: 'analytical performance model' };
  const measured = { ...analytic, timesFrom: 'measured profile h100-llama-3.1-8b' };
  assert.equal(comparisonRows([analytic, analytic]).find((r) => r.label === 'Times from'), undefined);
  const row = comparisonRows([analytic, measured]).find((r) => r.label === 'Times from');
  assert.deepEqual(row?.cells.map((c) => c.text), ['analytical performance model', 'measured profile h100-llama-3.1-8b']);
  assert.equal(row?.differs, true);
});
