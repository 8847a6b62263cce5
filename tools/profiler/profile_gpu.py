#!/usr/bin/env python3
"""Measure prefill, decode and KV-copy times of a transformer on this GPU and write a
`pdplan-profile v1` CSV that PD Planner's performance model reads (docs/perf-model.md).

One TP rank of a dense Llama-style decoder layer is built with random BF16 weights (attention with
grouped-query heads through torch's scaled_dot_product_attention, rotary embedding, SwiGLU MLP,
RMSNorm, two all-reduces per layer when TP > 1). A few layers are captured in a CUDA graph and
timed with CUDA events; the whole-model time is

    model_ms = layers * (graph_ms / timed_layers) + head_ms

where head_ms (token embedding + final RMSNorm + LM head on the rows that produce logits) is timed
separately. See README.md beside this file.

    python3 tools/profiler/profile_gpu.py --model llama-3.1-8b --out catalog/profiles/h100-llama-3.1-8b.csv
    torchrun --nproc-per-node 2 tools/profiler/profile_gpu.py --model llama-3.1-70b --tp 2 --out ...
"""
from __future__ import annotations

import argparse
import datetime as _dt
import math
import os
import subprocess
import sys
import time

import torch
import torch.nn.functional as F

MODELS = {
    # Published Llama-3.1 configurations (config.json of meta-llama/Llama-3.1-8B / -70B).
    "llama-3.1-8b": dict(name="meta-llama/Llama-3.1-8B", hidden=4096, heads=32, kv_heads=8, head_dim=128,
                         ffn=14336, layers=32, vocab=128256),
    "llama-3.1-70b": dict(name="meta-llama/Llama-3.1-70B", hidden=8192, heads=64, kv_heads=8, head_dim=128,
                          ffn=28672, layers=80, vocab=128256),
}

PREFILL_HISTORY = [0, 1024, 4096, 16384]
PREFILL_TOKENS = [64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384]
DECODE_BATCH = [1, 2, 4, 8, 16, 32, 64, 128, 256]
DECODE_CONTEXT = [256, 1024, 4096, 16384, 32768]
KV_COPY_TOKENS = [256, 1024, 4096, 16384, 65536]
# Largest decode KV cache (batch x context tokens) allocated for the timed layers.
DECODE_MAX_TOKENS = 4 * 1024 * 1024
# Source plus destination memory for the KV-copy buffers.
KV_COPY_BUFFER_BYTES = 8 * 1024**3


def log(*parts: object) -> None:
    print(*parts, file=sys.stderr, flush=True)


class Dist:
    """Rank/world of the TP group; a no-op group when TP is 1."""

    def __init__(self, tp: int):
        self.tp = tp
        self.rank = 0
        if tp > 1:
            import torch.distributed as dist

            self.dist = dist
            dist.init_process_group("nccl")
            self.rank = dist.get_rank()
            if dist.get_world_size() != tp:
                raise SystemExit(f"--tp {tp} needs exactly {tp} processes (torchrun --nproc-per-node {tp}); got {dist.get_world_size()}")
        torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))

    def all_reduce(self, x: torch.Tensor) -> None:
        if self.tp > 1:
            self.dist.all_reduce(x)

    def barrier(self) -> None:
        if self.tp > 1:
            self.dist.barrier()

    def max(self, value: float) -> float:
        """The slowest rank sets the step time."""
        if self.tp == 1:
            return value
        t = torch.tensor([value], device="cuda", dtype=torch.float64)
        self.dist.all_reduce(t, op=self.dist.ReduceOp.MAX)
        return float(t.item())


def rms_norm(x: torch.Tensor, weight: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    return F.rms_norm(x, (x.shape[-1],), weight, eps)


def rope(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    # x: [T, heads, head_dim]; cos/sin: [T, 1, head_dim]. Rotate-half form of rotary embedding.
    half = x.shape[-1] // 2
    rotated = torch.cat((-x[..., half:], x[..., :half]), dim=-1)
    return x * cos + rotated * sin


def _rope_qk(q, k, cos, sin):
    return rope(q, cos, sin), rope(k, cos, sin)


def _add_norm(x, delta, weight):
    s = x + delta
    return s, rms_norm(s, weight)


def _silu_mul(gate_up):
    gate, up = gate_up.chunk(2, dim=-1)
    return F.silu(gate) * up


def _add(x, delta):
    return x + delta


class Elementwise:
    """The memory-bound ops between the GEMMs and attention: RMSNorm, residual add + RMSNorm,
    RoPE on Q and K, SiLU·mul. Eager PyTorch runs each as several kernels (a 2048-token layer of
    Llama-3.1-8B spends more time in them than a serving engine's fused kernels do); with
    `--fuse compile` (the default) each is one Triton kernel made by torch.compile, as the
    engines' fused_add_rms_norm, rotary and silu_and_mul kernels are."""

    mode = "eager"
    norm = staticmethod(rms_norm)
    add_norm = staticmethod(_add_norm)
    rope_qk = staticmethod(_rope_qk)
    silu_mul = staticmethod(_silu_mul)
    add = staticmethod(_add)

    @classmethod
    def fuse(cls) -> str:
        """Compile the ops and check them against eager on a small input; eager on any failure."""
        try:
            import torch._dynamo

            # Every distinct (shape class, stride) of an op is one cache entry; the default 8 is
            # too few for the prefill and decode grids together.
            torch._dynamo.config.cache_size_limit = 256
            compiled = {name: torch.compile(fn, dynamic=True, fullgraph=True)
                        for name, fn in dict(norm=rms_norm, add_norm=_add_norm, rope_qk=_rope_qk,
                                             silu_mul=_silu_mul, add=_add).items()}
            opts = dict(device="cuda", dtype=torch.bfloat16)
            for t in (7, 64):  # two sizes: the dynamic-shape kernel is the one used afterwards
                x, d, w = torch.randn(t, 256, **opts), torch.randn(t, 256, **opts), torch.rand(256, **opts)
                q, k = torch.randn(t, 4, 128, **opts), torch.randn(t, 2, 128, **opts)
                cos, sin = torch.randn(t, 1, 128, **opts), torch.randn(t, 1, 128, **opts)
                gu = torch.randn(t, 512, **opts)
                pairs = [
                    (compiled["norm"](x, w), rms_norm(x, w)),
                    (compiled["add_norm"](x, d, w)[1], _add_norm(x, d, w)[1]),
                    (compiled["rope_qk"](q, k, cos, sin)[0], _rope_qk(q, k, cos, sin)[0]),
                    (compiled["silu_mul"](gu), _silu_mul(gu)),
                    (compiled["add"](x, d), _add(x, d)),
                ]
                for got, want in pairs:
                    err = float((got.float() - want.float()).norm() / want.float().norm())
                    if err > 2e-2:
                        raise RuntimeError(f"compiled op differs from eager (rel err {err:.1e})")
        except Exception as exc:  # noqa: BLE001 - any failure: stay eager, say so in the header
            cls.mode = f"eager (torch.compile failed: {type(exc).__name__}: {str(exc).splitlines()[0][:100]})"
            return cls.mode
        for name, fn in compiled.items():
            setattr(cls, name, staticmethod(fn))
        cls.mode = "fused (torch.compile, one Triton kernel each for add+RMSNorm, RMSNorm, RoPE on Q and K, SiLU*mul, residual add)"
        return cls.mode


class Attention:
    """Prefill attention over history + new tokens with a bottom-right-aligned causal mask, and
    decode attention of one new token per sequence. The implementation is chosen by a probe that
    checks each candidate against a float32 reference (see `choose_prefill_attention`)."""

    prefill_impl = "sdpa-gqa-lower-right"
    # SDPA backends tried per prefill point, the fastest kept: torch's default dispatch (its
    # FlashAttention-2 kernel on these shapes) and cuDNN's fused attention, which on Hopper runs
    # FlashAttention-3-class kernels like the serving engines' (where it supports the shape).
    PREFILL_BACKENDS = ("default", "cudnn")
    prefill_backend = "default"

    @staticmethod
    def prefill(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, history: int) -> torch.Tensor:
        if Attention.prefill_backend == "default":
            return Attention._prefill(q, k, v, history)
        from torch.nn.attention import SDPBackend, sdpa_kernel

        with sdpa_kernel([SDPBackend.CUDNN_ATTENTION]):
            return Attention._prefill(q, k, v, history)

    @staticmethod
    def _prefill(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, history: int) -> torch.Tensor:
        # q: [1, Hq, n, D]; k, v: [1, Hkv, history + n, D]
        impl = Attention.prefill_impl
        n = q.shape[2]
        s = k.shape[2]
        if history == 0:
            if impl.startswith("sdpa-gqa"):
                return F.scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=True)
            g = q.shape[1] // k.shape[1]
            return F.scaled_dot_product_attention(q, k.repeat_interleave(g, 1), v.repeat_interleave(g, 1), is_causal=True)
        from torch.nn.attention.bias import causal_lower_right

        mask = causal_lower_right(n, s)
        if impl == "sdpa-gqa-lower-right":
            return F.scaled_dot_product_attention(q, k, v, attn_mask=mask, enable_gqa=True)
        g = q.shape[1] // k.shape[1]
        return F.scaled_dot_product_attention(q, k.repeat_interleave(g, 1), v.repeat_interleave(g, 1), attn_mask=mask)

    decode_impl = "sdpa-gqa"
    DECODE_IMPLS = ("sdpa-gqa", "sdpa-grouped", "matmul")

    @staticmethod
    def decode(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        # q: [B, Hkv, g, D] (the g query heads sharing one KV head); k, v: [B, Hkv, context, D];
        # no mask needed. Three exact paths, the fastest kept per point:
        # - sdpa-gqa: q as [B, Hq, 1, D] with enable_gqa=True, which torch 2.11 dispatches to
        #   cuDNN/flash kernels that split the context across thread blocks (split-KV, as
        #   FlashDecoding and the engines' decode kernels do): the fast path at small batch and
        #   long context, where one block per (sequence, KV head) leaves most SMs idle;
        # - sdpa-grouped: the g query heads as g query rows of one KV head (FlashInfer's layout);
        # - matmul: matmul-softmax-matmul.
        if Attention.decode_impl == "sdpa-gqa":
            b, h, g, d = q.shape
            out = F.scaled_dot_product_attention(q.reshape(b, h * g, 1, d), k, v, enable_gqa=True)
            return out.view(b, h, g, d)
        if Attention.decode_impl == "sdpa-grouped":
            return F.scaled_dot_product_attention(q, k, v)
        b, h, g, d = q.shape
        scores = torch.matmul(q, k.transpose(-1, -2)).float() * (1.0 / math.sqrt(d))
        return torch.matmul(torch.softmax(scores, dim=-1).to(q.dtype), v)


def reference_attention(q, k, v, history):
    """float32 math reference: q [1,Hq,n,D], k/v [1,Hkv,S,D], bottom-right causal."""
    g = q.shape[1] // k.shape[1]
    k = k.float().repeat_interleave(g, 1)
    v = v.float().repeat_interleave(g, 1)
    n, s = q.shape[2], k.shape[2]
    scores = q.float() @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])
    i = torch.arange(n, device=q.device)[:, None]
    j = torch.arange(s, device=q.device)[None, :]
    scores = scores.masked_fill(j > i + (s - n), float("-inf"))
    return torch.softmax(scores, -1) @ v


def choose_attention() -> list[str]:
    """Pick the fastest attention implementations that compute the right function here."""
    notes = []
    torch.manual_seed(1)
    q = torch.randn(1, 8, 96, 128, device="cuda", dtype=torch.bfloat16)
    k = torch.randn(1, 2, 96 + 160, 128, device="cuda", dtype=torch.bfloat16)
    v = torch.randn_like(k)
    ref = reference_attention(q, k, v, 160)
    for impl in ("sdpa-gqa-lower-right", "sdpa-expanded-lower-right"):
        Attention.prefill_impl = impl
        try:
            out = Attention.prefill(q, k, v, 160).float()
            err = float((out - ref).norm() / ref.norm())
            notes.append(f"{impl} rel err {err:.1e}")
            if err < 2e-2:
                break
        except Exception as exc:  # noqa: BLE001 - any failure means: try the next implementation
            notes.append(f"{impl} failed: {type(exc).__name__}: {str(exc).splitlines()[0][:120]}")
    else:
        raise SystemExit("no prefill attention implementation passed the reference check: " + "; ".join(notes))
    # cuDNN is kept only where it computes the same function, with and without history.
    Attention.prefill_backend = "cudnn"
    try:
        for hist in (0, 160):
            qc = q[:, :, -96:] if hist else torch.randn(1, 8, 256, 128, device="cuda", dtype=torch.bfloat16)
            kc, vc = (k, v) if hist else (torch.randn(1, 2, 256, 128, device="cuda", dtype=torch.bfloat16),) * 2
            out = Attention.prefill(qc, kc, vc, hist).float()
            err = float((out - reference_attention(qc, kc, vc, hist)).norm() / reference_attention(qc, kc, vc, hist).norm())
            notes.append(f"prefill cudnn h={hist} rel err {err:.1e}")
            if err > 2e-2:
                raise RuntimeError(f"cuDNN attention differs from the reference (rel err {err:.1e})")
    except Exception as exc:  # noqa: BLE001 - cuDNN attention unavailable or wrong here: default only
        notes.append(f"prefill cudnn not used: {type(exc).__name__}: {str(exc).splitlines()[0][:120]}")
        Attention.PREFILL_BACKENDS = ("default",)
    Attention.prefill_backend = "default"
    # Decode: both candidates are exact; the faster one is picked per point in measure_decode.
    qd = torch.randn(3, 2, 4, 128, device="cuda", dtype=torch.bfloat16)
    kd = torch.randn(3, 2, 300, 128, device="cuda", dtype=torch.bfloat16)
    vd = torch.randn_like(kd)
    refd = torch.softmax(qd.float() @ kd.float().transpose(-1, -2) / math.sqrt(128), -1) @ vd.float()
    for impl in Attention.DECODE_IMPLS:
        Attention.decode_impl = impl
        out = Attention.decode(qd, kd, vd).float()
        err = float((out - refd).norm() / refd.norm())
        notes.append(f"decode {impl} rel err {err:.1e}")
        if err > 2e-2:
            raise SystemExit(f"decode attention {impl} is wrong here (rel err {err})")
    return notes


class Layer:
    """One TP rank's shard of a Llama decoder layer (Megatron split: heads and FFN columns)."""

    def __init__(self, cfg: dict, tp: int, dist: Dist):
        self.dist = dist
        self.d = cfg["hidden"]
        self.hd = cfg["head_dim"]
        self.hq = cfg["heads"] // tp
        self.hkv = max(1, cfg["kv_heads"] // tp)
        self.f = cfg["ffn"] // tp
        opts = dict(device="cuda", dtype=torch.bfloat16)
        std = 0.02
        self.w_qkv = torch.empty((self.hq + 2 * self.hkv) * self.hd, self.d, **opts).normal_(0, std)
        self.w_o = torch.empty(self.d, self.hq * self.hd, **opts).normal_(0, std)
        self.w_gate_up = torch.empty(2 * self.f, self.d, **opts).normal_(0, std)
        self.w_down = torch.empty(self.d, self.f, **opts).normal_(0, std)
        self.norm_in = torch.ones(self.d, **opts)
        self.norm_post = torch.ones(self.d, **opts)

    def _mlp_and_residuals(self, x: torch.Tensor, attn: torch.Tensor) -> torch.Tensor:
        o = F.linear(attn, self.w_o)
        self.dist.all_reduce(o)
        x, h = Elementwise.add_norm(x, o, self.norm_post)
        m = F.linear(Elementwise.silu_mul(F.linear(h, self.w_gate_up)), self.w_down)
        self.dist.all_reduce(m)
        return Elementwise.add(x, m)

    def _qkv(self, x, cos, sin):
        t = x.shape[0]
        h = Elementwise.norm(x, self.norm_in)
        qkv = F.linear(h, self.w_qkv)
        q, k, v = qkv.split([self.hq * self.hd, self.hkv * self.hd, self.hkv * self.hd], dim=-1)
        q, k = Elementwise.rope_qk(q.view(t, self.hq, self.hd), k.view(t, self.hkv, self.hd), cos, sin)
        return q, k, v.view(t, self.hkv, self.hd)

    def prefill(self, x, cos, sin, k_cache, v_cache, history: int):
        # x: [n, d] (one sequence of n new tokens); caches: [1, Hkv, >= history + n, D]
        n = x.shape[0]
        q, k, v = self._qkv(x, cos, sin)
        k_cache[0, :, history:history + n].copy_(k.transpose(0, 1))
        v_cache[0, :, history:history + n].copy_(v.transpose(0, 1))
        s = history + n
        attn = Attention.prefill(q.transpose(0, 1).unsqueeze(0), k_cache[:, :, :s], v_cache[:, :, :s], history)
        attn = attn[0].transpose(0, 1).reshape(n, self.hq * self.hd)
        return self._mlp_and_residuals(x, attn)

    def decode(self, x, cos, sin, k_cache, v_cache):
        # x: [B, d] (one new token per sequence); caches: [B, Hkv, context, D]; the new token's
        # K/V go to the last slot, so `context` counts it.
        b = x.shape[0]
        q, k, v = self._qkv(x, cos, sin)
        k_cache[:, :, -1].copy_(k)
        v_cache[:, :, -1].copy_(v)
        g = self.hq // self.hkv
        attn = Attention.decode(q.view(b, self.hkv, g, self.hd), k_cache, v_cache)
        return self._mlp_and_residuals(x, attn.reshape(b, self.hq * self.hd))


class Head:
    """Token embedding of the step's input tokens plus final norm and LM head (vocab split by TP;
    the logits all-gather is left out: sampling needs only the local top-k in real engines)."""

    def __init__(self, cfg: dict, tp: int):
        opts = dict(device="cuda", dtype=torch.bfloat16)
        self.embedding = torch.empty(cfg["vocab"] // tp, cfg["hidden"], **opts).normal_(0, 0.02)
        self.lm_head = torch.empty(cfg["vocab"] // tp, cfg["hidden"], **opts).normal_(0, 0.02)
        self.norm = torch.ones(cfg["hidden"], **opts)

    def run(self, ids: torch.Tensor, rows: int) -> torch.Tensor:
        x = F.embedding(ids, self.embedding)
        return F.linear(rms_norm(x[-rows:], self.norm), self.lm_head)


def time_graph(fn, dist: Dist, target_s: float = 0.25, max_reps: int = 50, graph_ok: bool = True) -> tuple[float, str]:
    """Median ms of one call of fn: captured in a CUDA graph and replayed (falls back to eager
    launches when capture fails). Each replay is bracketed by its own pair of events."""
    s = torch.cuda.Stream()
    s.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(s):
        for _ in range(2):
            fn()  # warm-up: kernel selection, workspace allocation, NCCL communicators
    torch.cuda.current_stream().wait_stream(s)
    torch.cuda.synchronize()
    mode = "graph"
    graph = torch.cuda.CUDAGraph() if graph_ok else None
    run = fn
    if graph is None:
        mode = "eager"
    else:
        try:
            with torch.cuda.graph(graph):
                fn()
            run = graph.replay
        except Exception as exc:  # noqa: BLE001
            log(f"  graph capture failed ({type(exc).__name__}: {str(exc).splitlines()[0][:100]}); timing eager launches")
            graph = None
            torch.cuda.synchronize()
            mode = "eager"
            run = fn
    dist.barrier()
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    run()
    end.record()
    torch.cuda.synchronize()
    first = max(start.elapsed_time(end), 1e-3)
    reps = int(min(max_reps, max(3, target_s * 1000 / first)))
    reps = int(dist.max(reps))  # every rank must replay the same number of all-reduces
    events = [(torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)) for _ in range(reps)]
    dist.barrier()
    for a, b in events:
        a.record()
        run()
        b.record()
    torch.cuda.synchronize()
    times = sorted(a.elapsed_time(b) for a, b in events)
    median = times[len(times) // 2]
    del graph
    return dist.max(median), mode


class Profiler:
    def __init__(self, cfg: dict, tp: int, dist: Dist, timed_layers: int):
        self.cfg = cfg
        self.tp = tp
        self.dist = dist
        torch.manual_seed(1234 + dist.rank)
        self.layers = [Layer(cfg, tp, dist) for _ in range(timed_layers)]
        self.head = Head(cfg, tp)
        self.hkv = self.layers[0].hkv
        self.modes: set[str] = set()
        self.decode_choice: dict[str, int] = {}
        self.prefill_choice: dict[str, int] = {}

    def _rope_tables(self, t: int):
        hd = self.cfg["head_dim"]
        angles = torch.rand(t, 1, hd, device="cuda", dtype=torch.float32) * 6.28
        return angles.cos().to(torch.bfloat16), angles.sin().to(torch.bfloat16)

    def _scale(self, graph_ms: float) -> float:
        return self.cfg["layers"] * graph_ms / len(self.layers)

    def head_ms(self, input_tokens: int, logit_rows: int) -> float:
        ids = torch.randint(0, self.cfg["vocab"] // self.tp, (input_tokens,), device="cuda")
        ms, mode = time_graph(lambda: self.head.run(ids, logit_rows), self.dist)
        self.modes.add(mode)
        return ms

    def prefill_ms(self, history: int, tokens: int) -> tuple[float, float]:
        cfg = self.cfg
        opts = dict(device="cuda", dtype=torch.bfloat16)
        x = torch.randn(tokens, cfg["hidden"], **opts)
        cos, sin = self._rope_tables(tokens)
        k_cache = torch.randn(1, self.hkv, history + tokens, cfg["head_dim"], **opts)
        v_cache = torch.randn_like(k_cache)

        def step():
            h = x
            for layer in self.layers:
                h = layer.prefill(h, cos, sin, k_cache, v_cache, history)
            return h

        best = None
        for backend in Attention.PREFILL_BACKENDS:
            Attention.prefill_backend = backend
            try:
                ms, mode = time_graph(step, self.dist)
            except torch.OutOfMemoryError:
                raise
            except Exception as exc:  # noqa: BLE001 - e.g. cuDNN has no kernel for this shape
                log(f"  prefill h={history} n={tokens} {backend}: {type(exc).__name__}: {str(exc).splitlines()[0][:100]}")
                torch.cuda.synchronize()
                continue
            self.modes.add(mode)
            if best is None or ms < best[0]:
                best = (ms, backend)
        Attention.prefill_backend = "default"
        if best is None:
            raise RuntimeError(f"no attention backend ran prefill h={history} n={tokens}")
        layers_ms = best[0]
        self.prefill_choice[best[1]] = self.prefill_choice.get(best[1], 0) + 1
        head = self.head_ms(tokens, 1)
        return self._scale(layers_ms) + head, layers_ms / len(self.layers)

    def decode_ms(self, batch: int, context: int) -> tuple[float, float]:
        cfg = self.cfg
        opts = dict(device="cuda", dtype=torch.bfloat16)
        x = torch.randn(batch, cfg["hidden"], **opts)
        cos, sin = self._rope_tables(batch)
        # One cache shared by the timed layers: at these sizes it is far larger than L2, so the
        # second layer re-reads it from HBM as a real layer would read its own.
        k_cache = torch.randn(batch, self.hkv, context, cfg["head_dim"], **opts)
        v_cache = torch.randn_like(k_cache)

        def step():
            h = x
            for layer in self.layers:
                h = layer.decode(h, cos, sin, k_cache, v_cache)
            return h

        best = None
        for impl in Attention.DECODE_IMPLS:
            Attention.decode_impl = impl
            try:
                ms, mode = time_graph(step, self.dist)
            except torch.OutOfMemoryError:
                torch.cuda.empty_cache()
                continue
            self.modes.add(mode)
            if best is None or ms < best[0]:
                best = (ms, impl)
        if best is None:
            raise torch.OutOfMemoryError("decode point did not fit")
        self.decode_choice[best[1]] = self.decode_choice.get(best[1], 0) + 1
        Attention.decode_impl = best[1]
        head = self.head_ms(batch, batch)
        return self._scale(best[0]) + head, best[0] / len(self.layers)


def kv_copy_ms(cfg: dict, tp: int, tokens: int, src: int, dst: int, dist: Dist) -> tuple[float, str]:
    """Copy the KV cache of `tokens` tokens of one TP rank (all layers, one copy per layer, as a
    layer-wise transfer does) from GPU `src` to GPU `dst`. Timed like the layers (graph replays,
    so CPU launch gaps stay out of it; eager launches where the copy cannot be captured)."""
    hkv = max(1, cfg["kv_heads"] // tp)
    per_layer = 2 * hkv * cfg["head_dim"] * tokens
    # A buffer pair per layer while they fit in KV_COPY_BUFFER_BYTES, so that small copies are not
    # served from L2 on the second layer; past that, pairs are reused round-robin (each then is
    # far larger than L2).
    pairs = max(1, min(cfg["layers"], KV_COPY_BUFFER_BYTES // (2 * 2 * per_layer)))
    sources = [torch.randn(per_layer, device=f"cuda:{src}", dtype=torch.bfloat16) for _ in range(pairs)]
    targets = [torch.empty(per_layer, device=f"cuda:{dst}", dtype=torch.bfloat16) for _ in range(pairs)]

    def copy_all():
        for layer in range(cfg["layers"]):
            targets[layer % pairs].copy_(sources[layer % pairs], non_blocking=True)

    with torch.cuda.device(src):
        # A peer copy between GPUs cannot be captured (the capture fails and poisons the stream):
        # those are timed as eager launches, which adds the CPU's launch gaps to small copies.
        ms, mode = time_graph(copy_all, dist, target_s=0.1, graph_ok=src == dst)
        torch.cuda.synchronize(dst)
    if not all(torch.equal(a[-8:].cpu(), b[-8:].cpu()) for a, b in zip(sources, targets)):
        raise SystemExit("KV copy check failed: destination differs from source")
    return ms, mode


def driver_version() -> str:
    try:
        out = subprocess.run(["nvidia-smi", "--query-gpu=driver_version", "--format=csv,noheader"],
                             capture_output=True, text=True, timeout=30).stdout.strip().splitlines()
        return out[0] if out else "unknown"
    except Exception:  # noqa: BLE001
        return "unknown"


def fmt(ms: float) -> str:
    return f"{ms:.4g}" if ms < 1000 else f"{ms:.1f}"


def parse_list(text: str | None, default: list[int]) -> list[int]:
    return default if not text else [int(v) for v in text.split(",") if v.strip()]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True, choices=sorted(MODELS))
    ap.add_argument("--tp", type=int, default=1, help="tensor-parallel degree (TP > 1: launch with torchrun --nproc-per-node TP)")
    ap.add_argument("--out", required=True, help="CSV file to write (directories are created)")
    ap.add_argument("--timed-layers", type=int, default=2, help="layers captured per graph; the time is scaled to the model's layer count")
    ap.add_argument("--prefill-history", help=f"comma list (default {PREFILL_HISTORY})")
    ap.add_argument("--prefill-tokens", help=f"comma list (default {PREFILL_TOKENS})")
    ap.add_argument("--decode-batch", help=f"comma list (default {DECODE_BATCH})")
    ap.add_argument("--decode-context", help=f"comma list (default {DECODE_CONTEXT})")
    ap.add_argument("--decode-max-tokens", type=int, default=DECODE_MAX_TOKENS, help="skip decode points whose batch x context exceeds this")
    ap.add_argument("--kv-copy-tokens", help=f"comma list (default {KV_COPY_TOKENS})")
    ap.add_argument("--fuse", choices=("compile", "none"), default="compile",
                    help="compile the norm/RoPE/SiLU ops into fused kernels as serving engines do (default), or leave them eager")
    ap.add_argument("--max-context", type=int, default=131072, help="skip points whose history + tokens exceed this (Llama-3.1: 128k)")
    args = ap.parse_args()

    if not torch.cuda.is_available():
        raise SystemExit("no CUDA GPU visible: the profiler measures a GPU")
    cfg = MODELS[args.model]
    tp = args.tp
    if cfg["heads"] % tp or cfg["ffn"] % tp or cfg["vocab"] % tp:
        raise SystemExit(f"TP {tp} does not divide the heads/FFN/vocabulary of {args.model}")
    dist = Dist(tp)
    is_main = dist.rank == 0
    started = time.time()
    torch.backends.cuda.matmul.allow_tf32 = False

    notes = choose_attention()
    if is_main:
        log(f"attention probe: {'; '.join(notes)}")
    elementwise = Elementwise.fuse() if args.fuse == "compile" else Elementwise.mode
    if is_main:
        log(f"elementwise ops: {elementwise}")
    prof = Profiler(cfg, tp, dist, args.timed_layers)

    rows: list[str] = []
    skipped: list[str] = []
    layer_ms_log: list[str] = []

    for history in parse_list(args.prefill_history, PREFILL_HISTORY):
        for tokens in parse_list(args.prefill_tokens, PREFILL_TOKENS):
            if history + tokens > args.max_context:
                continue
            try:
                ms, layer_ms = prof.prefill_ms(history, tokens)
            except torch.OutOfMemoryError:
                torch.cuda.empty_cache()
                skipped.append(f"prefill h={history} n={tokens} (out of memory)")
                continue
            rows.append(f"prefill,{tp},{history},{tokens},,,{fmt(ms)}")
            layer_ms_log.append(f"prefill h={history} n={tokens}: layer {layer_ms:.4f} ms, model {ms:.3f} ms")
            if is_main:
                log(layer_ms_log[-1])

    for batch in parse_list(args.decode_batch, DECODE_BATCH):
        for context in parse_list(args.decode_context, DECODE_CONTEXT):
            if batch * context > args.decode_max_tokens or context > args.max_context:
                continue
            try:
                ms, layer_ms = prof.decode_ms(batch, context)
            except torch.OutOfMemoryError:
                torch.cuda.empty_cache()
                skipped.append(f"decode b={batch} c={context} (out of memory)")
                continue
            rows.append(f"decode,{tp},,,{batch},{context},{fmt(ms)}")
            layer_ms_log.append(f"decode b={batch} c={context}: layer {layer_ms:.4f} ms, model {ms:.3f} ms")
            if is_main:
                log(layer_ms_log[-1])

    prof_modes = prof.modes
    prefill_summary = ", ".join(f"{b} ({count} points)" for b, count in sorted(prof.prefill_choice.items())) or "none"
    decode_summary = ", ".join(f"{impl} ({count} points)" for impl, count in sorted(prof.decode_choice.items())) or "none"
    # Free the timed layers before the copies, which need room for the largest transfers.
    del prof
    torch.cuda.empty_cache()
    gpus = torch.cuda.device_count()
    if tp == 1 and gpus >= 2:
        src, dst = 0, 1
        can_peer = torch.cuda.can_device_access_peer(0, 1)
        copy_path = f"GPU 0 -> GPU 1 ({'peer access' if can_peer else 'no peer access: staged by the driver'})"
    else:
        src = dst = torch.cuda.current_device()
        copy_path = "within one GPU (device-to-device memcpy; the host has no spare GPU for a second replica)"
    copy_modes: set[str] = set()
    if is_main or tp > 1:
        for tokens in parse_list(args.kv_copy_tokens, KV_COPY_TOKENS):
            try:
                ms, mode = kv_copy_ms(cfg, tp, tokens, src, dst, dist)
                copy_modes.add(mode)
            except torch.OutOfMemoryError:
                torch.cuda.empty_cache()
                skipped.append(f"kv_copy n={tokens} (out of memory)")
                continue
            rows.append(f"kv_copy,{tp},,{tokens},,,{fmt(ms)}")
            if is_main:
                hkv = max(1, cfg["kv_heads"] // tp)
                gb = 2 * hkv * cfg["head_dim"] * 2 * tokens * cfg["layers"] / 1e9
                log(f"kv_copy n={tokens}: {ms:.3f} ms, {gb / ms * 1e3:.0f} GB/s")

    if not is_main:
        return
    props = torch.cuda.get_device_properties(0)
    header = [
        "# pdplan-profile v1",
        f"# gpu: {props.name}",
        f"# model: {cfg['name']}",
        f"# tp: {tp}",
        f"# driver: {driver_version()}",
        f"# torch: {torch.__version__}",
        f"# cuda: {torch.version.cuda}",
        f"# date: {_dt.datetime.now(_dt.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}",
        f"# gpus on host: {gpus} ({props.total_memory / 2**30:.0f} GiB, {props.multi_processor_count} SMs each)",
        "# weights: random BF16 (normal, std 0.02); activations BF16; KV cache BF16",
        f"# scaling: model_ms = {cfg['layers']} layers x (graph of {args.timed_layers} layers) / {args.timed_layers}"
        " + embedding, final norm and LM head (timed separately)",
        f"# timing: CUDA {'/'.join(sorted(prof_modes))} replays, median of events per replay; GPU time only (no scheduler, sampling or detokenisation)",
        f"# attention: prefill {Attention.prefill_impl}, fastest per point of SDPA backends {', '.join(Attention.PREFILL_BACKENDS)}: {prefill_summary}; decode fastest per point of {', '.join(Attention.DECODE_IMPLS)}: {decode_summary}",
        f"# elementwise: {Elementwise.mode}",
        f"# kv_copy: {cfg['layers']} per-layer copies of one rank's K and V, {copy_path}; timed as CUDA {' and '.join(sorted(copy_modes))} (graph: replays; eager: launches from Python)",
        f"# command: {' '.join(['profile_gpu.py'] + sys.argv[1:])}",
        f"# duration: {time.time() - started:.0f} s",
    ]
    if skipped:
        header.append(f"# skipped: {'; '.join(skipped)}")
    header.append("op,tp,history,tokens,batch,context,ms")
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        f.write("\n".join(header + rows) + "\n")
    log(f"wrote {args.out}: {len(rows)} rows in {time.time() - started:.0f} s")


if __name__ == "__main__":
    main()
