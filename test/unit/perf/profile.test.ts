import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPerfModel, parseProfile } from '../../../src/core/perf';
import { H100, IB_400G, LLAMA_70B, NVLINK } from './specs';

// Synthetic sample values (not measurements): round numbers so interpolation is easy to check.
const PROFILE_TEXT = `# pdplan-profile v1
# gpu: NVIDIA H100 80GB HBM3
# model: meta-llama/Llama-3.1-70B
# torch: 2.5.1
# date: 2026-11-22
# kv_copy: 80 per-layer copies of one rank's K and V, GPU 0 -> GPU 1 (peer access)
op,tp,history,tokens,batch,context,ms
prefill,4,0,1024,,,80
prefill,4,0,2048,,,160
prefill,4,0,4096,,,330
prefill,4,4096,1024,,,100
prefill,4,4096,2048,,,200
decode,4,,,1,1024,16
decode,4,,,1,4096,17
decode,4,,,16,1024,18
decode,4,,,16,4096,22
kv_copy,4,,1024,,,2
kv_copy,4,,4096,,,6
`;

const parsed = parseProfile(PROFILE_TEXT, 'llama.csv');
const analytic = createPerfModel(LLAMA_70B, H100, { intraNode: NVLINK });
const measured = createPerfModel(LLAMA_70B, H100, { intraNode: NVLINK, profile: parsed.profile });

const close = (actual: number, expected: number) =>
  assert.ok(Math.abs(actual - expected) <= 1e-9 * Math.abs(expected), `${actual} should be ${expected}`);

test('parses metadata and every sample of a well-formed profile', () => {
  assert.deepEqual(parsed.diagnostics, []);
  assert.ok(parsed.profile);
  assert.equal(parsed.profile.metadata.gpu, 'NVIDIA H100 80GB HBM3');
  assert.equal(parsed.profile.metadata.model, 'meta-llama/Llama-3.1-70B');
  assert.equal(parsed.profile.metadata.torch, '2.5.1');
  assert.equal(parsed.profile.prefill.length, 5);
  assert.equal(parsed.profile.decode.length, 4);
  assert.equal(parsed.profile.kvCopy.length, 2);
  assert.deepEqual(parsed.profile.decode[2], { tp: 4, batch: 16, context: 1024, ms: 18, line: 15 });
});

test('reproduces every sample point exactly', () => {
  for (const s of parsed.profile!.prefill) assert.equal(measured.prefillMs(s.history, s.tokens, s.tp), s.ms);
  for (const s of parsed.profile!.decode) assert.equal(measured.decodeStepMs(s.batch, s.batch * s.context, s.tp), s.ms);
  for (const s of parsed.profile!.kvCopy) assert.equal(measured.kvTransferMs(s.tokens, NVLINK, s.tp, s.tp), s.ms);
});

test('interpolates piecewise-linearly between samples, along both axes', () => {
  close(measured.prefillMs(0, 1536, 4), 120);
  close(measured.prefillMs(0, 3072, 4), 245);
  close(measured.prefillMs(2048, 1024, 4), 90);
  // Between the rows at history 0 and 4096, tokens 1536: (120 + 150) / 2.
  close(measured.prefillMs(2048, 1536, 4), 135);
  close(measured.decodeStepMs(1, 2560, 4), 16.5);
  // Batch 8.5 is halfway between batch 1 and 16 at context 1024.
  close(measured.decodeStepMs(8.5, 8.5 * 1024, 4), 17);
  close(measured.kvTransferMs(2560, NVLINK, 4, 4), 4);
});

test('kv_copy rows stand for the NVLink they were copied over, never for another link or an intra-GPU copy', () => {
  // The bug this guards: 4k tokens of 70B KV over a 50 GB/s link priced at the NVLink copy's 6 ms.
  for (const tokens of [1024, 4096])
    assert.equal(measured.kvTransferMs(tokens, IB_400G, 4, 4), analytic.kvTransferMs(tokens, IB_400G, 4, 4));
  assert.notEqual(measured.kvTransferMs(4096, IB_400G, 4, 4), 6);
  const withinGpu = parseProfile(
    PROFILE_TEXT.replace('GPU 0 -> GPU 1 (peer access)', 'within one GPU (device-to-device memcpy)'),
    'one-gpu.csv',
  );
  const oneGpu = createPerfModel(LLAMA_70B, H100, { intraNode: NVLINK, profile: withinGpu.profile });
  assert.equal(oneGpu.kvTransferMs(4096, NVLINK, 4, 4), analytic.kvTransferMs(4096, NVLINK, 4, 4));
});

test('outside the measured range the analytical shape is scaled to the nearest edge', () => {
  const a = (h: number, n: number) => analytic.prefillMs(h, n, 4);
  close(measured.prefillMs(0, 8192, 4), (330 * a(0, 8192)) / a(0, 4096));
  close(measured.prefillMs(0, 512, 4), (80 * a(0, 512)) / a(0, 1024));
  // Beyond the largest history: row at 4096 evaluated, then the analytical history growth.
  close(measured.prefillMs(8192, 2048, 4), (200 * a(8192, 2048)) / a(4096, 2048));
  const d = (b: number, c: number) => analytic.decodeStepMs(b, b * c, 4);
  close(measured.decodeStepMs(64, 64 * 1024, 4), (18 * d(64, 1024)) / d(16, 1024));
  // Growth outside the range keeps the estimates monotone.
  assert.ok(measured.prefillMs(0, 16384, 4) > measured.prefillMs(0, 8192, 4));
  assert.ok(measured.decodeStepMs(16, 16 * 8192, 4) > 22);
});

test('TP degrees and layouts the profile does not cover use the analytical model', () => {
  assert.equal(measured.prefillMs(0, 2048, 8), analytic.prefillMs(0, 2048, 8));
  assert.equal(measured.decodeStepMs(4, 4096, 2), analytic.decodeStepMs(4, 4096, 2));
  assert.equal(measured.kvTransferMs(1024, IB_400G, 4, 8), analytic.kvTransferMs(1024, IB_400G, 4, 8));
  assert.deepEqual(measured.memoryPlan(4), analytic.memoryPlan(4));
});

function codesAndLines(text: string) {
  return parseProfile(text, 'p.csv').diagnostics.map((d) => `${d.code}@${d.range.start.line + 1}:${d.severity}`);
}

test('malformed profiles give diagnostics with line numbers, never a crash', () => {
  const header = 'op,tp,history,tokens,batch,context,ms';
  assert.deepEqual(codesAndLines(''), ['PDP150@1:error']);
  assert.deepEqual(codesAndLines('# pdplan-profile v1\nop,tp,tokens,ms\nprefill,1,2,3\n'), ['PDP151@2:error']);
  assert.deepEqual(codesAndLines(`# pdplan-profile v1\n${header}\nprefill,4,0,1024,,80\n`), ['PDP152@3:error']);
  assert.deepEqual(codesAndLines(`# pdplan-profile v1\n${header}\nwarmup,4,0,1024,,,80\n`), ['PDP153@3:error']);
  assert.deepEqual(
    codesAndLines(`# pdplan-profile v1\n${header}\nprefill,4,0,abc,,,80\nprefill,0,0,10,,,1\nprefill,4,0,10,,,-1\n`),
    ['PDP154@3:error', 'PDP154@4:error', 'PDP154@5:error'],
  );
  assert.deepEqual(codesAndLines(`# pdplan-profile v1\n${header}\ndecode,4,,,8,,20\n`), ['PDP155@3:error']);
  assert.deepEqual(codesAndLines(`# pdplan-profile v1\n${header}\ndecode,4,0,,8,100,20\n`), ['PDP156@3:warning']);
  assert.deepEqual(codesAndLines(`# pdplan-profile v1\n${header}\nkv_copy,4,,10,,,1\nkv_copy,4,,10,,,1.2\n`), [
    'PDP157@4:warning',
  ]);
  assert.deepEqual(codesAndLines(`# pdplan-profile v2\n${header}\n`), ['PDP158@1:error']);
  assert.deepEqual(codesAndLines(`${header}\nkv_copy,4,,10,,,1\n`), ['PDP158@1:warning']);
  assert.deepEqual(codesAndLines(`# pdplan-profile v1\n${header}\nkv_copy,4,,10,,,5\nkv_copy,4,,20,,,1\n`), [
    'PDP160@4:warning',
  ]);
  assert.deepEqual(codesAndLines('# pdplan-profile v1\n# only comments\n'), ['PDP151@1:error']);
  assert.deepEqual(codesAndLines('{"prefill": []}\n'), ['PDP151@1:error']);
  assert.deepEqual(codesAndLines(`# pdplan-profile v1\n${header}\n`), ['PDP159@1:warning']);
  const withError = parseProfile(`# pdplan-profile v1\n${header}\nprefill,4,0,x,,,1\n`, 'bad.csv');
  assert.equal(withError.profile, undefined);
  assert.match(withError.diagnostics[0].message, /^bad\.csv:3: 'tokens' must be a whole number ≥ 1\./);
});

test('duplicate samples are averaged', () => {
  const { profile } = parseProfile(
    '# kv_copy: GPU 0 -> GPU 1\nop,tp,history,tokens,batch,context,ms\nkv_copy,4,,10,,,1\nkv_copy,4,,10,,,2\n',
  );
  const perf = createPerfModel(LLAMA_70B, H100, { intraNode: NVLINK, profile });
  assert.equal(perf.kvTransferMs(10, NVLINK, 4, 4), 1.5);
});

test('random garbage never throws', () => {
  let seed = 12345;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const alphabet = 'prefilldecodekv_copy,0123456789.#-\n e';
  for (let round = 0; round < 300; round++) {
    let text = round % 2 === 0 ? 'op,tp,history,tokens,batch,context,ms\n' : '';
    const length = Math.floor(next() * 200);
    for (let i = 0; i < length; i++) text += alphabet[Math.floor(next() * alphabet.length)];
    const result = parseProfile(text);
    assert.ok(Array.isArray(result.diagnostics));
    if (result.profile) {
      const perf = createPerfModel(LLAMA_70B, H100, { intraNode: NVLINK, profile: result.profile });
      for (const tp of [1, 2, 4, 8]) assert.ok(Number.isFinite(perf.prefillMs(100, 100, tp)));
    }
  }
});
