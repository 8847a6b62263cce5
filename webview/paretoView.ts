/**
 * The Pareto panel: output tokens/s per GPU against tokens/s per user and against TTFT, per session
 * and per round kind, each chart with the SLO's side of its x axis shaded, SLO-feasible points
 * coloured, and both frontiers (over every stable point, and over the feasible ones) drawn as lines.
 */
import type { ChartConfiguration, ChartDataset, TooltipItem } from 'chart.js';
import { button, chartBox, el, metric, scrollable, section, table } from './components';
import { drawChart, palette, referenceColour, statusColour } from './charts';
import { pct, tickLabel } from '../src/shared/panelModel';
import {
  AXIS_TITLES,
  bestFeasible,
  FRONTIER_COLUMNS,
  frontierChart,
  frontierRows,
  logTickLabel,
  measureText,
  pointLabel,
  type FrontierChart,
  type XY,
} from '../src/shared/paretoModel';
import type { ParetoPanelData } from '../src/shared/panelProtocol';
import { header, withTimes, type Draw, type Post } from './views';

const axisTitle = (text: string) => ({ display: true, text });
const numericTicks = (extra: Record<string, unknown> = {}) => ({
  callback: (value: number | string) => tickLabel(Number(value)),
  ...extra,
});

/** A colour with an alpha channel, for the shaded SLO side (fills carry no text, so no contrast rule applies). */
function translucent(hex: string, alpha: number): string {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})/i.exec(hex);
  return m ? `rgba(${parseInt(m[1], 16)}, ${parseInt(m[2], 16)}, ${parseInt(m[3], 16)}, ${alpha})` : hex;
}

function datasets(chart: FrontierChart): ChartDataset<'scatter', XY[]>[] {
  const colours = palette();
  const muted = statusColour('muted');
  const ok = statusColour('ok');
  const side = chart.sloSide;
  const from = side.min ?? chart.xRange.min;
  const to = side.max ?? chart.xRange.max;
  const region: XY[] = [
    { x: from, y: chart.yMax, index: -1 },
    { x: to, y: chart.yMax, index: -1 },
  ];
  const line = (label: string, data: XY[], colour: string, width: number, dash: number[] = []) =>
    ({
      type: 'line',
      label,
      data,
      borderColor: colour,
      backgroundColor: colour,
      borderWidth: width,
      borderDash: dash,
      pointRadius: 0,
      showLine: true,
      fill: false,
    }) as unknown as ChartDataset<'scatter', XY[]>;
  return [
    line('frontier, SLO-feasible points', chart.frontierFeasible, colours[0], 3),
    line('frontier, all stable points', chart.frontierAll, colours[1], 1.5, [5, 4]),
    {
      label: 'SLO-feasible',
      data: chart.feasible,
      backgroundColor: ok,
      borderColor: ok,
      pointRadius: 4,
      pointStyle: 'circle',
    },
    {
      label: 'other stable points',
      data: chart.other,
      backgroundColor: muted,
      borderColor: muted,
      pointRadius: 3,
      pointStyle: 'crossRot',
    },
    {
      ...line(side.label, region, referenceColour(), 1, [6, 4]),
      fill: 'origin',
      backgroundColor: translucent(ok, 0.12),
    } as unknown as ChartDataset<'scatter', XY[]>,
  ];
}

function frontierChartBox(data: ParetoPanelData, chart: FrontierChart, draws: Draw[]): HTMLElement {
  const sideText = chart.sloSide.min !== undefined ? 'right' : 'left';
  const note = `shaded: the SLO's side (${chart.sloSide.label}, ${sideText} of its edge)${chart.xType === 'logarithmic' ? ' · log x axis' : ''}`;
  const { box, canvas } = chartBox(chart.title, note);
  canvas.dataset.against = chart.against;
  draws.push(() => {
    const config: ChartConfiguration<'scatter', XY[]> = {
      type: 'scatter',
      data: { datasets: datasets(chart) },
      options: {
        scales: {
          x: {
            type: chart.xType,
            min: chart.xRange.min,
            max: chart.xRange.max,
            title: axisTitle(AXIS_TITLES[chart.against]),
            ticks:
              chart.xType === 'logarithmic'
                ? { callback: (value: number | string) => logTickLabel(Number(value)), autoSkip: false }
                : numericTicks({ maxTicksLimit: 8 }),
          },
          y: {
            type: 'linear',
            min: 0,
            max: chart.yMax,
            title: axisTitle('output tokens/s per GPU'),
            ticks: numericTicks(),
          },
        },
        plugins: {
          legend: { labels: { boxWidth: 12, boxHeight: 8 } },
          tooltip: {
            filter: (item: TooltipItem<'scatter'>) => (item.raw as XY).index >= 0,
            callbacks: {
              label: (item: TooltipItem<'scatter'>) => pointLabel(data.result.points[(item.raw as XY).index]),
            },
          },
        },
      },
    };
    drawChart(canvas, config as unknown as ChartConfiguration);
  });
  return box;
}

export function renderPareto(data: ParetoPanelData, post: Post): { root: HTMLElement; draws: Draw[] } {
  const draws: Draw[] = [];
  const r = data.result;
  const slo = { ttftMs: data.context.sloTtftMs, itlMs: data.context.sloItlMs };
  const best = bestFeasible(r);
  const feasible = r.points.filter((p) => p.feasible).length;
  const root = el('main', { 'data-panel': 'pareto' });
  const subtitle = `${r.layouts.length} layouts × ${r.rates.length} rates · ${r.simulations} simulations, ${measureText(r.measure)}`;
  root.append(header(`Pareto frontier: ${data.context.planName}`, withTimes(subtitle, data.context), post));
  root.append(
    el(
      'div',
      { class: 'metrics' },
      metric(
        'Points',
        String(r.points.length),
        undefined,
        `${r.points.filter((p) => p.unstable).length} unstable (left off the charts)`,
      ),
      metric('SLO-feasible', String(feasible), feasible > 0 ? 'ok' : 'bad', `attainment ≥ ${pct(r.attainmentTarget)}`),
      metric(
        'Best within SLO',
        best ? `${best.outputTokensPerSecPerGpu.toFixed(0)} tok/s/GPU` : 'none',
        best ? 'ok' : 'bad',
        best ? `${best.layout} at ${tickLabel(best.ratePerSec)} sessions/s` : undefined,
      ),
    ),
  );
  if (best) {
    root.append(
      el(
        'div',
        { class: 'actions' },
        button(`Export deployment files for ${best.layout}…`, () =>
          post({ type: 'exportLayout', layout: best.layout }),
        ),
      ),
    );
  }
  const charts = (frontiers: ParetoPanelData['result']['frontiers']['session']) =>
    frontiers.map((f) => frontierChartBox(data, frontierChart(r, f, slo), draws));
  root.append(
    section('Per session: every round of a session', el('div', { class: 'charts' }, ...charts(r.frontiers.session))),
  );
  root.append(
    section(
      'Per round: first prompts (Turn-1) and later rounds (Turn-2+)',
      el('div', { class: 'charts' }, ...charts(r.frontiers.round)),
    ),
  );
  root.append(
    section(
      'Frontier points within the SLO (output tokens/s/GPU against tokens/s/user)',
      scrollable(table(FRONTIER_COLUMNS, frontierRows(r))),
    ),
  );
  if (r.layoutsLeftOut > 0 || r.skipped.length > 0) {
    root.append(
      el(
        'p',
        { class: 'footnote' },
        `${r.layoutsLeftOut > 0 ? `${r.layoutsLeftOut} more layouts within the budget were not simulated (an even spread was). ` : ''}${r.skipped.length} layout/rate pairs skipped (unstable at a lower rate, or refused by the simulator).`,
      ),
    );
  }
  return { root, draws };
}
