import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  attainmentStatus,
  CANDIDATE_ATTAINMENT_COLUMN,
  CANDIDATE_COLUMNS,
  candidateCells,
  comparisonRows,
  contrastRatio,
  downsampleMax,
  downsampleMean,
  latencyAxis,
  layoutCluster,
  parseColour,
  pct,
  percentileBars,
  routerSettingText,
  textOn,
  tickLabel,
  topTie,
  withContrast,
} from '../../../src/shared/panelModel';
import { planResult, simMetrics } from '../../fixtures/extension/results';

test('layoutCluster keeps each TP group inside one node and colours GPUs by role', () => {
  const layout = layoutCluster(2, 8, {
    kind: 'disaggregated',
    prefill: [{ tp: 2, dp: 2 }],
    decode: [{ tp: 8, dp: 1 }],
  });
  assert.equal(layout.used, 12);
  assert.equal(layout.total, 16);
  assert.deepEqual(layout.unplaced, []);
  // As the simulator places them: prefill first, in order; a replica that does not fit the rest of a node starts the next.
  assert.deepEqual(
    layout.nodes[0].map((g) => g.replica),
    ['P0', 'P0', 'P1', 'P1', '', '', '', ''],
  );
  assert.ok(layout.nodes[1].every((g) => g.role === 'decode' && g.replica === 'D0'));
  assert.equal(layout.nodes[0][7].role, 'idle');
});

test('layoutCluster reports replicas that do not fit and spans nodes only for TP above a node', () => {
  const over = layoutCluster(1, 8, { kind: 'colocated', colocated: [{ tp: 4, dp: 3 }] });
  assert.deepEqual(over.unplaced, ['C2']);
  const wide = layoutCluster(2, 8, { kind: 'disaggregated', prefill: [], decode: [{ tp: 16, dp: 1 }] });
  assert.equal(wide.used, 16);
  assert.ok(wide.nodes.flat().every((g) => g.replica === 'D0'));
});

test('comparisonRows marks differing rows and the best and worst column by the metric direction', () => {
  const a = simMetrics({ sloAttainment: 0.95, ttftMs: { ...simMetrics().ttftMs, p95: 400 } });
  const b = simMetrics({ sloAttainment: 0.8, ttftMs: { ...simMetrics().ttftMs, p95: 900 } });
  const rows = comparisonRows([
    {
      deployment: { kind: 'disaggregated', prefill: [{ tp: 2, dp: 2 }], decode: [{ tp: 4, dp: 1 }] },
      gpus: 8,
      policy: 'adaptive',
      metrics: a,
    },
    { deployment: { kind: 'colocated', colocated: [{ tp: 4, dp: 2 }] }, gpus: 8, policy: 'colocated', metrics: b },
  ]);
  const byLabel = new Map(rows.map((r) => [r.label, r]));
  assert.equal(byLabel.get('GPUs')?.differs, false);
  assert.equal(byLabel.get('Deployment')?.differs, true);
  const attainment = byLabel.get('SLO attainment');
  assert.deepEqual(
    attainment?.cells.map((c) => [c.text, c.best, c.worst]),
    [
      ['95.0%', true, false],
      ['80.0%', false, true],
    ],
  );
  const ttft = byLabel.get('TTFT P95');
  assert.deepEqual(
    ttft?.cells.map((c) => c.best),
    [true, false],
    'lower latency is better',
  );
  const same = byLabel.get('ITL P95');
  assert.equal(same?.differs, false);
  assert.ok(
    same?.cells.every((c) => !c.best && !c.worst),
    'equal values are not highlighted',
  );
});

test('percentileBars, attainmentStatus and downsample', () => {
  assert.deepEqual(percentileBars({ p50: 1, p90: 2, p95: 3, p99: 4, mean: 9, max: 5 }), {
    labels: ['P50', 'P90', 'P95', 'P99', 'MAX'],
    values: [1, 2, 3, 4, 5],
  });
  assert.equal(attainmentStatus(0.9, 0.9), 'ok');
  assert.equal(attainmentStatus(0.85, 0.9), 'warn');
  assert.equal(attainmentStatus(0.5, 0.9), 'bad');
  const t = Array.from({ length: 1000 }, (_, i) => i);
  const thin = downsampleMax(
    t,
    t.map((x) => x * 2),
    100,
  );
  assert.equal(thin.t.length, 100);
  assert.equal(thin.t[99], 999);
  assert.equal(thin.y[99], 1998);
});

test('downsampling keeps the peaks of a queue (max per bucket) and the mean of a utilisation', () => {
  const t = Array.from({ length: 2000 }, (_, i) => i / 10);
  // A queue at 0-3 with one spike to 7 for a single sample: picking every k-th sample loses it.
  const queue = t.map((_, i) => (i === 1234 ? 7 : i % 4));
  const peak = downsampleMax(t, queue, 100);
  assert.equal(peak.t.length, 100);
  assert.equal(Math.max(...peak.y), 7);
  assert.equal(peak.t[peak.y.indexOf(7)], t[1234]);
  const util = t.map((_, i) => (i % 2 === 0 ? 1 : 0));
  const mean = downsampleMean(t, util, 100);
  assert.ok(mean.y.every((y) => Math.abs(y - 0.5) < 1e-9));
  const short = downsampleMax([0, 1], [3, 4], 100);
  assert.deepEqual(short, { t: [0, 1], y: [3, 4] });
});

test('tick labels are rounded numbers; latency axes turn logarithmic only when the SLO is far from the data', () => {
  assert.equal(tickLabel(1.0833333333333335), '1.08');
  assert.equal(tickLabel(3.4166666666666665), '3.42');
  assert.equal(tickLabel(2000), '2,000');
  assert.equal(tickLabel(0), '0');
  assert.deepEqual(latencyAxis([300, 500, 900], 2000), { type: 'linear', min: 0 });
  const log = latencyAxis([40, 60, 90, 120], 2000);
  assert.equal(log.type, 'logarithmic');
  assert.ok(log.min! <= 40 && log.max! >= 2000);
});

test('colours reach WCAG AA against the background; a passing colour is kept', () => {
  const white = parseColour('#ffffff')!;
  // VS Code light theme's passed-test green on white is 2:1.
  assert.ok(contrastRatio(parseColour('#73c991')!, white) < 2.2);
  const fixed = withContrast('#73c991', '#ffffff');
  assert.ok(contrastRatio(parseColour(fixed)!, white) >= 4.5, fixed);
  assert.equal(withContrast('#000000', '#ffffff'), '#000000');
  const onBlack = withContrast('#181818', '#000000');
  assert.ok(contrastRatio(parseColour(onBlack)!, parseColour('#000000')!) >= 4.5, onBlack);
  assert.ok(
    contrastRatio(parseColour(withContrast('rgba(0, 122, 204, 0.5)', '#1e1e1e', 3))!, parseColour('#1e1e1e')!) >= 3,
  );
  assert.equal(textOn('#ffff00'), '#000000');
  assert.equal(textOn('#0000aa'), '#ffffff');
});

test('router settings are worded as the CLI prints them; the adaptive row says what it does', () => {
  assert.equal(
    routerSettingText({ policy: 'threshold', settings: { maxLocalPrefillTokens: 512 } }),
    'max_local_prefill_length=512 (llm-d non-cached-token threshold)',
  );
  assert.match(routerSettingText({ policy: 'adaptive', settings: {} }), /AMPD adaptive routing/);
});

test('topTie: candidates equal at the top as shown, or with overlapping intervals', () => {
  const cand = (rank: number, att: number, ci?: [number, number]) =>
    ({
      rank,
      gpus: 8,
      predicted: { sloAttainment: att, sloAttainmentCi95: ci, unstable: false },
    }) as unknown as Parameters<typeof topTie>[0][number];
  assert.deepEqual(
    topTie([cand(1, 1), cand(2, 1), cand(3, 0.9)]).map((c) => c.rank),
    [1, 2],
  );
  assert.deepEqual(topTie([cand(1, 1), cand(2, 0.95)]), []);
  assert.deepEqual(
    topTie([cand(1, 0.97, [0.95, 0.99]), cand(2, 0.94, [0.92, 0.96]), cand(3, 0.9, [0.88, 0.92])]).map((c) => c.rank),
    [1, 2],
  );
  // The planner's own statistical ties win over the panel's guess, both ways.
  const withTies = [
    Object.assign(cand(1, 1), { tiedWith: [3] }),
    Object.assign(cand(2, 1), { tiedWith: [] }),
    Object.assign(cand(3, 0.99), { tiedWith: [1] }),
  ];
  assert.deepEqual(
    topTie(withTies).map((c) => c.rank),
    [1, 3],
  );
  assert.deepEqual(
    topTie([Object.assign(cand(1, 1), { tiedWith: [] }), Object.assign(cand(2, 1), { tiedWith: [] })]),
    [],
  );
  assert.equal(candidateCells(Object.assign(planResult().candidates[0], { tiedWith: [2] }))[0], '1=');
  const cell = (headroom: unknown) => candidateCells(Object.assign(planResult().candidates[0], { headroom })).at(-1);
  assert.equal(cell({ ratePerSec: 4.1234, ci95: [3.9, 4.4], isLowerBound: false }), '4.12 [3.9–4.4]');
  assert.equal(cell({ ratePerSec: 6.2, ci95: [6.2, 6.2], isLowerBound: true }), '≥ 6.2');
  assert.equal(candidateCells(planResult().candidates[0]).at(-1), '—');
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
  const analytic = {
    deployment: { kind: 'disaggregated' as const, prefill: [{ tp: 1, dp: 1 }], decode: [{ tp: 1, dp: 1 }] },
    gpus: 2,
    policy: 'adaptive',
    metrics: m,
    timesFrom: 'analytical performance model',
  };
  const measured = { ...analytic, timesFrom: 'measured profile h100-llama-3.1-8b' };
  assert.equal(
    comparisonRows([analytic, analytic]).find((r) => r.label === 'Times from'),
    undefined,
  );
  const row = comparisonRows([analytic, measured]).find((r) => r.label === 'Times from');
  assert.deepEqual(
    row?.cells.map((c) => c.text),
    ['analytical performance model', 'measured profile h100-llama-3.1-8b'],
  );
  assert.equal(row?.differs, true);
});
