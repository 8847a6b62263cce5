import type { LinkSpec, ModelSpec, GpuSpec, PerfSpec } from '../spec/types';
import { AnalyticModel } from './analytic';
import { ExpertParallelModel, withExpertParallel, type A2aLinks, type ExpertParallelShape } from './moe';
import { buildProfileTables, type InterpolationGrid } from './profile';
import type { MeasuredProfile, PerfModel } from './types';

export interface PerfModelOptions {
  /** Link the TP all-reduces run over (the node's NVLink). */
  intraNode: LinkSpec;
  perf?: PerfSpec;
  /** Measured times that override the analytical estimate where they apply. */
  profile?: MeasuredProfile;
  /** Context length for the memory plan's "max decode batch" (default 4096). */
  typicalContextTokens?: number;
  /** Replica widths run as expert-parallel shapes (moe.ts), and the links their all-to-alls cross. */
  expertParallel?: { shapes: ExpertParallelShape[]; links: A2aLinks };
}

/** Whether a profile's kv_copy rows were copied from one GPU to another (its `# kv_copy:` line). */
export function kvCopyCrossedGpus(profile: MeasuredProfile): boolean {
  return /GPU \d+ -> GPU \d+/.test(profile.metadata['kv_copy'] ?? '');
}

/**
 * The performance model of one model on one GPU type: the per-layer roofline of analytic.ts,
 * overridden by a measured profile wherever the profile has samples for the TP degree asked
 * (piecewise-linear inside the measured grid, analytical shape scaled to the nearest measured
 * edge outside it). TP degrees the profile does not cover use the analytical model.
 */
export function createPerfModel(model: ModelSpec, gpu: GpuSpec, options: PerfModelOptions): PerfModel {
  const base = basePerfModel(model, gpu, options);
  const ep = options.expertParallel;
  if (!ep || ep.shapes.length === 0) return base;
  const analyticOptions = {
    intraNode: options.intraNode,
    stepOverheadMs: options.perf?.stepOverheadMs,
    memoryReserveFraction: options.perf?.memoryReserveFraction,
    typicalContextTokens: options.typicalContextTokens,
  };
  const shapes = new Map(
    ep.shapes.map((s) => [
      s.gpus,
      new ExpertParallelModel(model, gpu, s, ep.links, analyticOptions, options.perf?.moe),
    ]),
  );
  return withExpertParallel(base, shapes);
}

function basePerfModel(model: ModelSpec, gpu: GpuSpec, options: PerfModelOptions): PerfModel {
  const analytic = new AnalyticModel(model, gpu, {
    intraNode: options.intraNode,
    stepOverheadMs: options.perf?.stepOverheadMs,
    memoryReserveFraction: options.perf?.memoryReserveFraction,
    typicalContextTokens: options.typicalContextTokens,
  });
  const memoryPlan = (tp: number) => analytic.memoryPlan(tp);
  const kvBytes = (tokens: number) => analytic.kvBytes(tokens);
  const analyticPrefill = (history: number, tokens: number, tp: number) => analytic.prefillMs(history, tokens, tp);
  const analyticDecode = (batch: number, context: number, tp: number) => analytic.decodeStepMs(batch, context, tp);
  const analyticTransfer = (tokens: number, link: LinkSpec, srcTp: number, dstTp: number) =>
    analytic.kvTransferMs(tokens, link, srcTp, dstTp);

  const analyticAffine = (batch: number, tp: number, context: number) => analytic.decodeStepAffine(batch, tp, context);

  if (!options.profile) {
    return {
      prefillMs: analyticPrefill,
      decodeStepMs: analyticDecode,
      decodeStepAffine: analyticAffine,
      kvTransferMs: analyticTransfer,
      kvBytes,
      memoryPlan,
    };
  }

  const tables = buildProfileTables(options.profile);
  const intraNode = options.intraNode;
  // Copies within one GPU (a host with no second GPU) describe no link at all.
  const copiedBetweenGpus = kvCopyCrossedGpus(options.profile);
  const kvCopyDescribes = (link: LinkSpec) =>
    copiedBetweenGpus && link.bandwidthGBps === intraNode.bandwidthGBps && link.latencyUs === intraNode.latencyUs;
  // The analytical shape functions the grids call outside their range, one per TP, made once so
  // that an estimate allocates nothing.
  // Arrays indexed by TP rather than Maps: the lookup is on every call.
  const shapes: (
    { prefill: (h: number, n: number) => number; decode: (b: number, c: number) => number } | undefined
  )[] = [];
  const prefillGrids: (InterpolationGrid | undefined)[] = [];
  const decodeGrids: (InterpolationGrid | undefined)[] = [];
  for (const [tp, grid] of tables.prefill) prefillGrids[tp] = grid;
  for (const [tp, grid] of tables.decode) decodeGrids[tp] = grid;
  const shapesAt = (tp: number) => {
    let shape = shapes[tp];
    if (!shape) {
      shape = {
        prefill: (h, n) => analytic.prefillMs(h, n, tp),
        // The profile's context is per sequence; the analytical model takes the batch total.
        decode: (b, perSequence) => analytic.decodeStepMs(b, b * perSequence, tp),
      };
      shapes[tp] = shape;
    }
    return shape;
  };
  return {
    prefillMs(history, tokens, tp) {
      const grid = prefillGrids[tp];
      if (!grid || tokens <= 0) return analyticPrefill(history, tokens, tp);
      return grid.estimate(history, tokens, shapesAt(tp).prefill);
    },
    decodeStepMs(batch, totalContext, tp) {
      const grid = decodeGrids[tp];
      if (!grid || batch <= 0) return analyticDecode(batch, totalContext, tp);
      return grid.estimate(batch, totalContext / batch, shapesAt(tp).decode);
    },
    decodeStepAffine(batch, tp, context) {
      // Measured decode tables interpolate piecewise: not affine, so only TPs they do not cover.
      return decodeGrids[tp] ? undefined : analyticAffine(batch, tp, context);
    },
    kvTransferMs(tokens, link, srcTp, dstTp) {
      // kv_copy rows were measured between replicas of one TP over the profiler host's NVLink:
      // they stand for that link only, never for an inter-node or cross-cluster one.
      const grid = srcTp === dstTp && kvCopyDescribes(link) ? tables.kvCopy.get(srcTp) : undefined;
      if (!grid || tokens <= 0) return analyticTransfer(tokens, link, srcTp, dstTp);
      return grid.estimate(0, tokens, (_outer, n) => analytic.kvTransferMs(n, link, srcTp, dstTp));
    },
    kvBytes,
    memoryPlan,
  };
}
