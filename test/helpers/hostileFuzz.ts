/**
 * The hostile-input fuzzer (issue 15): generates files and command lines as an attacker would —
 * special files, huge and sparse sizes, encodings and line ends, extreme numbers in every field of
 * a plan, odd layouts and options, broken traces and profiles — runs each through the real CLI
 * (real files, the input gate) and the editor's validator, and checks what every entry point
 * promises: it ends in bounded time with a located error or an answer, exits 0/1/2, shows no
 * internal error or stack, prints no NaN/Infinity, and never quotes a file other than the plan.
 *
 * Deterministic: one seed gives the same cases in the same order. `npm test` runs a short fixed
 * seed (test/integration/hostileFuzz.test.ts); `npm run fuzz` soaks for longer (scripts/fuzz.ts).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse, stringify } from 'yaml';
import { main } from '../../src/cli/main';
import { processIo, type CliIo } from '../../src/cli/io';
import { makeValidator } from '../../src/extension/core';
import { mulberry32, pick } from './yamlFuzz';

export const ROOT = path.join(__dirname, '..', '..');
/** Put in every file a plan names and never in a plan: a message that holds it has quoted that file. */
export const CANARY = 'CANARY_7f3a_do_not_print';

export interface FuzzCase {
  label: string;
  args: string[];
  /** The plan text to check through the editor's validator as well, when the case has one. */
  planFile?: string;
}

export interface FuzzFailure {
  label: string;
  args: string[];
  problem: string;
  output: string;
}

export interface FuzzReport {
  cases: number;
  failures: FuzzFailure[];
  slowestMs: number;
  slowest: string;
  peakHeapMB: number;
}

const BASE_PLAN =
  fs.readFileSync(path.join(ROOT, 'examples', 'chat-llama-3.1-8b.pdplan.yaml'), 'utf8') + 'deployment: P:4x1,D:4x1\n';
const FULL_PLAN = (() => {
  const doc = parse(fs.readFileSync(path.join(ROOT, 'examples', 'all-features.pdplan.yaml'), 'utf8'));
  delete doc.variants;
  return doc as Record<string, unknown>;
})();
const TRACE = fs.readFileSync(path.join(ROOT, 'examples', 'traces', 'toolbench-sample.jsonl'), 'utf8');
const PROFILE = fs.readFileSync(
  path.join(
    ROOT,
    'catalog',
    'profiles',
    fs.readdirSync(path.join(ROOT, 'catalog', 'profiles')).find((f) => f.endsWith('.csv'))!,
  ),
  'utf8',
);

const EXTREME_NUMBERS = [
  0,
  -0,
  -1,
  1,
  0.5,
  1e-300,
  5e-324,
  1e-9,
  1e-3,
  1e300,
  1.7976931348623157e308,
  1e15,
  2 ** 31,
  2 ** 53 + 1,
  999_999_999,
  1e5,
  1e7,
  0.999999,
  1.000001,
];
const EXTREME_LITERALS = [
  '.nan',
  '.inf',
  '-.inf',
  '1e309',
  '0x7fffffff',
  '0o777',
  '1_000',
  '"12"',
  '~',
  '[]',
  '{}',
  "'-1'",
  '1e-400',
];
const OPTION_VALUES = [
  '-1',
  '0',
  '0x10',
  '1e3',
  '1e-12',
  '1e9',
  'Infinity',
  'NaN',
  '',
  ' ',
  '٣',
  '1.5',
  '99999999999999999999',
  '-0',
  '+5',
  '--',
  '--json',
  'C:2x4',
  '\u0000',
  'a'.repeat(5000),
];
const LAYOUT_PARTS = ['P', 'D', 'C', 'p', 'X', ''];

function numericLeaves(value: unknown, at: string[] = [], out: string[][] = []): string[][] {
  if (typeof value === 'number') out.push(at);
  else if (Array.isArray(value)) value.forEach((v, i) => numericLeaves(v, [...at, String(i)], out));
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) numericLeaves(v, [...at, k], out);
  return out;
}
const LEAVES = numericLeaves(FULL_PLAN);

/** Makes the files of the cases under `dir`: special files once, then each case's own. */
export class HostileFuzzer {
  private readonly rand: () => number;
  private counter = 0;
  private readonly specials: string[] = [];

  constructor(
    readonly seed: number,
    readonly dir: string,
  ) {
    this.rand = mulberry32(seed);
    this.specials.push(dir); // a directory
    if (fs.existsSync('/dev/zero')) this.specials.push('/dev/zero', '/dev/urandom', '/dev/null');
    try {
      const fifo = path.join(dir, 'pipe.fifo');
      execFileSync('mkfifo', [fifo]);
      this.specials.push(fifo);
      const link = path.join(dir, 'link-to-pipe.csv');
      fs.symlinkSync(fifo, link);
      this.specials.push(link);
    } catch {
      // no FIFOs here (Windows): the other specials still run
    }
    const loop = path.join(dir, 'loop.jsonl');
    try {
      fs.symlinkSync(loop, loop);
      this.specials.push(loop);
    } catch {
      // no symlinks
    }
    for (const [name, size] of [
      ['sparse-3g.pdplan.yaml', 3 * 1024 ** 3],
      ['sparse-300m.jsonl', 300 * 1024 ** 2],
      ['sparse-9m.csv', 9 * 1024 ** 2],
    ] as const) {
      const file = path.join(dir, name);
      fs.closeSync(fs.openSync(file, 'w'));
      fs.truncateSync(file, size);
      this.specials.push(file);
    }
  }

  private write(name: string, content: string | Buffer): string {
    const file = path.join(this.dir, `${this.counter++}-${name}`);
    fs.writeFileSync(file, content);
    return file;
  }

  private int(n: number): number {
    return Math.floor(this.rand() * n);
  }

  /** Text to bytes in a random encoding and line-end style, sometimes broken. */
  private encode(text: string): Buffer {
    const ends = pick(this.rand, ['\n', '\r\n', '\r', 'mixed']);
    const withEnds =
      ends === 'mixed' ? text.replace(/\n/g, () => pick(this.rand, ['\n', '\r\n', '\r'])) : text.replace(/\n/g, ends);
    switch (this.int(8)) {
      case 0:
        return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(withEnds)]);
      case 1:
        return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(withEnds, 'utf16le')]);
      case 2:
        return Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(withEnds, 'utf16le').swap16()]);
      case 3:
        return Buffer.from(withEnds, 'utf16le'); // UTF-16 without its mark
      case 4:
        return Buffer.from(withEnds + '# caf\xe9\n', 'latin1'); // not UTF-8
      default:
        return Buffer.from(withEnds);
    }
  }

  /** A plan with one field set to an extreme number or literal (as YAML text). */
  private extremePlan(): { text: string; label: string } {
    const doc = structuredClone(FULL_PLAN);
    const leaf = pick(this.rand, LEAVES);
    let node = doc as Record<string, unknown>;
    for (const key of leaf.slice(0, -1)) node = node[key] as Record<string, unknown>;
    const useLiteral = this.rand() < 0.3;
    const marker = '__EXTREME__';
    const value = useLiteral ? pick(this.rand, EXTREME_LITERALS) : String(pick(this.rand, EXTREME_NUMBERS));
    node[leaf[leaf.length - 1]] = marker;
    const text = stringify(doc).replace(new RegExp(`['"]?${marker}['"]?`), value);
    return { text, label: `${leaf.join('.')} = ${value}` };
  }

  private randomLayout(): string {
    const terms = 1 + this.int(3);
    const out: string[] = [];
    for (let i = 0; i < terms; i++) {
      const tp = pick(this.rand, [
        '0',
        '1',
        '2',
        '3',
        '4',
        '7',
        '8',
        '16',
        '1024',
        '2048',
        '9'.repeat(1 + this.int(400)),
      ]);
      const dp = pick(this.rand, ['0', '1', '2', '4', '5000', '10001', '999999999', '9'.repeat(1 + this.int(400))]);
      out.push(`${pick(this.rand, LAYOUT_PARTS)}:${tp}${pick(this.rand, ['x', 'X', '×', '*'])}${dp}`);
    }
    return out.join(pick(this.rand, [',', ',', ', ', ';']));
  }

  private hostileTrace(): string {
    const lines = TRACE.trim()
      .split('\n')
      .slice(0, 20 + this.int(60));
    for (let e = 0; e < 1 + this.int(4); e++) {
      const i = this.int(lines.length);
      const record = JSON.parse(lines[i]) as Record<string, unknown>;
      const field = pick(this.rand, ['inputTokens', 'outputTokens', 'thinkMs', 'arrivalMs', 'round', 'session']);
      record[field] = pick(this.rand, [
        1e15,
        -1,
        1e300,
        0,
        0.5,
        `${CANARY}`,
        null,
        [1],
        { x: CANARY },
        2 ** 53,
        1e7,
        1e14,
        1e-300,
      ]);
      lines[i] = JSON.stringify(record);
    }
    if (this.rand() < 0.3) lines.splice(this.int(lines.length), 0, `${CANARY} not json`);
    return `${lines.join('\n')}\n{"session":"${CANARY}","round":0,"arrivalMs":5,"inputTokens":10,"outputTokens":5}\n`;
  }

  private hostileProfile(): string {
    const lines = PROFILE.split('\n');
    switch (this.int(5)) {
      case 0:
        return `${CANARY}=secret\n${lines.join('\n')}`;
      case 1:
        lines.splice(1 + this.int(lines.length - 1), 0, `${CANARY},1,0,1,,,1`);
        return lines.join('\n');
      case 2:
        return lines.join('\n').replace(/^prefill,(\d+)/m, `prefill,${CANARY}`);
      case 3:
        return `# pdplan-profile ${CANARY}\n${lines.join('\n')}`;
      default:
        return lines
          .join('\n')
          .replace(/,(\d+(\.\d+)?)\n/, `,${pick(this.rand, ['-1', '1e400', 'NaN', CANARY, '0'])}\n`);
    }
  }

  private withReference(kind: 'trace' | 'profile', target: string): string {
    if (kind === 'profile')
      return `${BASE_PLAN}perf: { profile: ${JSON.stringify(target.endsWith('.csv') ? target : `${target}`)} }\n`;
    return BASE_PLAN.replace(/workload:\n {2}profile: Chat\n/, `workload:\n  trace: ${JSON.stringify(target)}\n`);
  }

  next(): FuzzCase {
    const command = pick(this.rand, ['validate', 'validate', 'simulate', 'simulate', 'estimate', 'compare', 'plan']);
    const runArgs = (plan: string): string[] => {
      if (command === 'simulate') return [command, plan, '--sessions', String(10 + this.int(30))];
      if (command === 'compare') return [command, plan, plan, '--sessions', '20'];
      return [command, plan];
    };
    switch (this.int(7)) {
      case 0: {
        // A special or huge file where the plan goes.
        const target = pick(this.rand, this.specials);
        return { label: `${command} on special ${path.basename(target)}`, args: runArgs(target) };
      }
      case 1: {
        // A plan naming a special, huge, hostile or secret file as its trace or profile.
        const kind = this.rand() < 0.5 ? 'trace' : 'profile';
        const roll = this.rand();
        let target: string;
        if (roll < 0.4) target = pick(this.rand, this.specials);
        else if (kind === 'trace') target = this.write('t.jsonl', this.encode(this.hostileTrace()));
        else target = this.write('p.csv', this.encode(this.hostileProfile()));
        if (kind === 'profile' && !/\.(csv|json)$/.test(target))
          target = `${target}${pick(this.rand, ['/x.csv', '.csv'])}`;
        const plan = this.write('refs.pdplan.yaml', this.withReference(kind, target));
        return { label: `${command} with ${kind} ${path.basename(target)}`, args: runArgs(plan), planFile: plan };
      }
      case 2: {
        // The plan itself in an odd encoding or line-end style.
        const plan = this.write('enc.pdplan.yaml', this.encode(BASE_PLAN));
        // A plan that reads well would run the whole planner: its reading is what is tested here.
        return {
          label: `${command} on an encoded plan`,
          args: command === 'plan' ? ['estimate', plan] : runArgs(plan),
        };
      }
      case 3: {
        // One field at an extreme value: validates and runs, or is refused at its place.
        const { text, label } = this.extremePlan();
        const plan = this.write('extreme.pdplan.yaml', text);
        return {
          label: `${command} with ${label}`,
          args: command === 'plan' ? ['validate', plan] : runArgs(plan),
          planFile: plan,
        };
      }
      case 4: {
        // A layout on the command line.
        const plan = this.write('layout.pdplan.yaml', BASE_PLAN);
        const layout = this.randomLayout();
        const extra =
          this.rand() < 0.5
            ? ['--policy', pick(this.rand, ['colocated', 'adaptive', 'remote', 'continuum', 'nope'])]
            : [];
        return {
          label: `simulate --deployment ${layout.slice(0, 60)}`,
          args: ['simulate', plan, '--deployment', layout, ...extra, '--sessions', '20'],
        };
      }
      case 5: {
        // Options with hostile values.
        const plan = this.write('options.pdplan.yaml', BASE_PLAN);
        const option = pick(this.rand, [
          '--rate',
          '--sessions',
          '--seed',
          '--replications',
          '--policy',
          '--variant',
          '--deployment',
          '--bogus',
        ]);
        const value = pick(this.rand, OPTION_VALUES);
        const cmd = pick(this.rand, ['simulate', 'compare']);
        const args =
          cmd === 'compare'
            ? ['compare', plan, plan, option, value]
            : ['simulate', plan, option, value, '--sessions', '20'];
        return { label: `${cmd} ${option} ${JSON.stringify(value.slice(0, 20))}`, args };
      }
      default: {
        // Deep nesting, huge lines, or garbage as the plan.
        const depth = 500 + this.int(20000);
        const text = pick(this.rand, [
          '- '.repeat(depth) + 'x\n',
          '['.repeat(depth) + '\n',
          '{a: '.repeat(depth) + '1' + '}'.repeat(depth) + '\n',
          'name: ' + 'x'.repeat(1024 * 1024 + 10) + '\n',
          Array.from({ length: Math.min(depth, 1400) }, (_, i) => ' '.repeat(i) + 'k:').join('\n'),
          `version: 1\nmodel: &a [*a]\n`,
          `a: &a [${'*a,'.repeat(200)}]\n`,
        ]);
        const plan = this.write('deep.pdplan.yaml', text);
        return { label: `${command} on a deep or huge plan (${depth})`, args: runArgs(plan) };
      }
    }
  }
}

function realIo(): CliIo & { stdout: string; stderr: string } {
  const io = { ...processIo(), stdout: '', stderr: '' };
  io.out = (text: string) => void (io.stdout += text);
  io.err = (text: string) => void (io.stderr += text);
  return io;
}

/** What an entry point's output must never show. */
function outputProblem(code: number, output: string): string | undefined {
  if (![0, 1, 2].includes(code)) return `exit code ${code}`;
  if (/internal error|please report/i.test(output)) return 'internal error';
  if (/\n\s+at .+:\d+:\d+\)?\n/.test(output)) return 'stack trace';
  if (/call stack|heap out of memory/i.test(output)) return 'resource exhaustion';
  if (output.includes(CANARY)) return 'quoted a file other than the plan';
  // A computed NaN or Infinity; the loader naming a value the plan wrote ("not -Infinity") is fine.
  if (/\bNaN\b|\bInfinity\b/.test(output.replace(/'[^'\n]*'/g, '').replace(/\bnot (number )?-?(Infinity|NaN)\b/g, '')))
    return 'NaN or Infinity in the output';
  return undefined;
}

/** Runs `cases` cases from `seed`; every case must end within `caseLimitMs`. */
export async function runHostileFuzz(options: {
  seed: number;
  cases: number;
  caseLimitMs?: number;
  log?: (line: string) => void;
}): Promise<FuzzReport> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `pdplan-fuzz-${options.seed}-`));
  const fuzzer = new HostileFuzzer(options.seed, dir);
  const validator = makeValidator({ extensionPath: ROOT, isTrusted: () => true });
  const caseLimitMs = options.caseLimitMs ?? 10_000;
  const failures: FuzzFailure[] = [];
  let slowestMs = 0;
  let slowest = '';
  let peakHeap = 0;
  try {
    for (let i = 0; i < options.cases; i++) {
      const fuzzCase = fuzzer.next();
      const io = realIo();
      const started = performance.now();
      let code: number;
      try {
        code = await main(fuzzCase.args, io);
      } catch (error) {
        code = -1;
        io.stderr += `threw: ${String(error)}`;
      }
      const ms = performance.now() - started;
      const output = io.stdout + io.stderr;
      let problem = outputProblem(code, output);
      if (!problem && ms > caseLimitMs) problem = `took ${Math.round(ms)} ms (limit ${caseLimitMs})`;
      if (!problem && fuzzCase.planFile) {
        const editor = validator(fs.readFileSync(fuzzCase.planFile, 'utf8'), fuzzCase.planFile);
        if (JSON.stringify(editor.diagnostics).includes(CANARY))
          problem = 'the editor quoted a file other than the plan';
        if (editor.diagnostics.some((d) => d.code === 'PDP099')) problem = 'the editor hit an internal error';
      }
      if (ms > slowestMs) {
        slowestMs = ms;
        slowest = fuzzCase.label;
      }
      peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
      if (problem)
        failures.push({
          label: fuzzCase.label,
          args: fuzzCase.args.map((a) => (a.length > 200 ? a.slice(0, 200) + '…' : a)),
          problem,
          output: output.slice(0, 2000),
        });
      options.log?.(
        `${i + 1}/${options.cases} ${problem ? 'FAIL' : 'ok'} ${Math.round(ms)} ms ${fuzzCase.label}${problem ? `: ${problem}` : ''}`,
      );
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return { cases: options.cases, failures, slowestMs, slowest, peakHeapMB: peakHeap / 1024 ** 2 };
}
