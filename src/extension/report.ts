/**
 * Export Report: the panel's data as Markdown, JSON or a self-contained HTML page (tables only, no
 * scripts, so it opens anywhere). Pure: it takes the panel data and returns text.
 */
import {
  attainmentWithCi,
  CANDIDATE_COLUMNS,
  candidateCells,
  comparisonRows,
  ms,
  num,
  pct,
  routerSettingText,
  tickLabel,
} from '../shared/panelModel';
import { deploymentGpus, formatDeployment } from '../core/spec/deployment';
import type { ExportFormat, PanelData } from '../shared/panelProtocol';
import type { SimMetrics } from '../core/sim/types';
import { bestFeasible, FRONTIER_COLUMNS, frontierRows, measureText } from '../shared/paretoModel';

/** Output tokens/s and goodput per GPU of a steady-state run: figures that do not depend on the run's length. */
export function perGpuText(m: SimMetrics, gpus: number): string {
  if (!(gpus > 0)) return '';
  return `Per GPU: ${(m.throughputTokensPerSec / gpus).toFixed(1)} output tokens/s/GPU, ${(m.goodput / gpus).toFixed(3)} sessions/s/GPU within SLO (${gpus} GPUs)`;
}

interface ReportTable {
  title: string;
  headers: string[];
  rows: string[][];
}

interface Report {
  title: string;
  summary: string[];
  tables: ReportTable[];
}

function buildReport(data: PanelData): Report {
  switch (data.kind) {
    case 'plan': {
      const { result, context } = data;
      const best = result.candidates[0];
      return {
        title: `PD Planner plan: ${context.planName}`,
        summary: [
          `Recommended split: ${result.recommended.deployment ? formatDeployment(result.recommended.deployment) : 'none'} on ${result.recommended.gpus} ${context.gpuName} GPUs`,
          best
            ? `Predicted SLO attainment: ${pct(best.predicted.sloAttainment)} (Turn-1 ${pct(best.predicted.turn1SloAttainment)}, Turn-2+ ${pct(best.predicted.turn2plusSloAttainment)})`
            : 'No feasible candidate',
          best ? `Local-prefill ratio: ${pct(best.predicted.localPrefillRatio)}` : '',
          `Objective: ${result.objective}; arrival rate ${context.ratePerSec} sessions/s; SLO TTFT ${context.sloTtftMs} ms, ITL ${context.sloItlMs} ms`,
          context.timesFrom ? `Times from: ${context.timesFrom}` : '',
          ...(result.notes ?? []).map((n) => `Note: ${n}`),
        ].filter(Boolean),
        tables: [
          {
            title: 'Ranked candidates',
            headers: CANDIDATE_COLUMNS,
            rows: result.candidates.map(candidateCells),
          },
          ...(result.routerSettings.length > 0
            ? [
                {
                  title: 'Router settings for engines',
                  headers: ['Policy', 'Setting for the engine', 'Attainment', 'Local prefill'],
                  rows: result.routerSettings.map((r) => [
                    r.policy,
                    routerSettingText(r),
                    r.unstable ? 'unstable' : pct(r.sloAttainment),
                    pct(r.localPrefillRatio),
                  ]),
                },
              ]
            : []),
        ],
      };
    }
    case 'simulation': {
      const m = data.result.metrics;
      const split = formatDeployment(data.result.deployment);
      return {
        title: `PD Planner simulation: ${data.context.planName}`,
        summary: [
          `Deployment ${split}, policy ${data.result.policy}, seed ${data.result.seed}`,
          m.unstable
            ? `SLO attainment: unstable (${m.unstableReason ?? 'queues grow through the measurement window'}); local-prefill ratio ${pct(m.localPrefillRatio)}`
            : `SLO attainment ${attainmentWithCi(m.sloAttainment, m.sloAttainmentCi95)} (Turn-1 ${pct(m.turn1.sloAttainment)}, Turn-2+ ${pct(m.turn2plus.sloAttainment)}); local-prefill ratio ${pct(m.localPrefillRatio)}`,
          `TTFT P95 ${ms(m.ttftMs.p95)}, ITL P95 ${ms(m.itlMs.p95)}; goodput ${m.unstable ? 'unstable' : `${num(m.goodput)} sessions/s`}`,
          m.unstable ? '' : perGpuText(m, deploymentGpus(data.result.deployment)),
          m.measurement
            ? `Measured over ${m.measurement.windowSec.toFixed(0)} s after a ${m.measurement.warmupSec.toFixed(0)} s warm-up, ${m.measurement.replications} replication(s), ${m.measurement.measuredSessions} sessions`
            : '',
          data.context.timesFrom ? `Times from: ${data.context.timesFrom}` : '',
        ].filter(Boolean),
        tables: [
          {
            title: 'Workers',
            headers: ['Worker', 'Role', 'TP', 'Utilisation', 'Local prefill', 'Max queue'],
            rows: m.workers.map((w) => [
              w.id,
              w.role,
              String(w.tp),
              pct(w.utilization),
              w.localPrefillRatio === undefined ? '-' : pct(w.localPrefillRatio),
              String(w.maxQueueLength),
            ]),
          },
        ],
      };
    }
    case 'comparison':
      return {
        title: data.title,
        summary: [`${data.columns.length} configurations; rows marked * differ`],
        tables: [
          {
            title: 'Side by side',
            headers: ['', ...data.columns.map((c) => c.label)],
            rows: comparisonRows(data.columns).map((r) => [
              `${r.label}${r.differs ? ' *' : ''}`,
              ...r.cells.map((c) => c.text),
            ]),
          },
        ],
      };
    case 'sweep':
      return {
        title: `PD Planner rate sweep: ${data.context.planName}`,
        summary: [`Deployment ${formatDeployment(data.deployment)}`],
        tables: [
          {
            title: 'Attainment against arrival rate',
            headers: ['Rate (sessions/s)', 'Attainment', 'Goodput', 'Stable'],
            rows: data.points.map((p) => [
              tickLabel(p.ratePerSec),
              p.unstable ? 'unstable' : attainmentWithCi(p.sloAttainment, p.sloAttainmentCi95),
              p.unstable ? '-' : num(p.goodput),
              p.unstable ? `no${p.unstableReason ? `: ${p.unstableReason}` : ''}` : 'yes',
            ]),
          },
        ],
      };
    case 'pareto': {
      const r = data.result;
      const best = bestFeasible(r);
      const feasible = r.points.filter((p) => p.feasible).length;
      return {
        title: `PD Planner Pareto frontier: ${data.context.planName}`,
        summary: [
          `${r.points.length} points (${r.layouts.length} layouts × ${r.rates.length} rates, ${r.simulations} simulations, ${measureText(r.measure)}); ${feasible} meet ${pct(r.attainmentTarget)} within SLO`,
          best
            ? `Most output tokens/s/GPU within the SLO: ${best.layout} at ${tickLabel(best.ratePerSec)} sessions/s, ${best.outputTokensPerSecPerGpu.toFixed(1)} output tokens/s/GPU, ${best.tokensPerSecPerUser.toFixed(1)} tokens/s/user`
            : 'No point meets the SLO target',
          data.context.timesFrom ? `Times from: ${data.context.timesFrom}` : '',
        ].filter(Boolean),
        tables: [
          {
            title: 'Frontier: output tokens/s/GPU against tokens/s/user (SLO-feasible points)',
            headers: FRONTIER_COLUMNS,
            rows: frontierRows(r),
          },
        ],
      };
    }
  }
}

const escapeHtml = (text: string): string =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
const escapeCell = (text: string): string => text.replace(/\|/g, '\\|');

export function renderReport(data: PanelData, format: ExportFormat): string {
  if (format === 'json') return `${JSON.stringify(data, null, 2)}\n`;
  const report = buildReport(data);
  if (format === 'markdown') {
    const lines = [`# ${report.title}`, '', ...report.summary.map((s) => `- ${s}`)];
    for (const t of report.tables) {
      lines.push(
        '',
        `## ${t.title}`,
        '',
        `| ${t.headers.map(escapeCell).join(' | ')} |`,
        `|${t.headers.map(() => ' --- |').join('')}`,
      );
      for (const row of t.rows) lines.push(`| ${row.map(escapeCell).join(' | ')} |`);
    }
    return `${lines.join('\n')}\n`;
  }
  const tables = report.tables
    .map(
      (t) =>
        `<h2>${escapeHtml(t.title)}</h2>\n<table>\n<thead><tr>${t.headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead>\n<tbody>\n${t.rows
          .map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`)
          .join('\n')}\n</tbody>\n</table>`,
    )
    .join('\n');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="UTF-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${escapeHtml(report.title)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}@media (prefers-color-scheme:dark){body{background:#1e1e1e;color:#ddd}td,th{border-color:#555}}</style>
</head><body>
<h1>${escapeHtml(report.title)}</h1>
<ul>${report.summary.map((s) => `<li>${escapeHtml(s)}</li>`).join('')}</ul>
${tables}
</body></html>
`;
}
