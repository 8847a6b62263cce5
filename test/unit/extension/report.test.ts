import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderReport } from '../../../src/extension/report';
import type { PanelData } from '../../../src/shared/panelProtocol';
import { panelContext, planResult, simMetrics } from '../../fixtures/extension/results';

const context = panelContext;
const planPanel: PanelData = { kind: 'plan', context, result: planResult() };

test('Markdown report carries the split, attainment and the ranked candidates', () => {
  const md = renderReport(planPanel, 'markdown');
  assert.match(md, /^# PD Planner plan: demo/);
  assert.match(md, /Recommended split: P:2x2,D:4x1 on 8 H20 GPUs/);
  assert.match(md, /Turn-1 97\.0%, Turn-2\+ 90\.0%/);
  assert.match(md, /\| 2 \| C:4x2 \| 8 \| 71\.0% \|/);
  // The router setting worded as `pdplan plan` prints it.
  assert.match(
    md,
    /\| threshold \| max_local_prefill_length=512 \(llm-d non-cached-token threshold\) \| 90\.0% \| 50\.0% \|/,
  );
});

test('a simulation report shows an unstable run as unstable, with its reason, and the interval when measured', () => {
  const unstable = renderReport(
    {
      kind: 'simulation',
      context,
      result: {
        metrics: simMetrics({ unstable: true, unstableReason: 'the backlog grows through the window' }),
        deployment: { kind: 'disaggregated', prefill: [{ tp: 2, dp: 1 }], decode: [{ tp: 4, dp: 1 }] },
        policy: 'adaptive',
        seed: 1,
        simulatedSec: 60,
      },
    } as unknown as PanelData,
    'markdown',
  );
  assert.match(unstable, /SLO attainment: unstable \(the backlog grows through the window\)/);
  assert.match(unstable, /goodput unstable/);
  const measured = renderReport(
    {
      kind: 'simulation',
      context,
      result: {
        metrics: simMetrics({ sloAttainment: 0.95, sloAttainmentCi95: [0.93, 0.97] }),
        deployment: { kind: 'disaggregated', prefill: [{ tp: 2, dp: 1 }], decode: [{ tp: 4, dp: 1 }] },
        policy: 'adaptive',
        seed: 1,
        simulatedSec: 60,
      },
    } as unknown as PanelData,
    'markdown',
  );
  assert.match(measured, /SLO attainment 95\.0% \(95% CI 93\.0–97\.0%\)/);
});

test('HTML report is self-contained and escapes plan-provided text', () => {
  const html = renderReport(
    { ...planPanel, context: { ...context, planName: '<script>x</script>' } } as PanelData,
    'html',
  );
  assert.doesNotMatch(html, /<script>x/);
  assert.match(html, /&lt;script&gt;x&lt;\/script&gt;/);
  assert.match(html, /default-src 'none'/);
  assert.doesNotMatch(html, /<script/);
});

test('JSON report round-trips the panel data; comparison marks differing rows', () => {
  assert.deepEqual(JSON.parse(renderReport(planPanel, 'json')), JSON.parse(JSON.stringify(planPanel)));
  const comparison: PanelData = {
    kind: 'comparison',
    title: 'cmp',
    sloTtftMs: 2000,
    sloItlMs: 50,
    columns: [
      {
        label: 'a',
        deployment: { kind: 'disaggregated' as const, prefill: [{ tp: 1, dp: 1 }], decode: [{ tp: 1, dp: 1 }] },
        gpus: 2,
        policy: 'adaptive',
        ratePerSec: 2,
        metrics: simMetrics({ sloAttainment: 0.9 }),
      },
      {
        label: 'b',
        deployment: { kind: 'disaggregated' as const, prefill: [{ tp: 1, dp: 1 }], decode: [{ tp: 1, dp: 1 }] },
        gpus: 2,
        policy: 'adaptive',
        ratePerSec: 2,
        metrics: simMetrics({ sloAttainment: 0.8 }),
      },
    ],
  };
  const md = renderReport(comparison, 'markdown');
  assert.match(md, /\| SLO attainment \* \| 90\.0% \| 80\.0% \|/);
  assert.match(md, /\| Deployment \| P:1x1,D:1x1 \| P:1x1,D:1x1 \|/);
});
