/** The four panel views, each rendering one `PanelData` into a root element. */
import type { ChartConfiguration, ChartDataset } from 'chart.js';
import type { Candidate } from '../src/core/plan/types';
import type { Measurement, Percentiles, SimMetrics } from '../src/core/sim/types';
import { button, chartBox, el, metric, scrollable, section, table, tag } from './components';
import { drawChart, palette, referenceColour } from './charts';
import { deploymentGpus } from '../src/core/spec/deployment';
import {
  attainmentStatus,
  attainmentWithCi,
  CANDIDATE_ATTAINMENT_COLUMN,
  CANDIDATE_COLUMNS,
  candidateCells,
  extras,
  headroomText,
  perGpuTokens,
  comparisonRows,
  downsampleMax,
  downsampleMean,
  latencyAxis,
  layoutCluster,
  ms,
  num,
  pct,
  percentileBars,
  routerSettingText,
  tickLabel,
  topTie,
} from '../src/shared/panelModel';
import { formatDeployment } from '../src/core/spec/deployment';
import type { Deployment } from '../src/core/spec/types';
import {
  type ComparisonPanelData,
  type FromWebview,
  type PlanContext,
  type PlanPanelData,
  type SimulationPanelData,
  type SweepPanelData,
} from '../src/shared/panelProtocol';

export type Post = (message: FromWebview) => void;

/** A panel's subtitle, with the times the run used when the job said (results from older runs may not). */
export function withTimes(subtitle: string, context: PlanContext): string {
  return context.timesFrom ? `${subtitle} · ${context.timesFrom}` : subtitle;
}

export function header(title: string, subtitle: string, post: Post): HTMLElement {
  return el(
    'header',
    { class: 'panel-header' },
    el('div', { class: 'panel-title' }, el('h1', {}, title), el('div', { class: 'subtitle' }, subtitle)),
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
export type Draw = () => void;

const axisTitle = (text: string) => ({ display: true, text });
/** Numeric ticks rounded for reading: `1.08`, not `1.0833333333333335`. */
const numericTicks = (extra: Record<string, unknown> = {}) => ({
  callback: (value: number | string) => tickLabel(Number(value)),
  ...extra,
});

/** Percentile bars of one latency against its SLO line, on an axis that keeps both readable. */
function latencyChart(label: string, m: Percentiles, sloMs: number, draws: Draw[]): HTMLElement {
  const bars = percentileBars(m);
  return latencyBarsAgainstSlo(label, sloMs, bars.labels, bars.values, draws, (colours) => [
    { label: `${label} (ms)`, data: bars.values, backgroundColor: colours[0] },
  ]);
}

/**
 * Bars of one latency (`values`, every bar's height, set the axis) and the SLO as a dashed line
 * across them, on a linear axis, or a logarithmic one where the SLO is far from the bars.
 */
function latencyBarsAgainstSlo(
  label: string,
  sloMs: number,
  labels: string[],
  values: number[],
  draws: Draw[],
  bars: (colours: string[]) => { label: string; data: number[]; backgroundColor: string }[],
): HTMLElement {
  const axis = latencyAxis(values, sloMs);
  const { box, canvas } = chartBox(
    `${label} percentiles`,
    axis.type === 'logarithmic' ? `log scale: the SLO (${ms(sloMs)}) is far from the bars` : `SLO ${ms(sloMs)}`,
  );
  draws.push(() => {
    drawChart(canvas, {
      type: 'bar',
      data: {
        labels,
        datasets: [
          ...bars(palette()),
          {
            type: 'line',
            label: `SLO ${ms(sloMs)}`,
            data: labels.map(() => sloMs),
            borderColor: referenceColour(),
            backgroundColor: referenceColour(),
            pointRadius: 0,
            borderDash: [6, 4],
          } as never,
        ],
      },
      options: {
        scales: {
          x: { title: axisTitle('percentile') },
          y: {
            type: axis.type,
            min: axis.min,
            max: axis.max,
            title: axisTitle(axis.type === 'logarithmic' ? `${label} (ms, log scale)` : `${label} (ms)`),
            ticks: numericTicks(),
          },
        },
      },
    });
  });
  return box;
}

function attainmentFigures(
  figures: { sloAttainment: number; turn1: number; turn2: number; local: number; ci?: [number, number] },
  target: number,
  unstable?: { reason?: string },
): HTMLElement {
  if (unstable) {
    // An unstable run has no steady state: its attainment is an artefact of when the run stopped.
    return el(
      'div',
      { class: 'metrics' },
      metric('SLO attainment', 'unstable', 'bad', unstable.reason ?? 'queues grow through the measurement window'),
      metric(
        'Local-prefill ratio',
        pct(figures.local),
        undefined,
        'share of incremental prefills run on the decode worker',
      ),
    );
  }
  const overall = metric(
    'SLO attainment',
    pct(figures.sloAttainment),
    attainmentStatus(figures.sloAttainment, target),
    `target ${pct(target)}`,
  );
  if (figures.ci)
    overall.append(
      el(
        'div',
        { class: 'metric-ci', 'data-testid': 'attainment-ci' },
        `95% CI ${(figures.ci[0] * 100).toFixed(1)}–${pct(figures.ci[1])}`,
      ),
    );
  return el(
    'div',
    { class: 'metrics' },
    overall,
    metric('Turn-1', pct(figures.turn1), attainmentStatus(figures.turn1, target)),
    metric('Turn-2+', pct(figures.turn2), attainmentStatus(figures.turn2, target)),
    metric(
      'Local-prefill ratio',
      pct(figures.local),
      undefined,
      'share of incremental prefills run on the decode worker',
    ),
  );
}

function unstableNote(reason: string | undefined): HTMLElement {
  return el(
    'p',
    { class: 'warning', 'data-testid': 'unstable' },
    `Unstable: ${reason ?? 'queues grow without bound at this rate: the load exceeds capacity'}. The figures below describe a run that never settled, not a steady state.`,
  );
}

function measurementNote(m: Measurement | undefined): HTMLElement | undefined {
  if (!m) return undefined;
  const text =
    `Measured over ${m.windowSec.toFixed(0)} s after a ${m.warmupSec.toFixed(0)} s warm-up` +
    `${m.replications > 1 ? `, ${m.replications} replications` : ''} (${m.measuredSessions} sessions, ${m.batches} batches); ` +
    `attainment ±${(m.attainmentHalfWidth * 100).toFixed(1)} points (95%)` +
    `${m.precisionMet ? '' : ', wider than asked'}${m.note ? `: ${m.note}` : ''}.`;
  return el('p', { class: 'footnote', 'data-testid': 'measurement' }, text);
}

function clusterView(
  nodes: number,
  gpusPerNode: number,
  gpuName: string,
  deployment: Deployment | undefined,
): HTMLElement {
  const layout = layoutCluster(nodes, gpusPerNode, deployment);
  const grid = el(
    'div',
    { class: 'cluster', role: 'img', 'aria-label': `${layout.used} of ${layout.total} GPUs used` },
    ...layout.nodes.map((row, n) =>
      el(
        'div',
        { class: 'node' },
        el('div', { class: 'node-label' }, `node ${n}`),
        el(
          'div',
          { class: 'gpus' },
          ...row.map((cell) =>
            el(
              'div',
              {
                class: `gpu gpu-${cell.role}`,
                title: cell.replica
                  ? cell.shape
                    ? `${cell.replica}: a data-parallel attention rank of an ${cell.shape} replica`
                    : `${cell.replica} (TP ${cell.tp})`
                  : 'idle',
              },
              cell.replica || '·',
            ),
          ),
        ),
      ),
    ),
  );
  const legend = el(
    'div',
    { class: 'legend' },
    ...(['prefill', 'decode', 'colocated', 'idle'] as const).map((role) =>
      el('span', { class: `legend-item` }, el('span', { class: `swatch gpu-${role}` }), role),
    ),
    el('span', {}, `${gpuName} · ${layout.used}/${layout.total} GPUs`),
  );
  return el(
    'div',
    {},
    grid,
    legend,
    layout.unplaced.length > 0 ? el('p', { class: 'warning' }, `Not placed: ${layout.unplaced.join(', ')}`) : undefined,
  );
}

interface RatePoint {
  ratePerSec: number;
  sloAttainment: number;
  goodput?: number;
  unstable?: boolean;
}

/**
 * Attainment (and goodput, when asked) against arrival rate on a linear rate axis: a step from 3 to
 * 4 sessions/s is drawn twice as wide as one from 3 to 3.5, so the knee sits where it is.
 */
function rateChart(
  label: string,
  series: { name: string; points: RatePoint[] }[],
  target: number,
  draws: Draw[],
  withGoodput = false,
): HTMLElement {
  const unstableRates = series.some((s) => s.points.some((p) => p.unstable));
  const notes = [withGoodput ? 'goodput on the right axis' : '', unstableRates ? 'unstable rates left out' : '']
    .filter(Boolean)
    .join(' · ');
  const { box, canvas } = chartBox(label, notes || undefined);
  draws.push(() => {
    const colours = palette();
    const rates = series.flatMap((s) => s.points.map((p) => p.ratePerSec));
    const lo = Math.min(...rates);
    const hi = Math.max(...rates);
    const datasets: ChartDataset<'line', { x: number; y: number }[]>[] = series.map((s, i) => ({
      label: withGoodput ? `${s.name}: attainment %` : s.name,
      // An unstable rate has no steady-state attainment: a gap, not a number.
      data: s.points.map((p) => ({ x: p.ratePerSec, y: p.unstable ? NaN : p.sloAttainment * 100 })),
      borderColor: colours[i % colours.length],
      backgroundColor: colours[i % colours.length],
      yAxisID: 'y',
    }));
    if (withGoodput) {
      series.forEach((s, i) =>
        datasets.push({
          label: `${s.name}: goodput`,
          data: s.points.map((p) => ({ x: p.ratePerSec, y: p.unstable || p.goodput === undefined ? NaN : p.goodput })),
          borderColor: colours[(i + 1) % colours.length],
          backgroundColor: colours[(i + 1) % colours.length],
          borderDash: [2, 2],
          yAxisID: 'y1',
        }),
      );
    }
    datasets.push({
      label: `target ${pct(target)}`,
      data: [
        { x: lo, y: target * 100 },
        { x: hi, y: target * 100 },
      ],
      borderColor: referenceColour(),
      backgroundColor: referenceColour(),
      borderDash: [6, 4],
      pointRadius: 0,
      yAxisID: 'y',
    });
    const config: ChartConfiguration<'line', { x: number; y: number }[]> = {
      type: 'line',
      data: { datasets },
      options: {
        scales: {
          x: {
            type: 'linear',
            min: lo,
            max: hi,
            title: axisTitle('arrival rate (sessions/s)'),
            ticks: numericTicks({ maxTicksLimit: 8 }),
          },
          y: { type: 'linear', min: 0, max: 100, title: axisTitle('SLO attainment (%)'), ticks: numericTicks() },
          ...(withGoodput
            ? {
                y1: {
                  type: 'linear' as const,
                  position: 'right' as const,
                  beginAtZero: true,
                  title: axisTitle('goodput (sessions/s)'),
                  ticks: numericTicks(),
                  grid: { drawOnChartArea: false },
                },
              }
            : {}),
        },
      },
    };
    drawChart(canvas, config as unknown as ChartConfiguration);
  });
  return box;
}

function candidateName(c: Candidate): string {
  return formatDeployment(c.deployment);
}

/** Says why the first of several tied candidates is first, with the planner's rule. */
function tieNote(result: PlanPanelData['result']): HTMLElement | undefined {
  const tied = topTie(result.candidates);
  if (tied.length === 0) return undefined;
  const ranks = tied.map((c) => `#${c.rank} ${candidateName(c)} (${c.gpus} GPUs)`).join(', ');
  const best = tied[0];
  const statistical = extras(best).tiedWith !== undefined;
  const how = statistical
    ? "are within each other's 95% intervals on what the ranking compares"
    : best.predicted.sloAttainmentCi95
      ? 'have overlapping 95% intervals on attainment'
      : `all reach ${pct(best.predicted.sloAttainment)} attainment`;
  return el(
    'p',
    { class: 'note', 'data-testid': 'tie-note' },
    `Statistical tie: ${ranks} ${how}, so the simulation cannot rank them by it. ` +
      (statistical
        ? "The order among them is the planner's rule for ties: fewer GPUs, then more headroom (the highest rate still meeting the target)."
        : "The order among them comes from the planner's tie-break, not from a measured difference: any of them serves this load."),
  );
}

export function renderPlan(data: PlanPanelData, post: Post): { root: HTMLElement; draws: Draw[] } {
  const { result, context } = data;
  const draws: Draw[] = [];
  const split = result.recommended.deployment ? formatDeployment(result.recommended.deployment) : 'none';
  const best = result.candidates[0];
  const root = el('main', { 'data-panel': 'plan' });
  root.append(
    header(
      `Plan: ${context.planName}`,
      withTimes(
        `${context.fileName.split(/[\\/]/).pop()} · objective ${result.objective} · ${context.ratePerSec} sessions/s`,
        context,
      ),
      post,
    ),
  );
  // What the planner adjusted or assumed (budget capped, a trace fitted…): said before the results it shaped.
  if (result.notes && result.notes.length > 0)
    root.append(
      section('Notes', el('ul', { 'data-testid': 'plan-notes' }, ...result.notes.map((n) => el('li', {}, n)))),
    );
  if (result.candidates.length === 0) {
    root.append(
      section(
        'No feasible deployment',
        el('ul', {}, ...(result.infeasibleReasons ?? ['the planner found no candidate']).map((r) => el('li', {}, r))),
      ),
    );
    return { root, draws };
  }
  const maxRateCi = (result as { maxRateCi95?: [number, number] }).maxRateCi95;
  const bestHeadroom = best ? extras(best).headroom : undefined;
  const maxRate =
    result.maxRatePerSec !== undefined
      ? el(
          'p',
          { class: 'footnote', 'data-testid': 'headroom' },
          `Highest rate at the target ${result.maxRateIsLowerBound ? '≥' : '≈'} ${tickLabel(result.maxRatePerSec)} sessions/s${maxRateCi && !result.maxRateIsLowerBound ? ` (95% CI ${tickLabel(maxRateCi[0])}–${tickLabel(maxRateCi[1])})` : ''}${result.maxRateIsLowerBound ? ' (the search stopped growing the rate while still meeting it)' : ''}.`,
        )
      : bestHeadroom
        ? el(
            'p',
            { class: 'footnote', 'data-testid': 'headroom' },
            `Headroom: meets the target up to ${headroomText(best!)} sessions/s (the plan asks for ${context.ratePerSec}); ${tickLabel(bestHeadroom.ratePerSec / best!.gpus)} sessions/s and ${perGpuTokens(best!.gpus, best!.metrics)} output tokens/s per GPU.`,
          )
        : undefined;
  root.append(
    section(
      'Recommended split',
      el(
        'p',
        { class: 'recommended' },
        el('strong', { 'data-testid': 'recommended-split' }, split),
        ` on ${result.recommended.gpus} GPUs`,
      ),
      clusterView(context.nodes, context.gpusPerNode, context.gpuName, result.recommended.deployment),
      maxRate,
    ),
  );
  if (best) {
    const p = extras(best).predicted;
    const reason = p.unstableReason ?? best.metrics?.unstableReason;
    root.append(
      section(
        'Predicted SLO attainment',
        p.unstable ? unstableNote(reason) : undefined,
        attainmentFigures(
          {
            sloAttainment: p.sloAttainment,
            turn1: p.turn1SloAttainment,
            turn2: p.turn2plusSloAttainment,
            local: p.localPrefillRatio,
            ci: p.sloAttainmentCi95,
          },
          context.attainmentTarget,
          p.unstable ? { reason } : undefined,
        ),
        measurementNote(p.measurement ?? best.metrics?.measurement),
      ),
    );
  }
  const candidateRows = result.candidates.map((c) => {
    const cells: Array<string | { text: string; className: string }> = candidateCells(c);
    const status = c.predicted.unstable ? 'bad' : attainmentStatus(c.predicted.sloAttainment, context.attainmentTarget);
    cells[CANDIDATE_ATTAINMENT_COLUMN] = {
      text: cells[CANDIDATE_ATTAINMENT_COLUMN] as string,
      className: `status-${status}`,
    };
    return cells;
  });
  const candidates = table(CANDIDATE_COLUMNS, candidateRows);
  candidates.querySelectorAll('tbody tr').forEach((row, i) => {
    const rank = result.candidates[i].rank;
    row.addEventListener('dblclick', () => post({ type: 'simulateCandidate', rank }));
    (row as HTMLElement).title = 'Double-click to simulate this candidate';
  });
  root.append(section('Ranked candidates', tieNote(result), scrollable(candidates)));
  if (best?.metrics) {
    root.append(
      section(
        'Latency distributions (recommended)',
        el(
          'div',
          { class: 'charts' },
          latencyChart('TTFT', best.metrics.ttftMs, context.sloTtftMs, draws),
          latencyChart('ITL', best.metrics.itlMs, context.sloItlMs, draws),
        ),
      ),
    );
  }
  if (result.rateSweep && result.rateSweep.length > 0) {
    const series = result.rateSweep.map((s) => {
      const c = result.candidates.find((x) => x.rank === s.candidateRank);
      return { name: c ? `#${c.rank} ${candidateName(c)}` : `#${s.candidateRank}`, points: s.points };
    });
    root.append(
      section(
        'Attainment against arrival rate',
        rateChart('SLO attainment vs rate', series, context.attainmentTarget, draws),
      ),
    );
  }
  if (result.routerSettings.length > 0) {
    root.append(
      section(
        'Router settings for engines',
        scrollable(
          table(
            ['Policy', 'Setting for the engine', 'Attainment', 'Local prefill'],
            result.routerSettings.map((r) => [
              r.policy,
              routerSettingText(r),
              r.unstable ? 'unstable' : pct(r.sloAttainment),
              pct(r.localPrefillRatio),
            ]),
          ),
        ),
      ),
    );
  }
  root.append(
    el(
      'p',
      { class: 'footnote' },
      `Solver ${result.solver.status} in ${result.solver.ms.toFixed(0)} ms · ${result.coefficientSimulations} coefficient simulations · ${result.wallMs.toFixed(0)} ms total`,
    ),
  );
  return { root, draws };
}

/** Per-worker series over simulated time, on a numeric time axis, thinned without losing peaks. */
function timeSeriesChart(
  label: string,
  t: number[],
  series: Record<string, number[]>,
  yTitle: string,
  draws: Draw[],
  kind: 'peak' | 'mean',
): HTMLElement {
  const thinned = Object.entries(series).map(([id, values]) => ({
    id,
    ...(kind === 'peak' ? downsampleMax(t, values) : downsampleMean(t, values)),
  }));
  const thinnedAny = thinned.some((s, i) => s.t.length < Math.min(t.length, Object.values(series)[i].length));
  const { box, canvas } = chartBox(
    label,
    thinnedAny
      ? kind === 'peak'
        ? 'each point the largest value of its interval'
        : 'each point the mean of its interval'
      : undefined,
  );
  draws.push(() => {
    const colours = palette();
    drawChart(canvas, {
      type: 'line',
      data: {
        datasets: thinned.map((s, i) => ({
          label: s.id,
          data: s.t.map((x, k) => ({ x, y: kind === 'mean' ? s.y[k] * 100 : s.y[k] })),
          borderColor: colours[i % colours.length],
          backgroundColor: colours[i % colours.length],
          pointRadius: 0,
          borderWidth: 1.5,
          stepped: kind === 'peak',
        })),
      },
      options: {
        scales: {
          x: { type: 'linear', title: axisTitle('simulated time (s)'), ticks: numericTicks({ maxTicksLimit: 10 }) },
          y: {
            type: 'linear',
            beginAtZero: true,
            ...(kind === 'mean' ? { max: 100 } : {}),
            title: axisTitle(yTitle),
            ticks: numericTicks(kind === 'peak' ? { precision: 0 } : {}),
          },
        },
      },
    });
  });
  return box;
}

export function renderSimulation(data: SimulationPanelData, post: Post): { root: HTMLElement; draws: Draw[] } {
  const { result, context } = data;
  const m = result.metrics;
  const draws: Draw[] = [];
  const root = el('main', { 'data-panel': 'simulation' });
  const deployment = formatDeployment(result.deployment);
  const replay = result.traceReplay;
  const replayed = replay
    ? ` · trace of ${replay.sessions} sessions${replay.replayedRatePerSec === null ? '' : ` at ${Number(replay.replayedRatePerSec.toPrecision(4))} sessions/s`}`
    : '';
  root.append(
    header(
      `Simulation: ${context.planName}`,
      withTimes(
        `${deployment} · policy ${result.policy} · seed ${result.seed}${replayed} · ${result.simulatedSec.toFixed(0)} s simulated`,
        context,
      ),
      post,
    ),
  );
  const goodput = m.unstable
    ? 'unstable'
    : `${num(m.goodput)} sessions/s${m.goodputCi95 ? ` (95% CI ${num(m.goodputCi95[0])}–${num(m.goodputCi95[1])})` : ''}`;
  root.append(
    section(
      'SLO attainment',
      el(
        'p',
        { class: 'recommended' },
        el('strong', { 'data-testid': 'deployment' }, deployment),
        ` · ${result.policy}`,
        m.unstable ? ' ' : '',
        m.unstable ? tag('unstable') : undefined,
      ),
      m.unstable ? unstableNote(m.unstableReason) : undefined,
      attainmentFigures(
        {
          sloAttainment: m.sloAttainment,
          turn1: m.turn1.sloAttainment,
          turn2: m.turn2plus.sloAttainment,
          local: m.localPrefillRatio,
          ci: m.sloAttainmentCi95,
        },
        context.attainmentTarget,
        m.unstable ? { reason: m.unstableReason } : undefined,
      ),
      el(
        'p',
        { class: 'footnote', 'data-testid': 'per-gpu' },
        `Goodput ${goodput} · ${m.completedSessions} of ${m.sessions} sessions completed · ${perGpuTokens(deploymentGpus(result.deployment), m)} output tokens/s per GPU (${deploymentGpus(result.deployment)} GPUs)`,
      ),
      measurementNote(m.measurement),
    ),
  );
  root.append(
    section(
      'Latency distributions',
      el(
        'div',
        { class: 'charts' },
        latencyChart('TTFT', m.ttftMs, context.sloTtftMs, draws),
        latencyChart('ITL', m.itlMs, context.sloItlMs, draws),
      ),
    ),
  );
  root.append(
    section(
      'Over time',
      el(
        'div',
        { class: 'charts' },
        timeSeriesChart(
          'Queue length per worker',
          m.timeSeries.tSec,
          m.timeSeries.queueLength,
          'queued tasks',
          draws,
          'peak',
        ),
        timeSeriesChart(
          'Utilisation per worker',
          m.timeSeries.tSec,
          m.timeSeries.utilization,
          'utilisation (%)',
          draws,
          'mean',
        ),
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
            { label: 'local prefills', data: decoders.map((w) => w.localPrefills ?? 0), backgroundColor: colours[1] },
            { label: 'remote prefills', data: decoders.map((w) => w.remotePrefills ?? 0), backgroundColor: colours[0] },
          ],
        },
        options: {
          scales: {
            x: { stacked: true, title: axisTitle('decode worker') },
            y: {
              type: 'linear',
              stacked: true,
              beginAtZero: true,
              title: axisTitle('incremental prefills'),
              ticks: numericTicks({ precision: 0 }),
            },
          },
        },
      });
    });
    root.append(section('Routing breakdown', el('div', { class: 'charts' }, box)));
  }
  root.append(
    section(
      'Workers',
      scrollable(
        table(
          ['Worker', 'Role', 'TP', 'Utilisation', 'Local prefill', 'Max queue'],
          m.workers.map((w) => [
            w.id,
            w.role,
            String(w.tp),
            pct(w.utilization),
            w.localPrefillRatio === undefined ? '—' : pct(w.localPrefillRatio),
            String(w.maxQueueLength),
          ]),
        ),
      ),
    ),
  );
  return { root, draws };
}

/** One latency's percentiles for every column, on its own axis (TTFT and ITL differ by 100×). */
function comparisonLatencyChart(
  label: string,
  data: ComparisonPanelData,
  pick: (m: SimMetrics) => Percentiles,
  sloMs: number,
  draws: Draw[],
): HTMLElement {
  const keys = ['p50', 'p95', 'p99'] as const;
  const values = data.columns.flatMap((c) => keys.map((k) => pick(c.metrics)[k]));
  const labels = keys.map((k) => k.toUpperCase());
  return latencyBarsAgainstSlo(label, sloMs, labels, values, draws, (colours) =>
    data.columns.map((c, i) => ({
      label: c.label,
      data: keys.map((k) => pick(c.metrics)[k]),
      backgroundColor: colours[i % colours.length],
    })),
  );
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
      ...row.cells.map((cell) => ({
        text: cell.text,
        className: [row.differs ? 'differs' : '', cell.best ? 'best' : '', cell.worst ? 'worst' : ''].join(' ').trim(),
      })),
    ]),
  );
  grid.classList.add('comparison');
  grid.setAttribute('data-columns', String(data.columns.length));
  const unstable = data.columns.filter((c) => c.metrics.unstable);
  root.append(
    section(
      'Side by side',
      unstable.length > 0
        ? el(
            'p',
            { class: 'warning', 'data-testid': 'unstable' },
            `Unstable (queues grow through the window): ${unstable.map((c) => `${c.label}${c.metrics.unstableReason ? ` — ${c.metrics.unstableReason}` : ''}`).join('; ')}. Their figures describe a run that never settled.`,
          )
        : undefined,
      scrollable(grid),
    ),
  );
  const attainment = chartBox('SLO attainment');
  draws.push(() => {
    const colours = palette();
    drawChart(attainment.canvas, {
      type: 'bar',
      data: {
        labels: ['overall', 'Turn-1', 'Turn-2+'],
        datasets: data.columns.map((c, i) => ({
          label: c.label,
          data: [c.metrics.sloAttainment, c.metrics.turn1.sloAttainment, c.metrics.turn2plus.sloAttainment].map(
            (v) => v * 100,
          ),
          backgroundColor: colours[i % colours.length],
        })),
      },
      options: {
        scales: {
          x: { title: axisTitle('sessions') },
          y: { type: 'linear', min: 0, max: 100, title: axisTitle('SLO attainment (%)'), ticks: numericTicks() },
        },
      },
    });
  });
  root.append(
    section(
      'Charts',
      el(
        'div',
        { class: 'charts' },
        comparisonLatencyChart('TTFT', data, (m) => m.ttftMs, data.sloTtftMs, draws),
        comparisonLatencyChart('ITL', data, (m) => m.itlMs, data.sloItlMs, draws),
        attainment.box,
      ),
    ),
  );
  return { root, draws };
}

export function renderSweep(data: SweepPanelData, post: Post): { root: HTMLElement; draws: Draw[] } {
  const draws: Draw[] = [];
  const root = el('main', { 'data-panel': 'sweep' });
  const deployment = formatDeployment(data.deployment);
  root.append(
    header(
      `Rate sweep: ${data.context.planName}`,
      withTimes(`${deployment} · ${data.points.length} rates`, data.context),
      post,
    ),
  );
  root.append(
    section(
      'Attainment and goodput against arrival rate',
      rateChart(
        'SLO attainment and goodput vs rate',
        [{ name: deployment, points: data.points }],
        data.context.attainmentTarget,
        draws,
        true,
      ),
    ),
  );
  root.append(
    section(
      'Points',
      scrollable(
        table(
          ['Rate (sessions/s)', 'Attainment', 'Goodput (sessions/s)', 'Stable'],
          data.points.map((p) => [
            tickLabel(p.ratePerSec),
            p.unstable
              ? { text: 'unstable', className: 'status-bad' }
              : {
                  text: attainmentWithCi(p.sloAttainment, p.sloAttainmentCi95),
                  className: `status-${attainmentStatus(p.sloAttainment, data.context.attainmentTarget)}`,
                },
            p.unstable ? '—' : num(p.goodput),
            p.unstable ? `no${p.unstableReason ? `: ${p.unstableReason}` : ''}` : 'yes',
          ]),
        ),
      ),
    ),
  );
  return { root, draws };
}
