#!/usr/bin/env python3
"""Drive Hugging Face transformers' continuous-batching engine with multi-round sessions.

A randomly initialised Llama-3.1-8B-shaped model (BF16, weights never loaded: timing does not
depend on their values) is served by `model.init_continuous_batching()` on one GPU. Two phases,
each optional:

  --profile   step times of the engine itself (prefill of n tokens on a history of h, decode steps
              of batch b at context c), written as a `# pdplan-profile v1` CSV like tools/profiler's
  --rates     multi-round sessions from a workload profile of catalog/workloads.json, Poisson
              arrivals, one run per rate; every round's token timestamps go to rounds-<rate>.jsonl
              and the sessions actually driven to trace-<rate>.jsonl (pdplan's trace format)

End-of-sequence is disabled, so every round decodes exactly the output tokens asked for.
Usage: python3 tools/sim2real/engine_run.py --out DIR [--profile] [--rates 2,4,6,8] [--seconds 75]
"""
import argparse
import heapq
import json
import math
import os
import platform
import random
import statistics
import sys
import time
import traceback

LLAMA_8B = dict(hidden_size=4096, intermediate_size=14336, num_hidden_layers=32, num_attention_heads=32,
                num_key_value_heads=8, head_dim=128, vocab_size=128256, max_position_embeddings=131072,
                rms_norm_eps=1e-5, rope_theta=500000.0, tie_word_embeddings=False)


def log(*args):
    print(f'[{time.strftime("%H:%M:%S")}]', *args, flush=True)


# ---- workload sampling (the distributions of catalog/workloads.json) ----

def sample(rng, dist):
    if isinstance(dist, (int, float)):
        return float(dist)
    kind = dist['kind']
    if kind == 'constant':
        v = dist['value']
    elif kind == 'lognormal':
        mean, std = dist['mean'], dist['std']
        sigma2 = math.log(1 + (std / mean) ** 2)
        v = rng.lognormvariate(math.log(mean) - sigma2 / 2, math.sqrt(sigma2))
    elif kind == 'exponential':
        v = rng.expovariate(1 / dist['mean'])
    elif kind == 'uniform':
        v = rng.uniform(dist['min'], dist['max'])
    elif kind == 'normal':
        v = rng.gauss(dist['mean'], dist['std'])
    else:
        raise SystemExit(f'workload distribution kind {kind!r} is not supported by engine_run.py')
    if 'min' in dist and kind != 'uniform':
        v = max(v, dist['min'])
    if 'max' in dist and kind != 'uniform':
        v = min(v, dist['max'])
    return v


def draw_sessions(profile, rate, seconds, seed):
    """Sessions arriving in [0, seconds) at `rate` per second: arrival, and per round new tokens, output tokens, tool wait."""
    rng = random.Random(seed)
    sessions, t = [], 0.0
    while True:
        t += rng.expovariate(rate)
        if t >= seconds:
            return sessions
        rounds = max(1, round(sample(rng, profile['rounds'])))
        spec = []
        for r in range(rounds):
            new = max(1, round(sample(rng, profile['initialPromptTokens' if r == 0 else 'incrementalTokens'])))
            out = max(1, round(sample(rng, profile['outputTokens'])))
            wait = max(0.0, sample(rng, profile['toolLatencyMs'])) if r > 0 else 0.0
            spec.append({'new': new, 'out': out, 'thinkMs': wait})
        sessions.append({'id': f's{len(sessions)}', 'arrival': t, 'rounds': spec})


# ---- engine ----

def build_engine(args):
    import torch
    import transformers
    from transformers import GenerationConfig, LlamaConfig, LlamaForCausalLM
    info = {'torch': torch.__version__, 'transformers': transformers.__version__, 'python': platform.python_version(),
            'gpu': torch.cuda.get_device_name(0), 'cuda': torch.version.cuda}
    log('versions', info)
    config = LlamaConfig(**LLAMA_8B, bos_token_id=1, eos_token_id=None, pad_token_id=0)
    torch.manual_seed(0)
    t0 = time.time()
    with torch.device('cuda'):
        torch.set_default_dtype(torch.bfloat16)
        model = LlamaForCausalLM(config)
        torch.set_default_dtype(torch.float32)
    model = model.to(torch.bfloat16).eval()
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0.0, 0.02)  # never zeros: tensor cores can run faster on them
    log(f'model built in {time.time() - t0:.1f} s, {sum(p.numel() for p in model.parameters()) / 1e9:.2f} B parameters,',
        f'{torch.cuda.memory_allocated() / 2**30:.1f} GiB')
    gen = GenerationConfig(max_new_tokens=64, do_sample=False, eos_token_id=None, pad_token_id=0, bos_token_id=1)
    kwargs = {}
    cb_fields = {}
    if args.block_size or args.max_batch_tokens or args.num_blocks or args.cuda_graph != 'default':
        try:
            from transformers.generation.configuration_utils import ContinuousBatchingConfig
            if args.block_size:
                cb_fields['block_size'] = args.block_size
            if args.max_batch_tokens:
                cb_fields['max_batch_tokens'] = args.max_batch_tokens
            if args.num_blocks:
                cb_fields['num_blocks'] = args.num_blocks
            if args.cuda_graph != 'default':
                cb_fields['use_cuda_graph'] = args.cuda_graph == 'on'
            kwargs['continuous_batching_config'] = ContinuousBatchingConfig(**cb_fields)
        except Exception as e:  # older API: settings through the generation config
            log('ContinuousBatchingConfig unavailable, passing settings on the generation config:', repr(e))
            for k, v in cb_fields.items():
                setattr(gen, k, v)
    manager = model.init_continuous_batching(generation_config=gen, **kwargs)
    manager.start()
    # Wait until the batch processor exists so its resolved settings can be recorded.
    for _ in range(600):
        if getattr(manager, 'batch_processor', None) is not None:
            break
        time.sleep(0.05)
    info['engine'] = describe(manager)
    log('engine', json.dumps(info['engine']))
    return model, manager, info


def describe(manager):
    out = {}
    bp = getattr(manager, 'batch_processor', None)
    cache = getattr(bp, 'cache', None)
    for name in ('block_size', 'num_blocks', 'max_batch_tokens', 'use_prefix_sharing', 'num_pages'):
        if cache is not None and hasattr(cache, name):
            v = getattr(cache, name)
            out['cache.' + name] = v if isinstance(v, (int, float, bool, str)) else str(v)
    if bp is not None:
        out['scheduler'] = type(getattr(bp, 'scheduler', None)).__name__
        for name in ('safety_margin', 'retain_cache_on_finish'):
            v = getattr(getattr(bp, 'scheduler', None), name, None)
            if v is not None:
                out['scheduler.' + name] = v
        for name in ('use_cuda_graph_varlen', 'use_cuda_graph_decode', 'use_async_batching', '_pad_inputs'):
            if hasattr(bp, name):
                out[name] = getattr(bp, name)
    cfg = getattr(manager, 'continuous_batching_config', None)
    if cfg is not None:
        try:
            import dataclasses
            out['config'] = {k: (v if isinstance(v, (int, float, bool, str, type(None))) else str(v))
                             for k, v in dataclasses.asdict(cfg).items()}
        except Exception:
            out['config'] = str(cfg)
    out['attn_implementation'] = str(getattr(getattr(manager, 'model', None), 'config', None) and
                                     getattr(manager.model.config, '_attn_implementation', None))
    return out


class StepRecorder:
    """Wraps the engine's scheduler and batch update to log every forward step: its start (scheduling), end (tokens
    out), requests, query tokens (decode tokens + prefill chunk tokens) and KV tokens read."""

    def __init__(self, manager):
        self.steps = []
        self.open = None
        bp = getattr(manager, 'batch_processor', None)
        if bp is None:
            log('step recorder: no batch processor, steps not recorded')
            return
        schedule, update = bp.scheduler.schedule_batch, bp.update_batch

        def schedule_batch(*a, **k):
            t = time.perf_counter()
            res = schedule(*a, **k)
            try:
                reqs, _, q, kv = res
                if reqs:
                    decodes = sum(1 for r in reqs if tokens_of(r) == 1)
                    self.open = (t, len(reqs), decodes, int(q), int(kv))
            except Exception:
                pass
            return res

        def update_batch(*a, **k):
            res = update(*a, **k)
            if self.open is not None:
                self.steps.append(self.open + (time.perf_counter(),))
                self.open = None
            return res

        bp.scheduler.schedule_batch = schedule_batch
        bp.update_batch = update_batch

    def take(self, since):
        rows = [s for s in self.steps if s[0] >= since]
        self.steps = []
        return rows


def tokens_of(r):
    state = getattr(r, 'state', r)
    return len(getattr(state, 'tokens_to_process', []) or [])


class Driver:
    """Submits requests and collects finished ones with their per-token timestamps."""

    def __init__(self, manager):
        self.manager = manager
        self.counter = 0
        self.steps = StepRecorder(manager)

    def submit(self, tokens, max_new):
        self.counter += 1
        rid = f'q{self.counter}'
        self.manager.add_request(input_ids=tokens, request_id=rid, max_new_tokens=max_new, streaming=False,
                                 record_timestamps=True, eos_token_id=-1)
        return rid

    def poll(self, timeout):
        out = self.manager.get_result(timeout=timeout)
        if out is None:
            return None
        if out.error:
            raise RuntimeError(f'request {out.request_id} failed: {out.error}')
        return out


def random_tokens(rng, n):
    return [rng.randrange(1000, 120000) for _ in range(n)]


def run_batch(driver, prompts, max_new):
    """Submits all prompts at once, waits for all; returns the outputs by request id."""
    ids = [driver.submit(p, max_new) for p in prompts]
    want, got = set(ids), {}
    deadline = time.time() + 300
    while want - set(got):
        out = driver.poll(1.0)
        if out is not None:
            got[out.request_id] = out
        if time.time() > deadline:
            raise RuntimeError('engine did not finish a profile batch in 300 s')
    return [got[i] for i in ids]


# ---- phase 1: step-time profile of the engine ----

def profile(driver, args, info):
    rng = random.Random(7)
    rows, notes = [], []
    # Warm up every path (prefill, decode, graphs) before timing.
    for n in (64, 300, 1000):
        run_batch(driver, [random_tokens(rng, n) for _ in range(4)], 16)
    reps = args.reps
    for h in [int(x) for x in args.prefill_history.split(',')]:
        for n in [int(x) for x in args.prefill_tokens.split(',')]:
            times = []
            for _ in range(reps):
                base = random_tokens(rng, h)
                if h > 0:
                    run_batch(driver, [base], 1)  # leaves the history's full blocks in the prefix cache
                out = run_batch(driver, [base + random_tokens(rng, n)], 2)[0]
                times.append((out.timestamps[0] - out.created_time) * 1000)
            rows.append(('prefill', 1, h, n, '', '', statistics.median(times)))
            log(f'prefill h={h} n={n}: {statistics.median(times):.2f} ms (runs {", ".join(f"{t:.1f}" for t in times)})')
    for c in [int(x) for x in args.decode_context.split(',')]:
        for b in [int(x) for x in args.decode_batch.split(',')]:
            if b * c > args.decode_max_tokens:
                continue
            steps = args.decode_steps
            outs = run_batch(driver, [random_tokens(rng, c) for _ in range(b)], steps + 1)
            # Gaps after the last request's first token: every step decodes the whole batch.
            start = max(o.timestamps[0] for o in outs)
            end = min(o.timestamps[-1] for o in outs)
            gaps = []
            for o in outs:
                ts = [t for t in o.timestamps if start <= t <= end]
                gaps += [(b_ - a) * 1000 for a, b_ in zip(ts, ts[1:])]
            if len(gaps) < 4:
                notes.append(f'decode b={b} c={c}: too few shared steps')
                continue
            ms = statistics.median(gaps)
            rows.append(('decode', 1, '', '', b, c + steps // 2, ms))
            log(f'decode b={b} c={c}: {ms:.2f} ms over {len(gaps)} gaps')
    path = os.path.join(args.out, 'engine-profile.csv')
    with open(path, 'w') as f:
        f.write('# pdplan-profile v1\n')
        f.write(f'# gpu: {info["gpu"]}\n# model: meta-llama/Llama-3.1-8B (random BF16 weights, std 0.02)\n# tp: 1\n')
        f.write(f'# torch: {info["torch"]}\n# transformers: {info["transformers"]}\n# cuda: {info["cuda"]}\n')
        f.write(f'# date: {time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}\n')
        f.write('# engine: transformers continuous batching ' + json.dumps(info.get('engine', {})) + '\n')
        f.write('# timing: wall time through the engine (scheduler, paged cache, sampling and Python included), '
                'per-token timestamps recorded by the engine; prefill = first token - request creation, '
                'one request alone, median of ' + str(reps) + '; decode = median gap between consecutive tokens while '
                'all b requests decode, context = prompt + half the steps\n')
        for n_ in notes:
            f.write(f'# note: {n_}\n')
        f.write(f'# command: {" ".join(sys.argv)}\n')
        f.write('op,tp,history,tokens,batch,context,ms\n')
        for r in rows:
            f.write(','.join(str(round(x, 4)) if isinstance(x, float) else str(x) for x in r) + '\n')
    log('wrote', path)


# ---- phase 2: multi-round sessions under Poisson load ----

def run_rate(driver, profile_spec, rate, args, seed):
    sessions = draw_sessions(profile_spec, rate, args.seconds, seed)
    rng = random.Random(seed + 1000)
    events = []  # (time, order, kind, session index, round index)
    order = 0
    t0 = time.perf_counter() + 0.5
    for i, s in enumerate(sessions):
        heapq.heappush(events, (t0 + s['arrival'], order, i, 0))
        order += 1
    history = [[] for _ in sessions]
    inflight = {}
    records = []
    pending = len(sessions)
    max_lag = 0.0
    stop_at = t0 + args.seconds + args.drain_seconds
    while pending > 0:
        now = time.perf_counter()
        while events and events[0][0] <= now:
            due, _, i, r = heapq.heappop(events)
            max_lag = max(max_lag, now - due)
            spec = sessions[i]['rounds'][r]
            prompt = history[i] + random_tokens(rng, spec['new'])
            rid = driver.submit(prompt, spec['out'])
            inflight[rid] = (i, r, due, len(history[i]), prompt)
        if now > stop_at:
            log(f'rate {rate}: {pending} sessions unfinished at the drain limit; cancelling {len(inflight)} requests')
            for rid in inflight:
                driver.manager.cancel_request(rid)
            break
        timeout = max(0.0005, min(0.05, events[0][0] - time.perf_counter())) if events else 0.05
        out = driver.poll(timeout)
        if out is None:
            continue
        if out.request_id not in inflight:
            continue  # a request of an earlier rate, cancelled at its drain limit
        i, r, due, hist, prompt = inflight.pop(out.request_id)
        spec = sessions[i]['rounds'][r]
        ts = out.timestamps or []
        records.append({
            'session': sessions[i]['id'], 'round': r, 'readyMs': round((due - t0) * 1000, 3),
            'submitLagMs': round((out.created_time - due) * 1000, 3),
            'historyTokens': hist, 'newTokens': spec['new'], 'outputTokens': spec['out'],
            'generated': len(out.generated_tokens),
            'tokenMs': [round((t - due) * 1000, 3) for t in ts],
        })
        history[i] = prompt + list(out.generated_tokens)
        if r + 1 < len(sessions[i]['rounds']):
            nxt = sessions[i]['rounds'][r + 1]
            last = ts[-1] if ts else time.perf_counter()
            heapq.heappush(events, (last + nxt['thinkMs'] / 1000, order, i, r + 1))
            order += 1
        else:
            pending -= 1
    wall = time.perf_counter() - t0
    tag = f'{rate:g}'
    steps = driver.steps.take(t0 - 0.5)
    with open(os.path.join(args.out, f'steps-{tag}.csv'), 'w') as f:
        f.write('startMs,requests,decodes,queryTokens,kvTokens,endMs\n')
        for st in steps:
            f.write(f'{(st[0] - t0) * 1000:.3f},{st[1]},{st[2]},{st[3]},{st[4]},{(st[5] - t0) * 1000:.3f}\n')
    with open(os.path.join(args.out, f'rounds-{tag}.jsonl'), 'w') as f:
        for rec in sorted(records, key=lambda x: (int(x['session'][1:]), x['round'])):
            f.write(json.dumps(rec) + '\n')
    with open(os.path.join(args.out, f'trace-{tag}.jsonl'), 'w') as f:
        for s in sessions:
            for r, spec in enumerate(s['rounds']):
                line = {'session': s['id'], 'round': r, 'inputTokens': spec['new'], 'outputTokens': spec['out']}
                if r == 0:
                    line['arrivalMs'] = round(s['arrival'] * 1000, 3)
                else:
                    line['thinkMs'] = round(spec['thinkMs'], 3)
                f.write(json.dumps(line) + '\n')
    ttft = sorted(rec['tokenMs'][0] for rec in records if rec['tokenMs'])
    short = sum(1 for rec in records if rec['generated'] != rec['outputTokens'])
    log(f'rate {rate}/s: {len(sessions)} sessions, {len(records)} rounds in {wall:.1f} s; TTFT p50 '
        f'{ttft[len(ttft) // 2] if ttft else float("nan"):.1f} ms p90 {ttft[int(len(ttft) * 0.9)] if ttft else float("nan"):.1f}'
        f' ms; rounds with another output length {short}; max scheduling lag {max_lag * 1000:.1f} ms')
    return {'rate': rate, 'sessions': len(sessions), 'rounds': len(records), 'wallS': round(wall, 2),
            'unfinishedSessions': pending, 'maxLagMs': round(max_lag * 1000, 2), 'wrongLength': short}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--out', required=True)
    p.add_argument('--profile', action='store_true')
    p.add_argument('--rates', default='')
    p.add_argument('--seconds', type=float, default=75.0, help='arrival span per rate')
    p.add_argument('--drain-seconds', type=float, default=60.0)
    p.add_argument('--workload', default='ToolBench')
    p.add_argument('--seed', type=int, default=1)
    p.add_argument('--block-size', type=int, default=0)
    p.add_argument('--max-batch-tokens', type=int, default=0)
    p.add_argument('--num-blocks', type=int, default=0)
    p.add_argument('--cuda-graph', choices=['default', 'on', 'off'], default='default')
    p.add_argument('--reps', type=int, default=3)
    p.add_argument('--prefill-history', default='0,1024')
    p.add_argument('--prefill-tokens', default='16,64,128,256,512,1024,2048')
    p.add_argument('--decode-batch', default='1,2,4,8,16,32,64,128')
    p.add_argument('--decode-context', default='256,1024,2048')
    p.add_argument('--decode-steps', type=int, default=24)
    p.add_argument('--decode-max-tokens', type=int, default=131072)
    p.add_argument('--time-budget', type=float, default=0, help='skip rates that would start after this many seconds')
    args = p.parse_args()
    os.makedirs(args.out, exist_ok=True)
    start = time.time()
    model, manager, info = build_engine(args)
    driver = Driver(manager)
    driver.steps.take(0)
    summary = {'info': info, 'args': vars(args), 'runs': []}
    try:
        if args.profile:
            profile(driver, args, info)
        if args.rates:
            here = os.path.dirname(os.path.abspath(__file__))
            with open(os.path.join(here, '..', '..', 'catalog', 'workloads.json')) as f:
                spec = next(w for w in json.load(f) if w['name'] == args.workload)
            # One warm-up burst so graph captures and allocator growth happen before any measured rate.
            run_batch(driver, [random_tokens(random.Random(3), n) for n in (200, 500, 900, 300)], 32)
            for k, rate in enumerate(float(x) for x in args.rates.split(',')):
                if args.time_budget and time.time() - start + args.seconds > args.time_budget:
                    log(f'skipping rate {rate}: time budget')
                    continue
                summary['runs'].append(run_rate(driver, spec, rate, args, args.seed + k))
                # Let cancelled requests leave the engine before the next rate starts.
                quiet = time.time() + 5
                while time.time() < quiet:
                    driver.poll(0.2)
    except Exception:
        traceback.print_exc()
        summary['error'] = traceback.format_exc()
    finally:
        summary['engineAfter'] = describe(manager)
        with open(os.path.join(args.out, 'summary.json'), 'w') as f:
            json.dump(summary, f, indent=1, default=str)
        try:
            manager.stop(block=True, timeout=10)
        except Exception as e:
            log('stop:', repr(e))
    log(f'done in {time.time() - start:.0f} s')
    os._exit(0)


if __name__ == '__main__':
    main()
