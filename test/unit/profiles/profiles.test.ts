// The measured profiles shipped in catalog/profiles (tools/profiler output, H100 and H200): each
// loads with no diagnostics at all (no errors, no warnings), and a plan that names one gets the measured value at a measured point.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { main } from '../../../src/cli/main';
import { createPerfModel, parseProfile } from '../../../src/core/perf';
import type { MeasuredProfile } from '../../../src/core/perf';
import { findGpu, findModel } from '../../../src/core/spec/catalog';
import { captureIo } from '../../helpers/io';

const PROFILE_DIR = 'catalog/profiles';
const shipped = readdirSync(PROFILE_DIR)
  .filter((f) => f.endsWith('.csv'))
  .sort();
const NVLINK = { bandwidthGBps: 450, latencyUs: 5 };

function load(file: string): MeasuredProfile {
  const { profile, diagnostics } = parseProfile(readFileSync(path.join(PROFILE_DIR, file), 'utf8'), file);
  // Warnings too: a shipped profile must not trip the parser's noise checks (PDP160).
  assert.deepEqual(
    diagnostics.map((d) => `${d.severity} ${d.code}: ${d.message}`),
    [],
    file,
  );
  assert.ok(profile, file);
  return profile;
}

test('H100 and H200 profiles for Llama-3.1-8B and -70B are shipped', () => {
  for (const name of ['h100-llama-3.1-8b', 'h100-llama-3.1-70b', 'h200-llama-3.1-8b', 'h200-llama-3.1-70b']) {
    assert.ok(shipped.includes(`${name}.csv`), `${name}.csv missing from ${PROFILE_DIR}`);
  }
});

test('every shipped profile parses with no diagnostics and carries its provenance', () => {
  for (const file of shipped) {
    const profile = load(file);
    for (const key of ['gpu', 'model', 'driver', 'torch', 'date'])
      assert.ok(profile.metadata[key], `${file}: no '# ${key}:' line`);
    assert.ok(profile.prefill.length > 0 && profile.decode.length > 0 && profile.kvCopy.length > 0, file);
    assert.ok(
      findModel(profile.metadata.model.replace(/^.*\//, '')),
      `${file}: model '${profile.metadata.model}' not in the catalog`,
    );
    assert.ok(findGpu(file.split('-')[0]), `${file}: GPU not in the catalog`);
  }
});

test('the perf model reproduces every measured point of every shipped profile', () => {
  for (const file of shipped) {
    const profile = load(file);
    const model = findModel(profile.metadata.model.replace(/^.*\//, ''))!;
    const gpu = findGpu(file.split('-')[0])!;
    const perf = createPerfModel(model, gpu, { intraNode: NVLINK, profile });
    const analytic = createPerfModel(model, gpu, { intraNode: NVLINK });
    for (const s of profile.prefill) {
      assert.ok(Math.abs(perf.prefillMs(s.history, s.tokens, s.tp) - s.ms) < 1e-9 * s.ms, `${file}:${s.line}`);
    }
    for (const s of profile.decode) {
      assert.ok(
        Math.abs(perf.decodeStepMs(s.batch, s.batch * s.context, s.tp) - s.ms) < 1e-9 * s.ms,
        `${file}:${s.line}`,
      );
    }
    // The profile, not the analytical model, answered (they differ at a measured point).
    const first = profile.prefill[0];
    assert.notEqual(analytic.prefillMs(first.history, first.tokens, first.tp), first.ms, file);
  }
});

test('a plan naming a built-in profile gets the measured value from pdplan estimate', async () => {
  const csvText = readFileSync(path.join(PROFILE_DIR, 'h100-llama-3.1-8b.csv'), 'utf8');
  const measured = (op: string, ...fields: string[]) => {
    const row = csvText.split('\n').find((line) => line.startsWith(`${op},1,${fields.join(',')},`));
    assert.ok(row, `no ${op} row ${fields.join(',')}`);
    return Number(row.split(',').at(-1));
  };
  const plan = [
    'version: 1',
    'name: profiled-8b',
    'model: Llama-3.1-8B',
    'cluster: { gpu: H100-SXM, gpusPerNode: 8, nodes: 1, intraNode: { bandwidthGBps: 450, latencyUs: 5 } }',
    'workload: { profile: HotpotQA, arrival: { process: poisson, ratePerSec: 1 }, durationSec: 60, seed: 1 }',
    'slo: { ttftMs: 2000, itlMs: 50, attainmentTarget: 0.9 }',
    'planner: { gpuBudget: 8, tpDegrees: [1, 2], objective: max-attainment }',
    'perf: { profile: h100-llama-3.1-8b }',
    '',
  ].join('\n');
  // The CLI looks for built-in profiles in the repository's catalog (run from source).
  const files = { '/virtual/plan.pdplan.yaml': plan, [path.resolve(PROFILE_DIR, 'h100-llama-3.1-8b.csv')]: csvText };
  const io = captureIo(files);
  assert.equal(await main(['estimate', '/virtual/plan.pdplan.yaml', '--json'], io), 0, io.stderr);
  const report = JSON.parse(io.stdout);
  assert.equal(report.profile.used, true, JSON.stringify(report.profile));
  assert.equal(report.prefillMs['1']['0']['2048'], measured('prefill', '0', '2048', '', ''));
  assert.equal(report.decodeStepMs['1']['8']['1024'], measured('decode', '', '', '8', '1024'));
  // TP 2 has no H100 samples: the analytical model answers there, so the values differ from TP 1's.
  assert.notEqual(report.prefillMs['2']['0']['2048'], report.prefillMs['1']['0']['2048']);
});
