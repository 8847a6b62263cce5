/**
 * Chart.js, registered with only the pieces the panels use, coloured from the editor theme's
 * `--vscode-*` variables so light, dark and high-contrast themes all read well.
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
  PointElement,
  Tooltip,
  type ChartConfiguration,
} from 'chart.js';

Chart.register(BarController, BarElement, CategoryScale, Filler, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip);

const live: Chart[] = [];

function cssVar(name: string, fallback: string): string {
  const value = getComputedStyle(document.body).getPropertyValue(name).trim();
  return value || fallback;
}

/** Series colours: the theme's chart palette, in an order that keeps neighbours distinct. */
export function palette(): string[] {
  return [
    cssVar('--vscode-charts-blue', '#3794ff'),
    cssVar('--vscode-charts-purple', '#b180d7'),
    cssVar('--vscode-charts-green', '#89d185'),
    cssVar('--vscode-charts-yellow', '#cca700'),
    cssVar('--vscode-charts-red', '#f14c4c'),
    cssVar('--vscode-charts-orange', '#d18616'),
  ];
}

function applyTheme(): void {
  Chart.defaults.color = cssVar('--vscode-foreground', '#cccccc');
  Chart.defaults.borderColor = cssVar('--vscode-editorWidget-border', 'rgba(128,128,128,0.35)');
  Chart.defaults.font.family = cssVar('--vscode-font-family', 'sans-serif');
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;
}

export function destroyCharts(): void {
  while (live.length > 0) live.pop()?.destroy();
}

export function drawChart(canvas: HTMLCanvasElement, config: ChartConfiguration): Chart {
  applyTheme();
  const chart = new Chart(canvas, config);
  live.push(chart);
  return chart;
}

export function chartCount(): number {
  return live.length;
}

/** Redraws every chart with the current theme colours (the user switched themes). */
export function rethemeCharts(): void {
  applyTheme();
  const colours = palette();
  for (const chart of live) {
    chart.data.datasets.forEach((dataset, i) => {
      const custom = (dataset as { themeIndex?: number }).themeIndex;
      const colour = colours[(custom ?? i) % colours.length];
      dataset.borderColor = colour;
      const isBarChart = (chart.config as { type?: string }).type === 'bar';
      if ((dataset as { type?: string }).type !== 'line' && isBarChart) dataset.backgroundColor = colour;
    });
    for (const scale of Object.values(chart.options.scales ?? {})) {
      if (scale && 'ticks' in scale && scale.ticks) scale.ticks.color = Chart.defaults.color as string;
    }
    chart.update();
  }
}
