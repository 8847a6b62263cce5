import { deepCopy } from './copy';
import gpuEntries from '../../../catalog/gpus.json';
import modelEntries from '../../../catalog/models.json';
import workloadEntries from '../../../catalog/workloads.json';
import type { Distribution, GpuSpec, ModelSpec } from './types';

/**
 * The built-in catalog: GPUs, models and workload profiles, each entry with a `source` note.
 * Names match case-insensitively and through aliases (`H100` → `H100-SXM`).
 */

export interface WorkloadProfile {
  name: string;
  description: string;
  /** Default arrival rate of new sessions, per second, when the plan gives none. */
  ratePerSec: number;
  rounds: Distribution;
  initialPromptTokens: Distribution;
  incrementalTokens: Distribution;
  outputTokens: Distribution;
  toolLatencyMs: Distribution;
  source: string;
}

interface Named {
  name: string;
  aliases?: string[];
}

function stripAliases<T extends Named>(entry: T): Omit<T, 'aliases'> {
  const { aliases: _aliases, ...rest } = entry;
  return rest;
}

const GPUS = (gpuEntries as (GpuSpec & Named)[]).map((e) => ({ entry: stripAliases(e) as GpuSpec, names: namesOf(e) }));
const MODELS = (modelEntries as unknown as (ModelSpec & Named)[]).map((e) => ({
  entry: stripAliases(e) as ModelSpec,
  names: namesOf(e),
}));
const WORKLOADS = (workloadEntries as unknown as (WorkloadProfile & Named)[]).map((e) => ({
  entry: stripAliases(e) as WorkloadProfile,
  names: namesOf(e),
}));

function namesOf(entry: Named): string[] {
  return [entry.name, ...(entry.aliases ?? [])].map(normalize);
}

function normalize(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[\s_]+/g, '-');
}

function find<T>(table: { entry: T; names: string[] }[], name: string): T | undefined {
  const key = normalize(name);
  const hit = table.find((row) => row.names.includes(key));
  // Copies, so a caller that edits its plan cannot corrupt the catalog.
  return hit ? (deepCopy(hit.entry) as T) : undefined;
}

export function findGpu(name: string): GpuSpec | undefined {
  return find(GPUS, name);
}

export function findModel(name: string): ModelSpec | undefined {
  return find(MODELS, name);
}

export function findWorkloadProfile(name: string): WorkloadProfile | undefined {
  return find(WORKLOADS, name);
}

export function listGpus(): GpuSpec[] {
  return GPUS.map((row) => deepCopy(row.entry));
}

export function listModels(): ModelSpec[] {
  return MODELS.map((row) => deepCopy(row.entry));
}

export function listWorkloadProfiles(): WorkloadProfile[] {
  return WORKLOADS.map((row) => deepCopy(row.entry));
}

export const gpuNames = (): string[] => GPUS.map((row) => row.entry.name);
export const modelNames = (): string[] => MODELS.map((row) => row.entry.name);
export const workloadProfileNames = (): string[] => WORKLOADS.map((row) => row.entry.name);

/** A catalog entry's spellings: its name first, then its aliases, as the catalog writes them. */
export type Spellings = readonly string[];
const spellingsOf = (entries: Named[]): Spellings[] => entries.map((e) => [e.name, ...(e.aliases ?? [])]);
export const gpuSpellings = (): Spellings[] => spellingsOf(gpuEntries as Named[]);
export const modelSpellings = (): Spellings[] => spellingsOf(modelEntries as unknown as Named[]);
export const workloadProfileSpellings = (): Spellings[] => spellingsOf(workloadEntries as unknown as Named[]);

/** Optimal-string-alignment edit distance (a transposition counts as one edit), case-insensitive. */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  const rows = s.length + 1;
  const cols = t.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => {
    const row = new Array<number>(cols).fill(0);
    row[0] = i;
    return row;
  });
  for (let j = 0; j < cols; j++) d[0][j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[rows - 1][cols - 1];
}

/**
 * "Did you mean": the closest candidate, if it is close enough to be a plausible typo (at most a
 * third of the name's length in edits, at least one), or one that contains the name or is
 * contained by it (`qwen3` → `Qwen3-32B`). Long inputs are not compared (garbage never matches).
 */
export function suggest(name: string, candidates: readonly string[]): string | undefined {
  return suggestSpelling(
    name,
    candidates.map((c) => [c]),
  );
}

/**
 * "Did you mean" over catalog entries and their aliases. A name that an entry's spelling extends
 * (`A100-SXM` → `A100-SXM-80GB`) names that entry more surely than a one-letter edit of another
 * entry does (`H100-SXM`: another GPU generation), so an unambiguous prefix match wins; otherwise
 * the closest spelling within the typo limit, then a unique containment. Returns the spelling that
 * matched (an alias resolves like the name).
 */
export function suggestSpelling(name: string, entries: readonly Spellings[]): string | undefined {
  if (name.length === 0 || name.length > 64) return undefined;
  const key = normalize(name);
  const closest = (spellings: readonly string[]): { spelling: string; distance: number } =>
    spellings
      .map((spelling) => ({ spelling, distance: editDistance(key, normalize(spelling)) }))
      .reduce((a, b) => (b.distance < a.distance ? b : a));
  if (key.length >= 4) {
    // First spellings that continue what was typed, then spellings the typed name continues.
    for (const extends_ of [(n: string) => n.startsWith(key), (n: string) => n.length >= 4 && key.startsWith(n)]) {
      const matching = entries
        .map((spellings) => spellings.filter((s) => extends_(normalize(s))))
        .filter((matches) => matches.length > 0);
      if (matching.length === 1) return closest(matching[0]).spelling;
      if (matching.length > 1) break;
    }
  }
  const candidates = entries.flat();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(key, normalize(candidate));
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const limit = Math.max(1, Math.floor(key.length / 3));
  if (best !== undefined && bestDistance <= limit) return best;
  if (key.length >= 3) {
    const containing = entries
      .map((spellings) => spellings.filter((c) => normalize(c).includes(key) || key.includes(normalize(c))))
      .filter((matches) => matches.length > 0);
    if (containing.length === 1) return closest(containing[0]).spelling;
  }
  return undefined;
}
