import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../src/cli/main';
import { captureIo } from '../helpers/io';

const ROOT = join(__dirname, '../..');
const read = (relative: string) => readFileSync(join(ROOT, relative), 'utf8');

/** The examples and their trace, served from memory under the same relative paths. */
function exampleFiles(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const f of readdirSync(join(ROOT, 'examples')).filter((n) => n.endsWith('.pdplan.yaml'))) {
    files[`examples/${f}`] = read(`examples/${f}`);
  }
  for (const f of readdirSync(join(ROOT, 'examples/traces')))
    files[`examples/traces/${f}`] = read(`examples/traces/${f}`);
  return files;
}

test('every bundled example validates clean: exit 0, one ok line each', async () => {
  const files = exampleFiles();
  const plans = Object.keys(files).filter((f) => f.endsWith('.pdplan.yaml'));
  assert.ok(plans.length >= 6);
  const io = captureIo(files);
  assert.equal(await main(['validate', ...plans], io), 0, io.stdout + io.stderr);
  for (const plan of plans) assert.match(io.stdout, new RegExp(`^${plan.replace(/\./g, '\\.')}: ok$`, 'm'));
  assert.match(io.stdout, new RegExp(`${plans.length} files checked: 0 errors, 0 warnings\\.`));
});

test('compiler-style output: file:line:col (1-based), severity, code, message; exit 1', async () => {
  const plan =
    'version: 1\nmodel: Qwen3-23B\ncluster:\n  gpu: H20\nworkload: ToolBench\nslo: { ttftMs: 2000, itlMs: 50 }\n';
  const io = captureIo({ 'bad.pdplan.yaml': plan });
  assert.equal(await main(['validate', 'bad.pdplan.yaml'], io), 1);
  assert.match(
    io.stdout,
    /^bad\.pdplan\.yaml:2:8: error PDP020: unknown model 'Qwen3-23B'; did you mean 'Qwen3-32B'\?$/m,
  );
  assert.match(io.stdout, /1 file checked: 1 error, 0 warnings\./);
});

test('--json prints files with diagnostics and 0-based LSP ranges', async () => {
  const plan =
    'version: 1\nmodel: Qwen3-32B\ncluster:\n  gpu: H2O\nworkload: ToolBench\nslo: { ttftMs: 2000, itlMs: 50 }\n';
  const io = captureIo({ 'a.pdplan.yaml': plan, 'b.pdplan.yaml': read('examples/toolbench-qwen3-32b.pdplan.yaml') });
  assert.equal(await main(['validate', 'a.pdplan.yaml', 'b.pdplan.yaml', '--json'], io), 1);
  const out = JSON.parse(io.stdout);
  assert.deepEqual(Object.keys(out), ['files']);
  assert.equal(out.files.length, 2);
  const [a, b] = out.files;
  assert.equal(a.file, 'a.pdplan.yaml');
  assert.deepEqual(b, { file: 'b.pdplan.yaml', diagnostics: [] });
  assert.equal(a.diagnostics.length, 1);
  const d = a.diagnostics[0];
  assert.deepEqual(
    { severity: d.severity, code: d.code, path: d.path, range: d.range },
    {
      severity: 'error',
      code: 'PDP021',
      path: '/cluster/gpu',
      range: { start: { line: 3, character: 7 }, end: { line: 3, character: 10 } },
    },
  );
  assert.match(d.message, /did you mean 'H20'/);
  assert.deepEqual(d.fix, { replacement: 'H20', title: "Change to 'H20'", range: d.range });
});

test('a missing trace file is PDP070 at the trace path, exit 1', async () => {
  const plan = read('examples/toolbench-qwen3-32b.pdplan.yaml').replace(
    '  profile: ToolBench\n',
    '  trace: traces/nowhere.jsonl\n',
  );
  const io = captureIo({ 'p.pdplan.yaml': plan });
  assert.equal(await main(['validate', 'p.pdplan.yaml', '--json'], io), 1);
  const [diagnostic] = JSON.parse(io.stdout).files[0].diagnostics;
  assert.equal(diagnostic.code, 'PDP070');
  assert.equal(diagnostic.path, '/workload/trace');
  const line = plan.split('\n').findIndex((l) => l.includes('traces/nowhere.jsonl'));
  const character = plan.split('\n')[line].indexOf('traces/');
  assert.deepEqual(diagnostic.range, {
    start: { line, character },
    end: { line, character: character + 'traces/nowhere.jsonl'.length },
  });
  assert.match(diagnostic.message, /does not exist/);
});

test('unreadable files and usage errors exit 2 with a clear message', async () => {
  let io = captureIo({});
  assert.equal(await main(['validate', 'missing.pdplan.yaml'], io), 2);
  assert.match(io.stderr, /missing\.pdplan\.yaml: error: cannot read the file \(no such file\)/);
  io = captureIo({});
  assert.equal(await main(['validate'], io), 2);
  assert.match(io.stderr, /Usage: pdplan validate FILE\.\.\. \[--json\]/);
  io = captureIo({ 'x.pdplan.yaml': 'version: 1\n' });
  assert.equal(await main(['validate', '--frobnicate', 'x.pdplan.yaml'], io), 2);
  assert.match(io.stderr, /unknown option '--frobnicate'/);
});

test('garbage input is diagnosed, never a crash', async () => {
  const io = captureIo({ 'g.pdplan.yaml': '\u0000\u0001{[: ]]}\t\n  - ? &' });
  const code = await main(['validate', 'g.pdplan.yaml'], io);
  assert.equal(code, 1);
  assert.doesNotMatch(io.stderr, /internal error/);
  assert.match(io.stdout, /^g\.pdplan\.yaml:\d+:\d+: error PDP00\d: /m);
});

test("a malformed trace is reported at the plan's trace value, with the trace's own line numbers", async () => {
  const plan = read('examples/toolbench-qwen3-32b.pdplan.yaml').replace('  profile: ToolBench\n', '  trace: t.jsonl\n');
  const trace =
    '{"session":"s1","round":0,"arrivalMs":0,"inputTokens":700,"outputTokens":50}\n{"session":"s1","round":1,"inputTokens":10}\nnot json\n';
  const io = captureIo({ 'p.pdplan.yaml': plan, 't.jsonl': trace });
  assert.equal(await main(['validate', 'p.pdplan.yaml', '--json'], io), 1);
  const diagnostics = JSON.parse(io.stdout).files[0].diagnostics as { code: string; message: string; path: string }[];
  assert.ok(diagnostics.length >= 2);
  assert.ok(diagnostics.every((d) => d.path === '/workload/trace' && /^PDP2\d\d$/.test(d.code)));
  assert.match(diagnostics[0].message, /^trace t\.jsonl: line 2: /);
  assert.ok(diagnostics.some((d) => /line 3: /.test(d.message)));
});
