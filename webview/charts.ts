/**
 * Chart.js, registered with only the pieces the panels use, and the panels' theme colours: taken
 * from the editor theme's `--vscode-*` variables and, where a theme colour would read poorly on its
 * background (light theme's green on white is 2:1), pushed just far enough to meet WCAG AA —
 * 4.5:1 for text, 3:1 for chart lines and bars. Recomputed on every render, so a live theme switch
 * (main.ts re-renders) recolours everything, axis titles included.
 */
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Filler,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  LogarithmicScale,
  PointElement,
  ScatterController,
  Tooltip,
  type ChartConfiguration,
} from 'chart.js';
import { composite, parseColour, textOn, toHex, withContrast } from '../src/shared/panelModel';

Chart.register(
  BarController,
  BarElement,
  CategoryScale,
  Filler,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  LogarithmicScale,
  PointElement,
  ScatterController,
  Tooltip,
);

const live: Chart[] = [];

function cssVar(name: string, fallback: string): string {
  const value = getComputedStyle(document.body).getPropertyValue(name).trim();
  return value || fallback;
}

function background(): string {
  return cssVar('--vscode-editor-background', document.body.classList.contains('vscode-light') ? '#ffffff' : '#1e1e1e');
}

/** Series colours: the theme's chart palette (3:1 against the background), neighbours distinct. */
export function palette(): string[] {
  const bg = background();
  return [
    cssVar('--vscode-charts-blue', '#3794ff'),
    cssVar('--vscode-charts-orange', '#d18616'),
    cssVar('--vscode-charts-purple', '#b180d7'),
    cssVar('--vscode-charts-green', '#89d185'),
    cssVar('--vscode-charts-red', '#f14c4c'),
    cssVar('--vscode-charts-yellow', '#cca700'),
  ].map((c) => withContrast(c, bg, 3));
}

/** The colour of reference lines (SLO, target): the theme's red, readable on the background. */
export function referenceColour(): string {
  return withContrast(cssVar('--vscode-charts-red', '#f14c4c'), background(), 3);
}

/**
 * Colours the stylesheet uses that must read on the panel background: attainment status, best and
 * worst cells, the GPU roles with black or white text, whichever contrasts more.
 */
export function applyThemeColours(): void {
  const bg = background();
  const style = document.body.style;
  const set = (name: string, colour: string) => style.setProperty(name, colour);
  set(
    '--status-ok',
    withContrast(cssVar('--vscode-testing-iconPassed', cssVar('--vscode-charts-green', '#388a34')), bg),
  );
  set(
    '--status-warn',
    withContrast(cssVar('--vscode-editorWarning-foreground', cssVar('--vscode-charts-yellow', '#bf8803')), bg),
  );
  set('--status-bad', withContrast(cssVar('--vscode-errorForeground', cssVar('--vscode-charts-red', '#e51400')), bg));
  set('--text-muted', withContrast(cssVar('--vscode-descriptionForeground', '#808080'), bg));
  // The comparison's differing cells sit on the diff-inserted tint: their best/worst colours must read on that.
  const diffBg = toHex(
    composite(
      parseColour(cssVar('--vscode-diffEditor-insertedTextBackground', 'rgba(155, 185, 85, 0.2)')) ?? [0, 0, 0, 0],
      composite(parseColour(bg) ?? [255, 255, 255, 1], [255, 255, 255, 1]),
    ),
  );
  set('--diff-background', diffBg);
  set(
    '--status-ok-on-diff',
    withContrast(cssVar('--vscode-testing-iconPassed', cssVar('--vscode-charts-green', '#388a34')), diffBg),
  );
  set(
    '--status-bad-on-diff',
    withContrast(cssVar('--vscode-errorForeground', cssVar('--vscode-charts-red', '#e51400')), diffBg),
  );
  set('--foreground-on-diff', withContrast(cssVar('--vscode-foreground', '#cccccc'), diffBg));
  const roles: [string, string][] = [
    ['prefill', cssVar('--vscode-charts-blue', '#3794ff')],
    ['decode', cssVar('--vscode-charts-purple', '#b180d7')],
    ['colocated', cssVar('--vscode-charts-green', '#89d185')],
  ];
  for (const [role, colour] of roles) {
    const fill = withContrast(colour, bg, 3);
    set(`--role-${role}`, fill);
    set(`--role-${role}-text`, textOn(fill));
  }
}

/** A status colour as applyThemeColours set it for this theme (readable on the background), for chart points. */
export function statusColour(kind: 'ok' | 'muted'): string {
  const value = getComputedStyle(document.body)
    .getPropertyValue(kind === 'ok' ? '--status-ok' : '--text-muted')
    .trim();
  return value || (kind === 'ok' ? '#388a34' : '#808080');
}

function applyChartDefaults(): void {
  Chart.defaults.color = withContrast(cssVar('--vscode-foreground', '#cccccc'), background());
  Chart.defaults.borderColor = cssVar('--vscode-editorWidget-border', 'rgba(128,128,128,0.35)');
  Chart.defaults.font.family = cssVar('--vscode-font-family', 'sans-serif');
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;
}

export function destroyCharts(): void {
  while (live.length > 0) live.pop()?.destroy();
}

export function drawChart(canvas: HTMLCanvasElement, config: ChartConfiguration): Chart {
  applyChartDefaults();
  const chart = new Chart(canvas, config);
  live.push(chart);
  describeAxes(canvas, chart);
  return chart;
}

/**
 * Writes each axis's type, title and tick labels onto the canvas (`data-axes`), so a test or a
 * screen reader can check what the chart shows without reading pixels.
 */
function describeAxes(canvas: HTMLCanvasElement, chart: Chart): void {
  const axes = Object.values(chart.scales).map((scale) => {
    const options = scale.options as { title?: { display?: boolean; text?: string | string[]; color?: unknown } };
    const title = options.title?.display ? [options.title.text ?? ''].flat().join(' ') : '';
    const colour = typeof options.title?.color === 'string' ? options.title.color : String(Chart.defaults.color);
    return { id: scale.id, type: scale.type, title, colour, ticks: scale.ticks.map((t) => String(t.label ?? '')) };
  });
  canvas.dataset.axes = JSON.stringify(axes);
}

export function chartCount(): number {
  return live.length;
}
