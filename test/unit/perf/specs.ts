// Hand-built specs with published numbers, so the perf tests do not depend on the catalog.
import type { GpuSpec, LinkSpec, ModelSpec } from '../../../src/core/spec/types';

/** meta-llama/Llama-3.1-70B config.json. */
export const LLAMA_70B: ModelSpec = {
  name: 'llama-3.1-70b',
  layers: 80,
  hiddenSize: 8192,
  attentionHeads: 64,
  kvHeads: 8,
  headDim: 128,
  ffnSize: 28672,
  vocabSize: 128256,
  gatedMlp: true,
  weightDtype: 'bf16',
  kvDtype: 'bf16',
  maxContextTokens: 131072,
};

/** meta-llama/Llama-3.1-8B config.json. */
export const LLAMA_8B: ModelSpec = {
  ...LLAMA_70B,
  name: 'llama-3.1-8b',
  layers: 32,
  hiddenSize: 4096,
  attentionHeads: 32,
  kvHeads: 8,
  ffnSize: 14336,
};

/** mistralai/Mixtral-8x7B-v0.1 config.json. */
export const MIXTRAL_8X7B: ModelSpec = {
  name: 'mixtral-8x7b',
  layers: 32,
  hiddenSize: 4096,
  attentionHeads: 32,
  kvHeads: 8,
  headDim: 128,
  ffnSize: 14336,
  vocabSize: 32000,
  gatedMlp: true,
  moe: { experts: 8, activeExperts: 2, expertFfnSize: 14336, sharedExperts: 0, denseLayers: 0 },
  weightDtype: 'bf16',
  kvDtype: 'bf16',
  maxContextTokens: 32768,
};

/** deepseek-ai/DeepSeek-V3 config.json (FP8 weights). */
export const DEEPSEEK_V3: ModelSpec = {
  name: 'deepseek-v3',
  layers: 61,
  hiddenSize: 7168,
  attentionHeads: 128,
  kvHeads: 128,
  headDim: 128,
  ffnSize: 18432,
  vocabSize: 129280,
  gatedMlp: true,
  moe: { experts: 256, activeExperts: 8, expertFfnSize: 2048, sharedExperts: 1, denseLayers: 3 },
  mla: { kvLoraRank: 512, qLoraRank: 1536, ropeHeadDim: 64 },
  weightDtype: 'fp8',
  kvDtype: 'bf16',
  maxContextTokens: 163840,
};

/** NVIDIA H100 SXM5 datasheet: 989 dense BF16 TFLOPS, 1979 FP8, 3.35 TB/s, NVLink 900 GB/s bidirectional. */
export const H100: GpuSpec = {
  name: 'h100-sxm',
  memoryGB: 80,
  bf16Tflops: 989,
  fp8Tflops: 1979,
  hbmBandwidthGBps: 3350,
  nvlinkBandwidthGBps: 450,
};

/** NVIDIA H200 SXM datasheet. */
export const H200: GpuSpec = { ...H100, name: 'h200-sxm', memoryGB: 141, hbmBandwidthGBps: 4800 };

export const NVLINK: LinkSpec = { bandwidthGBps: 450, latencyUs: 3 };
export const IB_400G: LinkSpec = { bandwidthGBps: 50, latencyUs: 10 };
