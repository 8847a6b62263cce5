/** Plain-text table with right-aligned numeric columns. */
export function textTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const numeric = header.map((_, i) => rows.every((r) => /^[-+]?[\d.,%]+( ?[a-z/%]+)?$|^–$/.test(r[i] ?? '')));
  const line = (cells: string[]) =>
    cells.map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n') + '\n';
}

export const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
export const msText = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));

/**
 * Cells of a latency summary: '–' throughout when it summarises nothing (no round got that far,
 * so every figure is the empty summary's 0 — a latency no run can have), never "0.00 ms".
 */
export function latencyCells(q: { p50: number; p90: number; p95: number; p99: number; mean: number; max: number }): string[] {
  const empty = q.max === 0 && q.mean === 0;
  return [q.p50, q.p90, q.p95, q.p99, q.mean].map((x) => (empty ? '–' : msText(x)));
}
