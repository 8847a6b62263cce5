import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { JobClient } from '../../../src/extension/jobClient';

// The extension's job worker, the real one, behind the job protocol: an entry point like the CLI.
const realWorker = join(__dirname, '../../fixtures/extension/sourceJobWorker.js');
const text = [
  'version: 1',
  'model: Llama-3.1-8B',
  'cluster: { gpu: H100-SXM, gpusPerNode: 8, nodes: 1 }',
  'workload: { profile: HotpotQA, arrival: { process: poisson, ratePerSec: 1 }, sessions: 20, seed: 1 }',
  'slo: { ttftMs: 2000, itlMs: 50 }',
  'deployment: P:1x1,D:1x1',
  '',
].join('\n');
const source = { text, fileName: '/w/p.pdplan.yaml' };

test('the job worker checks a layout and sweep rates as the plan file and the CLI do', async (t) => {
  const client = new JobClient(realWorker);
  t.after(() => client.dispose());
  const refused = async (job: Parameters<JobClient['run']>[0], message: RegExp) => {
    await assert.rejects(client.run(job).promise, (error: unknown) => {
      assert.match(String((error as Error).message ?? error), message);
      return true;
    });
  };
  await refused(
    { type: 'sweep', source, deployment: { kind: 'colocated', colocated: [{ tp: 7, dp: 1 }] }, rates: [1] },
    /deployment C:7x1: TP 7 does not divide the 32 attention heads .*\(PDP030\)/,
  );
  await refused(
    { type: 'sweep', source, deployment: { kind: 'colocated', colocated: [{ tp: 1, dp: 999999999 }] }, rates: [1] },
    /more replicas than a deployment may have/,
  );
  await refused(
    {
      type: 'sweep',
      source,
      deployment: { kind: 'disaggregated' as const, prefill: [{ tp: 1, dp: 1 }], decode: [{ tp: 1, dp: 1 }] },
      rates: [1, 1e9],
    },
    /sweep rate of 1000000000 sessions\/s is outside 0.001–100000/,
  );
  const { result } = await client.run({
    type: 'sweep',
    source,
    deployment: { kind: 'disaggregated' as const, prefill: [{ tp: 1, dp: 1 }], decode: [{ tp: 1, dp: 1 }] },
    rates: [1],
  }).promise;
  assert.equal(result.kind, 'sweep');
});
