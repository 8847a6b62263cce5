import { dirname, isAbsolute, join } from 'node:path';
import type { FileReference } from '../core/spec/types';

/**
 * Where a file a plan names lives, the same for the CLI and the extension: a built-in profile under
 * the tool's own root; an absolute path as written; any other path relative to the plan's folder
 * (relative to where the plan was named from, when the plan's own path is relative).
 */
export function referencePath(reference: Pick<FileReference, 'path' | 'builtIn'>, planFile: string, builtInRoot: string): string {
  if (reference.builtIn) return join(builtInRoot, reference.path);
  return isAbsolute(reference.path) ? reference.path : join(dirname(planFile), reference.path);
}
