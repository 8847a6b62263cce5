import { performance } from 'node:perf_hooks';
import { MAX_SESSIONS, SimInputError, simulateReplicated } from '../../core/sim';
import type { SimResult } from '../../core/sim/types';
import { perGpuFigures } from '../../core/cost/perGpu';
import { deploymentGpus, formatDeployment } from '../../core/spec/deployment';
import type { Plan } from '../../core/spec/types';
import { intOption, parseCommandArgs } from '../args';
import { latencyCells, pct, textTable } from '../format';
import { EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, type CliIo } from '../io';
import { loadRunInputs, traceFor, type RunInputs } from '../runInputs';

export const USAGE =
  'Usage: pdplan compare FILE... [--replications R] [--sessions N] [--json]\n' +
  "  Simulates each plan's own deployment side by side; one FILE with 'variants' compares the base plan with each variant.\n";

export interface ComparisonEntry {
  name: string;
  file: string;
  result?: SimResult;
  error?: string;
}

interface Config {
  name: string;
  inputs: RunInputs;
  plan: Plan;
  /** The variant of inputs.plan this configuration is; undefined for the base plan. */
  variant?: string;
}

export async function compareCommand(args: string[], io: CliIo): Promise<number> {
  const parsed = parseCommandArgs(args, {
    replications: { type: 'string' },
    sessions: { type: 'string' },
    json: { type: 'boolean' },
  });
  if ('error' in parsed) {
    io.err(`pdplan compare: ${parsed.error}\n${USAGE}`);
    return EXIT_USAGE;
  }
  const replications = intOption(parsed.values.replications, 'replications', 1, 100);
  const sessions = intOption(parsed.values.sessions, 'sessions', 1, MAX_SESSIONS);
  for (const option of [replications, sessions]) {
    if (typeof option === 'object') {
      io.err(`pdplan compare: ${option.error}\n`);
      return EXIT_USAGE;
    }
  }
  if (parsed.positionals.length === 0) {
    io.err(`pdplan compare: name one plan with variants, or several plans.\n${USAGE}`);
    return EXIT_USAGE;
  }
  const configs: Config[] = [];
  for (const file of parsed.positionals) {
    const inputs = loadRunInputs(file, io, 'compare');
    if ('exitCode' in inputs) return inputs.exitCode;
    configs.push({ name: inputs.plan.name ?? file, inputs, plan: inputs.plan });
    if (parsed.positionals.length === 1) {
      for (const [name, plan] of Object.entries(inputs.plan.variants ?? {}))
        configs.push({ name, inputs, plan, variant: name });
    }
  }
  if (configs.length < 2) {
    io.err(
      `pdplan compare: ${parsed.positionals[0]} has no variants; add a 'variants' section or name two or more plans.\n`,
    );
    return EXIT_USAGE;
  }
  if (configs.length > 6) {
    io.err(`pdplan compare: ${configs.length} configurations; compare at most 6 at a time.\n`);
    return EXIT_USAGE;
  }
  const entries: ComparisonEntry[] = [];
  for (const c of configs) {
    const entry: ComparisonEntry = { name: c.name, file: c.inputs.file };
    if (!c.plan.deployment) {
      entry.error = "no 'deployment' to simulate; add one (or run pdplan plan first)";
    } else {
      const started = performance.now();
      try {
        entry.result = simulateReplicated(
          {
            plan: c.plan,
            deployment: c.plan.deployment,
            sessions: sessions as number | undefined,
            trace: traceFor(c.inputs, c.plan),
            profile: c.inputs.profileFor(c.variant),
          },
          (replications as number | undefined) ?? 1,
        );
        entry.result.wallMs = performance.now() - started;
      } catch (error) {
        if (!(error instanceof SimInputError)) throw error;
        entry.error = error.message;
      }
    }
    entries.push(entry);
  }
  if (parsed.values.json) {
    io.out(JSON.stringify({ configurations: entries }, null, 2) + '\n');
  } else {
    const row = (label: string, f: (r: SimResult) => string) => [
      label,
      ...entries.map((e) => (e.result ? f(e.result) : '–')),
    ];
    io.out(
      textTable(
        ['', ...entries.map((e) => e.name)],
        [
          row('deployment', (r) => formatDeployment(r.deployment)),
          row('policy', (r) => r.policy),
          row('SLO attainment', (r) => (r.metrics.unstable ? 'unstable' : pct(r.metrics.sloAttainment))),
          row('95% interval', (r) =>
            r.metrics.sloAttainmentCi95 && !r.metrics.unstable
              ? `${pct(r.metrics.sloAttainmentCi95[0])}–${pct(r.metrics.sloAttainmentCi95[1])}`
              : '–',
          ),
          row('Turn-1', (r) => pct(r.metrics.turn1.sloAttainment)),
          row('Turn-2+', (r) => pct(r.metrics.turn2plus.sloAttainment)),
          row('TTFT p95 (ms)', (r) => latencyCells(r.metrics.ttftMs)[2]),
          row('ITL p95 (ms)', (r) => latencyCells(r.metrics.itlMs)[2]),
          row('local share', (r) => pct(r.metrics.localPrefillRatio)),
          row('goodput (sess/s)', (r) => r.metrics.goodput.toFixed(3)),
          row('out tok/s/GPU', (r) => {
            const perGpu = perGpuFigures(deploymentGpus(r.deployment), r.metrics).outputTokensPerSecPerGpu;
            return perGpu === null ? '–' : perGpu.toFixed(1);
          }),
          row('unstable', (r) => (r.metrics.unstable ? 'yes' : 'no')),
          row('measured', (r) =>
            r.metrics.measurement
              ? `${r.metrics.measurement.measuredSessions} sessions, ${r.metrics.measurement.replications} rep.`
              : '–',
          ),
        ],
      ),
    );
    for (const e of entries)
      if (e.result?.metrics.unstable)
        io.out(`${e.name}: unstable — ${e.result.metrics.unstableReason ?? 'queues grow without bound'}\n`);
    for (const e of entries) if (e.error) io.err(`${e.name}: ${e.error}\n`);
  }
  return entries.some((e) => e.error) ? EXIT_FINDINGS : EXIT_OK;
}
