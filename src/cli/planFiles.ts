import * as path from 'node:path';
import type { TraceLimits } from '../core/sim/workload';
import type { FileReference, Plan } from '../core/spec/types';
import { INPUT_LIMITS, InputError } from '../io/inputGate';
import { referencePath } from '../io/references';
import type { CliIo } from './io';

/**
 * Where a built-in catalog file lives: next to the bundle (`dist/` → package root) when built,
 * or at the repository root when run from source (`src/cli/` under tsx).
 */
function builtInRoots(): string[] {
  return [path.resolve(__dirname, '..'), path.resolve(__dirname, '..', '..'), path.resolve(__dirname, '..', '..', '..')];
}

/** A file a plan names, read; or why not, in words that name the file and never quote it. */
export type ReferenceRead = { text: string; file: string } | { problem: string; file: string; fix: string };

/**
 * Reads a file a plan names (trace or measured profile) through the input gate: plan-relative
 * paths from the plan's folder, absolute ones as written, built-in profiles from the tool's catalog.
 */
export function readPlanReference(planFile: string, reference: FileReference, io: CliIo): ReferenceRead {
  const kind = reference.kind;
  if (reference.builtIn) {
    const candidates = builtInRoots().map((root) => referencePath(reference, planFile, root));
    const found = candidates.find((candidate) => io.exists(candidate));
    if (found === undefined) return { problem: `the built-in ${INPUT_LIMITS[kind].what} ${reference.path} is not installed`, file: candidates[0], fix: 'reinstall pdplan, or name a .csv profile' };
    return readThroughGate(found, kind, io);
  }
  return readThroughGate(referencePath(reference, planFile, ''), kind, io);
}

function readThroughGate(file: string, kind: FileReference['kind'], io: CliIo): ReferenceRead {
  try {
    return { text: io.readFile(file, kind), file };
  } catch (error) {
    const problem = error instanceof InputError ? error.problem : 'unreadable';
    const fix =
      problem === 'missing' || problem === 'not-a-file'
        ? 'fix the path, which is relative to the plan file'
        : problem === 'unreadable'
          ? 'make it readable, or fix the path'
          : `fix the ${kind === 'trace' ? 'workload.trace' : 'perf.profile'} file`;
    return { problem: readProblem(error, file, INPUT_LIMITS[kind].what), file, fix };
  }
}

/** The message of a failed read: the gate's own, or a plain one for anything else (never the content). */
export function readProblem(error: unknown, file: string, what = 'file'): string {
  const code = (error as { code?: string; errno?: string } | null)?.code ?? (error as { errno?: string } | null)?.errno;
  if (code === 'ENOENT') return `${what} ${file} does not exist`;
  if (error instanceof InputError) return error.message;
  return `${what} ${file} cannot be read${code ? ` (${code})` : ''}`;
}

/** A plan named on the command line that could not be read, as every command says it. */
export function planReadProblem(error: unknown, file: string): string {
  const code = (error as { code?: string } | null)?.code ?? (error instanceof InputError ? error.errno : undefined);
  if (code === 'ENOENT') return `cannot read '${file}' (no such file)`;
  return readProblem(error, file, 'plan file');
}

/** Text of a reference for the validator, which takes undefined for "not read". */
export function referenceText(read: ReferenceRead): string | undefined {
  return 'text' in read ? read.text : undefined;
}

/** The limits a trace is checked against: the smallest context of the plan and its variants that replay it. */
export function traceLimitsFor(plan: Plan, tracePath: string): TraceLimits {
  const contexts = [plan, ...Object.values(plan.variants ?? {})].filter((p) => p.workload.trace === tracePath).map((p) => p.model.maxContextTokens);
  return contexts.length > 0 ? { maxContextTokens: Math.min(...contexts) } : {};
}
