import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { main } from '../../src/cli/main';
import { captureIo } from '../helpers/io';

const root = path.join(__dirname, '..', '..');
function repoIo() {
  const io = captureIo();
  const written: Record<string, { content: string; executable?: boolean }> = {};
  io.readFile = (file: string) => fs.readFileSync(path.resolve(root, file), 'utf8');
  io.exists = (file: string) => fs.existsSync(path.resolve(root, file));
  return Object.assign(io, {
    written,
    writeFile: (file: string, content: string, options?: { executable?: boolean }) => {
      written[file] = { content, executable: options?.executable };
    },
  });
}

const PLAN = 'examples/toolbench-qwen3-32b.pdplan.yaml';

test("export --out writes every target's files; scripts executable", async () => {
  for (const [format, expected] of [
    ['vllm', ['launch-vllm.sh', 'router-vllm.sh']],
    ['sglang', ['launch-sglang.sh', 'router-sglang.sh']],
    ['dynamo', ['dynamo-graph-deployment.yaml']],
    ['llm-d', ['ms-values.yaml', 'gaie-values.yaml', 'install.sh']],
  ] as const) {
    const io = repoIo();
    assert.equal(
      await main(['export', PLAN, '--format', format, '--deployment', 'P:2x2,D:4x1', '--out', 'out'], io),
      0,
      io.stderr,
    );
    assert.deepEqual(Object.keys(io.written).sort(), expected.map((f) => path.join('out', f)).sort());
    for (const [file, { executable }] of Object.entries(io.written))
      assert.equal(Boolean(executable), file.endsWith('.sh'), file);
  }
});

test('export prints files without --out and says what it could not carry over', async () => {
  const io = repoIo();
  assert.equal(await main(['export', PLAN, '--format', 'vllm', '--deployment', 'P:2x2,D:4x1'], io), 0, io.stderr);
  assert.match(io.stdout, /==> launch-vllm\.sh <==/);
  assert.match(io.stdout, /--tensor-parallel-size 4/);
  // The plan's adaptive router has no engine equivalent: a note says so.
  assert.match(io.stderr, /note: .*adaptive/);
  const json = repoIo();
  assert.equal(
    await main(
      ['export', PLAN, '--format', 'dynamo', '--deployment', 'P:2x2,D:4x1', '--policy', 'threshold', '--json'],
      json,
    ),
    0,
  );
  const result = JSON.parse(json.stdout);
  assert.equal(result.deployment, 'P:2x2,D:4x1');
  assert.equal(result.policy, 'threshold');
  assert.match(result.files[0].content, /pdplan\/max-local-prefill-tokens: "512"/);
});

test('export: bad input is a clear usage error', async () => {
  const cases: [string[], RegExp][] = [
    [['export', PLAN], /--format must be one of vllm, sglang, dynamo, llm-d/],
    [['export', PLAN, '--format', 'k8s'], /got 'k8s'/],
    [['export', PLAN, '--format', 'vllm'], /has no 'deployment'.*--deployment/],
    [['export', PLAN, '--format', 'vllm', '--deployment', 'P:2'], /ROLE:TPxREPLICAS/],
    [
      ['export', PLAN, '--format', 'vllm', '--deployment', 'P:2x1,D:2x1', '--policy', 'fastest'],
      /unknown policy 'fastest'/,
    ],
  ];
  for (const [args, message] of cases) {
    const io = repoIo();
    assert.equal(await main(args, io), 2, args.join(' '));
    assert.match(io.stderr, message, args.join(' '));
  }
  const io = repoIo();
  assert.equal(await main(['export', PLAN, '--format', 'vllm', '--deployment', 'P:8x1,D:8x1'], io), 1);
  assert.match(io.stderr, /GPUs/);
});
