/**
 * The editor and the CLI say the same about a plan: the real `pdplan validate --json` (the built
 * bin/pdplan.js in a child process) and the extension's validator (src/extension/core.ts, as the
 * editor runs it in a trusted workspace) over every example, every fixture and plans that name
 * missing, broken and misspelt files. Code, severity, message, range and quick fix must match.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  closeSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { makeValidator } from '../../src/extension/core';
import type { Diagnostic } from '../../src/core/spec/types';
import { formatDiagnostic } from '../../src/cli/commands/validate';
import { processIo } from '../../src/cli/io';
import { loadRunInputs } from '../../src/cli/runInputs';
import { readInputSync } from '../../src/io/inputGate';
import { referencePath } from '../../src/io/references';
import { InvalidPlan, resolveSource } from '../../src/workers/jobSource';

const ROOT = resolve(__dirname, '../..');

function plansUnder(folder: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) out.push(...plansUnder(path));
    else if (entry.name.endsWith('.pdplan.yaml') || entry.name.endsWith('.pdplan.yml')) out.push(path);
  }
  return out.sort();
}

const BASE = `version: 1
model: Qwen3-32B
cluster:
  gpu: H20
  gpusPerNode: 8
  nodes: 1
slo:
  ttftMs: 2000
  itlMs: 50
`;

/** Plans the repository's fixtures do not cover: files that are missing, broken, or names misspelt. */
function writeEdgeCases(folder: string): string[] {
  const files: Record<string, string> = {
    'missing-trace-and-profile.pdplan.yaml': `${BASE}workload:\n  trace: traces/nowhere.jsonl\nperf:\n  profile: profiles/nowhere.csv\n`,
    'misspelt-builtin-profile.pdplan.yaml': `${BASE}workload: ToolBench\nperf:\n  profile: h100-llama-3.1-70\n`,
    'broken-trace.pdplan.yaml': `${BASE}workload:\n  trace: broken.jsonl\n`,
    'trace-is-a-folder.pdplan.yaml': `${BASE}workload:\n  trace: folder\n`,
    'broken-profile.pdplan.yaml': `${BASE}workload: ToolBench\nperf:\n  profile: broken.csv\n`,
    'huge-profile.pdplan.yaml': `${BASE}workload: ToolBench\nperf:\n  profile: huge.csv\n`,
    'three-errors.pdplan.yaml':
      BASE.replace('gpu: H20', 'gpu: A100-SXM').replace('itlMs: 50', 'itlMs: -1') +
      'workload: ToolBench\ndeployment:\n  prefill: [{ tp: 3, dp: 1 }]\n  decode: [{ tp: 16, dp: 1 }]\n',
  };
  for (const [name, text] of Object.entries(files)) writeFileSync(join(folder, name), text);
  writeFileSync(
    join(folder, 'broken.jsonl'),
    '{"session":"a","round":0,"arrivalMs":0,"inputTokens":10,"outputTokens":5}\nnot json\n{"session":"a","round":1,"inputTokens":-3}\n',
  );
  writeFileSync(
    join(folder, 'broken.csv'),
    '# pdplan-profile v1\nop,tp,history,tokens,batch,context,ms\ndecode,4,,,1,,oops\n',
  );
  spawnSync('mkdir', [join(folder, 'folder')]);
  // Past the input gate's 8 MB for profiles (sparse: no disk is used).
  closeSync(openSync(join(folder, 'huge.csv'), 'w'));
  truncateSync(join(folder, 'huge.csv'), 20 * 1024 * 1024);
  return Object.keys(files).map((name) => join(folder, name));
}

const comparable = (d: Diagnostic) => ({
  severity: d.severity,
  code: d.code,
  message: d.message,
  path: d.path,
  range: d.range,
  fix: d.fix,
});

test('the editor, pdplan validate, the CLI run commands and the job worker agree on every example, fixture and file problem', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'pdplan-parity-'));
  try {
    const plans = [
      ...plansUnder(join(ROOT, 'examples')),
      ...plansUnder(join(ROOT, 'test', 'fixtures')),
      ...plansUnder(join(ROOT, 'test', 'e2e', 'workspace')),
      ...writeEdgeCases(scratch),
    ];
    assert.ok(plans.length >= 61, `only ${plans.length} plans found`);
    const cli = spawnSync(process.execPath, [join(ROOT, 'bin', 'pdplan.js'), 'validate', '--json', ...plans], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    assert.ok(cli.status === 0 || cli.status === 1, `pdplan validate exited ${cli.status}: ${cli.stderr}`);
    const fromCli = new Map(
      (JSON.parse(cli.stdout) as { files: { file: string; diagnostics: Diagnostic[] }[] }).files.map((f) => [
        f.file,
        f.diagnostics,
      ]),
    );
    const editor = makeValidator({ extensionPath: ROOT, isTrusted: () => true });
    let compared = 0;
    const codes = new Set<string>();
    for (const plan of plans) {
      const fromEditor = JSON.parse(
        JSON.stringify(editor(readFileSync(plan, 'utf8'), plan).diagnostics.map(comparable)),
      );
      const expected = (fromCli.get(plan) ?? assert.fail(`pdplan validate did not report ${plan}`)).map(comparable);
      assert.deepEqual(fromEditor, JSON.parse(JSON.stringify(expected)), `editor and CLI differ on ${plan}`);
      compared += fromEditor.length;
      for (const d of fromEditor) codes.add(`${d.code}/${d.severity}`);
    }
    runPathsAgree(plans, fromCli);
    // The cases the issue names, so the comparison above is known to cover them.
    const missing = fromCli.get(join(scratch, 'missing-trace-and-profile.pdplan.yaml'))!;
    assert.deepEqual(
      missing.map((d) => d.code),
      ['PDP070', 'PDP070'],
    );
    const misspelt = fromCli.get(join(scratch, 'misspelt-builtin-profile.pdplan.yaml'))!;
    assert.deepEqual(
      misspelt.map((d) => `${d.code}/${d.severity}`),
      ['PDP023/error'],
    );
    const three = fromCli.get(join(scratch, 'three-errors.pdplan.yaml'))!;
    assert.deepEqual(three.map((d) => d.code).sort(), ['PDP014', 'PDP021', 'PDP030', 'PDP032']);
    assert.ok(
      fromCli.get(join(scratch, 'broken-trace.pdplan.yaml'))!.some((d) => d.message.startsWith('trace broken.jsonl:')),
    );
    assert.deepEqual(
      fromCli.get(join(scratch, 'huge-profile.pdplan.yaml'))!.map((d) => d.code),
      ['PDP070'],
    );
    assert.ok(compared >= 50 && codes.size >= 30, `${compared} diagnostics, ${codes.size} codes compared`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
});

/**
 * The paths that run a plan refuse exactly what validate reports as errors: the CLI's run commands
 * (loadRunInputs, behind simulate, plan, compare, export, cost, pareto) print those errors, and the
 * job worker, given the files the extension reads, refuses the job with them.
 */
function runPathsAgree(plans: string[], fromCli: Map<string, Diagnostic[]>): void {
  for (const plan of plans) {
    const errors = fromCli.get(plan)!.filter((d) => d.severity === 'error');
    const printed: string[] = [];
    const io = { ...processIo(), out: () => undefined, err: (text: string) => void printed.push(text) };
    const inputs = loadRunInputs(plan, io, 'simulate');
    assert.equal('exitCode' in inputs, errors.length > 0, `CLI run path on ${plan}`);
    assert.deepEqual(
      printed.slice(0, errors.length),
      errors.map((d) => formatDiagnostic(plan, d) + '\n'),
      `CLI run path on ${plan}`,
    );

    const text = readFileSync(plan, 'utf8');
    const files: Record<string, string> = {};
    for (const reference of makeValidator({ extensionPath: ROOT, isTrusted: () => true })(text, plan).references) {
      try {
        files[reference.path] = readInputSync(
          referencePath(reference, plan, ROOT),
          reference.kind === 'trace' ? 'trace' : 'profile',
        ).text;
      } catch {
        // the extension refuses to start a job on such a plan; the worker sees the file as not sent
      }
    }
    const refusedFor = errors.filter((d) => d.code !== 'PDP070').map(comparable);
    try {
      resolveSource({ text, fileName: plan, files });
      assert.deepEqual(refusedFor, [], `the job worker ran ${plan}`);
    } catch (error) {
      if (!(error instanceof InvalidPlan)) continue; // a trace-only plan whose trace was not sent: not a validation matter
      assert.deepEqual(
        JSON.parse(JSON.stringify(error.diagnostics.map(comparable))),
        JSON.parse(JSON.stringify(refusedFor)),
        `job worker on ${plan}`,
      );
    }
  }
}

test('in an untrusted workspace the editor reads no file a plan names, so it reports none missing', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'pdplan-parity-'));
  try {
    const [plan] = writeEdgeCases(scratch);
    const editor = makeValidator({ extensionPath: ROOT, isTrusted: () => false });
    assert.deepEqual(
      editor(readFileSync(plan, 'utf8'), plan).diagnostics.map((d) => d.code),
      [],
    );
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
});
