/** The four panel views, each rendering one `PanelData` into a root element. */
import type { ChartConfiguration } from 'chart.js';
import type { SimMetrics } from '../src/core/sim/types';
import { button, chartBox, el, metric, section, table, tag } from './components';
import { drawChart, palette } from './charts';
import {
  attainmentStatus,
  CANDIDATE_ATTAINMENT_COLUMN,
  CANDIDATE_COLUMNS,
  candidateCells,
  comparisonRows,
  downsample,
  layoutCluster,
  ms,
  num,
  pct,
  percentileBars,
} from './model';
import {
  formatRecommended,
  type ComparisonPanelData,
  type FromWebview,
  type PlanContext,
  type PlanPanelData,
  type SimulationPanelData,
  type SweepPanelData,
} from './protocol';

export type Post = (message: FromWebview) => void;

/** A panel's subtitle, with the times the run used when the job said (results from older runs may not). */
function withTimes(subtitle: string, context: PlanContext): string {
  return context.timesFrom ? `${subtitle} · ${context.timesFrom}` : subtitle;
}

function header(title: string, subtitle: string, post: Post): HTMLElement {
  return el(
    'header',
    { class: 'panel-header' },
    el('div', {}, el('h1', {}, title), el('div', { class: 'subtitle' }, subtitle)),
    el(
      'div',
      { class: 'actions' },
      button('Re-run', () => post({ type: 'rerun' })),
      button('Export HTML', () => post({ type: 'export', format: 'html' })),
      button('Export Markdown', () => post({ type: 'export', format: 'markdown' })),
      button('Export JSON', () => post({ type: 'export', format: 'json' })),
    ),
  );
}

/** Charts are drawn after their canvases are in the document, so views return them as thunks. */
type Draw = () => void;

function latencyChart(label: string, m: SimMetrics['ttftMs'], sloMs: number, draws: Draw[]): HTMLElement {
  const { box, canvas } = chartBox(label);
  draws.push(() => {
    const bars = percentileBars(m);
    const colours = palette();
    drawChart(canvas, {
      type: 'bar',
      data: {
        labels: bars.labels,
        datasets: [
          { label: `${label} (ms)`, data: bars.values, backgroundColor: colours[0] },
          { type: 'line', label: 'SLO', data: bars.labels.map(() => sloMs), borderColor: colours[4], pointRadius: 0, borderDash: [6, 4] } as never,
        ],
      },
      options: { scales: { y: { beginAtZero: true, title: { display: true, text: 'ms' } } } },
    });
  });
  return box;
}

function attainmentFigures(sloAttainment: number, turn1: number, turn2: number, local: number, target: number): HTMLElement {
  return el(
    'div',
    { class: 'metrics' },
    metric('SLO attainment', pct(sloAttainment), attainmentStatus(sloAttainment, target), `target ${pct(target)}`),
    metric('Turn-1', pct(turn1), attainmentStatus(turn1, target)),
    metric('Turn-2+', pct(turn2), attainmentStatus(turn2, target)),
    metric('Local-prefill ratio', pct(local), undefined, 'share of incremental prefills run on the decode worker'),
  );
}

function clusterView(nodes: number, gpusPerNode: number, gpuName: string, split: PlanPanelData['result']['recommended']): HTMLElement {
  const layout = layoutCluster(nodes, gpusPerNode, split);
  const grid = el(
    'div',
    { class: 'cluster', role: 'img', 'aria-label': `${layout.used} of ${layout.total} GPUs used` },
    ...layout.nodes.map((row, n) =>
      el(
        'div',
        { class: 'node' },
        el('div', { class: 'node-label' }, `node ${n + 1}`),
        el(
          'div',
          { class: 'gpus' },
          ...row.map((cell) =>
            el('div', { class: `gpu gpu-${cell.role}`, title: cell.replica ? `${cell.replica} (TP ${cell.tp})` : 'idle' }, cell.replica || '·'),
          ),
        ),
      ),
    ),
  );
  const legend = el(
    'div',
    { class: 'legend' },
    ...(['prefill', 'decode', 'colocated', 'idle'] as const).map((role) => el('span', { class: `legend-item` }, el('span', { class: `swatch gpu-${role}` }), role)),
    el('span', {}, `${gpuName} · ${layout.used}/${layout.total} GPUs`),
  );
  return el('div', {}, grid, legend, layout.unplaced.length > 0 ? el('p', { class: 'warning' }, `Not placed: ${layout.unplaced.join(', ')}`) : undefined);
}

function attainmentVsRate(
  label: string,
  series: { name: string; points: { ratePerSec: number; sloAttainment: number }[] }[],
  target: number,
  draws: Draw[],
): HTMLElement {
  const { box, canvas } = chartBox(label);
  draws.push(() => {
    const colours = palette();
    const rates = [...new Set(series.flatMap((s) => s.points.map((p) => p.ratePerSec)))].sort((a, b) => a - b);
    const config: ChartConfiguration = {
      type: 'line',
      data: {
        labels: rates.map((r) => String(r)),
        datasets: [
          ...series.map((s, i) => ({
            label: s.name,
            data: rates.map((r) => (s.points.find((p) => p.ratePerSec === r)?.sloAttainment ?? NaN) * 100),
            borderColor: colours[i % colours.length],
            backgroundColor: colours[i % colours.length],
            spanGaps: true,
          })),
          { label: 'target', data: rates.map(() => target * 100), borderColor: colours[4], borderDash: [6, 4], pointRadius: 0 },
        ],
      },
      options: {
        scales: {
          x: { title: { display: true, text: 'arrival rate (sessions/s)' } },
          y: { min: 0, max: 100, title: { display: true, text: 'SLO attainment %' } },
        },
      },
    };
    drawChart(canvas, config);
  });
  return box;
}

export function renderPlan(data: PlanPanelData, post: Post): { root: HTMLElement; draws: Draw[] } {
  const { result, context } = data;
  const draws: Draw[] = [];
  const split = formatRecommended(result.recommended);
  const best = result.candidates[0];
  const root = el('main', { 'data-panel': 'plan' });
  root.append(header(`Plan: ${context.planName}`, withTimes(`${context.fileName.split(/[\\/]/).pop()} · objective ${result.objective} · ${context.ratePerSec} sessions/s`, context), post));
  // What the planner adjusted or assumed (budget capped, a trace fitted…): said before the results it shaped.
  if (result.notes && result.notes.length > 0) root.append(section('Notes', el('ul', { 'data-testid': 'plan-notes' }, ...result.notes.map((n) => el('li', {}, n)))));
  if (result.candidates.length === 0) {
    root.append(section('No feasible deployment', el('ul', {}, ...(result.infeasibleReasons ?? ['the planner found no candidate']).map((r) => el('li', {}, r)))));
    return { root, draws };
  }
  root.append(
    section(
      'Recommended split',
      el('p', { class: 'recommended' }, el('strong', { 'data-testid': 'recommended-split' }, split), ` on ${result.recommended.gpus} GPUs`),
      clusterView(context.nodes, context.gpusPerNode, context.gpuName, result.recommended),
    ),
  );
  if (best) {
    const p = best.predicted;
    root.append(
      section(
        'Predicted SLO attainment',
        attainmentFigures(p.sloAttainment, p.turn1SloAttainment, p.turn2plusSloAttainment, p.localPrefillRatio, context.attainmentTarget),
        p.unstable ? el('p', { class: 'warning' }, 'Queues grow without bound at this rate: the load exceeds capacity.') : undefined,
      ),
    );
  }
  const candidateRows = result.candidates.map((c) => {
    const cells: Array<string | { text: string; className: string }> = candidateCells(c);
    const status = attainmentStatus(c.predicted.sloAttainment, context.attainmentTarget);
    cells[CANDIDATE_ATTAINMENT_COLUMN] = { text: cells[CANDIDATE_ATTAINMENT_COLUMN] as string, className: `status-${status}` };
    return cells;
  });
  const candidates = table(CANDIDATE_COLUMNS, candidateRows);
  candidates.querySelectorAll('tbody tr').forEach((row, i) => {
    const rank = result.candidates[i].rank;
    row.addEventListener('dblclick', () => post({ type: 'simulateCandidate', rank }));
    (row as HTMLElement).title = 'Double-click to simulate this candidate';
  });
  root.append(section('Ranked candidates', candidates));
  if (best?.metrics) {
    root.append(
      section(
        'Latency distributions (recommended)',
        el('div', { class: 'charts' }, latencyChart('TTFT', best.metrics.ttftMs, context.sloTtftMs, draws), latencyChart('ITL', best.metrics.itlMs, context.sloItlMs, draws)),
      ),
    );
  }
  if (result.rateSweep && result.rateSweep.length > 0) {
    const series = result.rateSweep.map((s) => {
      const c = result.candidates.find((x) => x.rank === s.candidateRank);
      const name = c ? formatRecommended({ prefill: c.prefill, decode: c.decode, colocated: c.colocated, gpus: c.gpus }) : `#${s.candidateRank}`;
      return { name, points: s.points };
    });
    root.append(section('Attainment against arrival rate', attainmentVsRate('SLO attainment vs rate', series, context.attainmentTarget, draws)));
  }
  if (result.routerSettings.length > 0) {
    root.append(
      section(
        'Router settings for engines',
        table(
          ['Policy', 'Settings', 'Attainment', 'Local prefill'],
          result.routerSettings.map((r) => [r.policy, Object.entries(r.settings).map(([k, v]) => `${k}=${v}`).join(', '), pct(r.sloAttainment), pct(r.localPrefillRatio)]),
        ),
      ),
    );
  }
  root.append(el('p', { class: 'footnote' }, `Solver ${result.solver.status} in ${result.solver.ms.toFixed(0)} ms · ${result.coefficientSimulations} coefficient simulations · ${result.wallMs.toFixed(0)} ms total`));
  return { root, draws };
}

function timeSeriesChart(label: string, t: number[], series: Record<string, number[]>, yTitle: string, draws: Draw[], percent = false): HTMLElement {
  const { box, canvas } = chartBox(label);
  draws.push(() => {
    const colours = palette();
    const ids = Object.keys(series);
    const thinned = ids.map((id) => downsample(t, series[id]));
    drawChart(canvas, {
      type: 'line',
      data: {
        labels: (thinned[0]?.t ?? t).map((x) => x.toFixed(1)),
        datasets: ids.map((id, i) => ({
          label: id,
          data: thinned[i].y.map((y) => (percent ? y * 100 : y)),
          borderColor: colours[i % colours.length],
          pointRadius: 0,
          borderWidth: 1.5,
        })),
      },
      options: { scales: { x: { title: { display: true, text: 'simulated time (s)' }, ticks: { maxTicksLimit: 10 } }, y: { beginAtZero: true, title: { display: true, text: yTitle } } } },
    });
  });
  return box;
}

export function renderSimulation(data: SimulationPanelData, post: Post): { root: HTMLElement; draws: Draw[] } {
  const { result, context } = data;
  const m = result.metrics;
  const draws: Draw[] = [];
  const root = el('main', { 'data-panel': 'simulation' });
  const deployment = result.deployment.kind === 'colocated'
    ? formatRecommended({ colocated: result.deployment.colocated, gpus: 0 })
    : formatRecommended({ prefill: result.deployment.prefill, decode: result.deployment.decode, gpus: 0 });
  const replay = result.traceReplay;
  const replayed = replay ? ` · trace of ${replay.sessions} sessions${replay.replayedRatePerSec === null ? '' : ` at ${Number(replay.replayedRatePerSec.toPrecision(4))} sessions/s`}` : '';
  root.append(header(`Simulation: ${context.planName}`, withTimes(`${deployment} · policy ${result.policy} · seed ${result.seed}${replayed} · ${result.simulatedSec.toFixed(0)} s simulated`, context), post));
  root.append(
    section(
      'SLO attainment',
      el('p', { class: 'recommended' }, el('strong', { 'data-testid': 'deployment' }, deployment), ` · ${result.policy}`, m.unstable ? ' ' : '', m.unstable ? tag('unstable') : undefined),
      attainmentFigures(m.sloAttainment, m.turn1.sloAttainment, m.turn2plus.sloAttainment, m.localPrefillRatio, context.attainmentTarget),
    ),
  );
  root.append(section('Latency distributions', el('div', { class: 'charts' }, latencyChart('TTFT', m.ttftMs, context.sloTtftMs, draws), latencyChart('ITL', m.itlMs, context.sloItlMs, draws))));
  root.append(
    section(
      'Over time',
      el(
        'div',
        { class: 'charts' },
        timeSeriesChart('Queue length per worker', m.timeSeries.tSec, m.timeSeries.queueLength, 'tasks', draws),
        timeSeriesChart('Utilisation per worker', m.timeSeries.tSec, m.timeSeries.utilization, '%', draws, true),
      ),
    ),
  );
  const decoders = m.workers.filter((w) => w.role === 'decode');
  if (decoders.length > 0) {
    const { box, canvas } = chartBox('Routing per decode worker');
    draws.push(() => {
      const colours = palette();
      drawChart(canvas, {
        type: 'bar',
        data: {
          labels: decoders.map((w) => w.id),
          datasets: [
            { label: 'local prefills', data: decoders.map((w) => w.localPrefills ?? 0), backgroundColor: colours[2] },
            { label: 'remote prefills', data: decoders.map((w) => w.remotePrefills ?? 0), backgroundColor: colours[0] },
          ],
        },
        options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } },
      });
    });
    root.append(section('Routing breakdown', box));
  }
  root.append(
    section(
      'Workers',
      table(
        ['Worker', 'Role', 'TP', 'Utilisation', 'Local prefill', 'Max queue'],
        m.workers.map((w) => [w.id, w.role, String(w.tp), pct(w.utilization), w.localPrefillRatio === undefined ? '—' : pct(w.localPrefillRatio), String(w.maxQueueLength)]),
      ),
    ),
  );
  return { root, draws };
}

export function renderComparison(data: ComparisonPanelData, post: Post): { root: HTMLElement; draws: Draw[] } {
  const draws: Draw[] = [];
  const root = el('main', { 'data-panel': 'comparison' });
  root.append(header(data.title, `${data.columns.length} configurations · differences highlighted`, post));
  const rows = comparisonRows(data.columns);
  const grid = table(
    ['', ...data.columns.map((c) => c.label)],
    rows.map((row) => [
      { text: row.label, className: row.differs ? 'differs' : '' },
      ...row.cells.map((cell) => ({ text: cell.text, className: [row.differs ? 'differs' : '', cell.best ? 'best' : '', cell.worst ? 'worst' : ''].join(' ').trim() })),
    ]),
  );
  grid.classList.add('comparison');
  grid.setAttribute('data-columns', String(data.columns.length));
  root.append(section('Side by side', grid));
  const { box, canvas } = chartBox('Latency percentiles, overlaid');
  draws.push(() => {
    const colours = palette();
    drawChart(canvas, {
      type: 'bar',
      data: {
        labels: ['TTFT P50', 'TTFT P95', 'TTFT P99', 'ITL P50', 'ITL P95', 'ITL P99'],
        datasets: data.columns.map((c, i) => ({
          label: c.label,
          data: [c.metrics.ttftMs.p50, c.metrics.ttftMs.p95, c.metrics.ttftMs.p99, c.metrics.itlMs.p50, c.metrics.itlMs.p95, c.metrics.itlMs.p99],
          backgroundColor: colours[i % colours.length],
        })),
      },
      options: { scales: { y: { type: 'linear', beginAtZero: true, title: { display: true, text: 'ms' } } } },
    });
  });
  const attainment = chartBox('SLO attainment');
  draws.push(() => {
    const colours = palette();
    drawChart(attainment.canvas, {
      type: 'bar',
      data: {
        labels: ['overall', 'Turn-1', 'Turn-2+'],
        datasets: data.columns.map((c, i) => ({
          label: c.label,
          data: [c.metrics.sloAttainment, c.metrics.turn1.sloAttainment, c.metrics.turn2plus.sloAttainment].map((v) => v * 100),
          backgroundColor: colours[i % colours.length],
        })),
      },
      options: { scales: { y: { min: 0, max: 100, title: { display: true, text: '%' } } } },
    });
  });
  root.append(section('Charts', el('div', { class: 'charts' }, box, attainment.box)));
  return { root, draws };
}

export function renderSweep(data: SweepPanelData, post: Post): { root: HTMLElement; draws: Draw[] } {
  const draws: Draw[] = [];
  const root = el('main', { 'data-panel': 'sweep' });
  root.append(header(`Rate sweep: ${data.context.planName}`, withTimes(`${data.deployment} · ${data.points.length} rates`, data.context), post));
  root.append(section('Attainment against arrival rate', attainmentVsRate('SLO attainment vs rate', [{ name: data.deployment, points: data.points }], data.context.attainmentTarget, draws)));
  root.append(
    section(
      'Points',
      table(
        ['Rate (sessions/s)', 'Attainment', 'Goodput', 'Stable'],
        data.points.map((p) => [String(p.ratePerSec), { text: pct(p.sloAttainment), className: `status-${attainmentStatus(p.sloAttainment, data.context.attainmentTarget)}` }, num(p.goodput), p.unstable ? 'no' : 'yes']),
      ),
    ),
  );
  return { root, draws };
}
