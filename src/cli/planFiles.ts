import * as path from 'node:path';
import type { FileReference } from '../core/spec/types';
import { INPUT_LIMITS, InputError } from '../io/inputGate';
import { readProblem, readThroughGate, type ReferenceRead } from '../io/referenceRead';
import { builtInProfileNames, referencePath } from '../io/references';
import { preparePlan, type PreparedPlan } from '../core/validate';
import type { CliIo } from './io';

/**
 * Where a built-in catalog file lives: next to the bundle (`dist/` → package root) when built,
 * or at the repository root when run from source (`src/cli/` under tsx).
 */
function builtInRoots(): string[] {
  return [
    path.resolve(__dirname, '..'),
    path.resolve(__dirname, '..', '..'),
    path.resolve(__dirname, '..', '..', '..'),
  ];
}

export { readProblem, type ReferenceRead };

/**
 * Reads a file a plan names (trace or measured profile) through the input gate: plan-relative
 * paths from the plan's folder, absolute ones as written, built-in profiles from the tool's catalog.
 */
export function readPlanReference(planFile: string, reference: FileReference, io: CliIo): ReferenceRead {
  const kind = reference.kind;
  if (reference.builtIn) {
    const candidates = builtInRoots().map((root) => referencePath(reference, planFile, root));
    const found = candidates.find((candidate) => io.exists(candidate));
    if (found === undefined)
      return {
        problem: `the built-in ${INPUT_LIMITS[kind].what} ${reference.path} is not installed`,
        file: candidates[0],
        fix: 'reinstall pdplan, or name a .csv profile',
      };
    return readThroughGate(found, kind, (file, kind) => io.readFile(file, kind));
  }
  return readThroughGate(referencePath(reference, planFile, ''), kind, (file, kind) => io.readFile(file, kind));
}

/** A plan named on the command line that could not be read, as every command says it. */
export function planReadProblem(error: unknown, file: string): string {
  const code = (error as { code?: string } | null)?.code ?? (error instanceof InputError ? error.errno : undefined);
  if (code === 'ENOENT') return `cannot read '${file}' (no such file)`;
  return readProblem(error, file, 'plan file');
}

let profileNames: string[] | undefined | null = null;

/** The built-in profile names, listed once per process. */
function cliProfileNames(): string[] | undefined {
  if (profileNames === null) profileNames = builtInProfileNames(builtInRoots());
  return profileNames;
}

/**
 * Every CLI command's one way in: reads the plan file and prepares it with the core's
 * `preparePlan` (the same call the editor and the job worker make), reading each file the plan
 * names through the input gate. `unreadable` is the error when the plan file itself cannot be read.
 */
export function preparePlanFile(file: string, io: CliIo): PreparedPlan | { unreadable: unknown } {
  let text: string;
  try {
    text = io.readFile(file, 'plan');
  } catch (error) {
    return { unreadable: error };
  }
  return preparePlan(text, {
    fileName: file,
    profileNames: cliProfileNames(),
    read: (reference) => readPlanReference(file, reference, io),
  });
}
