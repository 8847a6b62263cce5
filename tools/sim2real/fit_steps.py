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


def load(rate):
    return [{k: float(v) for k, v in r.items()} for r in csv.DictReader(open(os.path.join(HERE, f'steps-{rate}.csv')))]


print('\nLarge steps (at least 100 requests, 50 where none has 100): with prefill tokens vs decode only')
print('| rate | with prefill: steps, median ms, mean query tokens, mean KV tokens | decode only: steps, median ms |')
print('|---|---|---|')
for rate in RATES:
    rows = load(rate)
    floor = 100 if any(r['requests'] >= 100 for r in rows) else 50
    big = [r for r in rows if r['requests'] >= floor]
    mixed = [r for r in big if r['queryTokens'] > r['decodes']]
    plain = [r for r in big if r['queryTokens'] == r['decodes']]
    if not mixed:
        continue
    med = lambda rs: statistics.median(r['endMs'] - r['startMs'] for r in rs)  # noqa: E731
    q = statistics.fmean(r['queryTokens'] for r in mixed)
    kv = statistics.fmean(r['kvTokens'] for r in mixed)
    plain_txt = f'{len(plain)}, {med(plain):.0f}' if plain else '-'
    print(f'| {rate} (≥ {floor}) | {len(mixed)}, {med(mixed):.0f}, {q:.0f}, {kv / 1000:.0f} k | {plain_txt} |')

# Prefix reuse across rounds: match each round's first token to the step that produced it; where that
# step's only prefill was this round, compare the tokens it computed with the round's history and new tokens.
print('\nPrefix reuse: steps whose only prefill was a later round (rounds matched by first-token time)')
import bisect  # noqa: E402
import json  # noqa: E402
for rate in RATES[:4]:
    steps = load(rate)
    ends = [s['endMs'] for s in steps]
    blocks = whole = total = 0
    for line in open(os.path.join(HERE, f'rounds-{rate}.jsonl')):
        r = json.loads(line)
        if r['round'] == 0:
            continue
        t = r['readyMs'] + r['tokenMs'][0]
        i = bisect.bisect_left(ends, t - 0.5)
        if i >= len(steps) or abs(steps[i]['endMs'] - t) > 2 or steps[i]['requests'] - steps[i]['decodes'] != 1:
            continue
        computed = steps[i]['queryTokens'] - steps[i]['decodes']
        total += 1
        blocks += computed == r['newTokens'] + r['historyTokens'] % 256
        whole += computed == r['newTokens']
    print(f'rate {rate}: {total} steps; computed = new + history mod 256 in {blocks}, = new alone in {whole}')
