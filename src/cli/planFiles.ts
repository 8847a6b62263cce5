import * as path from 'node:path';
import type { FileReference } from '../core/spec/types';
import type { ReferenceRead } from '../core/validate';
import type { CliIo } from './io';

/**
 * Where a built-in catalog file lives: next to the bundle (`dist/` → package root) when built,
 * or at the repository root when run from source (`src/cli/` under tsx).
 */
function builtInCandidates(relative: string): string[] {
  return [path.resolve(__dirname, '..', relative), path.resolve(__dirname, '..', '..', relative), path.resolve(__dirname, '..', '..', '..', relative)];
}

/**
 * Reads a file a plan names (trace or measured profile): plan-relative paths from the plan's
 * folder, built-in profiles from the tool's catalog. Undefined when it cannot be read; the
 * validate command reports missing files itself.
 */
export function readPlanReference(planFile: string, reference: FileReference, io: CliIo): string | undefined {
  const candidates = reference.builtIn ? builtInCandidates(reference.path) : [path.join(path.dirname(planFile), reference.path)];
  for (const candidate of candidates) {
    try {
      if (io.exists(candidate)) return io.readFile(candidate);
    } catch {
      // Unreadable: try the next place, then give up quietly.
    }
  }
  return undefined;
}

/**
 * The same lookup for `pdplan validate`, saying why a plan-relative file has no text (PDP070) and
 * where it looked; a built-in profile that is not installed is the validator's own warning.
 */
export function readPlanReferenceChecked(planFile: string, reference: FileReference, io: CliIo): ReferenceRead {
  if (reference.builtIn) {
    const text = readPlanReference(planFile, reference, io);
    return text === undefined ? { skipped: true } : { text };
  }
  const target = path.isAbsolute(reference.path) ? reference.path : path.join(path.dirname(planFile), reference.path);
  if (!io.exists(target)) return { problem: 'does not exist', lookedFor: target };
  try {
    return { text: io.readFile(target) };
  } catch (error) {
    return { problem: `cannot be read (${readError(error)})`, lookedFor: target };
  }
}

export function readError(error: unknown): string {
  const code = (error as { code?: string } | null)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'is a directory';
  if (code === 'EACCES') return 'permission denied';
  return error instanceof Error ? error.message : String(error);
}
