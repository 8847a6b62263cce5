import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultSweepRates, isFromWorker, isToWorker } from '../../../src/workers/jobProtocol';

test('worker messages: handshake, ids required', () => {
  assert.ok(isFromWorker({ type: 'ready' }));
  assert.ok(isFromWorker({ type: 'progress', id: 1, fraction: 0.5, message: 'x' }));
  assert.equal(isFromWorker({ type: 'progress', fraction: 0.5 }), false);
  assert.ok(isToWorker({ type: 'cancel', id: 3 }));
  assert.equal(isToWorker({ type: 'format-disk', id: 3 }), false);
});

test('defaultSweepRates brackets the plan rate', () => {
  const rates = defaultSweepRates(2);
  assert.equal(rates.length, 7);
  assert.equal(rates[0], 0.5);
  assert.equal(rates[6], 4);
  assert.ok(rates.includes(2));
});
