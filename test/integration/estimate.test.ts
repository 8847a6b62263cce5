import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { main } from '../../src/cli/main';
import { validatePlanText } from '../../src/core/validate';
import { captureIo } from '../helpers/io';

const FIXTURES = 'test/fixtures/perf';
const files: Record<string, string> = {};
for (const name of readdirSync(FIXTURES)) files[`${FIXTURES}/${name}`] = readFileSync(`${FIXTURES}/${name}`, 'utf8');
for (const name of readdirSync('examples', { recursive: true }) as string[]) {
  // The plans and the traces they replay: estimate reports a missing trace as validate does (PDP070).
  if (name.endsWith('.yaml') || name.endsWith('.jsonl'))
    files[`examples/${name}`] = readFileSync(`examples/${name}`, 'utf8');
}

async function estimateJson(file: string) {
  const io = captureIo(files);
  const code = await main(['estimate', file, '--json'], io);
  return { code, io, report: code === 2 ? undefined : JSON.parse(io.stdout) };
}

test('estimate runs on every example and gives the grid, typical sizes and memory', async () => {
  const examples = Object.keys(files).filter((f) => f.startsWith('examples/') && f.endsWith('.yaml'));
  assert.ok(examples.length > 0);
  for (const file of examples) {
    const { code, report, io } = await estimateJson(file);
    assert.equal(code, 0, `${file}: ${io.stderr}`);
    for (const tp of report.tpDegrees) {
      assert.ok(report.prefillMs[tp]['0']['2048'] > 0, file);
      assert.ok(report.decodeStepMs[tp]['1']['1024'] > 0, file);
      assert.ok(typeof report.memory[tp].kvCapacityTokens === 'number', file);
    }
    assert.ok(report.kvTransferMs.interNode);
  }
});

test('Llama-3.1-70B on H100 at TP 4 sits within the published ranges (docs/perf-model.md)', async () => {
  const { code, report } = await estimateJson(`${FIXTURES}/llama70b-h100.pdplan.yaml`);
  assert.equal(code, 0);
  // Prefill of 2048 tokens at batch 1, TP 4: BF16 on H100 lies between TensorRT-LLM's FP8 H100
  // figure (109 ms) and its FP16 A100 figure (377 ms) for the same architecture (Llama-2-70B).
  const prefill = report.prefillMs['4']['0']['2048'];
  assert.ok(prefill >= 109 && prefill <= 377, `prefill ${prefill}`);
  // Decode step at batch 1: above the 35.3 GB of weights per GPU read at the H100's HBM peak
  // (10.5 ms; no engine streams faster) and below NIM's FP8 TP2 ITL on H100 (18.58–18.91 ms; the
  // same weight bytes per GPU). vLLM's BF16 TP4 step on the H200 (16.1 ms) is no bound for a
  // model calibrated to TensorRT-LLM: 7.4 ms of it is streaming, the rest that engine's overhead.
  const step = report.decodeStepMs['4']['1']['1024'];
  assert.ok(step >= 10.5 && step <= 18.91, `decode ${step}`);
  // Memory: 70.6 B parameters in BF16 over 4 GPUs, 320 KiB of KV per token.
  assert.ok(Math.abs(report.memory['4'].weightBytesPerGpu / 1e9 - 35.3) < 0.1);
  assert.equal(report.memory['4'].kvBytesPerToken, 327680);
  assert.equal(report.memory['1'].fits, false);
});

test('human output is readable tables', async () => {
  const io = captureIo(files);
  assert.equal(await main(['estimate', `${FIXTURES}/llama70b-h100.pdplan.yaml`], io), 0);
  assert.match(io.stdout, /Llama-3\.1-70B on H100-SXM, analytical model/);
  assert.match(io.stdout, /Memory per GPU/);
  assert.match(io.stdout, /history 0, new 2048/);
  assert.match(io.stdout, /batch 32 × 4096/);
  assert.match(io.stdout, /interNode, 4096 tokens/);
  assert.match(io.stdout, /TP1 .* NO\n/);
});

test('a measured profile named by the plan overrides the analytical model at its sample points', async () => {
  const { code, report } = await estimateJson(`${FIXTURES}/llama70b-h100-profiled.pdplan.yaml`);
  assert.equal(code, 0);
  assert.deepEqual(report.profile, { path: 'llama70b-h100.profile.csv', used: true });
  assert.equal(report.prefillMs['4']['0']['2048'], 150);
  assert.equal(report.prefillMs['4']['0']['512'], 50);
  assert.equal(report.decodeStepMs['4']['1']['1024'], 20);
  // kv_copy rows were copied over NVLink: they price the intra-node link only; the 50 GB/s
  // inter-node link keeps its α–β estimate (4 ranks × 80 KiB × 1024 tokens at 40 GB/s ≈ 2.1 ms).
  assert.equal(report.kvTransferMs.intraNode['4->4']['1024'], 1);
  assert.ok(report.kvTransferMs.interNode['4->4']['1024'] > 2, `${report.kvTransferMs.interNode['4->4']['1024']}`);
  const analytic = await estimateJson(`${FIXTURES}/llama70b-h100.pdplan.yaml`);
  assert.equal(report.prefillMs['8']['0']['2048'], analytic.report.prefillMs['8']['0']['2048']);
});

test('a malformed profile is reported with its line, and validate shows it at perf.profile', async () => {
  const io = captureIo(files);
  // Exit 1 as validate: the plan names a profile with errors (the grid is still shown, from the analytical model).
  assert.equal(await main(['estimate', `${FIXTURES}/llama70b-h100-badprofile.pdplan.yaml`], io), 1);
  assert.match(io.stderr, /PDP154: broken\.profile\.csv:3: 'tokens' must be a whole number/);
  assert.match(io.stdout, /not used/);
  const validate = captureIo(files);
  assert.equal(await main(['validate', `${FIXTURES}/llama70b-h100-badprofile.pdplan.yaml`], validate), 1);
  assert.match(validate.stdout, /badprofile\.pdplan\.yaml:26:\d+: error PDP154: broken\.profile\.csv:3/);
});

test('physics findings: a plan whose model fits nowhere exits 1 and says which TP would fit', async () => {
  const plan = files[`${FIXTURES}/llama70b-h100.pdplan.yaml`].replace('tpDegrees: [1, 2, 4, 8]', 'tpDegrees: [1]');
  const io = captureIo({ 'tiny.pdplan.yaml': plan });
  assert.equal(await main(['estimate', 'tiny.pdplan.yaml'], io), 1);
  assert.match(io.stdout, /error PDP100: .*Allow TP 2 or more/);
  const validate = captureIo({ 'tiny.pdplan.yaml': plan });
  assert.equal(await main(['validate', 'tiny.pdplan.yaml'], validate), 1);
  assert.match(validate.stdout, /PDP100/);
});

test('usage errors and unreadable files exit 2 with a message', async () => {
  const none = captureIo();
  assert.equal(await main(['estimate'], none), 2);
  assert.match(none.stderr, /name exactly one plan file/);
  const missing = captureIo();
  assert.equal(await main(['estimate', 'nope.yaml'], missing), 2);
  assert.match(missing.stderr, /cannot read nope\.yaml \(no such file\)/);
  const option = captureIo();
  assert.equal(await main(['estimate', 'x.yaml', '--frob'], option), 2);
  const broken = captureIo({ 'bad.yaml': 'version: 1\nmodel: NoSuchModel\n' });
  assert.equal(await main(['estimate', 'bad.yaml'], broken), 1);
  assert.match(broken.stderr, /has errors/);
});

test('a built-in profile that is not installed is a warning, not a crash', () => {
  // Installed names come from catalog/profiles; a copy of pdplan without the file itself still validates.
  const plan = files[`${FIXTURES}/llama70b-h100.pdplan.yaml`] + 'perf:\n  profile: h100-llama-3.1-70b\n';
  const load = validatePlanText(plan, {
    fileName: 'builtin.pdplan.yaml',
    profileNames: ['h100-llama-3.1-70b'],
    readReference: () => undefined,
  });
  assert.ok(load.plan, 'the plan still loads');
  const missing = load.diagnostics.find((d) => d.code === 'PDP108');
  assert.equal(missing?.severity, 'warning');
  assert.match(missing?.message ?? '', /built-in profile catalog\/profiles\/h100-llama-3\.1-70b\.csv is not installed/);
});

test('an unknown built-in profile name is an error with a suggestion', async () => {
  const plan = files[`${FIXTURES}/llama70b-h100.pdplan.yaml`] + 'perf:\n  profile: h100-llama-3.1-70c\n';
  const io = captureIo({ 'builtin.pdplan.yaml': plan });
  assert.equal(await main(['validate', 'builtin.pdplan.yaml'], io), 1);
  assert.match(io.stdout, /error PDP023: .*h100-llama-3\.1-70b/);
});
