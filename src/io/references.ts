import { readdirSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import type { FileReference } from '../core/spec/types';

/**
 * Where a file a plan names lives, the same for the CLI and the extension: a built-in profile under
 * the tool's own root; an absolute path as written; any other path relative to the plan's folder
 * (relative to where the plan was named from, when the plan's own path is relative).
 */
export function referencePath(
  reference: Pick<FileReference, 'path' | 'builtIn'>,
  planFile: string,
  builtInRoot: string,
): string {
  if (reference.builtIn) return join(builtInRoot, reference.path);
  return isAbsolute(reference.path) ? reference.path : join(dirname(planFile), reference.path);
}

/**
 * Names of the measured profiles installed with the tool (`catalog/profiles/<name>.csv` under the
 * first of `roots` that has that folder), so an unknown name gets "did you mean"; undefined when
 * none has it (names then go unchecked). The tool's own files, not user input: plain fs.
 */
export function builtInProfileNames(roots: readonly string[]): string[] | undefined {
  for (const root of roots) {
    try {
      return readdirSync(join(root, 'catalog', 'profiles'))
        .filter((f) => f.endsWith('.csv'))
        .map((f) => f.slice(0, -4))
        .sort();
    } catch {
      // not here; try the next root
    }
  }
  return undefined;
}
