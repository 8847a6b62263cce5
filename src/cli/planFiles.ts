import * as path from 'node:path';
import type { FileReference } from '../core/spec/types';
import { INPUT_LIMITS, InputError } from '../io/inputGate';
import { readProblem, readThroughGate, type ReferenceRead } from '../io/referenceRead';
import { referencePath } from '../io/references';
import type { CliIo } from './io';

/**
 * Where a built-in catalog file lives: next to the bundle (`dist/` → package root) when built,
 * or at the repository root when run from source (`src/cli/` under tsx).
 */
function builtInRoots(): string[] {
  return [path.resolve(__dirname, '..'), path.resolve(__dirname, '..', '..'), path.resolve(__dirname, '..', '..', '..')];
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
    if (found === undefined) return { problem: `the built-in ${INPUT_LIMITS[kind].what} ${reference.path} is not installed`, file: candidates[0], fix: 'reinstall pdplan, or name a .csv profile' };
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

/** Text of a reference for the validator, which takes undefined for "not read". */
export function referenceText(read: ReferenceRead): string | undefined {
  return 'text' in read ? read.text : undefined;
}

export { traceLimitsFor } from '../core/validate';
