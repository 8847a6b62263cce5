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

test('cost --gpus: two GPU types and both pairs of them side by side with cost and attainment, the cheapest named', async () => {
  const io = repoIo();
  assert.equal(
    await main(['cost', 'examples/toolbench-qwen3-32b.pdplan.yaml', '--gpus', 'H100-SXM,H200', '--json'], io),
    0,
    io.stderr,
  );
  const choice = JSON.parse(io.stdout);
  assert.deepEqual(
    choice.options.map((o: any) => `${o.prefillGpu}/${o.decodeGpu}`),
    ['H100-SXM/H100-SXM', 'H200/H200', 'H100-SXM/H200', 'H200/H100-SXM'],
  );
  for (const o of choice.options) {
    assert.ok(o.layout, o.gpu);
    assert.ok(o.attainment >= choice.attainmentTarget);
    assert.ok(o.cost.usdPerHour > 0);
    // Each role is priced at its own pool's GPU type.
    for (const part of o.cost.parts) assert.equal(part.gpu, part.role === 'decode' ? o.decodeGpu : o.prefillGpu);
  }
  const cheapest = (list: any[]) =>
    list.reduce((a: any, b: any) => (b.cost.usdPerHour < a.cost.usdPerHour ? b : a)).gpu;
  assert.equal(choice.cheapest, cheapest(choice.options));
  assert.equal(choice.cheapestSingle, cheapest(choice.options.filter((o: any) => o.prefillGpu === o.decodeGpu)));
  assert.equal(choice.cheapestPair, cheapest(choice.options.filter((o: any) => o.prefillGpu !== o.decodeGpu)));
  const text = repoIo();
  await main(['cost', 'examples/toolbench-qwen3-32b.pdplan.yaml', '--gpus', 'H100-SXM,H200'], text);
  assert.match(text.stdout, new RegExp(`Cheapest: ${choice.cheapest.replace(/[+]/g, '\\+')}, \\S+ at \\$[\\d.]+/hour`));
  assert.match(text.stdout, /Cheapest (single type|pair): /);
  const single = repoIo();
  assert.equal(
    await main(
      ['cost', 'examples/toolbench-qwen3-32b.pdplan.yaml', '--gpus', 'H100-SXM,H200', '--single-type', '--json'],
      single,
    ),
    0,
    single.stderr,
  );
  assert.deepEqual(
    JSON.parse(single.stdout).options.map((o: any) => o.gpu),
    ['H100-SXM', 'H200'],
  );
});

test('cost --deployment: $/hour of a layout with each price and its source; no price is named, exit 1', async () => {
  const io = repoIo();
  assert.equal(await main(['cost', 'examples/all-features.pdplan.yaml'], io), 0, io.stderr);
  assert.match(
    io.stdout,
    /cost \$35\.92\/h for 16 GPUs \(H100-SXM \$2\.99\/GPU-h typical 2026-05-18, H20-custom \$1\.50\/GPU-h from the plan\)/,
  );
  assert.match(io.stdout, /H100-SXM: Lambda on-demand/);
  const h20 = repoIo();
  assert.equal(await main(['cost', 'examples/toolbench-qwen3-32b.pdplan.yaml', '--deployment', 'P:2x2,D:4x1'], h20), 1);
  assert.match(h20.stdout, /no price for H20; give cost\.gpuHourUsd/);
});

test('cost: an unknown GPU type is a usage error naming it', async () => {
  const io = repoIo();
  assert.equal(await main(['cost', 'examples/toolbench-qwen3-32b.pdplan.yaml', '--gpus', 'H100-SXM,TPU'], io), 2);
  assert.match(io.stderr, /'TPU' is not a GPU type of the catalog/);
});
