import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { main } from '../../src/cli/main';
import { captureIo } from '../helpers/io';

const root = path.join(__dirname, '..', '..');
function repoIo(extra: Record<string, string> = {}) {
  const io = captureIo(extra);
  const inMemory = io.readFile;
  io.readFile = (file: string) => (file in extra ? inMemory(file) : fs.readFileSync(path.resolve(root, file), 'utf8'));
  io.exists = (file: string) => file in extra || fs.existsSync(path.resolve(root, file));
  return io;
}

test('simulate --json has the documented fields and is byte-identical for a seed', async () => {
  const args = [
    'simulate',
    'examples/toolbench-qwen3-32b.pdplan.yaml',
    '--deployment',
    'P:2x2,D:2x2',
    '--sessions',
    '200',
    '--seed',
    '3',
    '--json',
  ];
  const a = repoIo();
  assert.equal(await main(args, a), 0, a.stderr);
  const result = JSON.parse(a.stdout);
  for (const key of ['sloAttainment', 'localPrefillRatio', 'goodput', 'unstable'])
    assert.ok(key in result.metrics, key);
  for (const key of ['p50', 'p90', 'p95', 'p99']) {
    assert.equal(typeof result.metrics.ttftMs[key], 'number');
    assert.equal(typeof result.metrics.itlMs[key], 'number');
  }
  assert.equal(typeof result.metrics.turn1.sloAttainment, 'number');
  assert.equal(typeof result.metrics.turn2plus.sloAttainment, 'number');
  assert.equal(result.policy, 'adaptive');
  assert.equal(result.seed, 3);
  assert.deepEqual(result.deployment, {
    kind: 'disaggregated',
    prefill: [{ tp: 2, dp: 2 }],
    decode: [{ tp: 2, dp: 2 }],
  });
  const b = repoIo();
  await main(args, b);
  const strip = (text: string) => JSON.stringify({ ...JSON.parse(text), wallMs: 0 });
  assert.equal(strip(a.stdout), strip(b.stdout));
});

test('simulate replays a trace the plan names', async () => {
  const io = repoIo();
  assert.equal(
    await main(['simulate', 'examples/all-features.pdplan.yaml', '--variant', 'recorded-trace', '--json'], io),
    0,
    io.stderr,
  );
  const result = JSON.parse(io.stdout);
  assert.ok(result.metrics.sessions > 0);
});

test('bad options and inputs give clear messages, never a stack trace', async () => {
  const cases: Array<[string[], RegExp, number]> = [
    [['simulate'], /exactly one plan file/, 2],
    [['simulate', 'examples/toolbench-qwen3-32b.pdplan.yaml', '--policy', 'fastest'], /unknown policy 'fastest'/, 2],
    [['simulate', 'examples/toolbench-qwen3-32b.pdplan.yaml', '--deployment', 'P:4'], /--deployment: 'P:4' is not/, 2],
    [['simulate', 'examples/toolbench-qwen3-32b.pdplan.yaml'], /has no 'deployment'/, 2],
    [
      ['simulate', 'examples/toolbench-qwen3-32b.pdplan.yaml', '--deployment', 'P:8x1,D:8x1'],
      /--deployment: the deployment uses 16 GPUs but the cluster has 8 .*PDP033/,
      1,
    ],
    [
      ['simulate', 'examples/toolbench-qwen3-32b.pdplan.yaml', '--deployment', 'C:2x4', '--policy', 'remote'],
      /co-located/,
      1,
    ],
    [['simulate', 'missing.pdplan.yaml', '--deployment', 'C:2x4'], /cannot read 'missing.pdplan.yaml'/, 2],
    [
      ['simulate', 'examples/toolbench-qwen3-32b.pdplan.yaml', '--replications', 'many'],
      /--replications must be a whole number/,
      2,
    ],
    [['simulate', 'bad.pdplan.yaml', '--deployment', 'C:2x4'], /error PDP/, 1],
  ];
  for (const [args, message, code] of cases) {
    const io = repoIo({ 'bad.pdplan.yaml': 'version: 1\nmodel: Llama-9\n' });
    assert.equal(await main(args, io), code, `${args.join(' ')}: ${io.stderr}`);
    assert.match(io.stderr, message, args.join(' '));
    assert.doesNotMatch(io.stderr, /\n\s+at /, 'no stack trace');
  }
});

test("a malformed trace is reported at the plan's trace value with its own line numbers, as validate reports it", async () => {
  const plan = fs
    .readFileSync(path.join(root, 'examples/all-features.pdplan.yaml'), 'utf8')
    .replace(/^deployment:/m, 'deployment:');
  const io = repoIo({
    'tmp/plan.pdplan.yaml': plan.replace('traces/toolbench-sample.jsonl', 'broken.jsonl'),
    'tmp/broken.jsonl': '{"session":"a","round":0,"arrivalMs":0,"inputTokens":10,"outputTokens":5}\nnot json\n',
  });
  const code = await main(['simulate', 'tmp/plan.pdplan.yaml', '--variant', 'recorded-trace'], io);
  assert.equal(code, 1, io.stderr);
  assert.match(
    io.stderr,
    /tmp\/plan\.pdplan\.yaml:\d+:\d+: error PDP200: trace broken\.jsonl: line 2: not a JSON object/,
  );
});

test('compare runs the variants of one plan side by side', async () => {
  const io = repoIo();
  assert.equal(
    await main(['compare', 'examples/all-features.pdplan.yaml', '--sessions', '100', '--json'], io),
    0,
    io.stderr,
  );
  const { configurations } = JSON.parse(io.stdout);
  assert.equal(configurations.length, 5);
  assert.ok(configurations.every((c: { result?: unknown }) => c.result));
  const text = repoIo();
  assert.equal(await main(['compare', 'examples/all-features.pdplan.yaml', '--sessions', '100'], text), 0, text.stderr);
  // Output tokens/s per GPU: each configuration's window throughput over its own GPUs.
  const perGpu = text.stdout.split('\n').find((l) => l.startsWith('out tok/s/GPU'));
  assert.ok(perGpu, text.stdout);
  const first = configurations[0].result;
  const gpus = [
    ...(first.deployment.prefill ?? []),
    ...(first.deployment.decode ?? []),
    ...(first.deployment.colocated ?? []),
  ].reduce((n: number, g: { tp: number; dp: number }) => n + g.tp * g.dp, 0);
  assert.equal(perGpu.trim().split(/\s{2,}/)[1], (first.metrics.throughputTokensPerSec / gpus).toFixed(1));
});

test("each variant runs on its own measured profile; one that names none inherits the base plan's", async () => {
  const plan = (base: string, variants: string) =>
    [
      'version: 1',
      'model: Llama-3.1-8B',
      'cluster: { gpu: H100-SXM, gpusPerNode: 8, nodes: 1, intraNode: { bandwidthGBps: 450, latencyUs: 5 } }',
      'workload: { profile: HotpotQA, arrival: { process: poisson, ratePerSec: 2 }, sessions: 60, seed: 1 }',
      'slo: { ttftMs: 2000, itlMs: 50, attainmentTarget: 0.9 }',
      'deployment: P:1x1,D:1x1',
      base,
      'variants:',
      variants,
      '',
    ].join('\n');
  const measured = '  measured: { perf: { profile: h100-llama-3.1-8b } }';
  const same = '  same: { slo: { ttftMs: 2000 } }';
  const files = {
    'analytic-base.pdplan.yaml': plan('', `${measured}\n${same}`),
    'measured-base.pdplan.yaml': plan('perf: { profile: h100-llama-3.1-8b }', same),
  };
  const run = async (file: string, variant?: string) => {
    const io = repoIo(files);
    const args = ['simulate', file, '--json', ...(variant ? ['--variant', variant] : [])];
    assert.equal(await main(args, io), 0, io.stderr);
    const result = JSON.parse(io.stdout);
    return withoutSeries(result.metrics);
  };
  const analytic = await run('analytic-base.pdplan.yaml');
  const measuredVariant = await run('analytic-base.pdplan.yaml', 'measured');
  const measuredBase = await run('measured-base.pdplan.yaml');
  // Before: the first profile named anywhere (here the variant's) ran the base plan too.
  assert.notEqual(analytic, measuredVariant, 'the base plan and the variant naming a profile ran on the same times');
  assert.equal(
    measuredVariant,
    measuredBase,
    "the variant's profile is the same file as the other plan's base profile",
  );
  assert.equal(
    await run('analytic-base.pdplan.yaml', 'same'),
    analytic,
    "a variant without a profile ran on another variant's",
  );
  assert.equal(
    await run('measured-base.pdplan.yaml', 'same'),
    measuredBase,
    "a variant without a profile did not inherit the base plan's",
  );

  const io = repoIo(files);
  assert.equal(await main(['compare', 'analytic-base.pdplan.yaml', '--json'], io), 0, io.stderr);
  const compared = JSON.parse(io.stdout);
  const entries = compared.configurations;
  const byName = new Map<string, unknown>(
    entries.map((e: { name: string; result?: { metrics: Record<string, unknown> } }) => [
      e.name,
      withoutSeries(e.result?.metrics ?? {}),
    ]),
  );
  assert.equal(byName.get('measured'), measuredVariant);
  assert.equal(byName.get('same'), analytic);
});

test("simulate replays a trace-only plan at the trace's rate, and --rate time-scales it", async () => {
  const text = [
    'version: 1',
    'model: Llama-3.1-8B',
    'cluster: { gpu: H100-SXM, gpusPerNode: 8, nodes: 1 }',
    'workload: { trace: examples/traces/toolbench-sample.jsonl }',
    'slo: { ttftMs: 2000, itlMs: 50, attainmentTarget: 0.9 }',
    'deployment: P:1x1,D:1x1',
    '',
  ].join('\n');
  const run = async (...extra: string[]) => {
    const io = repoIo({ 'trace-only.pdplan.yaml': text });
    const code = await main(['simulate', 'trace-only.pdplan.yaml', ...extra], io);
    return { code, io };
  };
  const recorded = await run();
  assert.equal(recorded.code, 0, recorded.io.stderr);
  assert.match(recorded.io.stdout, /^trace replay: 5 sessions at their recorded 1\.538 sessions\/s/m);
  const faster = await run('--rate', '4', '--json');
  assert.equal(faster.code, 0, faster.io.stderr);
  const replay = JSON.parse(faster.io.stdout).traceReplay;
  assert.equal(replay.replayedRatePerSec, 4);
  assert.ok(Math.abs(replay.recordedRatePerSec - 1.538) < 0.001);
});

/** Metrics as JSON without the time series, which only `simulate --json` samples (charts need them). */
function withoutSeries(metrics: Record<string, unknown>): string {
  const { timeSeries: _series, ...rest } = metrics;
  return JSON.stringify(rest);
}

test('simulate prints how it measured, and an overloaded layout is unstable: no attainment claimed, exit code 1', async () => {
  const steady = repoIo();
  assert.equal(
    await main(
      [
        'simulate',
        'examples/chat-llama-3.1-8b.pdplan.yaml',
        '--deployment',
        'C:2x1',
        '--policy',
        'colocated',
        '--sessions',
        '300',
        '--rate',
        '8',
      ],
      steady,
    ),
    0,
    steady.stderr,
  );
  assert.match(
    steady.stdout,
    /measured 300 sessions arriving over [\d.]+ s after [\d.]+ s of warm-up · \d replications? · 95% interval ±[\d.]+ points from \d+ batch means/,
  );
  assert.match(steady.stdout, /SLO attainment [\d.]+% \(95% CI [\d.]+%–[\d.]+%\)/);
  const overloaded = repoIo();
  assert.equal(
    await main(
      [
        'simulate',
        'examples/chat-llama-3.1-8b.pdplan.yaml',
        '--deployment',
        'C:1x1',
        '--policy',
        'colocated',
        '--rate',
        '200',
      ],
      overloaded,
    ),
    1,
  );
  assert.match(overloaded.stdout, /^UNSTABLE: .*exceeds capacity/m);
  assert.doesNotMatch(overloaded.stdout, /^SLO attainment/m);
});
