import * as path from 'node:path';
import type { FileReference } from '../core/spec/types';
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
