// Small dependency-free SVG charts for the validation report: the report must regenerate on a bare
// CI machine, so no canvas or browser is involved.

export interface Series {
  label: string;
  points: Array<[number, number]>;
  dashed?: boolean;
}

export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  yMin?: number;
  yMax?: number;
  width?: number;
  height?: number;
}

export interface BarChartOptions {
  title: string;
  yLabel: string;
  categories: string[];
  /** One value per category for each group. */
  groups: Array<{ label: string; values: number[] }>;
  yMax?: number;
  width?: number;
  height?: number;
}

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];
const MARGIN = { left: 64, right: 16, top: 36, bottom: 96 };

function escapeXml(text: string): string {
  return text.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c] as string);
}

/** Round tick step to 1, 2 or 5 times a power of ten. */
function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  for (let t = Math.ceil(min / step) * step; t <= max + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

function formatTick(value: number): string {
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs >= 1000 || abs < 0.01) return value.toExponential(1);
  return String(Number(value.toPrecision(3)));
}

function frame(width: number, height: number, title: string, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="13" font-weight="bold">${escapeXml(title)}</text>`,
    ...body,
    '</svg>',
  ].join('\n');
}

function axes(
  plotW: number,
  plotH: number,
  yTicks: number[],
  toY: (v: number) => number,
  yLabel: string,
  xLabel: string,
): string[] {
  const out: string[] = [];
  for (const t of yTicks) {
    const y = toY(t);
    out.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${y}" y2="${y}" stroke="#e0e0e0"/>`);
    out.push(`<text x="${MARGIN.left - 6}" y="${y + 4}" text-anchor="end">${formatTick(t)}</text>`);
  }
  out.push(
    `<line x1="${MARGIN.left}" x2="${MARGIN.left}" y1="${MARGIN.top}" y2="${MARGIN.top + plotH}" stroke="#333"/>`,
    `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${MARGIN.top + plotH}" y2="${MARGIN.top + plotH}" stroke="#333"/>`,
    `<text transform="translate(16 ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeXml(yLabel)}</text>`,
    `<text x="${MARGIN.left + plotW / 2}" y="${MARGIN.top + plotH + 32}" text-anchor="middle">${escapeXml(xLabel)}</text>`,
  );
  return out;
}

const LEGEND_ROW = 16;

/** Legend entries flow left to right and wrap, each as wide as its label: where each one goes. */
function legendLayout(labels: string[], width: number): Array<{ x: number; row: number }> {
  let x = MARGIN.left;
  let row = 0;
  return labels.map((label) => {
    const itemWidth = 34 + label.length * 6.2;
    if (x + itemWidth > width - MARGIN.right && x > MARGIN.left) {
      x = MARGIN.left;
      row += 1;
    }
    const at = { x, row };
    x += itemWidth;
    return at;
  });
}

function legend(labels: string[], top: number, width: number, dashed: boolean[] = []): string[] {
  return legendLayout(labels, width).flatMap(({ x, row }, i) => {
    const y = top + row * LEGEND_ROW;
    const colour = PALETTE[i % PALETTE.length];
    return [
      `<line x1="${x}" x2="${x + 18}" y1="${y - 4}" y2="${y - 4}" stroke="${colour}" stroke-width="2.5"${dashed[i] ? ' stroke-dasharray="5 3"' : ''}/>`,
      `<text x="${x + 24}" y="${y}">${escapeXml(labels[i])}</text>`,
    ];
  });
}

/**
 * The plot keeps the height the options ask for; the picture grows by as many legend rows as the
 * labels need, so no entry is ever cut off.
 */
function sized(options: { width?: number; height?: number }, labels: string[]) {
  const width = options.width ?? 560;
  const plotW = width - MARGIN.left - MARGIN.right;
  const plotH = (options.height ?? 360) - MARGIN.top - MARGIN.bottom;
  const legendTop = MARGIN.top + plotH + 52;
  const rows = labels.length === 0 ? 1 : Math.max(...legendLayout(labels, width).map((p) => p.row)) + 1;
  return { width, height: legendTop + (rows - 1) * LEGEND_ROW + 12, plotW, plotH, legendTop };
}

export function lineChart(options: LineChartOptions): string {
  const { width, height, plotW, plotH, legendTop } = sized(
    options,
    options.series.map((s) => s.label),
  );
  const all = options.series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  const xs = all.map(([x]) => x);
  const ys = all.map(([, y]) => y);
  const xMin = xs.length ? Math.min(...xs) : 0;
  const xMax = xs.length ? Math.max(...xs) : 1;
  const yMin = options.yMin ?? (ys.length ? Math.min(0, ...ys) : 0);
  const yMax = options.yMax ?? (ys.length ? Math.max(...ys) * 1.05 || 1 : 1);
  const toX = (v: number) => MARGIN.left + (xMax === xMin ? plotW / 2 : ((v - xMin) / (xMax - xMin)) * plotW);
  const toY = (v: number) => MARGIN.top + plotH - ((v - yMin) / (yMax - yMin || 1)) * plotH;
  const body = axes(plotW, plotH, niceTicks(yMin, yMax), toY, options.yLabel, options.xLabel);
  for (const t of niceTicks(xMin, xMax)) {
    body.push(`<text x="${toX(t)}" y="${MARGIN.top + plotH + 16}" text-anchor="middle">${formatTick(t)}</text>`);
  }
  options.series.forEach((series, i) => {
    const colour = PALETTE[i % PALETTE.length];
    const points = series.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    const path = points.map(([x, y]) => `${toX(x).toFixed(1)},${toY(y).toFixed(1)}`).join(' ');
    body.push(
      `<polyline fill="none" stroke="${colour}" stroke-width="2"${series.dashed ? ' stroke-dasharray="5 3"' : ''} points="${path}"/>`,
    );
    for (const [x, y] of points)
      body.push(`<circle cx="${toX(x).toFixed(1)}" cy="${toY(y).toFixed(1)}" r="2.5" fill="${colour}"/>`);
  });
  body.push(
    ...legend(
      options.series.map((s) => s.label),
      legendTop,
      width,
      options.series.map((s) => Boolean(s.dashed)),
    ),
  );
  return frame(width, height, options.title, body);
}

export function barChart(options: BarChartOptions): string {
  const { width, height, plotW, plotH, legendTop } = sized(
    options,
    options.groups.map((g) => g.label),
  );
  const values = options.groups.flatMap((g) => g.values).filter(Number.isFinite);
  const yMax = options.yMax ?? Math.max(1e-9, ...values) * 1.1;
  const toY = (v: number) => MARGIN.top + plotH - (v / yMax) * plotH;
  const body = axes(plotW, plotH, niceTicks(0, yMax), toY, options.yLabel, '');
  const slot = plotW / Math.max(1, options.categories.length);
  const barW = (slot * 0.8) / Math.max(1, options.groups.length);
  options.categories.forEach((category, c) => {
    const x0 = MARGIN.left + c * slot + slot * 0.1;
    body.push(
      `<text x="${x0 + slot * 0.4}" y="${MARGIN.top + plotH + 16}" text-anchor="middle">${escapeXml(category)}</text>`,
    );
    options.groups.forEach((group, g) => {
      const v = group.values[c];
      if (!Number.isFinite(v)) return;
      const y = toY(v);
      body.push(
        `<rect x="${(x0 + g * barW).toFixed(1)}" y="${y.toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${(MARGIN.top + plotH - y).toFixed(1)}" fill="${PALETTE[g % PALETTE.length]}"/>`,
      );
    });
  });
  body.push(
    ...legend(
      options.groups.map((g) => g.label),
      legendTop,
      width,
    ),
  );
  return frame(width, height, options.title, body);
}
