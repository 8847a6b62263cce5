import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { FileReference } from '../core/spec/types';

/** Where a file a plan names lives: built-in profiles in the extension, the rest beside the plan. */
export function referencePath(reference: Pick<FileReference, 'path' | 'builtIn'>, planFile: string, extensionPath: string): string {
  if (reference.builtIn) return join(extensionPath, reference.path);
  return isAbsolute(reference.path) ? reference.path : resolve(dirname(planFile), reference.path);
}
