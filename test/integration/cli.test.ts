import { test } from 'node:test';
import assert from 'node:assert/strict';
import { main } from '../../src/cli/main';
import { captureIo } from '../helpers/io';

test('unknown command is a usage error that lists the commands', async () => {
  const io = captureIo();
  assert.equal(await main(['frobnicate'], io), 2);
  assert.match(io.stderr, /unknown command 'frobnicate'/);
  assert.match(io.stderr, /pdplan validate/);
});

test('--help prints usage and exits 0', async () => {
  const io = captureIo();
  assert.equal(await main(['--help'], io), 0);
  assert.match(io.stdout, /pdplan plan FILE/);
});

test("a command's --help prints that command's options and exits 0; the overview lists them too", async () => {
  for (const [command, option] of [
    ['simulate', '--rate'],
    ['plan', '--sweep-rate'],
    ['compare', '--replications'],
    ['validate', '--json'],
    ['estimate', '--json'],
  ]) {
    const io = captureIo();
    assert.equal(await main([command, '--help'], io), 0, command);
    assert.match(io.stdout, new RegExp(`^Usage: pdplan ${command} `), command);
    assert.ok(io.stdout.includes(option), `${command} --help mentions ${option}`);
  }
  const overview = captureIo();
  await main(['--help'], overview);
  for (const option of ['--variant', '--rate', '--sessions', '--sweep-rate'])
    assert.ok(overview.stdout.includes(option), `overview mentions ${option}`);
});
