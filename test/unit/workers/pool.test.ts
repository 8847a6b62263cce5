import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseProfile } from '../../../src/core/perf/profile';
import { Cancelled } from '../../../src/core/control';
import { SimPool } from '../../../src/workers/pool';
import { fakeSimulate, testPlan } from '../plan/fixtures';

const script = path.join(__dirname, '..', '..', 'fixtures', 'plan', 'fakeSimWorker.ts');

test('the pool runs jobs on worker threads and returns results in job order', async () => {
  const plan = testPlan();
  const pool = new SimPool(plan, { script, size: 2 });
  try {
    const jobs = [0.5, 1, 2, 3, 4].map((ratePerSec) => ({
      deployment: { kind: 'disaggregated' as const, prefill: [{ tp: 2, dp: 1 }], decode: [{ tp: 4, dp: 1 }] },
      seed: 1,
      ratePerSec,
    }));
    const seen: number[] = [];
    const results = await pool.runSimulations(jobs, { onProgress: (done: number) => seen.push(done) });
    assert.deepEqual(
      results.map((r) => r.metrics.sloAttainment),
      jobs.map((j) => fakeSimulate(plan, j).metrics.sloAttainment),
    );
    assert.deepEqual(seen, [1, 2, 3, 4, 5]);
  } finally {
    await pool.close();
  }
});

test('cancellation stops a running simulation and rejects the batch', async () => {
  const plan = testPlan();
  const pool = new SimPool(plan, { script, size: 1 });
  try {
    let cancel = false;
    const job = { deployment: { kind: 'colocated' as const, colocated: [{ tp: 8, dp: 1 }] }, seed: 1, sessions: 999 };
    const run = pool.runSimulations([job, job], { isCancelled: () => cancel });
    setTimeout(() => (cancel = true), 300);
    await assert.rejects(run, Cancelled);
    // The worker is free again afterwards.
    const [after] = await pool.runSimulations([{ ...job, sessions: 10 }]);
    assert.equal(after.metrics.sessions, 10);
  } finally {
    await pool.close();
  }
});

test('the real simulation worker uses the measured profile the pool is given', async () => {
  const realScript = path.join(__dirname, '..', '..', '..', 'src', 'workers', 'simWorker.ts');
  const csv = fs.readFileSync(
    path.join(__dirname, '..', '..', '..', 'catalog', 'profiles', 'h100-llama-3.1-8b.csv'),
    'utf8',
  );
  const { profile } = parseProfile(csv, 'h100-llama-3.1-8b.csv');
  assert.ok(profile);
  const plan = testPlan();
  const job = {
    deployment: { kind: 'disaggregated' as const, prefill: [{ tp: 1, dp: 1 }], decode: [{ tp: 1, dp: 1 }] },
    seed: 1,
    sessions: 20,
  };
  const ttftP50 = async (withProfile: boolean) => {
    const pool = new SimPool(plan, { script: realScript, size: 1, profile: withProfile ? profile : undefined });
    try {
      const [result] = await pool.runSimulations([job]);
      return result.metrics.ttftMs.p50;
    } finally {
      await pool.close();
    }
  };
  const [analytic, measured] = [await ttftP50(false), await ttftP50(true)];
  assert.ok(analytic > 0 && measured > 0);
  assert.notEqual(measured, analytic, 'the profile changed nothing: the worker ignored it');
});
