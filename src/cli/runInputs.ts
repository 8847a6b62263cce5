import type { MeasuredProfile } from '../core/perf/types';
import type { TraceSession } from '../core/sim';
import type { Plan } from '../core/spec/types';
import { formatDiagnostic } from './commands/validate';
import { EXIT_FINDINGS, EXIT_USAGE, type CliIo } from './io';
import { planReadProblem, preparePlanFile } from './planFiles';

/** A plan ready to run: loaded, validated, with the files it names read and parsed. */
export interface RunInputs {
  file: string;
  plan: Plan;
  /** The measured profile the base plan (no variant) or the named variant runs on, when the plan names one. */
  profileFor(variant?: string): MeasuredProfile | undefined;
  /** Trace of the base plan and of each variant that names one, by the plan's workload.trace. */
  traces: Map<string, TraceSession[]>;
}

export function traceFor(inputs: RunInputs, plan: Plan): TraceSession[] | undefined {
  return plan.workload.trace ? inputs.traces.get(plan.workload.trace) : undefined;
}

/**
 * Reads and checks a plan for simulate/plan/compare/export/cost/pareto. On any error it prints the
 * diagnostics in compiler style and returns the exit code instead.
 */
export function loadRunInputs(file: string, io: CliIo, command: string): RunInputs | { exitCode: number } {
  const prepared = preparePlanFile(file, io);
  if ('unreadable' in prepared) {
    io.err(`pdplan ${command}: ${planReadProblem(prepared.unreadable, file)}.\n`);
    return { exitCode: EXIT_USAGE };
  }
  const errors = prepared.diagnostics.filter((d) => d.severity === 'error');
  if (!prepared.plan || errors.length > 0) {
    for (const d of errors) io.err(formatDiagnostic(file, d) + '\n');
    io.err(
      `pdplan ${command}: ${file} has ${errors.length} error(s); run 'pdplan validate ${file}' for details and fix them first.\n`,
    );
    return { exitCode: EXIT_FINDINGS };
  }
  return { file, plan: prepared.plan, profileFor: prepared.profileFor, traces: prepared.traces };
}

/**
 * The plan a command runs: the base plan, or the variant `--variant` names. An unknown name is a
 * usage error that lists the variants the plan has.
 */
export function planOrVariant(
  inputs: RunInputs,
  variant: string | undefined,
  io: CliIo,
  command: string,
): Plan | { exitCode: number } {
  if (variant === undefined) return inputs.plan;
  const chosen = inputs.plan.variants?.[variant];
  if (chosen) return chosen;
  const names = Object.keys(inputs.plan.variants ?? {});
  io.err(
    `pdplan ${command}: no variant '${variant}' in ${inputs.file}; ${names.length ? `it has ${names.join(', ')}` : 'it defines none'}.\n`,
  );
  return { exitCode: EXIT_USAGE };
}
