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
