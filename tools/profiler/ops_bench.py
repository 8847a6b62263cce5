#!/usr/bin/env python3
"""Time the single ops the performance model prices separately, on this GPU, and write them as CSV
in the column layout of AIConfigurator's per-op databases (ai-dynamo/aiconfigurator,
systems/data/<gpu>/...), so that scripts/calibrate.ts can compare the model with both:

    op,dtype,m,n,k,batch,context,heads,kv_heads,head_dim,gpus,bytes,ms

- gemm: y = x·Wᵀ with x [m, k] and W [n, k], BF16 (F.linear) and FP8 E4M3 with per-tensor scales
  (torch._scaled_mm, the path FP8 checkpoints take on Hopper; fewer than 16 rows padded to 16); the shapes of Llama-3.1-8B/70B
  layers at TP 1, 2, 4 and 8.
- decode_attention: one query token per sequence over `context` cached tokens (SDPA with
  enable_gqa), KV BF16.
- hbm_read: a large tensor summed (bytes read once), the achievable streaming bandwidth.

Weights are cycled through enough copies (≥ 1 GiB) that none is served from L2; every time is the
median of CUDA-graph replays of 10 back-to-back calls, divided by 10.

    python3 tools/profiler/ops_bench.py --out ops.csv
"""
from __future__ import annotations

import argparse
import sys

import torch
import torch.nn.functional as F

LLAMA = {"llama-3.1-8b": (4096, 32, 8, 14336), "llama-3.1-70b": (8192, 64, 8, 28672)}
GEMM_M = [1, 8, 32, 128, 512, 2048, 8192]
REPEAT = 10
CYCLE_BYTES = 1 << 30


def log(*parts):
    print(*parts, file=sys.stderr, flush=True)


def time_ms(fn) -> float:
    for _ in range(2):
        fn()
    torch.cuda.synchronize()
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        for _ in range(REPEAT):
            fn()
    times = []
    for _ in range(7):
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record()
        graph.replay()
        b.record()
        torch.cuda.synchronize()
        times.append(a.elapsed_time(b) / REPEAT)
    del graph
    return sorted(times)[len(times) // 2]


def gemm_shapes():
    seen = set()
    for hidden, heads, kv_heads, ffn in LLAMA.values():
        for tp in (1, 2, 4, 8):
            hd = 128
            for n, k in (((heads // tp + 2 * max(1, kv_heads // tp)) * hd, hidden), (hidden, heads // tp * hd),
                         (2 * ffn // tp, hidden), (hidden, ffn // tp)):
                if (n, k) not in seen:
                    seen.add((n, k))
                    yield n, k


def bench_gemm(rows):
    for n, k in gemm_shapes():
        copies = max(1, min(64, CYCLE_BYTES // (n * k * 2)))
        weights = [torch.randn(n, k, device="cuda", dtype=torch.bfloat16) * 0.02 for _ in range(copies)]
        fp8 = [w.to(torch.float8_e4m3fn) for w in weights]
        one = torch.ones((), device="cuda", dtype=torch.float32)
        for m in GEMM_M:
            x = torch.randn(m, k, device="cuda", dtype=torch.bfloat16)
            # _scaled_mm needs rows in multiples of 16: fewer are padded, as the engines' FP8
            # paths do for small batches.
            xq = torch.randn(max(16, m), k, device="cuda", dtype=torch.bfloat16).to(torch.float8_e4m3fn)
            state = {"i": 0}

            def bf16():
                state["i"] = (state["i"] + 1) % copies
                F.linear(x, weights[state["i"]])

            def f8():
                state["i"] = (state["i"] + 1) % copies
                torch._scaled_mm(xq, fp8[state["i"]].t(), scale_a=one, scale_b=one, out_dtype=torch.bfloat16)

            for dtype, fn in (("bf16", bf16), ("fp8", f8)):
                try:
                    ms = time_ms(fn)
                except Exception as exc:  # noqa: BLE001 - e.g. no FP8 tensor cores: note and go on
                    log(f"gemm {dtype} m={m} n={n} k={k}: {type(exc).__name__}: {str(exc).splitlines()[0][:100]}")
                    continue
                rows.append(f"gemm,{dtype},{m},{n},{k},,,,,,,,{ms:.5g}")
            log(f"gemm n={n} k={k} m={m} done")
        del weights, fp8
        torch.cuda.empty_cache()


def bench_decode_attention(rows):
    for name, (hidden, heads, kv_heads, _) in LLAMA.items():
        for tp in (1, 8):
            hq, hkv = heads // tp, max(1, kv_heads // tp)
            for batch in (1, 8, 32, 128):
                for context in (1024, 4096, 16384):
                    if batch * context > 2 * 1024 * 1024:
                        continue
                    q = torch.randn(batch, hq, 1, 128, device="cuda", dtype=torch.bfloat16)
                    k = torch.randn(batch, hkv, context, 128, device="cuda", dtype=torch.bfloat16)
                    v = torch.randn_like(k)
                    ms = time_ms(lambda: F.scaled_dot_product_attention(q, k, v, enable_gqa=True))
                    rows.append(f"decode_attention,bf16,,,,{batch},{context},{hq},{hkv},128,,,{ms:.5g}")
                    del q, k, v
            log(f"decode attention {name} tp {tp} done")


def bench_hbm(rows):
    for gib in (1, 4):
        t = torch.empty(gib << 29, device="cuda", dtype=torch.bfloat16).normal_()
        out = torch.empty((), device="cuda", dtype=torch.float32)
        ms = time_ms(lambda: torch.sum(t, dim=0, dtype=torch.float32, out=out))
        rows.append(f"hbm_read,bf16,,,,,,,,,,{gib << 30},{ms:.5g}")
        log(f"hbm read {gib} GiB: {(gib << 30) / ms / 1e6:.0f} GB/s")
        del t


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    torch.backends.cuda.matmul.allow_tf32 = False
    rows = []
    bench_hbm(rows)
    bench_decode_attention(rows)
    bench_gemm(rows)
    props = torch.cuda.get_device_properties(0)
    header = [f"# gpu: {props.name}", f"# torch: {torch.__version__}", f"# cuda: {torch.version.cuda}",
              "# timing: median of 7 CUDA-graph replays of 10 calls each, per call; weights cycled through >= 1 GiB of copies",
              "op,dtype,m,n,k,batch,context,heads,kv_heads,head_dim,gpus,bytes,ms"]
    with open(args.out, "w") as f:
        f.write("\n".join(header + rows) + "\n")
    log(f"wrote {args.out}: {len(rows)} rows")


if __name__ == "__main__":
    main()
