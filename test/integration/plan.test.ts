import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runPlanCommand, type PlannerDepsFactory } from '../../src/cli/commands/plan';
import { main } from '../../src/cli/main';
import { captureIo } from '../helpers/io';
import { fakeDeps, highsReady } from '../unit/plan/fixtures';

// The CLI around the planner, with the stand-in simulator of the planner's unit tests (the real
// one runs in worker threads from the bundle).
const example = 'examples/toolbench-qwen3-32b.pdplan.yaml';
// The stand-in's replicas are slower than the real ones: the example at the rate its stand-in budget carries.
const files = {
  [example]: fs
    .readFileSync(path.join(__dirname, '..', '..', example), 'utf8')
    .replace(/ratePerSec: 7\b/, 'ratePerSec: 2'),
};
const standIn: PlannerDepsFactory = async (plan) => ({
  deps: fakeDeps(plan, await highsReady).deps,
  dispose: async () => {},
});

test('plan --json carries the documented fields', async () => {
  const io = captureIo(files);
  const code = await runPlanCommand([example, '--json', '--top', '3'], io, standIn);
  assert.ok(code === 0 || code === 1, io.stderr);
  const out = JSON.parse(io.stdout);
  assert.equal(out.objective, 'max-attainment');
  assert.ok(Array.isArray(out.recommended.prefill) || Array.isArray(out.recommended.colocated));
  if (out.recommended.prefill) {
    assert.ok(out.recommended.decode.every((g: { tp: number; dp: number }) => g.tp >= 1 && g.dp >= 1));
  }
  assert.ok(out.candidates.length >= 2);
  out.candidates.forEach((c: Record<string, any>, i: number) => {
    assert.equal(c.rank, i + 1);
    assert.equal(typeof c.gpus, 'number');
    assert.equal(typeof c.predicted.sloAttainment, 'number');
    assert.equal(typeof c.predicted.localPrefillRatio, 'number');
    assert.ok(c.prefill || c.colocated);
    // Per-GPU figures: the window's output rate and goodput divided by the layout's GPUs, headroom per GPU when bracketed.
    if (!c.predicted.unstable) {
      assert.ok(c.perGpu.outputTokensPerSecPerGpu > 0);
      assert.ok(Math.abs(c.perGpu.goodputPerGpu * c.gpus - c.predicted.goodput) < 1e-9);
    }
    if (c.headroom && !c.headroom.isLowerBound && c.headroom.ratePerSec > 0)
      assert.ok(Math.abs(c.perGpu.headroomPerGpu * c.gpus - c.headroom.ratePerSec) < 1e-9);
    assert.equal(c.cost.gpus, c.gpus);
  });
  assert.equal(out.solver.status, 'Optimal');
  assert.equal(typeof out.solver.ms, 'number');
  assert.ok(out.wallMs > 0);
});

test('plan prints a ranked table, router settings and how to read it', async () => {
  const io = captureIo(files);
  await runPlanCommand([example, '--sweep-rate', '1:4:4'], io, standIn);
  assert.match(io.stdout, /Recommended: /);
  assert.match(
    io.stdout,
    /#\s+Prefill\s+Decode\s+GPUs\s+Attain ±95%\s+Headroom\/s\s+Tok\/s\/GPU · headroom\/GPU\s+Turn-1\s+Turn-2\+/,
  );
  assert.match(io.stdout, /How to read this/);
  assert.match(io.stdout, /Attainment against arrival rate/);
  assert.match(io.stdout, /ILP \(HiGHS\): Optimal/);
});

test('bad arguments and unreadable files are usage errors with a fix', async () => {
  for (const [args, message] of [
    [['--objective', 'fastest', example], /--objective 'fastest' is not one of min-p95-latency/],
    [['--sweep-rate', '5:1:3', example], /FROM:TO:STEPS/],
    [['--top', 'x', example], /--top must be a whole number from 1 to 20/],
    [[], /name one plan file/],
    [['missing.yaml'], /cannot read 'missing.yaml' \(no such file\)/],
  ] as const) {
    const io = captureIo(files);
    assert.equal(await main(['plan', ...args], io), 2);
    assert.match(io.stderr, message);
  }
});

test('an impossible plan exits 1 with its reason', async () => {
  const tiny = files[example].replace('gpuBudget: 8', 'gpuBudget: 1');
  const io = captureIo({ 'tiny.yaml': tiny });
  assert.equal(await runPlanCommand(['tiny.yaml'], io, standIn), 1);
  assert.match(io.stdout, /No deployment can be recommended/);
});

test('a plan naming a measured profile is planned on it: the simulators get the parsed profile', async () => {
  const csvPath = path.resolve(__dirname, '..', '..', 'catalog', 'profiles', 'h100-llama-3.1-8b.csv');
  const plan = (profileLine: string) =>
    [
      'version: 1',
      'model: Llama-3.1-8B',
      'cluster: { gpu: H100-SXM, gpusPerNode: 8, nodes: 1, intraNode: { bandwidthGBps: 450, latencyUs: 5 } }',
      'workload: { profile: HotpotQA, arrival: { process: poisson, ratePerSec: 1 }, sessions: 40, seed: 1 }',
      'slo: { ttftMs: 2000, itlMs: 50, attainmentTarget: 0.9 }',
      'planner: { gpuBudget: 4, tpDegrees: [1, 2] }',
      profileLine,
      '',
    ].join('\n');
  const files = {
    '/virtual/built-in.pdplan.yaml': plan('perf: { profile: h100-llama-3.1-8b }'),
    '/virtual/relative.pdplan.yaml': plan('perf: { profile: measured/h100.csv }'),
    '/virtual/none.pdplan.yaml': plan(''),
    [csvPath]: fs.readFileSync(csvPath, 'utf8'),
    '/virtual/measured/h100.csv': fs.readFileSync(csvPath, 'utf8'),
  };
  const received = new Map<string, unknown>();
  const said = new Map<string, unknown>();
  for (const file of Object.keys(files).filter((f) => f.endsWith('.yaml'))) {
    const recording: PlannerDepsFactory = async (p, profile) => {
      received.set(file, profile);
      return standIn(p);
    };
    const io = captureIo(files);
    const code = await runPlanCommand([file, '--json'], io, recording);
    assert.ok(code === 0 || code === 1, `${file}: ${io.stderr}`);
    said.set(file, JSON.parse(io.stdout).perf.profile);
  }
  assert.deepEqual(
    [...said.values()],
    ['h100-llama-3.1-8b', 'measured/h100.csv', null],
    'the JSON names the profile the simulations ran on',
  );
  for (const file of ['/virtual/built-in.pdplan.yaml', '/virtual/relative.pdplan.yaml']) {
    const profile = received.get(file) as { metadata: Record<string, string>; prefill: unknown[] } | undefined;
    assert.ok(profile, `${file}: no profile reached the simulators`);
    assert.equal(profile.metadata.gpu, 'NVIDIA H100 80GB HBM3');
    assert.ok(profile.prefill.length > 0);
  }
  assert.equal(received.get('/virtual/none.pdplan.yaml'), undefined);
});

test('plan reports an unreadable profile the plan names at its line, before planning', async () => {
  const text =
    fs.readFileSync(path.join(__dirname, '..', '..', example), 'utf8') + 'perf: { profile: missing/profile.csv }\n';
  const io = captureIo({ '/virtual/p.pdplan.yaml': text });
  let planned = false;
  const code = await runPlanCommand(['/virtual/p.pdplan.yaml'], io, async (p) => {
    planned = true;
    return standIn(p);
  });
  assert.equal(code, 1);
  assert.equal(planned, false);
  assert.match(io.stderr, /PDP070.*missing\/profile\.csv/);
});

test('a plan that replays a trace is planned on distributions fitted to it, and says so', async () => {
  const traceText = fs.readFileSync(
    path.join(__dirname, '..', '..', 'examples', 'traces', 'toolbench-sample.jsonl'),
    'utf8',
  );
  const text = fs
    .readFileSync(path.join(__dirname, '..', '..', example), 'utf8')
    .replace(/workload:\n( {2}.*\n)+/, 'workload:\n  trace: traces/sample.jsonl\n  durationSec: 120\n');
  assert.match(text, /trace: traces\/sample\.jsonl/);
  const files = { '/virtual/t.pdplan.yaml': text, '/virtual/traces/sample.jsonl': traceText };
  let planned: import('../../src/core/spec/types').Plan | undefined;
  const io = captureIo(files);
  const code = await runPlanCommand(['/virtual/t.pdplan.yaml'], io, async (p, profile) => {
    planned = p;
    return standIn(p, profile);
  });
  assert.ok(code === 0 || code === 1, io.stderr);
  assert.ok(planned);
  assert.equal(planned.workload.trace, undefined, 'the simulators draw from the fitted distributions');
  assert.equal(planned.workload.rounds.kind, 'empirical');
  const arrivals = traceText
    .split('\n')
    .filter((l) => l.includes('arrivalMs'))
    .map((l) => JSON.parse(l).arrivalMs as number);
  const expectedRate = ((arrivals.length - 1) * 1000) / (Math.max(...arrivals) - Math.min(...arrivals));
  assert.ok(
    Math.abs(planned.workload.arrival.ratePerSec - expectedRate) / expectedRate < 1e-3,
    `${planned.workload.arrival.ratePerSec} vs ${expectedRate}`,
  );
  assert.match(
    io.stdout,
    /Note: planned on distributions fitted to the trace traces\/sample\.jsonl \(\d+ sessions, 14 rounds\)/,
  );
});

test('plan --verify enumerates every layout of a small budget and reports the planner against it', async () => {
  const small = files[example].replace('gpuBudget: 8', 'gpuBudget: 4');
  const io = captureIo({ 'small.yaml': small });
  const code = await runPlanCommand(['small.yaml', '--verify'], io, standIn);
  assert.match(io.stdout, /Verify small\.yaml: every layout within 4 GPUs \(\d+\) simulated with long runs/);
  for (const check of ['pick', 'min-gpus', 'max-rate'])
    assert.match(io.stdout, new RegExp(`^${check}\\s+pass\\s`, 'm'), io.stdout);
  assert.equal(code, 0);
  const json = captureIo({ 'small.yaml': small });
  assert.equal(await runPlanCommand(['small.yaml', '--verify', '--json'], json, standIn), 0);
  const report = JSON.parse(json.stdout);
  assert.equal(report.pass, true);
  assert.ok(report.layouts.length >= 10 && report.checks.length === 3);
  assert.equal(typeof report.maxRate.ratePerSec, 'number');
});
