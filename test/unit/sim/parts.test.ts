import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventQueue } from '../../../src/core/sim/eventQueue';
import { evictFor, markIdle, release, reserve, unmarkIdle } from '../../../src/core/sim/memory';
import { LinkNetwork, TransferPurpose } from '../../../src/core/sim/links';
import { Session } from '../../../src/core/sim/session';
import { LatencySketch, SKETCH_RELATIVE_ERROR } from '../../../src/core/sim/sketch';
import { StabilityMonitor } from '../../../src/core/sim/stability';
import { DecodeBatch, DecodeWorker, PrefillWorker } from '../../../src/core/sim/workers';
import { Rng } from '../../../src/core/sim/random';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { simulate } from '../../../src/core/sim';
import type { SimResult } from '../../../src/core/sim/types';
import { loadPlan } from '../../../src/core/spec';
import { parseDeploymentSpec } from '../../../src/core/spec/deployment';
import { testPlan } from '../../helpers/plan';
import { toyPerf } from '../../helpers/perf';

const session = (order: number, rounds = 1) =>
  new Session(
    {
      id: `s${order}`,
      arrivalMs: 0,
      rounds: Array.from({ length: rounds }, () => ({ inputTokens: 10, outputTokens: 5, thinkMs: 0 })),
    },
    order,
  );

test('event queue: time order, insertion order on ties, growth past its first capacity', () => {
  const q = new EventQueue<string>();
  const rng = new Rng(3);
  const pushed: Array<[number, number, string]> = [];
  for (let i = 0; i < 500; i++) {
    // Few distinct times, so ties are common.
    const t = Math.floor(rng.next() * 20);
    pushed.push([t, i, `e${i}`]);
    q.push(t, i % 7, `e${i}`, i);
  }
  const expected = [...pushed].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  for (const [t, i, name] of expected) {
    assert.ok(q.pop());
    assert.equal(q.time, t);
    assert.equal(q.item, name);
    assert.equal(q.kind, i % 7);
    assert.equal(q.arg, i);
  }
  assert.equal(q.pop(), false);
  assert.equal(q.size, 0);
});

test('event queue: pushes and pops interleaved (freed slots reused) keep time and insertion order', () => {
  const q = new EventQueue<number>();
  const rng = new Rng(11);
  // The reference: every pending event, sorted on each pop.
  let pending: Array<[number, number]> = [];
  let seq = 0;
  let now = 0;
  for (let step = 0; step < 20000; step++) {
    const pushes = Math.floor(rng.next() * 3);
    for (let k = 0; k < pushes; k++) {
      const t = now + Math.floor(rng.next() * 50);
      pending.push([t, seq]);
      q.push(t, seq % 5, seq, seq);
      seq++;
    }
    if (pending.length === 0 || rng.next() < 0.3) continue;
    pending.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const [t, s] = pending[0];
    pending = pending.slice(1);
    assert.ok(q.pop());
    assert.deepEqual([q.time, q.item, q.kind, q.arg], [t, s, s % 5, s]);
    now = t;
  }
  assert.equal(q.size, pending.length);
});

test('event queues sharing their insertion order pop, merged by precedes, in the order of one queue', () => {
  const order = { next: 0 };
  const near = new EventQueue<number>(order);
  const far = new EventQueue<number>(order);
  const one = new EventQueue<number>();
  const rng = new Rng(12);
  for (let i = 0; i < 3000; i++) {
    // Whole-number times, so ties between the two queues are common.
    const t = Math.floor(rng.next() * 100);
    (rng.next() < 0.4 ? far : near).push(t, 1, i);
    one.push(t, 1, i);
  }
  for (;;) {
    const q = far.size > 0 && (near.size === 0 || far.precedes(near)) ? far : near;
    if (!q.pop()) break;
    assert.ok(one.pop());
    assert.deepEqual([q.time, q.item], [one.time, one.item]);
  }
  assert.equal(one.size, 0);
});

test('latency sketch: exact while small, within its stated relative error once bucketed, merges', () => {
  const exact = new LatencySketch();
  for (const v of [5, 1, 4, 2, 3]) exact.add(v);
  assert.deepEqual(exact.summary(), { p50: 3, p90: 5, p95: 5, p99: 5, mean: 3, max: 5 });

  const rng = new Rng(9);
  const values: number[] = [];
  const a = new LatencySketch();
  const b = new LatencySketch();
  for (let i = 0; i < 50_000; i++) {
    const v = Math.exp(rng.normal() * 2 + 3);
    values.push(v);
    (i % 2 ? a : b).add(v);
  }
  a.merge(b);
  values.sort((x, y) => x - y);
  for (const q of [0.5, 0.9, 0.95, 0.99]) {
    const truth = values[Math.ceil(q * values.length) - 1];
    const estimate = a.quantile(q);
    assert.ok(Math.abs(estimate - truth) / truth <= SKETCH_RELATIVE_ERROR + 1e-12, `q${q}: ${estimate} vs ${truth}`);
  }
  assert.equal(a.count, 50_000);
  assert.equal(a.max, values[values.length - 1]);
});

test('decode batch: rounds finish after exactly their remaining steps, and the running sums match a recount', () => {
  const batch = new DecodeBatch();
  const rng = new Rng(4);
  const live = new Map<Session, number>();
  let order = 0;
  for (let step = 0; step < 400; step++) {
    if (rng.next() < 0.6) {
      const s = session(order++);
      s.outputTokens = 1 + Math.floor(rng.next() * 30);
      s.firstTokenMs = step;
      s.contextTokens = 100 + Math.floor(rng.next() * 1000);
      const remaining = s.outputTokens - 1;
      if (remaining > 0) {
        batch.join(s, remaining);
        live.set(s, remaining);
      }
    }
    batch.stepsDone(1);
    for (const [s, left] of live) live.set(s, left - 1);
    const finished = new Set<Session>();
    for (let s = batch.popFinished(); s; s = batch.popFinished()) finished.add(s);
    const due = new Set([...live].filter(([, left]) => left === 0).map(([s]) => s));
    assert.deepEqual(finished, due, `step ${step}`);
    for (const s of due) live.delete(s);
    assert.equal(batch.size, live.size);
    assert.equal(
      batch.remainingTokens,
      [...live.values()].reduce((a, b) => a + b, 0),
    );
    // Context: each round's full context less what it has yet to decode.
    assert.equal(
      batch.context,
      [...live].reduce((a, [s, left]) => a + s.contextTokens - left, 0),
    );
  }
});

test('KV memory evicts idle sessions least recently idle first, never a pinned one, and releases', () => {
  const d = new DecodeWorker(0, 1, 'decode', { cluster: 'main', node: 0 }, toyPerf(), 100, 10_000);
  const sessions = [session(0), session(1), session(2)];
  for (const s of sessions) reserve(d, s, 30);
  assert.equal(d.freeTokens, 10);
  markIdle(d, sessions[1]);
  markIdle(d, sessions[0]);
  markIdle(d, sessions[2]);
  sessions[2].pinnedUntil = 50;
  assert.equal(evictFor(d, 40, 0), 1, 'one eviction frees enough');
  assert.equal(sessions[1].resident, false, 'the least recently idle goes first');
  assert.equal(evictFor(d, 100, 0), 1, 'the pinned one stays');
  assert.equal(sessions[0].resident, false);
  assert.equal(sessions[2].resident, true);
  assert.equal(evictFor(d, 100, 60), 1, 'after its pin expires it may go');
  unmarkIdle(d, sessions[2]);
  release(d, sessions[2]);
  assert.equal(d.usedTokens, 0);
});

test('links share their bandwidth: two equal transfers take twice as long as one', () => {
  const plan = testPlan();
  const perf = toyPerf();
  const net = new LinkNetwork(plan.cluster, perf);
  const w = new PrefillWorker(0, 1, { cluster: 'main', node: 0 }, perf, 10_000);
  const d = new DecodeWorker(0, 1, 'decode', { cluster: 'main', node: 0 }, perf, 1e6, 10_000);
  const link = net.between(w, d);
  assert.equal(net.between(w, d), link, 'cached per pair');
  const alone = perf.kvTransferMs(100, link.spec, 1, 1);
  const a = net.start(link, 100, 1, 1, TransferPurpose.WriteBack, session(0), w, true);
  const b = net.start(link, 100, 1, 1, TransferPurpose.WriteBack, session(1), w, true);
  net.advance(link, 0);
  net.join(link, a.transfer);
  net.join(link, b.transfer);
  const end = net.nextCompletion(link, 0);
  assert.ok(Math.abs(end - 2 * (alone - a.latencyMs)) < 1e-9, `${end} vs ${2 * (alone - a.latencyMs)}`);
  net.advance(link, end);
  const done: typeof link.active = [];
  assert.equal(net.takeFinished(link, done), 2);
  assert.equal(link.sharing, 0);
  assert.equal(net.bytesMoved.intraNode, 2 * perf.kvBytes(100));
});

test('stability: a backlog that climbs through the window is unstable, one that fluctuates is not', () => {
  const climbing = new StabilityMonitor(2, 1000, 1e9, 1e9);
  for (let i = 0; i < 20; i++) climbing.sample(i * 3);
  assert.match(climbing.judgeWindow(10_000) ?? '', /grew through the measurement window/);
  const steady = new StabilityMonitor(2, 1000, 1e9, 1e9);
  for (let i = 0; i < 20; i++) steady.sample(5 + (i % 3) * 4);
  assert.equal(steady.judgeWindow(10_000), undefined);
  const limited = new StabilityMonitor(2, 1000, 50, 60_000);
  assert.match(limited.check(51, 0) ?? '', /backlog reached 51/);
  assert.match(new StabilityMonitor(2, 1000, 50, 60_000).check(1, 61_000) ?? '', /waited 61 s/);
});

test('decode steps run several to an event with exactly the results of one event per step', () => {
  const cases = [
    ['hotpotqa-llama-3.1-70b', 'P:4x1,D:4x1', ['adaptive', 'local', 'threshold', 'ppd']],
    ['toolbench-qwen3-32b', 'C:4x2', ['colocated', 'continuum']],
    // Overloaded: where the run stops must not depend on the grouping either.
    ['dureader-llama-3.1-70b', 'P:4x1,D:4x1', ['adaptive', 'remote']],
  ] as const;
  for (const [example, layout, policies] of cases) {
    const plan = loadPlan(
      readFileSync(join(__dirname, '..', '..', '..', 'examples', `${example}.pdplan.yaml`), 'utf8'),
    ).plan!;
    const parsed = parseDeploymentSpec(layout);
    if ('error' in parsed) throw new Error(parsed.error);
    for (const name of policies) {
      const run = (stepRuns: boolean): SimResult =>
        simulate({
          plan,
          deployment: parsed.deployment,
          routing: { name },
          ratePerSec: plan.workload.arrival.ratePerSec * 2,
          measure: { sessions: 200, maxReplications: 1 },
          stepRuns,
          timeSeries: true,
        });
      const grouped = run(true);
      const single = run(false);
      // Busy time of a run of steps is added once instead of step by step: equal to the last bits.
      const rounded = (m: SimResult['metrics']) =>
        JSON.stringify(m, (_key, value) => (typeof value === 'number' ? Number(value.toPrecision(10)) : value));
      assert.equal(rounded(grouped.metrics), rounded(single.metrics), `${example} ${layout} ${name}`);
      assert.equal(grouped.events, single.events, `${example} ${layout} ${name}: the same events, grouped or not`);
    }
  }
});

test('shared session draws give generateSessions its sessions bit for bit, at any rate, past what they keep', async () => {
  const { sessionGenerator, sharedSessionSource } = await import('../../../src/core/sim/workload');
  const plan = testPlan();
  const take = (source: { next(): unknown }, n: number) => Array.from({ length: n }, () => source.next());
  // Two rates on one seed, then the first again: the second and third read the first's draws.
  for (const rate of [3, 0.7, 3]) {
    assert.deepEqual(
      take(sharedSessionSource(plan.workload, rate, 5), 500),
      take(sessionGenerator(plan.workload, rate, 5), 500),
    );
  }
  // Two runs of the same seed advancing in turn, one of them past the 32,768 sessions kept.
  const a = sharedSessionSource(plan.workload, 2, 6);
  const b = sharedSessionSource(plan.workload, 9, 6);
  const fresh = sessionGenerator(plan.workload, 9, 6);
  take(a, 100);
  const far = take(b, 40000);
  assert.deepEqual(far.slice(-3), take(fresh, 40000).slice(-3));
  assert.deepEqual(take(a, 3), take(sessionGenerator(plan.workload, 2, 6), 103).slice(100));
  // Gamma arrivals are drawn afresh and match too.
  const gamma = { ...plan.workload, arrival: { process: 'gamma' as const, ratePerSec: 2, cv: 2 } };
  assert.deepEqual(take(sharedSessionSource(gamma, 2, 7), 200), take(sessionGenerator(gamma, 2, 7), 200));
});
