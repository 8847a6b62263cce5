import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { Cancelled } from '../../../src/core/control';
import { JobClient, jobKey } from '../../../src/extension/jobClient';

const fakeWorker = join(__dirname, '../../fixtures/extension/fakeJobWorker.js');
const source = (fileName: string) => ({ text: 'version: 1', fileName });

test('a job waits for the ready handshake, reports progress and resolves with the result', async () => {
  const client = new JobClient(fakeWorker);
  const progress: string[] = [];
  const { result, cached } = await client.run({ type: 'sweep', source: source('a.pdplan.yaml'), rates: [1] }, (f, m) =>
    progress.push(`${f}:${m}`),
  ).promise;
  assert.deepEqual(progress, ['0.5:half way']);
  assert.equal(cached, false);
  assert.deepEqual(result, { kind: 'sweep', deployment: 'seen 1', points: [] });
  await client.dispose();
});

test('the same job on the same content is answered from the cache, a changed one is not', async () => {
  const client = new JobClient(fakeWorker);
  const spec = { type: 'sweep' as const, source: source('a.pdplan.yaml'), rates: [1, 2] };
  await client.run(spec).promise;
  const again = await client.run(spec).promise;
  assert.equal(again.cached, true);
  const changed = await client.run({ ...spec, source: { ...spec.source, text: 'version: 1\n# edited' } }).promise;
  assert.equal(changed.cached, false);
  assert.notEqual(jobKey(spec), jobKey({ ...spec, rates: [1] }));
  await client.dispose();
});

test('cancel stops a job stuck in a synchronous step by restarting the worker', async (t) => {
  const client = new JobClient(fakeWorker, { cancelGraceMs: 50 });
  t.after(() => client.dispose());
  const stuck = client.run({ type: 'plan', source: source('hang.pdplan.yaml') });
  await new Promise((r) => setTimeout(r, 100));
  stuck.cancel();
  await assert.rejects(stuck.promise, Cancelled);
  // A fresh worker serves the next job.
  const next = await client.run({ type: 'sweep', source: source('b.pdplan.yaml'), rates: [1] }).promise;
  assert.equal(next.result.kind, 'sweep');
  assert.equal((next.result as unknown as { deployment: string }).deployment, 'seen 1', 'served by a new worker');
});
