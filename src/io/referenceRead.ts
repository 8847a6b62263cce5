import type { FileReference } from '../core/spec/types';
import { INPUT_LIMITS, InputError, type InputKind } from './inputGate';

/** A file a plan names, read; or why not, in words that name the file and never quote it. */
export type ReferenceRead = { text: string; file: string } | { problem: string; file: string; fix: string };

/**
 * Reads a file a plan names with `read` (the input gate, as the CLI's io or the extension calls it)
 * and words a failure the same way for both: what went wrong with which file, and how to fix it.
 * One function, so `pdplan validate` and the editor print the same PDP070.
 */
export function readThroughGate(
  file: string,
  kind: FileReference['kind'],
  read: (file: string, kind: InputKind) => string,
): ReferenceRead {
  try {
    return { text: read(file, kind), file };
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
