/**
 * The routing decision of every policy other than adaptive (test/unit/sim/adaptive.test.ts), on
 * hand-built costs: each test states the rule from the policy's description and checks both sides
 * of it, so a policy that always answered one way would fail.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { POLICIES } from '../../../src/core/sim/policies';
import { DEFAULT_KV_TTL_MS } from '../../../src/core/sim/policies/continuum';
import { DEFAULT_MAX_REMOTE_QUEUE, DEFAULT_MIN_REMOTE_PREFILL_TOKENS } from '../../../src/core/sim/policies/prfaas';
import { DEFAULT_MAX_LOCAL_PREFILL_TOKENS } from '../../../src/core/sim/policies/threshold';
import type { LocalOption, PrefillTaskView, RemoteOption, RoutingContext } from '../../../src/core/sim/policies/policy';
import type { PolicySpec, RoutingOf, RoutingPolicyName, SloSpec } from '../../../src/core/spec/types';

const SLO: SloSpec = { ttftMs: 1000, itlMs: 50, attainmentTarget: 0.9, scope: 'session', itlStatistic: 'mean' };
const POLICY = {
  alpha: 0.9,
  beta: 0.9,
  reorderWindow: 1,
  maxPostpone: 3,
  statsWindowSec: 10,
  maxDecodeBatch: 256,
  maxBatchTokens: 16384,
} as PolicySpec;

function remote(worker: number, o: Partial<RemoteOption> = {}): RemoteOption {
  return { worker, queueMs: 0, prefillMs: 100, transferMs: 10, queueLength: 0, windowTtftMs: 200, ...o };
}

function local(o: Partial<LocalOption> = {}): LocalOption {
  return { queueMs: 0, prefillMs: 100, windowItlMs: 20, batchSize: 8, meanRemainingTokens: 50, ...o };
}

function task(o: Partial<PrefillTaskView> = {}): PrefillTaskView {
  return { historyTokens: 1000, newTokens: 200, incremental: true, ...o };
}

function route<N extends RoutingPolicyName>(
  routing: RoutingOf<N>,
  t: PrefillTaskView,
  remotes: RemoteOption[],
  localOption = local(),
) {
  const ctx: RoutingContext<N> = { slo: SLO, policy: POLICY, routing, local: localOption, remotes };
  return POLICIES[routing.name as N].route(t, ctx);
}

// Worker 1 finishes soonest: queue + prefill + transfer is 60 against 310 and 160.
const REMOTES = [remote(0, { queueMs: 200 }), remote(1, { queueMs: 0, prefillMs: 50 }), remote(2, { queueMs: 50 })];

test('remote: every prefill, initial or incremental, goes to the prefill worker that finishes it first', () => {
  assert.deepEqual(route({ name: 'remote' }, task({ incremental: false }), REMOTES), { kind: 'remote', worker: 1 });
  assert.deepEqual(route({ name: 'remote' }, task({ incremental: true }), REMOTES), { kind: 'remote', worker: 1 });
  // The cheapest by total cost, not by queue alone: worker 0 has no queue but a slow transfer.
  const slowLink = [remote(0, { transferMs: 500 }), remote(1, { queueMs: 100 })];
  assert.deepEqual(route({ name: 'remote' }, task(), slowLink), { kind: 'remote', worker: 1 });
});

test("local: incremental prefills on the session's decode worker, initial ones on the cheapest prefill worker", () => {
  assert.deepEqual(route({ name: 'local' }, task({ incremental: true }), REMOTES), { kind: 'local' });
  assert.deepEqual(route({ name: 'local' }, task({ incremental: false, historyTokens: 0 }), REMOTES), {
    kind: 'remote',
    worker: 1,
  });
});

test('threshold: local at or below the uncached-token threshold, remote above it', () => {
  const routing: RoutingOf<'threshold'> = { name: 'threshold', maxLocalPrefillTokens: 512 };
  assert.deepEqual(route(routing, task({ newTokens: 512 }), REMOTES), { kind: 'local' });
  assert.deepEqual(route(routing, task({ newTokens: 513 }), REMOTES), { kind: 'remote', worker: 1 });
  // The rule is on uncached tokens only: an initial prefill under the threshold runs locally too.
  assert.deepEqual(route(routing, task({ newTokens: 100, incremental: false }), REMOTES), { kind: 'local' });
  // Unset, the threshold is the policy's default.
  assert.deepEqual(route({ name: 'threshold' }, task({ newTokens: DEFAULT_MAX_LOCAL_PREFILL_TOKENS }), REMOTES), {
    kind: 'local',
  });
  assert.deepEqual(route({ name: 'threshold' }, task({ newTokens: DEFAULT_MAX_LOCAL_PREFILL_TOKENS + 1 }), REMOTES), {
    kind: 'remote',
    worker: 1,
  });
});

test('threshold with a decode-batch limit: local only while the running batch is within it', () => {
  const routing: RoutingOf<'threshold'> = { name: 'threshold', maxLocalPrefillTokens: 512, maxLocalDecodeBatch: 8 };
  assert.deepEqual(route(routing, task({ newTokens: 100 }), REMOTES, local({ batchSize: 8 })), { kind: 'local' });
  assert.deepEqual(route(routing, task({ newTokens: 100 }), REMOTES, local({ batchSize: 9 })), {
    kind: 'remote',
    worker: 1,
  });
});

test('ppd: initial prefills stay remote; an increment runs where its weighted TTFT and ITL score is lower', () => {
  const routing: RoutingOf<'ppd'> = { name: 'ppd', ttftWeight: 0.5 };
  assert.deepEqual(route(routing, task({ incremental: false }), REMOTES, local({ prefillMs: 1 })), {
    kind: 'remote',
    worker: 1,
  });
  // A short local prefill on an idle batch scores better than any remote: local.
  assert.deepEqual(route(routing, task(), REMOTES, local({ prefillMs: 10, batchSize: 0 })), { kind: 'local' });
  // A long local queue costs TTFT: the remote option (60 ms) wins.
  assert.deepEqual(route(routing, task(), REMOTES, local({ queueMs: 2000 })), { kind: 'remote', worker: 1 });
  // The same local option, a stall of 300 ms over 10 remaining tokens (+30 ms ITL on a 50 ms SLO):
  // weighted towards ITL it goes remote, weighted towards TTFT it stays local.
  const stalling = local({ prefillMs: 300, meanRemainingTokens: 10, batchSize: 8 });
  const slowRemote = [remote(0, { queueMs: 600 })];
  assert.deepEqual(route({ name: 'ppd', ttftWeight: 0.1 }, task(), slowRemote, stalling), {
    kind: 'remote',
    worker: 0,
  });
  assert.deepEqual(route({ name: 'ppd', ttftWeight: 0.9 }, task(), slowRemote, stalling), { kind: 'local' });
});

test('prfaas: short prefills stay local; long ones go to the remote cluster unless every queue there is too long', () => {
  const routing: RoutingOf<'prfaas'> = { name: 'prfaas', minRemotePrefillTokens: 2048, maxRemoteQueue: 4 };
  assert.deepEqual(route(routing, task({ newTokens: 2047 }), REMOTES), { kind: 'local' });
  assert.deepEqual(route(routing, task({ newTokens: 2048 }), REMOTES), { kind: 'remote', worker: 1 });
  // Worker 1 is over the queue limit: the cheapest of the open ones takes it.
  const busy = [remote(0, { queueMs: 200, queueLength: 4 }), remote(1, { prefillMs: 50, queueLength: 5 })];
  assert.deepEqual(route(routing, task({ newTokens: 4096 }), busy), { kind: 'remote', worker: 0 });
  const full = [remote(0, { queueLength: 5 }), remote(1, { queueLength: 9 })];
  assert.deepEqual(route(routing, task({ newTokens: 4096 }), full), { kind: 'local' });
  // Unset, both limits are the policy's defaults.
  assert.deepEqual(route({ name: 'prfaas' }, task({ newTokens: DEFAULT_MIN_REMOTE_PREFILL_TOKENS - 1 }), REMOTES), {
    kind: 'local',
  });
  const atDefaultLimit = [remote(0, { queueLength: DEFAULT_MAX_REMOTE_QUEUE })];
  assert.deepEqual(route({ name: 'prfaas' }, task({ newTokens: DEFAULT_MIN_REMOTE_PREFILL_TOKENS }), atDefaultLimit), {
    kind: 'remote',
    worker: 0,
  });
});

test("colocated and continuum: every prefill on the session's own worker; continuum puts sessions in flight first and pins their KV", () => {
  for (const name of ['colocated', 'continuum'] as const) {
    assert.equal(POLICIES[name].colocated, true, name);
    assert.deepEqual(route({ name }, task({ incremental: false, newTokens: 100_000 }), []), { kind: 'local' }, name);
    assert.deepEqual(route({ name }, task({ incremental: true }), []), { kind: 'local' }, name);
  }
  assert.equal(POLICIES.colocated.localPriority, undefined, 'colocated serves its queue first come, first served');
  const continuum = POLICIES.continuum;
  assert.ok(
    continuum.localPriority!(task({ incremental: true })) < continuum.localPriority!(task({ incremental: false })),
  );
  assert.equal(continuum.kvPinMs!({ name: 'continuum', kvTtlMs: 1234 }), 1234);
  assert.equal(continuum.kvPinMs!({ name: 'continuum' }), DEFAULT_KV_TTL_MS);
  // The disaggregated policies need prefill workers.
  for (const name of ['adaptive', 'remote', 'local', 'threshold', 'ppd', 'prfaas'] as const)
    assert.equal(POLICIES[name].colocated, false, name);
});
