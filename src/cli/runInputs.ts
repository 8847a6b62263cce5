import type { MeasuredProfile } from '../core/perf/types';
import { parseTrace, type TraceSession } from '../core/sim';
import type { FileReference, Plan } from '../core/spec/types';
import { validatePlanText } from '../core/validate';
import { builtInProfileNames, formatDiagnostic } from './commands/validate';
import { EXIT_FINDINGS, EXIT_USAGE, type CliIo } from './io';
import { planReadProblem, readPlanReference, referenceText, traceLimitsFor, type ReferenceRead } from './planFiles';

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
 * Reads and checks a plan for simulate/plan/compare. On any error it prints the diagnostics in
 * compiler style and returns the exit code instead.
 */
export function loadRunInputs(file: string, io: CliIo, command: string): RunInputs | { exitCode: number } {
  let text: string;
  try {
    text = io.readFile(file, 'plan');
  } catch (error) {
    io.err(`pdplan ${command}: ${planReadProblem(error, file)}.\n`);
    return { exitCode: EXIT_USAGE };
  }
  // The validator reads the profile to check it; the loop below needs every file again. Read each once.
  const contents = new Map<string, ReferenceRead>();
  const read = (ref: FileReference): ReferenceRead => {
    const key = `${ref.builtIn ? 'built-in' : 'plan'}:${ref.path}`;
    if (!contents.has(key)) contents.set(key, readPlanReference(file, ref, io));
    return contents.get(key)!;
  };
  // The same names as `pdplan validate` knows: an unknown profile is an error here too, not the analytical model.
  const load = validatePlanText(text, { fileName: file, profileNames: builtInProfileNames(), readReference: (ref) => referenceText(read(ref)) });
  const errors = load.diagnostics.filter((d) => d.severity === 'error');
  if (!load.plan || errors.length > 0) {
    for (const d of errors) io.err(formatDiagnostic(file, d) + '\n');
    io.err(`pdplan ${command}: ${file} has ${errors.length} error(s); run 'pdplan validate ${file}' for details and fix them first.\n`);
    return { exitCode: EXIT_FINDINGS };
  }
  const traces = new Map<string, TraceSession[]>();
  for (const ref of load.references) {
    const content = read(ref);
    if (!('text' in content)) {
      io.err(formatDiagnostic(file, { severity: 'error', code: 'PDP070', message: `${content.problem}; ${content.fix}.`, path: ref.jsonPath, range: ref.range }) + '\n');
      return { exitCode: EXIT_FINDINGS };
    }
    if (ref.kind === 'trace' && !traces.has(ref.path)) {
      const parsed = parseTrace(content.text, traceLimitsFor(load.plan, ref.path));
      if (parsed.diagnostics.some((d) => d.severity === 'error')) {
        for (const d of parsed.diagnostics) io.err(formatDiagnostic(content.file, d) + '\n');
        io.err(`pdplan ${command}: the trace named at ${file}:${ref.range.start.line + 1} has errors; fix those lines.\n`);
        return { exitCode: EXIT_FINDINGS };
      }
      traces.set(ref.path, parsed.sessions);
    }
  }
  return { file, plan: load.plan, profileFor: load.profileFor, traces };
}

/**
 * The plan a command runs: the base plan, or the variant `--variant` names. An unknown name is a
 * usage error that lists the variants the plan has.
 */
export function planOrVariant(inputs: RunInputs, variant: string | undefined, io: CliIo, command: string): Plan | { exitCode: number } {
  if (variant === undefined) return inputs.plan;
  const chosen = inputs.plan.variants?.[variant];
  if (chosen) return chosen;
  const names = Object.keys(inputs.plan.variants ?? {});
  io.err(`pdplan ${command}: no variant '${variant}' in ${inputs.file}; ${names.length ? `it has ${names.join(', ')}` : 'it defines none'}.\n`);
  return { exitCode: EXIT_USAGE };
}
