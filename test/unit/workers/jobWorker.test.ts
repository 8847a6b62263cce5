import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { JobClient } from '../../../src/extension/jobClient';
import { formatDeployment, parseDeploymentSpec } from '../../../src/core/spec/deployment';
import type { Deployment } from '../../../src/core/spec/types';
import { Cancelled } from '../../../src/core/control';
import { defaultSweepRates } from '../../../src/workers/jobProtocol';

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
    const { result } = await client.run({ type: 'simulate', source: { text, fileName: '/w/p.pdplan.yaml', files } })
      .promise;
    assert.equal(result.kind, 'simulate');
    if (result.kind !== 'simulate') return NaN;
    timesFrom.push(result.timesFrom);
    return result.sim.metrics.ttftMs.p50;
  };
  const analytic = await ttftP50(planText(''));
  const measured = await ttftP50(planText('perf: { profile: profiles/h100.csv }'), { 'profiles/h100.csv': profileCsv });
  const builtIn = await ttftP50(planText('perf: { profile: h100-llama-3.1-8b }'), {
    'catalog/profiles/h100-llama-3.1-8b.csv': profileCsv,
  });
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

test('a variant simulated in the job worker runs on its own profile, the base plan on its own', async (t) => {
  const client = new JobClient(realWorker);
  t.after(() => client.dispose());
  const text = planText(
    'variants:\n  measured: { perf: { profile: profiles/h100.csv } }\n  same: { slo: { ttftMs: 2000 } }',
  );
  const files = { 'profiles/h100.csv': profileCsv };
  const run = async (variant?: string) => {
    const { result } = await client.run({
      type: 'simulate',
      source: { text, fileName: '/w/p.pdplan.yaml', files, variant },
    }).promise;
    if (result.kind !== 'simulate') throw new Error('not a simulate result');
    return { ttft: result.sim.metrics.ttftMs.p50, timesFrom: result.timesFrom };
  };
  const base = await run();
  const measured = await run('measured');
  const same = await run('same');
  assert.equal(base.timesFrom, 'analytical performance model', "the base plan ran on a variant's profile");
  assert.equal(measured.timesFrom, 'measured profile profiles/h100.csv');
  assert.notEqual(measured.ttft, base.ttft);
  assert.deepEqual(same, base);
});

test('a sweep of a plan that replays a trace time-scales it to multiples of its recorded rate', async (t) => {
  const client = new JobClient(realWorker);
  t.after(() => client.dispose());
  // 60 sessions, one every 500 ms: 2 sessions/s recorded; three rounds each.
  const trace = Array.from({ length: 60 }, (_, i) => [
    { session: `s${i}`, round: 0, arrivalMs: i * 500, inputTokens: 6000, outputTokens: 80 },
    { session: `s${i}`, round: 1, thinkMs: 300, inputTokens: 900, outputTokens: 60 },
    { session: `s${i}`, round: 2, thinkMs: 300, inputTokens: 900, outputTokens: 60 },
  ])
    .flat()
    .map((line) => JSON.stringify(line))
    .join('\n');
  const text = planText('').replace(/^workload: .*$/m, 'workload: { trace: t.jsonl, warmupSessions: 0 }');
  const sweep = (rates: number[], files?: Record<string, string>) =>
    client.run({ type: 'sweep', source: { text, fileName: '/w/p.pdplan.yaml', files }, rates, relativeToTrace: true })
      .promise;
  const { result } = await sweep([0.5, 1, 16], { 't.jsonl': trace });
  if (result.kind !== 'sweep') throw new Error('not a sweep result');
  assert.deepEqual(
    result.points.map((p) => p.ratePerSec),
    [1, 2, 32],
  );
  const attainment = result.points.map((p) => p.sloAttainment);
  // Before, every point replayed the trace as recorded: a flat curve.
  assert.ok(
    attainment[2] < attainment[0],
    `attainment ${attainment.join(', ')} does not fall as the trace is replayed faster`,
  );
  // An untrusted workspace sends no files: the trace has no rate to sweep around, and the job says so.
  await assert.rejects(sweep([1]), /t\.jsonl was not read/);
  // Nor does a simulation, which has nothing else to run (before: 'the arrival rate must be above 0').
  await assert.rejects(
    client.run({ type: 'simulate', source: { text, fileName: '/w/p.pdplan.yaml' } }).promise,
    /trace t\.jsonl was not read.*trust the workspace/,
  );
});

test('a plan job on a plan that replays a trace plans on the fitted workload, and sweeps around its rate', async (t) => {
  // The plan job runs simulations in dist/simWorker.js threads: the bundle `npm test` builds first.
  const client = new JobClient(join(__dirname, '../../../dist/jobWorker.js'));
  t.after(() => client.dispose());
  const trace = [0, 1, 2, 3, 4, 5, 6, 7]
    .flatMap((i) => [
      { session: `s${i}`, round: 0, arrivalMs: i * 250, inputTokens: 1200 + 100 * i, outputTokens: 60 },
      { session: `s${i}`, round: 1, thinkMs: 400, inputTokens: 300, outputTokens: 40 },
    ])
    .map((line) => JSON.stringify(line))
    .join('\n');
  const text = [
    'version: 1',
    'model: Llama-3.1-8B',
    'cluster: { gpu: H100-SXM, gpusPerNode: 2, nodes: 1 }',
    'workload: { trace: t.jsonl, sessions: 40 }',
    'slo: { ttftMs: 2000, itlMs: 50, attainmentTarget: 0.9 }',
    'planner: { gpuBudget: 2, tpDegrees: [1], topK: 2 }',
    '',
  ].join('\n');
  const plan = async (workload: string) => {
    const source = {
      text: text.replace(/^workload: .*$/m, workload),
      fileName: '/w/p.pdplan.yaml',
      files: { 't.jsonl': trace },
    };
    // What the extension asks for: rates around the plan's written rate (none, for a trace alone).
    const { result } = await client.run({ type: 'plan', source, sweepRates: [0.5, 1] }).promise;
    assert.equal(result.kind, 'plan');
    if (result.kind !== 'plan') throw new Error('not a plan result');
    return result;
  };
  // A trace alone: the plan's rate resolves to 0, so the sweep goes around the trace's.
  const alone = await plan('workload: { trace: t.jsonl, sessions: 40 }');
  assert.equal(alone.ratePerSec, 4, 'eight sessions 250 ms apart arrive at 4 sessions/s');
  assert.ok(
    alone.plan.notes?.some((n) => n.includes('fitted to the trace t.jsonl (8 sessions, 16 rounds)')),
    JSON.stringify(alone.plan.notes),
  );
  assert.ok(alone.plan.candidates.length > 0);
  // The planner sweeps evenly between the lowest and highest rate asked for.
  const around = defaultSweepRates(4);
  const swept = alone.plan.rateSweep?.[0].points.map((p) => p.ratePerSec) ?? [];
  assert.deepEqual([swept[0], swept.at(-1), swept.length], [Math.min(...around), Math.max(...around), around.length]);
  // A written rate of 2: the requested rates are scaled by 4 / 2.
  const written = await plan('workload: { trace: t.jsonl, sessions: 40, arrival: { ratePerSec: 2 } }');
  assert.deepEqual(
    written.plan.rateSweep?.[0].points.map((p) => p.ratePerSec),
    [1, 2],
  );
});

const paretoPlan = [
  'version: 1',
  'model: Llama-3.1-8B',
  'cluster: { gpu: H100-SXM, gpusPerNode: 8, nodes: 1 }',
  'workload: { profile: HotpotQA, arrival: { process: poisson, ratePerSec: 1 }, seed: 1 }',
  'slo: { ttftMs: 2000, itlMs: 50, attainmentTarget: 0.9 }',
  'planner: { gpuBudget: 3, tpDegrees: [1] }',
  '',
].join('\n');

test("a Pareto job in the worker reports progress after each simulation and returns both views' frontiers", async (t) => {
  const client = new JobClient(realWorker);
  t.after(() => client.dispose());
  const fractions: number[] = [];
  const { result } = await client.run(
    { type: 'pareto', source: { text: paretoPlan, fileName: '/w/p.pdplan.yaml' } },
    (f) => fractions.push(f),
  ).promise;
  assert.equal(result.kind, 'pareto');
  if (result.kind !== 'pareto') return;
  const { pareto } = result;
  assert.deepEqual(pareto.layouts, ['P:1x1,D:1x2', 'P:1x2,D:1x1', 'C:1x3']);
  assert.equal(pareto.points.length, pareto.simulations);
  assert.deepEqual(
    pareto.frontiers.session.map((f) => f.against),
    ['tokensPerSecPerUser', 'ttftP90Ms'],
  );
  assert.deepEqual(
    pareto.frontiers.round.map((f) => f.against),
    ['turn1TtftP90Ms', 'turn2plusTtftP90Ms'],
  );
  assert.ok(pareto.frontiers.session[0].all.length > 0);
  assert.ok(fractions.length >= 3, `progress ${fractions.join(', ')}`);
  assert.ok(
    fractions.every((f, i) => i === 0 || f >= fractions[i - 1]),
    'progress never goes back',
  );
  assert.equal(result.timesFrom, 'analytical performance model');
});

test('a cancelled Pareto job stops between simulations in the worker, which then runs the next job', async (t) => {
  // A grace long enough that only the worker's own `cancelled` answer can end the job (no termination).
  const client = new JobClient(realWorker, { cancelGraceMs: 60_000 });
  t.after(() => client.dispose());
  let cancel = () => {};
  let progressCalls = 0;
  const handle = client.run(
    {
      type: 'pareto',
      source: { text: paretoPlan.replace('gpuBudget: 3', 'gpuBudget: 8'), fileName: '/w/p.pdplan.yaml' },
    },
    () => {
      if (++progressCalls === 1) cancel();
    },
  );
  cancel = handle.cancel;
  await assert.rejects(handle.promise, Cancelled);
  const after = await client.run({
    type: 'simulate',
    source: { text: paretoPlan + 'deployment: P:1x1,D:1x1\n', fileName: '/w/p.pdplan.yaml' },
  }).promise;
  assert.equal(after.result.kind, 'simulate');
});

function layout(text: string): Deployment {
  const parsed = parseDeploymentSpec(text);
  if ('error' in parsed) throw new Error(parsed.error);
  return parsed.deployment;
}

test("an export job returns the deployment files of the plan's layout with its TP, and a clear error for a layout that does not fit", async (t) => {
  const client = new JobClient(realWorker);
  t.after(() => client.dispose());
  const source = { text: paretoPlan + 'deployment: P:1x2,D:2x1\n', fileName: '/w/p.pdplan.yaml' };
  const { result } = await client.run({ type: 'exportDeployment', source, format: 'vllm' }).promise;
  assert.equal(result.kind, 'exportDeployment');
  if (result.kind !== 'exportDeployment') return;
  assert.equal(formatDeployment(result.deployment), 'P:1x2,D:2x1');
  const scripts = result.files.map((f) => f.content).join('\n');
  assert.match(scripts, /--tensor-parallel-size 2/);
  assert.ok(result.files.some((f) => f.executable));
  const dynamo = await client.run({
    type: 'exportDeployment',
    source,
    deployment: layout('P:1x1,D:1x1'),
    format: 'dynamo',
  }).promise;
  if (dynamo.result.kind !== 'exportDeployment') throw new Error('not an export');
  assert.match(dynamo.result.files[0].content, /kind: DynamoGraphDeployment/);
  await assert.rejects(
    client.run({ type: 'exportDeployment', source, deployment: layout('P:16x1,D:1x1'), format: 'vllm' }).promise,
    /16/,
  );
});
