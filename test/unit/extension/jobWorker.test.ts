import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { JobClient } from '../../../src/extension/jobClient';

// The extension's job worker, the real one, behind the job protocol.
const realWorker = join(__dirname, '../../fixtures/extension/sourceJobWorker.js');
const profileCsv = readFileSync(join(__dirname, '../../../catalog/profiles/h100-llama-3.1-8b.csv'), 'utf8');

const planText = (profile: string) =>
  [
    'version: 1',
    'model: Llama-3.1-8B',
    'cluster: { gpu: H100-SXM, gpusPerNode: 8, nodes: 1, intraNode: { bandwidthGBps: 450, latencyUs: 5 } }',
    'workload: { profile: HotpotQA, arrival: { process: poisson, ratePerSec: 1 }, sessions: 30, seed: 1 }',
    'slo: { ttftMs: 2000, itlMs: 50, attainmentTarget: 0.9 }',
    'deployment: P:1x1,D:1x1',
    profile,
    '',
  ].join('\n');

test('simulations in the job worker use the measured profile the plan names, read by the extension', async (t) => {
  const client = new JobClient(realWorker);
  t.after(() => client.dispose());
  const timesFrom: string[] = [];
  const ttftP50 = async (text: string, files?: Record<string, string>) => {
    const { result } = await client.run({ type: 'simulate', source: { text, fileName: '/w/p.pdplan.yaml', files } }).promise;
    assert.equal(result.kind, 'simulate');
    if (result.kind !== 'simulate') return NaN;
    timesFrom.push(result.timesFrom);
    return result.sim.metrics.ttftMs.p50;
  };
  const analytic = await ttftP50(planText(''));
  const measured = await ttftP50(planText('perf: { profile: profiles/h100.csv }'), { 'profiles/h100.csv': profileCsv });
  const builtIn = await ttftP50(planText('perf: { profile: h100-llama-3.1-8b }'), { 'catalog/profiles/h100-llama-3.1-8b.csv': profileCsv });
  // An untrusted workspace sends no files: the plan still runs, on the analytical model, and says so.
  const unread = await ttftP50(planText('perf: { profile: profiles/h100.csv }'));
  assert.ok(analytic > 0);
  assert.notEqual(measured, analytic, 'the profile changed nothing: the job worker ignored it');
  assert.equal(builtIn, measured, 'a built-in profile and the same file named by path give the same simulation');
  assert.equal(unread, analytic);
  assert.deepEqual(timesFrom, [
    'analytical performance model',
    'measured profile profiles/h100.csv',
    'measured profile h100-llama-3.1-8b',
    'analytical performance model (profile profiles/h100.csv not read)',
  ]);
});
