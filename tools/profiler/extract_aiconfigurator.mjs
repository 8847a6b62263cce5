// Extracts the per-op measurements that scripts/calibrate.ts compares the performance model with
// from AIConfigurator's published databases (github.com/ai-dynamo/aiconfigurator, Apache-2.0,
// aic-core/src/aiconfigurator_core/systems/data/<gpu>/<op>/<engine>/<version>/*.parquet) into
// catalog/reference/aiconfigurator/<gpu>.csv, keeping the shapes of dense decoder layers
// (head dim 128, GQA), BF16 and FP8, and every all-reduce size.
//
//   node tools/profiler/extract_aiconfigurator.mjs AIC_REPO_CHECKOUT [OUT_DIR]
//
// Needs the `hyparquet` and `hyparquet-compressors` packages (not project dependencies: install
// them where you run this, e.g. `npm install --no-save hyparquet hyparquet-compressors`).
// Units: latency in ms as stored; all-reduce message_size is in elements (BF16: 2 bytes each,
// collector/network/collect_all_reduce.py); generation attention attends over isl + step tokens.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';

const [repo, outDir = 'catalog/reference/aiconfigurator'] = process.argv.slice(2);
if (!repo) throw new Error('usage: extract_aiconfigurator.mjs AIC_REPO_CHECKOUT [OUT_DIR]');
const DATA = 'aic-core/src/aiconfigurator_core/systems/data';

/** Catalog GPU name → AIConfigurator system folder, the TensorRT-LLM version and NCCL version used. */
const SYSTEMS = {
  'H100-SXM': { dir: 'h100_sxm', trtllm: '1.3.0rc20', nccl: '2.29.2' },
  H200: { dir: 'h200_sxm', trtllm: '1.3.0rc20', nccl: '2.29.2' },
  B200: { dir: 'b200_sxm', trtllm: '1.3.0rc20', nccl: '2.29.2' },
  'A100-80GB': { dir: 'a100_sxm', trtllm: '1.0.0', nccl: '2.27.3' },
  L40S: { dir: 'l40s', trtllm: '1.3.0rc20', nccl: '2.27.3' },
};
const GEMM_M = new Set([1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384]);
const GEMM_NK = new Set([1024, 2048, 4096, 6144, 8192, 12288, 16384]);
const GEMM_DTYPE = { bfloat16: 'bf16', fp8: 'fp8', nvfp4: 'fp4' };
const DTYPE = { bfloat16: 'bf16', fp8: 'fp8' };

async function read(file) {
  if (!existsSync(file)) return [];
  const buf = readFileSync(file);
  const rows = await parquetReadObjects({
    file: buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength),
    compressors,
  });
  return rows.map((r) =>
    Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])),
  );
}

const HEADER = 'op,dtype,m,n,k,batch,context,heads,kv_heads,head_dim,gpus,bytes,ms';
const row = (o) =>
  [
    o.op,
    o.dtype,
    o.m,
    o.n,
    o.k,
    o.batch,
    o.context,
    o.heads,
    o.kvHeads,
    o.headDim,
    o.gpus,
    o.bytes,
    +o.ms.toPrecision(5),
  ]
    .map((v) => (v === undefined ? '' : v))
    .join(',');

for (const [gpu, sys] of Object.entries(SYSTEMS)) {
  const base = path.join(repo, DATA, sys.dir);
  const out = [];
  for (const r of await read(path.join(base, 'gemm/trtllm', sys.trtllm, 'gemm_perf.parquet'))) {
    const dtype = GEMM_DTYPE[r.gemm_dtype];
    if (dtype && GEMM_M.has(r.m) && GEMM_NK.has(r.n) && GEMM_NK.has(r.k))
      out.push({ op: 'gemm', dtype, m: r.m, n: r.n, k: r.k, ms: r.latency });
  }
  for (const r of await read(path.join(base, 'attention/trtllm', sys.trtllm, 'context_attention_perf.parquet'))) {
    if (r.attn_dtype !== 'bfloat16' || r.kv_cache_dtype !== 'bfloat16' || r.head_dim !== 128 || r.isl < 64) continue;
    if (
      ![8, 16, 32, 64].includes(r.num_heads) ||
      ![1, 2, 4, 8].includes(r.num_key_value_heads) ||
      (r.window_size ?? 0) !== 0
    )
      continue;
    out.push({
      op: 'context_attention',
      dtype: 'bf16',
      batch: r.batch_size,
      context: r.isl,
      heads: r.num_heads,
      kvHeads: r.num_key_value_heads,
      headDim: 128,
      ms: r.latency,
    });
  }
  for (const r of await read(path.join(base, 'attention/trtllm', sys.trtllm, 'generation_attention_perf.parquet'))) {
    const dtype = DTYPE[r.kv_cache_dtype];
    if (!dtype || r.head_dim !== 128 || r.step < 127 || r.batch_size > 256 || (r.window_size ?? 0) !== 0) continue;
    if (![8, 16, 32, 64].includes(r.num_heads) || ![1, 2, 4, 8].includes(r.num_key_value_heads)) continue;
    out.push({
      op: 'decode_attention',
      dtype,
      batch: r.batch_size,
      context: r.isl + r.step,
      heads: r.num_heads,
      kvHeads: r.num_key_value_heads,
      headDim: 128,
      ms: r.latency,
    });
  }
  for (const r of await read(path.join(base, 'comm/trtllm', sys.trtllm, 'custom_allreduce_perf.parquet'))) {
    if (r.allreduce_dtype !== 'bfloat16') continue;
    out.push({ op: 'all_reduce', dtype: 'bf16', gpus: r.num_gpus, bytes: 2 * r.message_size, ms: r.latency });
  }
  for (const r of await read(path.join(base, 'comm/nccl', sys.nccl, 'nccl_perf.parquet'))) {
    if (r.nccl_dtype !== 'half' || !['all_reduce', 'all_gather'].includes(r.op_name)) continue;
    out.push({ op: `nccl_${r.op_name}`, dtype: 'bf16', gpus: r.num_gpus, bytes: 2 * r.message_size, ms: r.latency });
  }
  const meta = [
    `# source: github.com/ai-dynamo/aiconfigurator (Apache-2.0), ${DATA}/${sys.dir}: gemm, attention and comm (custom all-reduce) of TensorRT-LLM ${sys.trtllm}; NCCL ${sys.nccl}`,
    `# extracted by tools/profiler/extract_aiconfigurator.mjs: dense-layer shapes (head dim 128), BF16/FP8${gpu === 'B200' ? '/NVFP4' : ''}; ms per call as published`,
  ];
  writeFileSync(path.join(outDir, `${gpu}.csv`), [...meta, HEADER, ...out.map(row)].join('\n') + '\n');
  console.log(
    gpu,
    out.length,
    'rows',
    Object.entries(out.reduce((a, o) => ((a[`${o.op}/${o.dtype}`] = (a[`${o.op}/${o.dtype}`] ?? 0) + 1), a), {}))
      .map((e) => e.join('='))
      .join(' '),
  );
}
