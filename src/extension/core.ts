/**
 * Binds the editor features to the core: the validator, the catalog and the plan schema. The one
 * place in src/extension that imports core modules for editing.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { referencePath } from './references';
import planSchema from '../../schemas/pdplan.schema.json';
import { findGpu, findModel, findWorkloadProfile, listGpus, listModels, listWorkloadProfiles } from '../core/spec/catalog';
import type { FileReference } from '../core/spec/types';
import { validatePlanWithFiles, type ReferenceRead } from '../core/validate';
import type { CatalogApi, CatalogKind, ValidateFn } from './engine';
import { SchemaNavigator, type JsonSchema } from './schemaNav';

/** Referenced files larger than this are not read while typing (a trace can be huge). */
const MAX_REFERENCE_BYTES = 8 * 1024 * 1024;

export interface ValidatorEnvironment {
  extensionPath: string;
  /** Untrusted workspaces: validate, but never read the trace or profile files a plan names. */
  isTrusted(): boolean;
}

export function makeValidator(env: ValidatorEnvironment): ValidateFn {
  const profileNames = installedProfileNames(env.extensionPath);
  return (text, fileName) => {
    // The same checks as `pdplan validate` (validatePlanWithFiles); only how files are read is the editor's.
    const read = env.isTrusted()
      ? (reference: FileReference): ReferenceRead => {
          const file = referencePath(reference, fileName, env.extensionPath);
          try {
            // A large trace is left to the CLI and the run: reading it on every keystroke would stall typing.
            if (statSync(file).size > MAX_REFERENCE_BYTES) return { skipped: true };
            return { text: readFileSync(file, 'utf8') };
          } catch (error) {
            if (reference.builtIn) return { skipped: true };
            return { problem: readProblem(error), lookedFor: file };
          }
        }
      : undefined;
    const load = validatePlanWithFiles(text, { fileName, profileNames, read });
    return { plan: load.plan, diagnostics: load.diagnostics, references: load.references };
  };
}

/** The measured profiles shipped in the extension (catalog/profiles/<name>.csv), for "unknown profile" and did-you-mean. */
function installedProfileNames(extensionPath: string): string[] | undefined {
  try {
    return readdirSync(join(extensionPath, 'catalog', 'profiles')).filter((f) => f.endsWith('.csv')).map((f) => f.slice(0, -4)).sort();
  } catch {
    return undefined;
  }
}

/** Worded as `pdplan validate` words it, so the editor and the CLI say the same. */
function readProblem(error: unknown): string {
  const code = (error as { code?: string } | null)?.code;
  if (code === 'ENOENT') return 'does not exist';
  return `cannot be read (${code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : error instanceof Error ? error.message : String(error)})`;
}

const fmt = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 2 });

export function coreCatalog(): CatalogApi {
  return {
    list(kind: CatalogKind) {
      switch (kind) {
        case 'gpu':
          return listGpus().map((g) => ({ name: g.name, detail: `${g.memoryGB} GB · ${fmt(g.bf16Tflops)} BF16 TFLOPS · ${fmt(g.hbmBandwidthGBps)} GB/s` }));
        case 'model':
          return listModels().map((m) => ({ name: m.name, detail: `${m.layers} layers · hidden ${m.hiddenSize}${m.moe ? ` · MoE ${m.moe.activeExperts}/${m.moe.experts}` : ''}` }));
        case 'workload':
          return listWorkloadProfiles().map((w) => ({ name: w.name, detail: w.description }));
      }
    },
    describe(kind: CatalogKind, name: string) {
      if (kind === 'gpu') {
        const g = findGpu(name);
        if (!g) return undefined;
        return [
          `**${g.name}** (GPU)`,
          '',
          `| memory | BF16 | FP8 | HBM | NVLink |`,
          `| --- | --- | --- | --- | --- |`,
          `| ${g.memoryGB} GB | ${fmt(g.bf16Tflops)} TFLOPS | ${fmt(g.fp8Tflops)} TFLOPS | ${fmt(g.hbmBandwidthGBps)} GB/s | ${fmt(g.nvlinkBandwidthGBps)} GB/s |`,
          g.source ? `\n_${g.source}_` : '',
        ].join('\n');
      }
      if (kind === 'model') {
        const m = findModel(name);
        if (!m) return undefined;
        return [
          `**${m.name}** (model)`,
          '',
          `| layers | hidden | heads / KV heads | FFN | context | weights / KV |`,
          `| --- | --- | --- | --- | --- | --- |`,
          `| ${m.layers} | ${m.hiddenSize} | ${m.attentionHeads} / ${m.kvHeads} | ${m.ffnSize} | ${fmt(m.maxContextTokens)} | ${m.weightDtype} / ${m.kvDtype} |`,
          m.moe ? `\nMoE: ${m.moe.activeExperts} of ${m.moe.experts} experts active, expert FFN ${m.moe.expertFfnSize}` : '',
          m.source ? `\n_${m.source}_` : '',
        ].join('\n');
      }
      const w = findWorkloadProfile(name);
      if (!w) return undefined;
      return [`**${w.name}** (workload profile)`, '', w.description, '', `default rate ${w.ratePerSec} sessions/s`, w.source ? `\n_${w.source}_` : ''].join('\n');
    },
  };
}

export function planSchemaNavigator(): SchemaNavigator {
  return new SchemaNavigator(planSchema as JsonSchema);
}

/** The part of the schema navigator the editor features use (extension.ts loads it lazily). */
export type LazySchema = Pick<SchemaNavigator, 'keys' | 'enumValues' | 'description'>;
