/**
 * Hostile input at every entry point (issue 15): special and huge files named on the command line
 * or by a plan, encodings and line ends, files whose content must never reach a message, and
 * command-line layouts that must pass the plan file's checks. Every case ends within seconds.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { main } from '../../src/cli/main';
import { processIo, type CliIo } from '../../src/cli/io';
import { makeValidator } from '../../src/extension/core';
import { referencePath as extensionReferencePath } from '../../src/io/references';
import { readPlanReference } from '../../src/cli/planFiles';

const ROOT = path.join(__dirname, '..', '..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pdplan-hostile-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const write = (name: string, content: string | Buffer) => {
  const full = path.join(dir, name);
  fs.mkdirSync(path.dirname(full), { recursive: true });
  fs.writeFileSync(full, content);
  return full;
};
const canMkfifo = (() => {
  try {
    execFileSync('mkfifo', [path.join(dir, 'probe.fifo')]);
    return true;
  } catch {
    return false;
  }
})();

const BASE =
  fs.readFileSync(path.join(ROOT, 'examples', 'chat-llama-3.1-8b.pdplan.yaml'), 'utf8') + 'deployment: P:4x1,D:4x1\n';
const SECRET = 'ghp_S3CR3T_TOKEN_do_not_print';

/** The real process io (real files, the input gate) with output captured. */
function realIo(): CliIo & { stdout: string; stderr: string } {
  const io = { ...processIo(), stdout: '', stderr: '' };
  io.out = (text: string) => void (io.stdout += text);
  io.err = (text: string) => void (io.stderr += text);
  return io;
}

async function run(args: string[]): Promise<{ code: number; output: string; ms: number }> {
  const io = realIo();
  const started = performance.now();
  const code = await main(args, io);
  return { code, output: io.stdout + io.stderr, ms: performance.now() - started };
}

test('special and huge files named on the command line are refused at once, with what was expected', async () => {
  const sparse = path.join(dir, 'sparse.pdplan.yaml');
  fs.closeSync(fs.openSync(sparse, 'w'));
  fs.truncateSync(sparse, 3 * 1024 ** 3);
  const cases: Array<[string, RegExp]> = [
    [dir, /is a directory/],
    [sparse, /is 3070 MB; a plan file is read up to 4 MB/],
  ];
  if (fs.existsSync('/dev/zero')) cases.push(['/dev/zero', /\/dev\/zero is a character device; name a regular file/]);
  if (canMkfifo) cases.push([path.join(dir, 'probe.fifo'), /is a FIFO \(named pipe\); name a regular file/]);
  for (const [target, message] of cases) {
    for (const command of ['validate', 'estimate', 'simulate', 'compare', 'plan']) {
      const { code, output, ms } = await run([command, target]);
      assert.equal(code, 2, `${command} ${target}: ${output}`);
      assert.match(output, message, `${command} ${target}`);
      assert.ok(ms < 3000, `${command} ${target} took ${ms} ms`);
    }
  }
});

test('a plan naming a FIFO, a device or a huge file as its trace or profile gets PDP070 at the reference, in every command', async () => {
  const targets: Array<[string, RegExp]> = [
    [path.join(dir, 'huge.csv'), /is 300 MB; a (profile file is read up to 8 MB|trace file is read up to 256 MB)/],
  ];
  fs.closeSync(fs.openSync(targets[0][0], 'w'));
  fs.truncateSync(targets[0][0], 300 * 1024 ** 2);
  if (fs.existsSync('/dev/zero')) targets.push(['/dev/zero', /character device/]);
  if (canMkfifo) targets.push([path.join(dir, 'probe.fifo'), /FIFO/]);
  for (const [target, message] of targets) {
    for (const [field, line] of [
      ['profile', `perf: { profile: ${target.endsWith('.csv') ? target : target + '.csv'} }`],
      ['trace', `workload: { trace: ${target} }`],
    ] as const) {
      if (field === 'profile' && !target.endsWith('.csv')) {
        // A profile path must look like one: link the special file under a .csv name.
        try {
          fs.symlinkSync(target, target + '.csv');
        } catch {
          // exists from an earlier round
        }
      }
      const plan = write(
        `refs/${field}-${path.basename(target)}.pdplan.yaml`,
        field === 'trace'
          ? BASE.replace(/workload:\n {2}profile: Chat\n/, 'workload:\n  trace: ' + target + '\n')
          : BASE + line + '\n',
      );
      for (const command of ['validate', 'simulate']) {
        const { code, output, ms } = await run([
          command,
          plan,
          ...(command === 'simulate' ? ['--sessions', '20'] : []),
        ]);
        assert.equal(code, 1, `${command} ${field} ${target}: ${output}`);
        assert.match(output, /PDP070/, output);
        assert.match(output, message, output);
        assert.ok(ms < 3000, `${command} took ${ms} ms`);
      }
    }
  }
});

test("the editor's validator never waits on a FIFO, device or huge profile (it ran on every keystroke)", () => {
  const validator = makeValidator({ extensionPath: ROOT, isTrusted: () => true });
  const targets = [path.join(dir, 'huge.csv')];
  if (canMkfifo) targets.push(path.join(dir, 'probe.fifo.csv'));
  if (fs.existsSync('/dev/zero')) targets.push(path.join(dir, 'zero.csv'));
  fs.closeSync(fs.openSync(targets[0], 'w'));
  fs.truncateSync(targets[0], 300 * 1024 ** 2);
  if (canMkfifo && !fs.existsSync(targets[1])) execFileSync('mkfifo', [targets[1]]);
  if (fs.existsSync('/dev/zero') && !fs.existsSync(path.join(dir, 'zero.csv')))
    fs.symlinkSync('/dev/zero', path.join(dir, 'zero.csv'));
  for (const target of targets) {
    const started = performance.now();
    const outcome = validator(`${BASE}perf: { profile: ${target} }\n`, path.join(dir, 'editor.pdplan.yaml'));
    assert.ok(performance.now() - started < 2000, `${target}: the validator waited`);
    // Refused by the gate at once, and said as `pdplan validate` says it (the editor and the CLI run the same checks).
    assert.deepEqual(
      outcome.diagnostics.map((d) => `${d.code} ${d.path}`),
      ['PDP070 /perf/profile'],
      `${target}: ${JSON.stringify(outcome.diagnostics)}`,
    );
  }
});

test('no message quotes a file other than the plan: a secrets file named as profile or trace stays secret', async () => {
  const secretFiles = [
    write('secrets/env.csv', `API_KEY=${SECRET}\n`),
    write('secrets/header.csv', `# pdplan-profile ${SECRET}\nop,${SECRET},x\n`),
    write(
      'secrets/rows.csv',
      `# pdplan-profile v1\nop,tp,history,tokens,batch,context,ms\n${SECRET},1,0,1,,,1\nprefill,${SECRET},0,1,,,1\n`,
    ),
    write(
      'secrets/env.jsonl',
      `${SECRET}\n{"session":"${SECRET}","round":0,"arrivalMs":"${SECRET}","inputTokens":1,"outputTokens":1}\n{"session":"${SECRET}","round":0,"arrivalMs":0,"inputTokens":1,"outputTokens":1}\n[1]\n`,
    ),
    write('secrets/binary.csv', Buffer.concat([Buffer.from(SECRET), Buffer.from([0, 0xff, 0xfe])])),
  ];
  const validator = makeValidator({ extensionPath: ROOT, isTrusted: () => true });
  for (const secret of secretFiles) {
    const plan = secret.endsWith('.jsonl')
      ? write(
          `secret-trace.pdplan.yaml`,
          BASE.replace(/workload:\n {2}profile: Chat\n/, `workload:\n  trace: ${secret}\n`),
        )
      : write(`secret-profile-${path.basename(secret)}.pdplan.yaml`, `${BASE}perf: { profile: ${secret} }\n`);
    for (const args of [
      ['validate', plan],
      ['validate', plan, '--json'],
      ['simulate', plan, '--sessions', '20'],
      ['estimate', plan],
      ['compare', plan, plan],
      ['plan', plan],
    ]) {
      const { code, output } = await run(args);
      // estimate does not replay traces, so a bad one is no failure of its own.
      if (!(args[0] === 'estimate' && secret.endsWith('.jsonl')))
        assert.notEqual(code, 0, `${args.join(' ')} must fail: ${output}`);
      assert.ok(!output.includes('S3CR3T'), `${args.join(' ')} quoted the file:\n${output}`);
    }
    const editor = validator(fs.readFileSync(plan, 'utf8'), plan);
    assert.ok(!JSON.stringify(editor.diagnostics).includes('S3CR3T'), `the editor quoted ${secret}`);
  }
});

test('encodings and line ends: UTF-16 LE/BE with a BOM, UTF-8 with a BOM, CR, LF and CRLF plans all validate the same', async () => {
  const lf = BASE;
  const variants: Array<[string, Buffer]> = [
    ['lf', Buffer.from(lf)],
    ['crlf', Buffer.from(lf.replace(/\n/g, '\r\n'))],
    ['cr', Buffer.from(lf.replace(/\n/g, '\r'))],
    ['utf8bom', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(lf)])],
    ['utf16le', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(lf.replace(/\n/g, '\r'), 'utf16le')])],
    ['utf16be', Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(lf, 'utf16le').swap16()])],
  ];
  for (const [name, bytes] of variants) {
    const file = write(`enc-${name}.pdplan.yaml`, bytes);
    const { code, output } = await run(['validate', file]);
    assert.equal(code, 0, `${name}: ${output}`);
    assert.match(output, /ok/, name);
  }
  const withError = write('enc-error-cr.pdplan.yaml', lf.replace('itlMs: 40', 'itlMs: -40').replace(/\n/g, '\r'));
  const { output } = await run(['validate', withError]);
  assert.match(
    output,
    new RegExp(
      `enc-error-cr.pdplan.yaml:${lf.split('\n').findIndex((l) => l.includes('itlMs')) + 1}:\\d+: error PDP014`,
    ),
    output,
  );
  const noBom = write('enc-utf16-nobom.pdplan.yaml', Buffer.from(lf, 'utf16le'));
  assert.match(
    (await run(['validate', noBom])).output,
    /NUL byte on line 1: it is binary, or UTF-16 without a byte-order mark; save it as UTF-8/,
  );
  const cp1252 = write(
    'enc-latin1.pdplan.yaml',
    Buffer.concat([Buffer.from(lf), Buffer.from('name: caf\xe9\n', 'latin1')]),
  );
  assert.match(
    (await run(['validate', cp1252])).output,
    new RegExp(`not UTF-8 text \\(invalid byte on line ${lf.split('\n').length}\\)`),
  );
  const crTrace = write(
    'cr.jsonl',
    fs.readFileSync(path.join(ROOT, 'examples/traces/toolbench-sample.jsonl'), 'utf8').replace(/\n/g, '\r'),
  );
  const tracePlan = write(
    'cr-trace.pdplan.yaml',
    BASE.replace(/workload:\n {2}profile: Chat\n/, `workload:\n  trace: ${crTrace}\n`),
  );
  const replay = await run(['simulate', tracePlan, '--json']);
  assert.equal(replay.code, 0, replay.output);
  assert.ok(JSON.parse(replay.output).traceReplay.sessions > 1);
});

test('10,000-deep nesting, in brackets or in blocks, is PDP003 at once, not a stack overflow', async () => {
  for (const [name, text] of [
    ['dashes', '- '.repeat(10_000) + 'x\n'],
    ['brackets', '['.repeat(10_000) + ']'.repeat(10_000) + '\n'],
    ['indent', Array.from({ length: 1400 }, (_, i) => ' '.repeat(i) + 'k:').join('\n') + '\n'],
  ]) {
    const { code, output, ms } = await run(['validate', write(`deep-${name}.pdplan.yaml`, text)]);
    assert.equal(code, 1, output);
    assert.match(output, /error PDP003: .*(nests|nest deeper)/, `${name}: ${output}`);
    assert.doesNotMatch(output, /call stack/i);
    assert.ok(ms < 3000, `${name}: ${ms} ms`);
  }
});

test('command-line layouts and overrides pass the same checks as the plan file', async () => {
  const plan = write('cli.pdplan.yaml', BASE);
  const cases: Array<[string[], RegExp, number]> = [
    [
      ['--deployment', 'C:7x1', '--policy', 'colocated'],
      /--deployment: TP 7 does not divide the 32 attention heads of Llama-3.1-8B.*\(PDP030\)/,
      1,
    ],
    [['--deployment', 'P:16x1,D:4x1'], /TP 16 exceeds the 8 GPUs per node.*\(PDP032\)/, 1],
    [
      ['--deployment', 'C:1x999999999', '--policy', 'colocated'],
      /--deployment: .*more replicas than a deployment may have \(at most 10,000 in all\)/,
      2,
    ],
    [['--deployment', `C:1x${'9'.repeat(400)}`], /at most 10,000/, 2],
    [['--deployment', `C:${'9'.repeat(400)}x1`], /more GPUs than a node can have/, 2],
    [['--deployment', 'C:2x2'], /--deployment: policy 'adaptive' .* co-located.*\(PDP050\)/, 1],
    [['--rate', '-1'], /--rate must be a decimal number above 0 and at most 100000 \(got '-1'\)/, 2],
    [['--rate', '0x10'], /--rate must be a decimal number above 0 .*\(got '0x10'\)/, 2],
    [['--rate', 'Infinity'], /--rate must be a decimal number/, 2],
    [['--rate', '1e-6'], /--rate must be at least 0.001 sessions\/s/, 2],
    [['--rate', '1e9'], /at most 100000/, 2],
    [['--sessions', '1e3'], /--sessions must be a whole number .* decimal digits \(got '1e3'\)/, 2],
    [['--sessions', '-5'], /--sessions must be a whole number/, 2],
    [['--seed', '0x10'], /--seed must be a whole number/, 2],
  ];
  for (const [args, message, expected] of cases) {
    const { code, output, ms } = await run(['simulate', plan, ...args]);
    assert.equal(code, expected, `${args.join(' ')}: ${output}`);
    assert.match(output, message, args.join(' '));
    assert.ok(ms < 3000, `${args.join(' ')}: ${ms} ms`);
  }
  const unknownProfile = write('unknown-profile.pdplan.yaml', `${BASE}perf: { profile: no-such-profile }\n`);
  for (const command of ['validate', 'simulate', 'estimate', 'plan']) {
    const { code, output } = await run([command, unknownProfile]);
    assert.equal(code, 1, `${command}: ${output}`);
    assert.match(output, /PDP023: unknown performance profile 'no-such-profile'/, command);
  }
});

test('an absolute trace path means the same file to the CLI and to the extension', () => {
  const trace = write('abs/trace.jsonl', fs.readFileSync(path.join(ROOT, 'examples/traces/toolbench-sample.jsonl')));
  const planFile = path.join(dir, 'elsewhere', 'plan.pdplan.yaml');
  const reference = {
    kind: 'trace' as const,
    path: trace,
    jsonPath: '/workload/trace',
    range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
  };
  assert.equal(extensionReferencePath(reference, planFile, ROOT), trace);
  const read = readPlanReference(planFile, reference, processIo());
  assert.ok('text' in read, JSON.stringify(read));
  assert.equal(read.file, trace);
  const relative = { ...reference, path: 'traces/t.jsonl' };
  assert.equal(extensionReferencePath(relative, planFile, ROOT), path.join(dir, 'elsewhere', 'traces', 't.jsonl'));
  assert.equal(
    readPlanReference(planFile, relative, processIo()).file,
    path.join(dir, 'elsewhere', 'traces', 't.jsonl'),
  );
});

test(
  'the built CLI refuses the heaviest hostile inputs within seconds and under 1 GB of heap',
  { skip: !fs.existsSync(path.join(ROOT, 'dist', 'cli.js')) },
  () => {
    const plan = write('heap.pdplan.yaml', BASE);
    const bigTrace = write(
      'heap-trace.pdplan.yaml',
      BASE.replace(/workload:\n {2}profile: Chat\n/, `workload:\n  trace: ${path.join(dir, 'sparse.pdplan.yaml')}\n`),
    );
    for (const args of [
      ['simulate', plan, '--deployment', 'C:1x999999999', '--policy', 'colocated'],
      ['simulate', plan, '--deployment', 'P:1x5000,D:1x5000'],
      ['validate', bigTrace],
      ...(fs.existsSync('/dev/zero') ? [['validate', '/dev/zero']] : []),
    ]) {
      const result = spawnSync(
        process.execPath,
        ['--max-old-space-size=1024', path.join(ROOT, 'bin', 'pdplan.js'), ...args],
        { encoding: 'utf8', timeout: 10_000 },
      );
      assert.equal(result.signal, null, `${args.join(' ')} was killed (timeout)`);
      assert.ok(
        result.status === 1 || result.status === 2,
        `${args.join(' ')}: exit ${result.status}: ${result.stderr}`,
      );
      assert.doesNotMatch(result.stderr, /heap out of memory|internal error/i);
    }
  },
);
