import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rankOrder, tied, type Ranked } from '../../../src/core/plan/rank';
import { HeadroomSearch, DEFAULT_HEADROOM } from '../../../src/core/plan/headroom';
import { testPlan } from './fixtures';

const item = (gpus: number, sloAttainment: number, halfWidth: number, headroom?: number, unstable = false): Ranked => ({
  gpus,
  sloAttainment,
  halfWidth,
  goodput: sloAttainment * 2,
  goodputHalfWidth: halfWidth * 2,
  unstable,
  ttftP95Ms: 500,
  itlP95Ms: 20,
  headroom,
});

test('a difference inside the 95% interval of the difference is a tie, outside it is not', () => {
  assert.equal(tied(0.95, 0.02, 0.93, 0.02), true);
  assert.equal(tied(0.95, 0.005, 0.93, 0.005), false);
  assert.equal(tied(1, 0, 1, 0), true);
  assert.equal(tied(1, 0, 0.998, 0), false, 'a floor of a tenth of a point');
});

test('among layouts meeting the target: fewer GPUs, then more headroom; below it: attainment tiers, then fewer GPUs', () => {
  const plan = testPlan(); // target 0.9
  const items = [
    item(8, 1.0, 0, 12), // meets, most GPUs
    item(6, 0.95, 0.01, 7.5), // meets, fewer GPUs, little headroom
    item(6, 0.97, 0.01, 8.4), // meets, same GPUs, more headroom
    item(4, 0.85, 0.02, 5), // misses
    item(2, 0.84, 0.02, 3), // misses, tied with the one above on attainment, fewer GPUs
    item(8, 0.99, 0, 0, true), // unstable
  ];
  assert.deepEqual(rankOrder(plan, 'max-attainment', items), [2, 1, 0, 4, 3, 5]);
  assert.deepEqual(rankOrder(plan, 'min-gpus', items), [2, 1, 0, 4, 3, 5]);
  // max-rate: most headroom first.
  assert.deepEqual(rankOrder(plan, 'max-rate', items).slice(0, 3), [0, 2, 1]);
});

test('a headroom search brackets the target and bisects to 5%, from probes of a monotone layout', () => {
  const capacity = 7.3; // the layout meets the target below this rate
  const search = new HeadroomSearch({ ...DEFAULT_HEADROOM, target: 0.9 }, 4);
  let probes = 0;
  while (search.next !== undefined && probes < 30) {
    const r = search.next;
    search.advance({ ratePerSec: r, sloAttainment: r <= capacity ? 0.95 : 0.5, unstable: false }, 4);
    probes++;
  }
  const h = search.result();
  assert.ok(h.ratePerSec <= capacity && h.ratePerSec >= capacity / 1.05, `${h.ratePerSec}`);
  assert.equal(h.isLowerBound, false);
  assert.ok(probes <= 10, `${probes} probes`);
  // A layout that meets the target at every rate tried is a lower bound, never capped at a multiple of the guess.
  const open = new HeadroomSearch({ ...DEFAULT_HEADROOM, target: 0.9, maxExpansions: 4 }, 1);
  while (open.next !== undefined) open.advance({ ratePerSec: open.next, sloAttainment: 1, unstable: false }, 1);
  assert.equal(open.result().isLowerBound, true);
  assert.ok(open.result().ratePerSec > 4, `${open.result().ratePerSec}`);
});
