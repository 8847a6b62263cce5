/**
 * Binds the editor features to the core: the validator, the catalog and the plan schema. The one
 * place in src/extension that imports core modules for editing.
 */
import { readInputSync } from '../io/inputGate';
import { builtInProfileNames, referencePath } from '../io/references';
import planSchema from '../../schemas/pdplan.schema.json';
import {
  findGpu,
  findModel,
  findWorkloadProfile,
  listGpus,
  listModels,
  listWorkloadProfiles,
} from '../core/spec/catalog';
import type { FileReference } from '../core/spec/types';
import { preparePlan } from '../core/validate';
import { readThroughGate } from '../io/referenceRead';
import type { CatalogApi, CatalogKind, ValidateFn } from './engine';
import { SchemaNavigator, type JsonSchema } from './schemaNav';

export interface ValidatorEnvironment {
  extensionPath: string;
  /** Untrusted workspaces: validate, but never read the trace or profile files a plan names. */
  isTrusted(): boolean;
}

export function makeValidator(env: ValidatorEnvironment): ValidateFn {
  let profileNames: string[] | undefined | null = null;
  return (text, fileName) => {
    // Names of the profiles shipped in the extension, so an unknown name is an error as in the CLI.
    if (profileNames === null) profileNames = builtInProfileNames([env.extensionPath]);
    // The editor's one call of the core's preparePlan, as the CLI and the job worker make it, with the
    // same gate and the same words for a file that cannot be read (readThroughGate).
    const read = env.isTrusted()
      ? (reference: FileReference) =>
          readThroughGate(
            referencePath(reference, fileName, env.extensionPath),
            reference.kind,
            (file, kind) => readInputSync(file, kind).text,
          )
      : undefined;
    const load = preparePlan(text, { fileName, profileNames, read });
    return { plan: load.plan, diagnostics: load.diagnostics, references: load.references };
  };
}

const fmt = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 2 });

export function coreCatalog(): CatalogApi {
  return {
    list(kind: CatalogKind) {
      switch (kind) {
        case 'gpu':
          return listGpus().map((g) => ({
            name: g.name,
            detail: `${g.memoryGB} GB · ${fmt(g.bf16Tflops)} BF16 TFLOPS · ${fmt(g.hbmBandwidthGBps)} GB/s`,
          }));
        case 'model':
          return listModels().map((m) => ({
            name: m.name,
            detail: `${m.layers} layers · hidden ${m.hiddenSize}${m.moe ? ` · MoE ${m.moe.activeExperts}/${m.moe.experts}` : ''}`,
          }));
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
          m.moe
            ? `\nMoE: ${m.moe.activeExperts} of ${m.moe.experts} experts active, expert FFN ${m.moe.expertFfnSize}`
            : '',
          m.source ? `\n_${m.source}_` : '',
        ].join('\n');
      }
      const w = findWorkloadProfile(name);
      if (!w) return undefined;
      return [
        `**${w.name}** (workload profile)`,
        '',
        w.description,
        '',
        `default rate ${w.ratePerSec} sessions/s`,
        w.source ? `\n_${w.source}_` : '',
      ].join('\n');
    },
  };
}

export function planSchemaNavigator(): SchemaNavigator {
  return new SchemaNavigator(planSchema as JsonSchema);
}

/** The part of the schema navigator the editor features use (extension.ts loads it lazily). */
export type LazySchema = Pick<SchemaNavigator, 'keys' | 'enumValues' | 'description'>;
