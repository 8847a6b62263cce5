import {
  createPerfModel,
  describePrecision,
  typicalSizes,
  type MeasuredProfile,
  type MemoryPlan,
  type PerfModel,
  type PrecisionSummary,
} from '../../core/perf/index';
import type { Diagnostic, LinkSpec, Plan, PoolSpec } from '../../core/spec/types';
import type { CliIo } from '../io';
import { msText, textTable } from '../format';
import { parseCommandArgs } from '../args';
import { EXIT_FINDINGS, EXIT_OK, EXIT_USAGE } from '../io';
import { planReadProblem, preparePlanFile } from '../planFiles';
import { formatDiagnostic } from './validate';

export const USAGE = 'Usage: pdplan estimate FILE [--json]\n';

const PREFILL_TOKENS = [128, 512, 2048, 8192, 32768];
const PREFILL_HISTORY = [0, 8192, 32768];
const DECODE_BATCHES = [1, 8, 32, 128];
const DECODE_CONTEXTS = [1024, 4096, 16384];
const TRANSFER_TOKENS = [1024, 4096, 16384];
const GB = 1e9;

type Grid2 = Record<string, Record<string, Record<string, number>>>;

export interface EstimateReport {
  file: string;
  model: string;
  gpu: { prefill: string; decode: string };
  tpDegrees: number[];
  profile: { path: string; used: boolean } | null;
  /** Weight and KV precision, the GEMMs' tensor-core path and peak, on the decode pool's GPU. */
  precision: PrecisionSummary;
  typical: {
    promptTokens: number;
    decodeContextTokens: number;
    prefillMs: Record<string, number>;
    decodeStepMs: Record<string, number>;
  };
  /** prefillMs[tp][historyTokens][newTokens] */
  prefillMs: Grid2;
  /** decodeStepMs[tp][batch][contextTokensPerSequence] */
  decodeStepMs: Grid2;
  /** kvTransferMs[link]["srcTp->dstTp"][tokens] */
  kvTransferMs: Grid2;
  /** memory[tp] on the decode pool's GPU (the prefill pool's under prefillMemory when it differs). */
  memory: Record<string, MemoryPlan>;
  prefillMemory?: Record<string, MemoryPlan>;
  findings: Diagnostic[];
}

/** Rounded for reading; the JSON keeps three decimals, enough for ms-scale figures. */
const round = (value: number) => Math.round(value * 1000) / 1000;

export function buildEstimate(
  file: string,
  plan: Plan,
  profile: MeasuredProfile | undefined,
  profilePath: string | undefined,
  findings: Diagnostic[],
): EstimateReport {
  const sizes = typicalSizes(plan.workload);
  const tps = [...new Set(plan.planner.tpDegrees)].sort((a, b) => a - b);
  const perfFor = (pool: PoolSpec): PerfModel =>
    createPerfModel(plan.model, pool.gpu, {
      intraNode: pool.intraNode,
      perf: plan.perf,
      profile,
      typicalContextTokens: sizes.decodeContextTokens,
    });
  const prefillPool = plan.cluster.prefillPool ?? plan.cluster;
  const decodePool = plan.cluster.decodePool ?? plan.cluster;
  const prefill = perfFor(prefillPool);
  const decode = prefillPool === decodePool ? prefill : perfFor(decodePool);
  const within = (sizesList: number[]) => sizesList.filter((n) => n <= plan.model.maxContextTokens);

  const prefillMs: Grid2 = {};
  const decodeStepMs: Grid2 = {};
  const memory: Record<string, MemoryPlan> = {};
  const prefillMemory: Record<string, MemoryPlan> = {};
  const typicalPrefill: Record<string, number> = {};
  const typicalDecode: Record<string, number> = {};
  const prompt = Math.round(sizes.promptTokens);
  for (const tp of tps) {
    prefillMs[tp] = {};
    for (const history of within(PREFILL_HISTORY)) {
      prefillMs[tp][history] = {};
      for (const tokens of within(PREFILL_TOKENS)) {
        if (history + tokens > plan.model.maxContextTokens) continue;
        prefillMs[tp][history][tokens] = round(prefill.prefillMs(history, tokens, tp));
      }
    }
    decodeStepMs[tp] = {};
    for (const batch of DECODE_BATCHES) {
      decodeStepMs[tp][batch] = {};
      for (const context of within(DECODE_CONTEXTS))
        decodeStepMs[tp][batch][context] = round(decode.decodeStepMs(batch, batch * context, tp));
    }
    memory[tp] = decode.memoryPlan(tp);
    if (decode !== prefill) prefillMemory[tp] = prefill.memoryPlan(tp);
    typicalPrefill[tp] = round(prefill.prefillMs(0, prompt, tp));
    typicalDecode[tp] = round(decode.decodeStepMs(1, sizes.decodeContextTokens, tp));
  }

  const links: [string, LinkSpec][] = [
    ['intraNode', prefillPool.intraNode],
    ['interNode', prefillPool.interNode],
  ];
  if (plan.cluster.crossCluster) links.push(['crossCluster', plan.cluster.crossCluster]);
  const kvTransferMs: Grid2 = {};
  for (const [name, link] of links) {
    kvTransferMs[name] = {};
    for (const src of tps) {
      for (const dst of tps) {
        const key = `${src}->${dst}`;
        kvTransferMs[name][key] = {};
        for (const tokens of within(TRANSFER_TOKENS))
          kvTransferMs[name][key][tokens] = round(prefill.kvTransferMs(tokens, link, src, dst));
      }
    }
  }

  return {
    file,
    model: plan.model.name,
    gpu: { prefill: prefillPool.gpu.name, decode: decodePool.gpu.name },
    tpDegrees: tps,
    profile: profilePath ? { path: profilePath, used: profile !== undefined } : null,
    precision: describePrecision(plan.model, decodePool.gpu, decodePool.intraNode),
    typical: {
      promptTokens: prompt,
      decodeContextTokens: sizes.decodeContextTokens,
      prefillMs: typicalPrefill,
      decodeStepMs: typicalDecode,
    },
    prefillMs,
    decodeStepMs,
    kvTransferMs,
    memory,
    ...(decode !== prefill ? { prefillMemory } : {}),
    findings,
  };
}

const table = (header: string[], rows: (string | number)[][]) =>
  textTable(
    header,
    rows.map((row) => row.map(String)),
    { rule: '-', align: 'grid' },
  );

export function formatEstimate(report: EstimateReport): string {
  const tps = report.tpDegrees;
  const tpHeader = tps.map((tp) => `TP${tp}`);
  let out = `${report.file}: ${report.model} on ${report.gpu.prefill === report.gpu.decode ? report.gpu.decode : `${report.gpu.prefill} (prefill) / ${report.gpu.decode} (decode)`}`;
  out += report.profile
    ? `, measured profile ${report.profile.path}${report.profile.used ? '' : ' (not used: see the errors above)'}\n`
    : ', analytical model (no measured profile)\n';
  const p = report.precision;
  const unquantized = p.weightBytesPerParam < 2 ? '; embeddings, LM head and norms bf16' : '';
  out += `Precision: weights ${p.weightDtype} (${+p.weightBytesPerParam.toFixed(3)} B/param${unquantized}), KV cache ${p.kvDtype} (${p.kvBytesPerElement} B/element); `;
  out += `GEMMs on ${p.gemmPath.toUpperCase()} tensor cores, peak ${p.gemmPeakTflops} TFLOPS, ${Math.round(100 * p.gemmComputeEfficiency)} % reached (${p.efficiencySource}).\n`;
  out += `Typical first prompt ${report.typical.promptTokens} tokens; typical decode context ${report.typical.decodeContextTokens} tokens.\n\n`;

  out += 'Memory per GPU (decode pool)\n';
  const memoryRows = (plans: Record<string, MemoryPlan>) =>
    tps.map((tp) => {
      const m = plans[tp];
      return [
        `TP${tp}`,
        (m.weightBytesPerGpu / GB).toFixed(1),
        (m.reserveBytesPerGpu / GB).toFixed(1),
        (m.kvBytesPerToken / 1024).toFixed(1),
        m.kvCapacityTokens,
        m.maxDecodeBatch,
        m.fits ? 'yes' : 'NO',
      ];
    });
  const memoryHeader = [
    '',
    'weights GB',
    'reserve GB',
    'KV KiB/token',
    'KV capacity tokens',
    `max batch @${report.typical.decodeContextTokens}`,
    'fits',
  ];
  out += table(memoryHeader, memoryRows(report.memory));
  if (report.prefillMemory)
    out += '\nMemory per GPU (prefill pool)\n' + table(memoryHeader, memoryRows(report.prefillMemory));

  out += '\nPrefill time, ms (one sequence: new tokens on top of cached history)\n';
  const prefillRows: (string | number)[][] = [];
  const histories = Object.keys(report.prefillMs[tps[0]] ?? {});
  for (const history of histories) {
    for (const tokens of Object.keys(report.prefillMs[tps[0]][history])) {
      prefillRows.push([
        `history ${history}, new ${tokens}`,
        ...tps.map((tp) => msText(report.prefillMs[tp][history][tokens])),
      ]);
    }
  }
  prefillRows.push([
    `typical prompt (${report.typical.promptTokens})`,
    ...tps.map((tp) => msText(report.typical.prefillMs[tp])),
  ]);
  out += table(['', ...tpHeader], prefillRows);

  out += '\nDecode step, ms (batch × context tokens per sequence)\n';
  const decodeRows: (string | number)[][] = [];
  for (const batch of Object.keys(report.decodeStepMs[tps[0]] ?? {})) {
    for (const context of Object.keys(report.decodeStepMs[tps[0]][batch])) {
      decodeRows.push([
        `batch ${batch} × ${context}`,
        ...tps.map((tp) => msText(report.decodeStepMs[tp][batch][context])),
      ]);
    }
  }
  decodeRows.push([
    `batch 1 × typical (${report.typical.decodeContextTokens})`,
    ...tps.map((tp) => msText(report.typical.decodeStepMs[tp])),
  ]);
  out += table(['', ...tpHeader], decodeRows);

  out += '\nKV transfer, ms (same TP at both ends; the JSON output has every TP pair)\n';
  const transferRows: (string | number)[][] = [];
  for (const [link, pairs] of Object.entries(report.kvTransferMs)) {
    const first = pairs[`${tps[0]}->${tps[0]}`] ?? {};
    for (const tokens of Object.keys(first)) {
      transferRows.push([`${link}, ${tokens} tokens`, ...tps.map((tp) => msText(pairs[`${tp}->${tp}`][tokens]))]);
    }
  }
  out += table(['', ...tpHeader], transferRows);

  if (report.findings.length > 0) {
    out += '\nFindings\n';
    for (const d of report.findings) out += formatDiagnostic(report.file, d) + '\n';
  }
  return out;
}

export async function estimateCommand(args: string[], io: CliIo): Promise<number> {
  const parsed = parseCommandArgs(args, { json: { type: 'boolean' } });
  if ('error' in parsed) {
    io.err(`pdplan estimate: ${parsed.error}.\n${USAGE}`);
    return EXIT_USAGE;
  }
  const json = parsed.values.json === true;
  const files = parsed.positionals;
  if (files.length !== 1) {
    io.err(`pdplan estimate: name exactly one plan file.\n${USAGE}`);
    return EXIT_USAGE;
  }
  const file = files[0];
  const prepared = preparePlanFile(file, io);
  if ('unreadable' in prepared) {
    io.err(`pdplan estimate: ${planReadProblem(prepared.unreadable, file).replace(`'${file}'`, file)}.\n`);
    return EXIT_USAGE;
  }
  const plan = prepared.loadedPlan;
  if (!plan) {
    for (const d of prepared.diagnostics) io.err(formatDiagnostic(file, d) + '\n');
    io.err(`pdplan estimate: ${file} has errors; fix them first (pdplan validate ${file}).\n`);
    return EXIT_FINDINGS;
  }
  // The profile's own problems go to stderr: one that cannot be read stops the estimate, a malformed
  // one is said and the tables fall back to the analytical model. The rest are the report's findings.
  const atProfile = (d: Diagnostic) => d.path === '/perf/profile';
  const unreadableProfile = prepared.diagnostics.find((d) => atProfile(d) && d.code === 'PDP070');
  if (unreadableProfile) {
    io.err(
      `${formatDiagnostic(file, unreadableProfile)}\npdplan estimate: fix perf.profile or remove it to use the analytical model.\n`,
    );
    return EXIT_FINDINGS;
  }
  for (const d of prepared.diagnostics.filter(atProfile)) io.err(formatDiagnostic(file, d) + '\n');
  const findings = prepared.diagnostics.filter((d) => !atProfile(d));
  const profilePath = prepared.references.find(
    (ref) => ref.kind === 'profile' && ref.jsonPath === '/perf/profile',
  )?.path;
  const report = buildEstimate(file, plan, prepared.profileFor(), profilePath, findings);
  io.out(json ? JSON.stringify(report, null, 2) + '\n' : formatEstimate(report));
  return prepared.diagnostics.some((d) => d.severity === 'error') ? EXIT_FINDINGS : EXIT_OK;
}
