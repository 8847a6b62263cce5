// Predictions of the analytical model beside published measurements (docs/perf-model.md, table
// "Predictions against published measurements"). Printed by `npm run bench perf`.
import { createPerfModel } from '../src/core/perf';
import { findGpu, findModel } from '../src/core/spec/catalog';
import type { GpuSpec, LinkSpec, ModelSpec } from '../src/core/spec/types';

function catalog<T>(value: T | undefined, name: string): T {
  if (!value) throw new Error(`catalog entry ${name} is missing`);
  return value;
}

const LLAMA_70B = catalog(findModel('Llama-3.1-70B'), 'Llama-3.1-70B');
const LLAMA_8B = catalog(findModel('Llama-3.1-8B'), 'Llama-3.1-8B');
const MIXTRAL = catalog(findModel('Mixtral-8x7B'), 'Mixtral-8x7B');
const H100 = catalog(findGpu('H100-SXM'), 'H100-SXM');
const H200 = catalog(findGpu('H200'), 'H200');
const A100 = catalog(findGpu('A100-80GB'), 'A100-80GB');
/** NVLink 4 (H100/H200) and NVLink 3 (A100), per direction per GPU; 5 µs per step as in the examples. */
const NVLINK4: LinkSpec = { bandwidthGBps: 450, latencyUs: 5 };
const NVLINK3: LinkSpec = { bandwidthGBps: 300, latencyUs: 5 };
/** Llama-2-70B has Llama-3.1-70B's layers and widths, with a 32k vocabulary. */
const LLAMA2_70B: ModelSpec = { ...LLAMA_70B, name: 'Llama-2-70B', vocabSize: 32000, maxContextTokens: 4096 };

export interface Comparison {
  source: string;
  setup: string;
  metric: string;
  publishedMs: number;
  predictedMs: number;
}

function perf(model: ModelSpec, gpu: GpuSpec, link: LinkSpec) {
  return createPerfModel(model, gpu, { intraNode: link });
}

/** End-to-end latency of a fixed batch: one prefill of batch × input tokens, then output − 1 decode steps. */
function batchLatency(p: ReturnType<typeof perf>, tp: number, batch: number, input: number, output: number): number {
  let total = p.prefillMs(0, batch * input, tp);
  for (let step = 1; step < output; step++) total += p.decodeStepMs(batch, batch * (input + step), tp);
  return total;
}

/**
 * Time to serve a batch that starts together: prefills, then output − 1 decode steps. The batch's
 * prefills cost the smaller of one chunk of batch × input tokens (which over-counts attention
 * across sequences) and one prefill per sequence (which re-reads the weights each time); both bound
 * the engine's real batched prefill from above.
 */
function batchServeMs(p: ReturnType<typeof perf>, tp: number, batch: number, input: number, output: number): number {
  let total = Math.min(p.prefillMs(0, batch * input, tp), batch * p.prefillMs(0, input, tp));
  for (let step = 1; step < output; step++) total += p.decodeStepMs(batch, batch * (input + step), tp);
  return total;
}

/** A published throughput (output tokens/s of a fixed batch) as the time to serve the whole batch. */
function throughputAsMs(batch: number, output: number, tokensPerSec: number): number {
  return Math.round(((batch * output) / tokensPerSec) * 1e5) / 100;
}

export function comparisons(): Comparison[] {
  const trtH100 = perf({ ...LLAMA2_70B, weightDtype: 'fp8', kvDtype: 'fp8' }, H100, NVLINK4);
  const trtA100 = perf(LLAMA2_70B, A100, NVLINK3);
  const nim = perf({ ...LLAMA_70B, weightDtype: 'fp8' }, H100, NVLINK4);
  const vllm70 = perf(LLAMA_70B, H200, NVLINK4);
  const vllm8 = perf(LLAMA_8B, H200, NVLINK4);
  const vllmMixtral = perf(MIXTRAL, H200, NVLINK4);
  const trt = 'TensorRT-LLM v0.5 docs/source/performance.md';
  const nimSource = 'NVIDIA NIM benchmarking 1.0.0, Llama-3.3-70B 1.8.0';
  const vllmSource = 'vLLM nightly benchmark, buildkite build 9515';
  return [
    {
      source: trt,
      setup: 'Llama-2-70B FP8, H100 TP4, batch 1',
      metric: 'TTFT, 128-token prompt',
      publishedMs: 26,
      predictedMs: trtH100.prefillMs(0, 128, 4),
    },
    {
      source: trt,
      setup: 'Llama-2-70B FP8, H100 TP4, batch 1',
      metric: 'TTFT, 2048-token prompt',
      publishedMs: 109,
      predictedMs: trtH100.prefillMs(0, 2048, 4),
    },
    ...(
      [
        [128, 128, 3317],
        [128, 2048, 2616],
        [2048, 128, 843],
        [2048, 2048, 1583],
      ] as const
    ).map(([input, output, tokensPerSec]) => ({
      source: trt,
      setup: `Llama-2-70B FP8, H100 TP4, batch 64, ${input} in / ${output} out`,
      metric: `batch time (${tokensPerSec} out tok/s)`,
      publishedMs: throughputAsMs(64, output, tokensPerSec),
      predictedMs: batchServeMs(trtH100, 4, 64, input, output),
    })),
    {
      source: trt,
      setup: 'Llama-2-70B FP16, A100 TP4, batch 1',
      metric: 'TTFT, 128-token prompt',
      publishedMs: 47,
      predictedMs: trtA100.prefillMs(0, 128, 4),
    },
    {
      source: trt,
      setup: 'Llama-2-70B FP16, A100 TP4, batch 1',
      metric: 'TTFT, 2048-token prompt',
      publishedMs: 377,
      predictedMs: trtA100.prefillMs(0, 2048, 4),
    },
    {
      source: nimSource,
      setup: 'FP8, 2×H100 TP2, concurrency 1, 5000 in / 500 out',
      metric: 'TTFT',
      publishedMs: 406.77,
      predictedMs: nim.prefillMs(0, 5000, 2),
    },
    {
      source: nimSource,
      setup: 'FP8, 2×H100 TP2, concurrency 1, 5000 in / 500 out',
      metric: 'ITL (step at mean context 5250)',
      publishedMs: 18.58,
      predictedMs: nim.decodeStepMs(1, 5250, 2),
    },
    {
      source: nimSource,
      setup: 'FP8, 2×H100 TP2, concurrency 1, 500 in / 2000 out',
      metric: 'TTFT',
      publishedMs: 47.77,
      predictedMs: nim.prefillMs(0, 500, 2),
    },
    {
      source: nimSource,
      setup: 'FP8, 2×H100 TP2, concurrency 1, 500 in / 2000 out',
      metric: 'ITL (step at mean context 1500)',
      publishedMs: 18.91,
      predictedMs: nim.decodeStepMs(1, 1500, 2),
    },
    {
      source: vllmSource,
      setup: 'Llama-3-70B BF16, H200 TP4, batch 8, 32 in / 128 out',
      metric: 'end-to-end latency',
      publishedMs: 2077.53,
      predictedMs: batchLatency(vllm70, 4, 8, 32, 128),
    },
    {
      source: vllmSource,
      setup: 'Llama-3.1-8B BF16, H200 TP1, batch 8, 32 in / 128 out',
      metric: 'end-to-end latency',
      publishedMs: 833.421,
      predictedMs: batchLatency(vllm8, 1, 8, 32, 128),
    },
    {
      source: vllmSource,
      setup: 'Mixtral-8x7B BF16, H200 TP2, batch 8, 32 in / 128 out',
      metric: 'end-to-end latency',
      publishedMs: 1917.44,
      predictedMs: batchLatency(vllmMixtral, 2, 8, 32, 128),
    },
  ];
}

export function printComparisons(): void {
  console.log('\nPredictions against published measurements (analytical model, no profile)');
  console.log('| Source | Setup | Metric | Published ms | Predicted ms | Error |');
  console.log('|---|---|---|---:|---:|---:|');
  for (const c of comparisons()) {
    const error = ((c.predictedMs - c.publishedMs) / c.publishedMs) * 100;
    console.log(
      `| ${c.source} | ${c.setup} | ${c.metric} | ${c.publishedMs} | ${c.predictedMs.toFixed(1)} | ${error >= 0 ? '+' : ''}${error.toFixed(0)} % |`,
    );
  }
  const h100 = perf(LLAMA_70B, H100, NVLINK4);
  console.log('\nLlama-3.1-70B BF16 on H100, TP 4 (the done-when check):');
  console.log(`  prefill 2048 tokens: ${h100.prefillMs(0, 2048, 4).toFixed(1)} ms (published bracket 109–377 ms)`);
  console.log(
    `  decode step, batch 1, 1024 context: ${h100.decodeStepMs(1, 1024, 4).toFixed(2)} ms (published bracket 16.1–18.91 ms)`,
  );
}
