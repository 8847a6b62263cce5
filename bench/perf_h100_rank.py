"""One TP rank of Llama-3.1-70B at TP 4 on one GPU, random BF16 weights (no all-reduce: a single
GPU has no peers). Measures a batch-1 decode step (CUDA graph) and a 2048-token prefill, to put
beside the analytical model's per-rank terms (docs/perf-model.md). Prints JSON.

Run on a GPU machine: python3 bench/perf_h100_rank.py
"""
import json
import torch
import torch.nn.functional as F

torch.manual_seed(0)
dev, dt = "cuda", torch.bfloat16
L, d, H, Hkv, dh, FF, V, tp = 80, 8192, 64, 8, 128, 28672, 128256, 4
h, hkv, f = H // tp, Hkv // tp, FF // tp


def rand(*shape):
    return (torch.randn(*shape, device=dev, dtype=dt) * 0.02)


layers = [dict(qkv=rand(d, (h + 2 * hkv) * dh), o=rand(h * dh, d), gu=rand(d, 2 * f), down=rand(f, d),
               n1=torch.ones(d, device=dev, dtype=dt), n2=torch.ones(d, device=dev, dtype=dt)) for _ in range(L)]
lm_head = rand(d, V // tp)


def rms(x, w):
    return F.rms_norm(x, (d,), w) if hasattr(F, "rms_norm") else x * torch.rsqrt(x.float().pow(2).mean(-1, keepdim=True) + 1e-5).to(x.dtype) * w


def forward(x, kcache, vcache, causal):
    n = x.shape[0]
    for i, w in enumerate(layers):
        y = rms(x, w["n1"]) @ w["qkv"]
        q = y[:, : h * dh].view(n, h, dh).transpose(0, 1).unsqueeze(0)
        k = y[:, h * dh: (h + hkv) * dh].view(n, hkv, dh).transpose(0, 1).unsqueeze(0)
        v = y[:, (h + hkv) * dh:].view(n, hkv, dh).transpose(0, 1).unsqueeze(0)
        if kcache is not None:
            k = torch.cat([kcache[i], k], dim=2)
            v = torch.cat([vcache[i], v], dim=2)
        k = k.repeat_interleave(h // hkv, dim=1)
        v = v.repeat_interleave(h // hkv, dim=1)
        a = F.scaled_dot_product_attention(q, k, v, is_causal=causal)
        x = x + a.squeeze(0).transpose(0, 1).reshape(n, h * dh) @ w["o"]
        g, u = (rms(x, w["n2"]) @ w["gu"]).chunk(2, dim=-1)
        x = x + (F.silu(g) * u) @ w["down"]
    return x[-1:] @ lm_head


def timed(fn, reps):
    for _ in range(3):
        fn()
    torch.cuda.synchronize()
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    for _ in range(reps):
        fn()
    end.record()
    torch.cuda.synchronize()
    return start.elapsed_time(end) / reps


results = {"device": torch.cuda.get_device_name(), "torch": torch.__version__}
with torch.no_grad():
    for tokens in (128, 512, 2048, 8192):
        x = rand(tokens, d)
        results[f"prefill_{tokens}_ms"] = timed(lambda: forward(x, None, None, True), 5)
    for context in (1024, 8192):
        kc = [rand(1, hkv, context, dh) for _ in range(L)]
        vc = [rand(1, hkv, context, dh) for _ in range(L)]
        x1 = rand(1, d)
        graph = torch.cuda.CUDAGraph()
        stream = torch.cuda.Stream()
        stream.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(stream):
            forward(x1, kc, vc, False)
        torch.cuda.current_stream().wait_stream(stream)
        with torch.cuda.graph(graph):
            forward(x1, kc, vc, False)
        results[f"decode_b1_ctx{context}_graph_ms"] = timed(graph.replay, 50)
        del kc, vc, graph
        torch.cuda.empty_cache()
print(json.dumps(results, indent=1))
