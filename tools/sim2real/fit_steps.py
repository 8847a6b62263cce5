#!/usr/bin/env python3
"""What the engine's step logs (data/steps-<rate>.csv, one line per forward step) say about its step time.

Per run: the median step of small decode-only batches (at most 8 requests, no prefill), and a
least-squares fit  step_ms = fixed + per_pair * (query tokens x KV tokens of the step) / 1e6
(transformers' paged|sdpa path attends over the whole step with one dense mask, so every
(query, KV) pair of the step costs, across sequences too). Plain Python, no GPU.
Usage: python3 tools/sim2real/fit_steps.py
"""
import csv
import os
import statistics

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'data')
RATES = ['0.5', '1', '1.25', '1.6', '2', '3.5', '5', '6.5']


def fit(xs, ys):
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx
    return my - slope * mx, slope


print('| rate | steps | small decode-only step, median ms | fit: fixed ms | fit: ms per million (query x KV) pairs | fit median abs error |')
print('|---|---:|---:|---:|---:|---:|')
for rate in RATES:
    rows = [{k: float(v) for k, v in r.items()} for r in csv.DictReader(open(os.path.join(HERE, f'steps-{rate}.csv')))]
    dur = [r['endMs'] - r['startMs'] for r in rows]
    small = [d for d, r in zip(dur, rows) if r['requests'] <= 8 and r['queryTokens'] == r['decodes']]
    pairs = [r['queryTokens'] * r['kvTokens'] / 1e6 for r in rows]
    fixed, per_pair = fit(pairs, dur)
    err = statistics.median(abs(fixed + per_pair * p - d) / d for p, d in zip(pairs, dur))
    small_ms = f'{statistics.median(small):.0f} ({len(small)})' if small else '-'
    print(f'| {rate} | {len(rows)} | {small_ms} | {fixed:.0f} | {per_pair:.2f} | {err * 100:.0f}% |')
