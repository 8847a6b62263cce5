/** The CLI's one home for how numbers and tables look in text output. */
import type { Percentiles } from '../core/sim/types';

export interface TableStyle {
  /** The character of the rule under the header. */
  rule?: '─' | '-';
  /** Right-aligned columns: those whose every cell is a number (default), none, or all but the first (a grid with row labels). */
  align?: 'numeric' | 'left' | 'grid';
}

/** Plain-text table: columns two spaces apart, a rule under the header. */
export function textTable(header: string[], rows: string[][], style: TableStyle = {}): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const align = style.align ?? 'numeric';
  const right = header.map((_, i) =>
    align === 'grid'
      ? i > 0
      : align === 'numeric' && rows.every((r) => /^[-+]?[\d.,%]+( ?[a-z/%]+)?$|^–$/.test(r[i] ?? '')),
  );
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (right[i] ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return (
    [line(header), widths.map((w) => (style.rule ?? '─').repeat(w)).join('  '), ...rows.map(line)].join('\n') + '\n'
  );
}

export const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/**
 * Milliseconds with three significant figures or so; '-' when there is no figure. `overloadedAtMs`:
 * a latency at or above it is written '∞' (a run overloaded past any steady state).
 */
export function msText(x: number | undefined, overloadedAtMs = Infinity): string {
  if (x === undefined) return '-';
  if (x >= overloadedAtMs) return '∞';
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2);
}

/**
 * Cells of a latency summary: '–' throughout when it summarises nothing (no round got that far,
 * so every figure is the empty summary's 0 — a latency no run can have), never "0.00 ms".
 */
export function latencyCells(q: Percentiles): string[] {
  const empty = q.max === 0 && q.mean === 0;
  return [q.p50, q.p90, q.p95, q.p99, q.mean].map((x) => (empty ? '–' : msText(x)));
}
