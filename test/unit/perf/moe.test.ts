import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkPlanPhysics, createPerfModel, describeArchitecture, kvBytesPerToken } from '../../../src/core/perf';
import { kvBytesPerTokenPerRank } from '../../../src/core/perf/architecture';
import {
  allToAllMs,
  applyExpertParallel,
  ExpertParallelModel,
  groupedGemmEfficiency,
  resolveMoeServing,
  type A2aLinks,
} from '../../../src/core/perf/moe';
import { smallestFittingReplica } from '../../../src/core/perf/fit';
import { findGpu, findModel } from '../../../src/core/spec/catalog';
import { formatDeployment, parseDeploymentSpec } from '../../../src/core/spec/deployment';
import { expertParallelProblem } from '../../../src/core/spec/parallelism';
import { loadPlan } from '../../../src/core/spec';
import type { GpuSpec, ModelSpec, Plan } from '../../../src/core/spec/types';

const model = (name: string): ModelSpec => findModel(name) as ModelSpec;
const gpu = (name: string): GpuSpec => findGpu(name) as GpuSpec;
const NVLINK = { bandwidthGBps: 450, latencyUs: 5 };
const IB = { bandwidthGBps: 50, latencyUs: 5 };
const H100_NODES: A2aLinks = { nvlinkDomainGpus: 8, intraNode: NVLINK, interNode: IB };

// ---- all-to-all, against sums worked out by hand (LINK_EFFICIENCY 0.8; FP8 dispatch 1 + 4/128 bytes, BF16 combine 2) ----

test('low-latency all-to-all over two nodes: half the copies on NVLink, half on the network', () => {
  // 128 tokens, top-8 over EP 16 with 8 GPUs per NVLink domain: 4 copies per token each way.
  // Dispatch: 128·4·7168·1.03125 = 3,784,704 B; network 3,784,704 / (50e6·0.8) = 0.0946176 ms
  // (NVLink 0.0105131 ms is faster), + (5 + 10) µs → 0.1096176 ms. Combine: 128·4·7168·2 =
  // 7,340,032 B → 0.1835008 ms + 0.015 → 0.1985008 ms. Together 0.3081184 ms.
  const r = allToAllMs(128, 7168, 8, 16, 'low-latency', H100_NODES);
  assert.ok(Math.abs(r.ms - 0.3081184) < 1e-9, `${r.ms}`);
  assert.equal(r.networkBytes, 3_784_704 + 7_340_032);
  assert.equal(r.nvlinkBytes, 3_784_704 + 7_340_032);
});

test('normal all-to-all sends a token once per remote node, then forwards it over NVLink', () => {
  // Two domains: expected remote domains of 8 experts = 1·(1 − 0.5^8) = 0.99609375 copies.
  // Dispatch: network 128·0.99609375·7392 = 942,480 B → 0.023562 ms; NVLink 128·8·7392 =
  // 7,569,408 B → 0.0210261 ms; slower + (5 + 40) µs = 0.068562 ms. Combine: network 1,827,840 B
  // → 0.045696 ms; NVLink 14,680,064 B → 0.0407779 ms; 0.045696 + 0.045 = 0.090696 ms.
  const r = allToAllMs(128, 7168, 8, 16, 'normal', H100_NODES);
  assert.ok(Math.abs(r.ms - (0.068562 + 0.090696)) < 1e-9, `${r.ms}`);
  assert.equal(r.networkBytes, 942_480 + 1_827_840);
});

test('an all-to-all inside one NVLink domain uses no network: a node of 8, or a GB200 NVL72 rack', () => {
  // EP 8 in one node: 8 copies per token over NVLink. Dispatch 7,569,408 B / 360e6 = 0.0210261 ms
  // + 15 µs; combine 14,680,064 B / 360e6 = 0.0407779 ms + 15 µs.
  const node = allToAllMs(128, 7168, 8, 8, 'low-latency', H100_NODES);
  assert.equal(node.networkBytes, 0);
  assert.ok(Math.abs(node.ms - (7_569_408 / 360e6 + 14_680_064 / 360e6 + 0.03)) < 1e-9, `${node.ms}`);
  const rack: A2aLinks = { nvlinkDomainGpus: 72, intraNode: { bandwidthGBps: 900, latencyUs: 5 }, interNode: IB };
  assert.equal(allToAllMs(128, 7168, 8, 72, 'low-latency', rack).networkBytes, 0);
  // The same EP 72 on 8-GPU nodes sends 64/72 of its copies over the network.
  const nodes = allToAllMs(128, 7168, 8, 72, 'low-latency', H100_NODES);
  assert.ok(Math.abs(nodes.networkBytes / (nodes.networkBytes + nodes.nvlinkBytes) - 64 / 72) < 1e-12);
  assert.ok(nodes.ms > 5 * allToAllMs(128, 7168, 8, 72, 'low-latency', rack).ms);
  assert.equal(allToAllMs(0, 7168, 8, 72, 'normal', H100_NODES).ms, 0);
});

test('grouped-GEMM efficiency is the share of padded 64-row blocks that carry tokens', () => {
  assert.equal(groupedGemmEfficiency(64), 1);
  assert.equal(groupedGemmEfficiency(128), 1);
  assert.equal(groupedGemmEfficiency(32), 0.5);
  assert.equal(groupedGemmEfficiency(65), 65 / 128);
});

test('EPLB setting: imbalance 1.1 and 32 redundant experts (at most one per GPU); without it 1.5 and none', () => {
  assert.deepEqual(resolveMoeServing(undefined, 256, 72), {
    eplb: true,
    imbalance: 1.1,
    redundantExperts: 32,
    twoBatchOverlap: true,
  });
  assert.deepEqual(resolveMoeServing(undefined, 256, 16), {
    eplb: true,
    imbalance: 1.1,
    redundantExperts: 16,
    twoBatchOverlap: true,
  });
  assert.deepEqual(resolveMoeServing({ eplb: false }, 256, 72), {
    eplb: false,
    imbalance: 1.5,
    redundantExperts: 0,
    twoBatchOverlap: true,
  });
  assert.equal(resolveMoeServing({ expertImbalance: 1.3 }, 256, 72).imbalance, 1.3);
});

// ---- MLA ----

test('MLA caches 512 + 64 values per token per layer for DeepSeek-V3/R1, whole on every attention-TP rank', () => {
  for (const name of ['DeepSeek-V3', 'DeepSeek-R1']) {
    const arch = describeArchitecture(model(name));
    assert.equal(arch.kvElementsPerTokenLayer, 576);
    // 61 layers · 576 values · 2 bytes (BF16 KV).
    assert.equal(kvBytesPerToken(arch), 61 * 576 * 2);
    for (const tp of [1, 2, 4, 8]) assert.equal(kvBytesPerTokenPerRank(arch, tp), 70_272);
  }
  const fp8 = describeArchitecture({ ...model('DeepSeek-R1'), kvDtype: 'fp8' });
  assert.equal(kvBytesPerToken(fp8), 35_136);
  // A GQA model for contrast: Qwen3-235B-A22B, 94 layers · 2 · 4 KV heads · 128 · 2 bytes, split by TP.
  const gqa = describeArchitecture(model('Qwen3-235B-A22B'));
  assert.equal(kvBytesPerToken(gqa), 94 * 2 * 4 * 128 * 2);
  assert.equal(kvBytesPerTokenPerRank(gqa, 4), (94 * 2 * 4 * 128 * 2) / 4);
});

test("MLA decode attention is priced at FlashMLA's compute rate, not the GQA calibration", () => {
  const deepseek = model('DeepSeek-R1');
  const perf = createPerfModel(deepseek, gpu('H100'), { intraNode: NVLINK });
  // At batch 256 and 2,048 context the absorbed attention is 2·128·(512+64+512) FLOPs per pair over
  // 61 layers: 8.9 TFLOP, 15.3 ms at 0.59 of 989 TFLOPS on one GPU (streaming its 36.8 GB of latent
  // KV takes 13 ms). Under the GQA calibration (0.083 of peak) it would have been 109 ms.
  const flops = 256 * 2048 * 2 * 128 * (512 + 64 + 512) * 61;
  const step = perf.decodeStepMs(256, 256 * 2048, 1) - perf.decodeStepMs(256, 0, 1);
  assert.ok(Math.abs(step - (flops / (989e12 * 0.59)) * 1e3) < 0.5, `attention ${step} ms at TP 1`);
  // At TP 8 the heads split but the latent does not: each rank still streams all 36.8 GB.
  const tp8 = perf.decodeStepMs(256, 256 * 2048, 8) - perf.decodeStepMs(256, 0, 8);
  assert.ok(Math.abs(tp8 - ((256 * 2048 * 70_272) / (3350e9 * 0.847)) * 1e3) < 0.5, `attention ${tp8} ms at TP 8`);
});

// ---- parallelism constraints ----

test('expert parallelism needs a MoE model, whole nodes or a divisor of one, and no more GPUs than experts', () => {
  const r1 = model('DeepSeek-R1');
  assert.match(expertParallelProblem(model('Llama-3.1-70B'), 8, 16, 1) ?? '', /no experts/);
  assert.equal(expertParallelProblem(r1, 8, 16, 1), undefined);
  assert.equal(expertParallelProblem(r1, 8, 4, 1), undefined);
  assert.equal(expertParallelProblem(r1, 8, 72, 1), undefined);
  assert.match(expertParallelProblem(r1, 8, 12, 1) ?? '', /whole nodes/);
  assert.match(expertParallelProblem(r1, 8, 6, 1) ?? '', /divide the 8 GPUs/);
  // 256 experts + 32 redundant copies: EP 288 is the widest.
  assert.equal(expertParallelProblem(r1, 8, 288, 1), undefined);
  assert.match(expertParallelProblem(r1, 8, 296, 1) ?? '', /at most 288/);
  assert.match(expertParallelProblem(r1, 8, 16, 3) ?? '', /must divide EP 16/);
  assert.match(expertParallelProblem(r1, 8, 32, 16) ?? '', /exceeds the 8 GPUs of a node/);
  // Llama-4-Maverick has 40 heads: attention TP 8 divides them, 16 would not fit a node anyway.
  assert.equal(expertParallelProblem(model('Llama-4-Maverick'), 8, 16, 8), undefined);
  assert.match(expertParallelProblem(model('Llama-4-Maverick'), 8, 32, 3) ?? '', /must divide/);
  // A GB200 NVL72 rack: trays of 4 GPUs, EP 72 takes 18 of them.
  assert.equal(expertParallelProblem(r1, 4, 72, 1), undefined);
});

test('deployment notation: EP replicas, attention TP, and the mistakes it refuses', () => {
  const parsed = parseDeploymentSpec('P:EP24x1,D:EP72x1');
  assert.ok('deployment' in parsed);
  assert.deepEqual(parsed.deployment, {
    kind: 'disaggregated',
    prefill: [{ tp: 24, dp: 1, ep: 24, attentionTp: 1 }],
    decode: [{ tp: 72, dp: 1, ep: 72, attentionTp: 1 }],
  });
  assert.equal(formatDeployment(parsed.deployment), 'P:EP24x1,D:EP72x1');
  const mixed = parseDeploymentSpec('P:8x2,D:EP16/TP4x1');
  assert.ok('deployment' in mixed);
  assert.equal(formatDeployment(mixed.deployment), 'P:8x2,D:EP16/TP4x1');
  for (const [text, message] of [
    ['P:8/TP2x1,D:8x1', /attention TP of an expert-parallel/],
    ['P:EP1x1,D:8x1', /at least 2 GPUs/],
    ['P:EP16/TP3x1,D:8x1', /must divide EP 16/],
    ['P:8x1,P:EP8x1,D:8x1', /two ways/],
  ] as const) {
    const r = parseDeploymentSpec(text);
    assert.ok('error' in r, text);
    assert.match(r.error, message);
  }
});

test('the plan names widths it runs expert-parallel; the simulator places a rank per GPU group across nodes', () => {
  const plan = { model: model('DeepSeek-R1'), planner: { epDegrees: [16, 72], attentionTp: 1 } } as unknown as Plan;
  const d = applyExpertParallel(plan, {
    kind: 'disaggregated',
    prefill: [{ tp: 16, dp: 2 }],
    decode: [
      { tp: 8, dp: 1 },
      { tp: 72, dp: 1 },
    ],
  });
  assert.equal(formatDeployment(d), 'P:EP16x2,D:8x1,D:EP72x1');
  const dense = { ...plan, model: model('Llama-3.1-70B') } as Plan;
  assert.equal(
    formatDeployment(
      applyExpertParallel(dense, { kind: 'disaggregated', prefill: [{ tp: 16, dp: 1 }], decode: [{ tp: 8, dp: 1 }] }),
    ),
    'P:16x1,D:8x1',
  );
});

// ---- the expert-parallel replica model ----

function r1Model(
  gpus: number,
  mode: 'normal' | 'low-latency',
  links = H100_NODES,
  gpuName = 'H100',
): ExpertParallelModel {
  return new ExpertParallelModel(
    model('DeepSeek-R1'),
    gpu(gpuName),
    { gpus, attentionTp: 1, mode },
    links,
    { intraNode: links.intraNode, typicalContextTokens: 2100 },
    undefined,
  );
}

test('an EP replica holds its share of the experts plus everything else whole, and KV per DP rank', () => {
  const m = r1Model(32, 'low-latency');
  // ceil((256 + 32) / 32) = 9 experts per GPU.
  assert.equal(m.expertsPerGpu, 9);
  assert.equal(m.dpRanks, 32);
  const plan = m.memoryPlan();
  const expertBytes = 58 * 9 * 3 * 7168 * 2048; // FP8, 58 MoE layers
  const dense = createPerfModel(
    { ...model('DeepSeek-R1'), moe: { ...model('DeepSeek-R1').moe!, experts: 0, activeExperts: 0 } },
    gpu('H100'),
    { intraNode: NVLINK },
  ).memoryPlan(1);
  assert.equal(plan.weightBytesPerGpu, dense.weightBytesPerGpu + expertBytes);
  // The KV each rank (one GPU) holds: what weights and the 10 % reserve leave, at 70,272 B a token.
  assert.equal(plan.kvCapacityTokens, Math.floor((80 * 1024 ** 3 * 0.9 - plan.weightBytesPerGpu) / 70_272));
  assert.equal(plan.dpRanks, 32);
});

test('decode on H100 nodes is all-to-all bound at EP 72, and a GB200 NVL72 rack removes the network', () => {
  const nodes = r1Model(72, 'low-latency').decodeBreakdown(256, 256 * 2048);
  assert.ok(nodes.allToAllMs > nodes.denseMs + nodes.expertMs, JSON.stringify(nodes));
  const rack = r1Model(
    72,
    'low-latency',
    { nvlinkDomainGpus: 72, intraNode: { bandwidthGBps: 900, latencyUs: 5 }, interNode: IB },
    'GB200',
  ).decodeBreakdown(256, 256 * 2048);
  assert.ok(rack.allToAllMs < nodes.allToAllMs / 5, `${rack.allToAllMs} vs ${nodes.allToAllMs}`);
  assert.ok(rack.totalMs < nodes.totalMs / 2);
});

test('two-batch overlap hides half the smaller phase; without it compute and all-to-all add up', () => {
  const links = H100_NODES;
  const opts = { intraNode: NVLINK, typicalContextTokens: 2100 };
  const on = new ExpertParallelModel(
    model('DeepSeek-R1'),
    gpu('H100'),
    { gpus: 72, attentionTp: 1, mode: 'low-latency' },
    links,
    opts,
    undefined,
  ).decodeBreakdown(128, 128 * 2000);
  const off = new ExpertParallelModel(
    model('DeepSeek-R1'),
    gpu('H100'),
    { gpus: 72, attentionTp: 1, mode: 'low-latency' },
    links,
    opts,
    { twoBatchOverlap: false },
  ).decodeBreakdown(128, 128 * 2000);
  assert.equal(on.allToAllMs, off.allToAllMs);
  const compute = off.totalMs - off.allToAllMs;
  assert.ok(Math.abs(on.totalMs - (Math.max(compute, on.allToAllMs) + 0.5 * Math.min(compute, on.allToAllMs))) < 1e-9);
  assert.ok(on.totalMs < off.totalMs);
});

// ---- fit / no-fit boundary of each new model (80 GiB H100 unless said; 10 % reserve) ----

function planFor(modelName: string, gpuName: string, perNode = 8): Plan {
  const text = `version: 1\nmodel: ${modelName}\ncluster: { gpu: ${gpuName}, gpusPerNode: ${perNode}, nodes: 4 }\nworkload: { profile: Chat }\nslo: { ttftMs: 1000, itlMs: 50 }\n`;
  const load = loadPlan(text);
  assert.ok(load.plan, JSON.stringify(load.diagnostics));
  return load.plan;
}

test('each new model fits from a stated replica up, and not one step below', () => {
  const fits = (m: string, g: string, tp: number) =>
    createPerfModel(model(m), gpu(g), { intraNode: NVLINK }).memoryPlan(tp).fits;
  // Weights by hand (elements · bytes): Qwen3-235B-A22B ~235e9 · 2 B = 470 GB; per GPU 117 GB at
  // TP 4 (no room in 80 GiB), 59 GB at TP 8.
  assert.equal(fits('Qwen3-235B-A22B', 'H100', 4), false);
  assert.equal(fits('Qwen3-235B-A22B', 'H100', 8), true);
  // Qwen3-30B-A3B ~30.5e9 · 2 B = 61 GB: one H100, not one 48 GB L40S; two L40S.
  assert.equal(fits('Qwen3-30B-A3B', 'H100', 1), true);
  assert.equal(fits('Qwen3-30B-A3B', 'L40S', 1), false);
  assert.equal(fits('Qwen3-30B-A3B', 'L40S', 2), true);
  // gpt-oss-120b ~117e9 MXFP4 weights at 0.5625 B ≈ 66 GB: one H100 (as OpenAI states), not one L40S.
  assert.equal(fits('gpt-oss-120b', 'H100', 1), true);
  assert.equal(fits('gpt-oss-120b', 'L40S', 1), false);
  assert.equal(fits('gpt-oss-120b', 'L40S', 2), true);
  // Llama-4-Maverick FP8 ~400e9 B: 100 GB per GPU at TP 4, 50 GB at TP 8 (one 8-GPU node).
  assert.equal(fits('Llama-4-Maverick', 'H100', 4), false);
  assert.equal(fits('Llama-4-Maverick', 'H100', 8), true);
  // DeepSeek-R1 FP8 ~671e9 B: 84 GB per GPU at TP 8 on H100/H800; fits TP 4 on a 186 GB GB200, not TP 2.
  assert.equal(fits('DeepSeek-R1', 'H100', 8), false);
  assert.equal(fits('DeepSeek-R1', 'H800', 8), false);
  assert.equal(fits('DeepSeek-R1', 'GB200', 2), false);
  assert.equal(fits('DeepSeek-R1', 'GB200', 4), true);
  // Expert-parallel on H100: EP 8 holds 36 experts per GPU (36 · 58 · 44 MB = 92 GB) — no; EP 16 holds 18.
  assert.equal(r1Model(8, 'low-latency').memoryPlan().fits, false);
  assert.equal(r1Model(16, 'low-latency').memoryPlan().fits, true);
});

test('when nothing allowed fits, the message names the smallest replica that would', () => {
  assert.match(
    smallestFittingReplica(planFor('DeepSeek-R1', 'H100'), planFor('DeepSeek-R1', 'H100').cluster) ?? '',
    /expert-parallel EP16 \(2 nodes of 8\): add 16 to planner\.epDegrees/,
  );
  assert.match(
    smallestFittingReplica(planFor('Llama-4-Maverick', 'H100'), planFor('Llama-4-Maverick', 'H100').cluster) ?? '',
    /TP 8: add 8 to planner\.tpDegrees/,
  );
  const load = loadPlan(
    'version: 1\nmodel: DeepSeek-R1\ncluster: { gpu: H100, gpusPerNode: 8, nodes: 4 }\nworkload: { profile: Chat }\nslo: { ttftMs: 1000, itlMs: 50 }\nplanner: { tpDegrees: [8] }\n',
  );
  assert.ok(load.plan);
  const fitsNowhere = checkPlanPhysics(load.plan, { rangeOf: load.rangeOf }).find((d) => d.code === 'PDP100');
  assert.ok(fitsNowhere);
  assert.match(fitsNowhere.message, /EP16/);
  const withEp = loadPlan(
    'version: 1\nmodel: DeepSeek-R1\ncluster: { gpu: H100, gpusPerNode: 8, nodes: 4 }\nworkload: { profile: Chat }\nslo: { ttftMs: 1000, itlMs: 50 }\nplanner: { tpDegrees: [8], epDegrees: [16, 32] }\n',
  );
  assert.ok(withEp.plan, JSON.stringify(withEp.diagnostics));
  assert.deepEqual(
    checkPlanPhysics(withEp.plan, { rangeOf: withEp.rangeOf }).filter((d) => d.severity === 'error'),
    [],
  );
});
