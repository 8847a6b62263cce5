/**
 * What the editor features need from the core, as narrow interfaces. `core.ts` binds them to the
 * real validator and catalog; tests and the benchmark can bind them to anything.
 */
import type { Diagnostic, Plan } from '../core/spec/types';

export interface FileReference {
  kind: string;
  /** The path as written in the plan (relative to the plan file). */
  path: string;
}

export interface ValidationOutcome {
  plan?: Plan;
  diagnostics: Diagnostic[];
  references: FileReference[];
}

export type ValidateFn = (text: string, fileName: string) => ValidationOutcome;

export type CatalogKind = 'model' | 'gpu' | 'workload';

export interface CatalogEntrySummary {
  name: string;
  /** One line shown beside the name in completion lists. */
  detail: string;
}

export interface CatalogApi {
  list(kind: CatalogKind): CatalogEntrySummary[];
  /** Markdown describing the entry's specs, for hover; undefined for an unknown name. */
  describe(kind: CatalogKind, name: string): string | undefined;
}

/** Which catalog, if any, a value at this plan path names. */
export function catalogKindAt(path: (string | number)[]): CatalogKind | undefined {
  const key = path.join('.');
  if (key === 'model') return 'model';
  if (key === 'cluster.gpu' || /^cluster\.(prefillPool|decodePool)\.gpu$/.test(key)) return 'gpu';
  if (key === 'workload' || key === 'workload.profile') return 'workload';
  if (/^variants\.[^.]+\.model$/.test(key)) return 'model';
  if (/^variants\.[^.]+\.cluster\.gpu$/.test(key)) return 'gpu';
  if (/^variants\.[^.]+\.workload(\.profile)?$/.test(key)) return 'workload';
  return undefined;
}
