import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  editDistance,
  findGpu,
  findModel,
  findWorkloadProfile,
  listGpus,
  listModels,
  listWorkloadProfiles,
  gpuSpellings,
  modelNames,
  suggest,
  suggestSpelling,
} from '../../../src/core/spec/catalog';
import { distributionMean } from '../../../src/core/spec/checks';

test('catalog holds the GPUs, models and workloads the issue names, each with a source', () => {
  for (const name of ['H20', 'H100-SXM', 'H200', 'A100-80GB', 'B200', 'L40S', 'MI300X']) assert.ok(findGpu(name), name);
  for (const name of ['Llama-3.1-8B', 'Llama-3.1-70B', 'Qwen3-32B', 'Mixtral-8x7B', 'Qwen3-235B-A22B', 'DeepSeek-V3']) {
    assert.ok(findModel(name), name);
  }
  for (const name of ['ToolBench', 'GAIA', 'HotpotQA', 'DuReader', 'Chat']) assert.ok(findWorkloadProfile(name), name);
  for (const entry of [...listGpus(), ...listModels(), ...listWorkloadProfiles()]) {
    assert.ok((entry.source ?? '').length > 40, `${entry.name} has a source note`);
  }
});

test('names match case-insensitively and through aliases; results are copies', () => {
  assert.equal(findGpu('h100')?.name, 'H100-SXM');
  assert.equal(findModel('Qwen/Qwen3-32B')?.name, 'Qwen3-32B');
  assert.equal(findWorkloadProfile('toolbench')?.name, 'ToolBench');
  const h20 = findGpu('H20')!;
  h20.memoryGB = 1;
  assert.equal(findGpu('H20')!.memoryGB, 96);
  assert.equal(findGpu('H30'), undefined);
});

test('model entries are internally consistent', () => {
  for (const m of listModels()) {
    assert.equal(m.attentionHeads % m.kvHeads, 0, `${m.name}: heads divisible by KV heads`);
    if (m.moe) assert.ok(m.moe.activeExperts <= m.moe.experts && m.moe.denseLayers < m.layers, m.name);
  }
  const v3 = findModel('DeepSeek-V3')!;
  assert.deepEqual(v3.moe, { experts: 256, activeExperts: 8, expertFfnSize: 2048, sharedExperts: 1, denseLayers: 3 });
  assert.deepEqual(v3.mla, { kvLoraRank: 512, qLoraRank: 1536, ropeHeadDim: 64 });
  assert.equal(findModel('Qwen3-235B-A22B')!.kvHeads, 4);
});

test('workload profiles reproduce the AMPD Table 1 means', () => {
  // Table 1 of reference 004: rounds, prefill length (a round's prompt incl. history), decode length.
  const table: Record<string, [number, number, number]> = {
    ToolBench: [3.96, 703.79, 50.39],
    GAIA: [11.32, 6161.02, 528.76],
    HotpotQA: [3, 1569.8, 80.03],
    DuReader: [3, 3081.23, 150.1],
  };
  for (const [name, [rounds, prefill, decode]] of Object.entries(table)) {
    const p = findWorkloadProfile(name)!;
    const r = distributionMean(p.rounds);
    const x = distributionMean(p.initialPromptTokens);
    assert.equal(r, rounds, `${name} rounds`);
    assert.equal(distributionMean(p.outputTokens), decode, `${name} decode`);
    assert.equal(distributionMean(p.incrementalTokens), x, `${name}: equal first prompt and append means`);
    const meanPrompt = x + ((r - 1) / 2) * (x + distributionMean(p.outputTokens));
    assert.ok(Math.abs(meanPrompt - prefill) / prefill < 0.001, `${name}: mean prompt ${meanPrompt} vs ${prefill}`);
  }
});

test('suggest finds plausible typos and nothing for garbage', () => {
  assert.equal(editDistance('kitten', 'sitting'), 3);
  assert.equal(editDistance('ab', 'ba'), 1);
  assert.equal(suggest('Qwen3-23B', modelNames()), 'Qwen3-32B');
  assert.equal(suggest('llama-3.1-70', modelNames()), 'Llama-3.1-70B');
  assert.equal(suggest('deepseek-v', modelNames()), 'DeepSeek-V3');
  assert.equal(suggest('deepseek-r', modelNames()), 'DeepSeek-R1');
  // Two entries continue it: no guess rather than a wrong one.
  assert.equal(suggest('deepseek', modelNames()), undefined);
  assert.equal(suggest('mixtral', modelNames()), 'Mixtral-8x7B');
  assert.equal(suggest('zzzzzzzz', modelNames()), undefined);
  assert.equal(suggest('', modelNames()), undefined);
  assert.equal(suggest('x'.repeat(500), modelNames()), undefined);
});

test('did-you-mean goes through aliases and keeps the GPU generation', () => {
  // A100-SXM is the start of an A100 alias; H100-SXM is one edit away but another generation.
  assert.equal(suggestSpelling('A100-SXM', gpuSpellings()), 'A100-SXM-80GB');
  assert.ok(findGpu(suggestSpelling('A100-SXM', gpuSpellings())!)?.name.startsWith('A100'));
  assert.equal(suggestSpelling('H200-SXM5', gpuSpellings()), 'H200-SXM');
  assert.equal(suggestSpelling('H2O', gpuSpellings()), 'H20');
  assert.equal(suggestSpelling('H100-SXM5x', gpuSpellings()), 'H100-SXM5');
  assert.equal(suggestSpelling('zzzzzz', gpuSpellings()), undefined);
});
