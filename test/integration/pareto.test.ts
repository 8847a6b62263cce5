import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { main } from '../../src/cli/main';
import { captureIo } from '../helpers/io';

const root = path.join(__dirname, '..', '..');
function repoIo() {
  const io = captureIo();
  io.readFile = (file: string) => fs.readFileSync(path.resolve(root, file), 'utf8');
  io.exists = (file: string) => fs.existsSync(path.resolve(root, file));
  return io;
}
const PLAN = 'examples/toolbench-qwen3-32b.pdplan.yaml';
const QUICK = ['--rates', '2,8', '--sessions', '40', '--max-layouts', '4'];

test('pareto prints both frontiers with feasible points marked, a chart, and the best point within SLO', async () => {
  const io = repoIo();
  assert.equal(await main(['pareto', PLAN, ...QUICK], io), 0, io.stderr);
  assert.match(
    io.stdout,
    /Frontier: output tokens\/s\/GPU against tokens\/s\/user \(\d+ points, \d+ on the SLO-feasible frontier\)/,
  );
  assert.match(io.stdout, /Frontier: output tokens\/s\/GPU against TTFT p90 \(ms\)/);
  assert.match(io.stdout, /\* frontier, o SLO-feasible/);
  assert.match(io.stdout, /Most output tokens\/s\/GPU within SLO: P:\S+ at \d+ sessions\/s/);
  assert.match(io.stdout, /4 layouts \(an even spread; \d+ more with --max-layouts\)/);
  const round = repoIo();
  assert.equal(await main(['pareto', PLAN, ...QUICK, '--view', 'round'], round), 0);
  assert.match(round.stdout, /against Turn-1 TTFT p90/);
  assert.match(round.stdout, /against Turn-2\+ TTFT p90/);
});

test('pareto --json: points with window-based per-GPU figures, frontiers as indices; the same twice', async () => {
  const run = async () => {
    const io = repoIo();
    assert.equal(await main(['pareto', PLAN, ...QUICK, '--json'], io), 0, io.stderr);
    return JSON.parse(io.stdout);
  };
  const a = await run();
  assert.equal(a.layouts.length, 4);
  assert.deepEqual(a.rates, [2, 8]);
  for (const f of [...a.frontiers.session, ...a.frontiers.round])
    for (const i of f.all) assert.ok(a.points[i] && !a.points[i].unstable);
  for (const p of a.points) assert.ok(p.outputTokensPerSecPerGpu >= 0 && typeof p.feasible === 'boolean');
  const b = await run();
  assert.deepEqual({ ...a, wallMs: 0 }, { ...b, wallMs: 0 });
});

test('pareto: bad options are usage errors naming the option', async () => {
  for (const [args, message] of [
    [['--rates', '1,x'], /--rates: 'x' is not a rate/],
    [['--rates', ''], /--rates takes 1 to 20/],
    [['--view', 'turns'], /--view must be session or round/],
    [['--sessions', '5'], /--sessions must be a whole number from 20/],
  ] as [string[], RegExp][]) {
    const io = repoIo();
    assert.equal(await main(['pareto', PLAN, ...args], io), 2, args.join(' '));
    assert.match(io.stderr, message);
  }
});
