import { performance } from 'node:perf_hooks';
import { paretoSweep, type Frontier, type ParetoPoint, type ParetoResult } from '../../core/pareto';
import { rateRange } from '../../core/spec/overrides';
import { measureText } from '../../shared/paretoModel';
import { intOption, parseOnePlanCommand } from '../args';
import { msText, pct, textTable } from '../format';
import { EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, type CliIo } from '../io';
import { loadRunInputs, planOrVariant, traceFor } from '../runInputs';

export const USAGE =
  'Usage: pdplan pareto FILE [--rates R1,R2,...] [--sessions N] [--all-sizes] [--max-layouts N] [--view session|round] [--variant NAME] [--json]\n' +
  '  The Pareto frontier of output tokens/s per GPU against tokens/s per user (1000 / mean ITL) and against\n' +
  "  TTFT p90, over the layouts of one TP per role that use the plan's GPU budget (--all-sizes: any size within it;\n" +
  '  an even spread of at most --max-layouts, default 40)\n' +
  "  at several arrival rates (default the plan's rate x 0.5, 1, 2, 4, 8, 16). Each point is a short steady-state\n" +
  '  simulation: a warm-up, then a window of three mean session durations and 400-3,000 arrivals (a large layout\n' +
  '  at a high rate as a cell of itself), one replication; --sessions N measures N sessions instead. SLO-feasible\n' +
  '  points are marked.\n' +
  '  --view round shows Turn-1 and Turn-2+ TTFT frontiers instead (multi-round workloads). Exit 1 when no point is feasible.\n';

const AXIS: Record<Frontier['against'], string> = {
  tokensPerSecPerUser: 'tokens/s/user',
  ttftP90Ms: 'TTFT p90 (ms)',
  turn1TtftP90Ms: 'Turn-1 TTFT p90 (ms)',
  turn2plusTtftP90Ms: 'Turn-2+ TTFT p90 (ms)',
};

function feasibleIn(p: ParetoPoint, against: Frontier['against']): boolean {
  return against === 'turn1TtftP90Ms'
    ? p.turn1Feasible
    : against === 'turn2plusTtftP90Ms'
      ? p.turn2plusFeasible
      : p.feasible;
}

/** A small scatter in text: '*' frontier point, 'o' feasible, '.' other stable points. */
export function asciiChart(result: ParetoResult, f: Frontier, width = 60, height = 14): string {
  const stable = result.points
    .map((p, i) => ({ p, i }))
    .filter(({ p }) => !p.unstable && Number.isFinite(p[f.against]) && p[f.against] > 0);
  if (stable.length === 0) return '';
  const xs = stable.map(({ p }) => p[f.against]);
  const ys = stable.map(({ p }) => p.outputTokensPerSecPerGpu);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const [y0, y1] = [0, Math.max(...ys)];
  const grid = Array.from({ length: height }, () => Array.from({ length: width }, () => ' '));
  const rank = { ' ': 0, '.': 1, o: 2, '*': 3 } as Record<string, number>;
  for (const { p, i } of stable) {
    const cx = x1 > x0 ? Math.round(((p[f.against] - x0) / (x1 - x0)) * (width - 1)) : 0;
    const cy =
      y1 > y0 ? height - 1 - Math.round(((p.outputTokensPerSecPerGpu - y0) / (y1 - y0)) * (height - 1)) : height - 1;
    const mark = f.all.includes(i) ? '*' : feasibleIn(p, f.against) ? 'o' : '.';
    if (rank[mark] > rank[grid[cy][cx]]) grid[cy][cx] = mark;
  }
  const label = (v: number) => v.toFixed(0).padStart(6);
  const rows = grid.map(
    (row, r) => `${r === 0 ? label(y1) : r === height - 1 ? label(y0) : '      '} |${row.join('')}`,
  );
  const axis = `       +${'-'.repeat(width)}`;
  const ticks = `        ${msText(x0).padEnd(width - msText(x1).length)}${msText(x1)}`;
  return (
    [`output tokens/s/GPU against ${AXIS[f.against]} (* frontier, o SLO-feasible, . other)`, ...rows, axis, ticks].join(
      '\n',
    ) + '\n'
  );
}

function frontierTable(result: ParetoResult, f: Frontier): string {
  const rows = f.all.map((i) => {
    const p = result.points[i];
    return [
      p.layout,
      Number(p.ratePerSec.toPrecision(4)).toString(),
      p.outputTokensPerSecPerGpu.toFixed(1),
      p.inputTokensPerSecPerGpu.toFixed(0),
      f.against === 'tokensPerSecPerUser' ? p.tokensPerSecPerUser.toFixed(1) : msText(p[f.against]),
      pct(
        f.against === 'turn1TtftP90Ms'
          ? p.turn1Attainment
          : f.against === 'turn2plusTtftP90Ms'
            ? p.turn2plusAttainment
            : p.attainment,
      ),
      feasibleIn(p, f.against) ? 'yes' : 'no',
      p.usdPerMillionOutputTokens === null ? '–' : `$${p.usdPerMillionOutputTokens.toFixed(2)}`,
    ];
  });
  return textTable(
    ['layout', 'rate/s', 'out tok/s/GPU', 'in tok/s/GPU', AXIS[f.against], 'attainment', 'SLO', '$/M out'],
    rows,
  );
}

export function describePareto(result: ParetoResult, view: 'session' | 'round'): string {
  const lines: string[] = [
    `${result.simulations} simulations: ${result.layouts.length} layouts${result.layoutsLeftOut ? ` (an even spread; ${result.layoutsLeftOut} more with --max-layouts)` : ''} x rates ${result.rates.map((r) => Number(r.toPrecision(4))).join(', ')} sessions/s, ` +
      `${measureText(result.measure)}; SLO target ${pct(result.attainmentTarget)}`,
  ];
  for (const f of result.frontiers[view]) {
    lines.push(
      '',
      `Frontier: output tokens/s/GPU against ${AXIS[f.against]} (${f.all.length} points, ${f.feasible.length} on the SLO-feasible frontier)`,
    );
    lines.push(frontierTable(result, f).trimEnd(), '', asciiChart(result, f).trimEnd());
  }
  const feasible = result.points.filter((p) => p.feasible);
  if (feasible.length > 0) {
    const best = feasible.reduce((a, b) => (b.outputTokensPerSecPerGpu > a.outputTokensPerSecPerGpu ? b : a));
    lines.push(
      '',
      `Most output tokens/s/GPU within SLO: ${best.layout} at ${Number(best.ratePerSec.toPrecision(4))} sessions/s: ${best.outputTokensPerSecPerGpu.toFixed(1)} tokens/s/GPU, ` +
        `${best.tokensPerSecPerUser.toFixed(1)} tokens/s/user, TTFT p90 ${msText(best.ttftP90Ms)} ms, attainment ${pct(best.attainment)}` +
        (best.usdPerMillionOutputTokens === null
          ? ''
          : `, $${best.usdPerMillionOutputTokens.toFixed(2)}/M output tokens`),
    );
  } else {
    lines.push('', 'No point meets the SLO target: lower the rate, widen the SLO or raise planner.gpuBudget.');
  }
  const unstable = result.points.filter((p) => p.unstable).length;
  if (unstable > 0 || result.skipped.length > 0) {
    lines.push(
      `${unstable} point(s) unstable (no steady state; left off the frontiers); ${result.skipped.length} skipped (--json lists why).`,
    );
  }
  return lines.join('\n') + '\n';
}

function parseRates(text: string): number[] | { error: string } {
  const { min, max } = rateRange();
  const parts = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (parts.length === 0 || parts.length > 20)
    return { error: `--rates takes 1 to 20 comma-separated rates (got '${text.slice(0, 40)}')` };
  const rates = parts.map(Number);
  const bad = parts.find(
    (s, i) => !/^(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(s) || !(rates[i] >= min && rates[i] <= max),
  );
  if (bad !== undefined)
    return { error: `--rates: '${bad.slice(0, 20)}' is not a rate from ${min} to ${max} sessions/s` };
  return rates;
}

export async function paretoCommand(args: string[], io: CliIo): Promise<number> {
  const parsed = parseOnePlanCommand(
    args,
    {
      rates: { type: 'string' },
      sessions: { type: 'string' },
      'all-sizes': { type: 'boolean' },
      'max-layouts': { type: 'string' },
      view: { type: 'string' },
      variant: { type: 'string' },
      seed: { type: 'string' },
      json: { type: 'boolean' },
    },
    'pareto',
    USAGE,
    io,
  );
  if (typeof parsed === 'number') return parsed;
  const { values, file } = parsed;
  const sessions = intOption(values.sessions, 'sessions', 20, 100_000);
  const seed = intOption(values.seed, 'seed', 0, 2 ** 31 - 1);
  const maxLayouts = intOption(values['max-layouts'], 'max-layouts', 1, 10_000);
  for (const option of [sessions, seed, maxLayouts]) {
    if (typeof option === 'object') {
      io.err(`pdplan pareto: ${option.error}\n`);
      return EXIT_USAGE;
    }
  }
  const rates = values.rates === undefined ? undefined : parseRates(values.rates as string);
  if (rates && !Array.isArray(rates)) {
    io.err(`pdplan pareto: ${rates.error}\n`);
    return EXIT_USAGE;
  }
  const view = (values.view as string | undefined) ?? 'session';
  if (view !== 'session' && view !== 'round') {
    io.err(`pdplan pareto: --view must be session or round (got '${view}')\n`);
    return EXIT_USAGE;
  }
  const inputs = loadRunInputs(file, io, 'pareto');
  if ('exitCode' in inputs) return inputs.exitCode;
  const plan = planOrVariant(inputs, values.variant as string | undefined, io, 'pareto');
  if ('exitCode' in plan) return plan.exitCode;
  const started = performance.now();
  const result = paretoSweep({
    plan,
    rates: rates as number[] | undefined,
    sessions: sessions as number | undefined,
    seed: seed as number | undefined,
    allSizes: Boolean(values['all-sizes']),
    maxLayouts: maxLayouts as number | undefined,
    trace: traceFor(inputs, plan),
    profile: inputs.profileFor(values.variant as string | undefined),
  });
  const wallMs = performance.now() - started;
  if (values.json) io.out(JSON.stringify({ ...result, wallMs }, null, 2) + '\n');
  else io.out(describePareto(result, view) + `${(wallMs / 1000).toFixed(1)} s wall\n`);
  if (result.points.length === 0) {
    io.err(
      `pdplan pareto: no layout could be simulated; ${result.skipped
        .slice(0, 3)
        .map((s) => `${s.layout}: ${s.reason}`)
        .join('; ')}\n`,
    );
    return EXIT_FINDINGS;
  }
  return result.points.some((p) => p.feasible) ? EXIT_OK : EXIT_FINDINGS;
}
