import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pickNext, tasksMeetingSlo, type ReorderItem } from '../../../src/core/sim/reorder';
import { Rng } from '../../../src/core/sim/random';

test('reordering runs a short task first when that saves its SLO', () => {
  const items: ReorderItem[] = [
    { readyMs: 0, estimatedMs: 500, postponed: 0 },
    { readyMs: -500, estimatedMs: 100, postponed: 0 },
  ];
  // FCFS meets one (the second's TTFT would be 1100 ms > 600); running the short, older one first meets both.
  assert.equal(pickNext(items, 2, 3, 0, 600), 1);
  assert.equal(pickNext(items, 1, 3, 0, 600), 0, 'a window of 1 is FCFS');
  items[0].postponed = 3;
  assert.equal(pickNext(items, 2, 3, 0, 600), 0, 'a task postponed M times runs next');
});

test('reordering never does worse than FCFS on its window objective and never postpones past M', () => {
  const rng = new Rng(42);
  for (let trial = 0; trial < 500; trial++) {
    const window = 2 + Math.floor(rng.next() * 4);
    const maxPostpone = 1 + Math.floor(rng.next() * 3);
    const queue: Array<ReorderItem & { id: number }> = [];
    let now = 0;
    let nextId = 0;
    for (let step = 0; step < 40; step++) {
      for (let k = Math.floor(rng.next() * 3); k > 0; k--) {
        queue.push({ id: nextId++, readyMs: now, estimatedMs: 20 + rng.next() * 400, postponed: 0 });
      }
      if (queue.length === 0) continue;
      const w = Math.min(window, queue.length);
      const fcfs = Array.from({ length: w }, (_, i) => i);
      const fcfsMet = tasksMeetingSlo(queue, fcfs, now, 600);
      const pick = pickNext(queue, window, maxPostpone, now, 600);
      const forced = queue.slice(0, w).some((t) => t.postponed >= maxPostpone);
      if (!forced) {
        // The chosen head must start some order that meets at least as many as FCFS does.
        const rest = fcfs.filter((i) => i !== pick);
        let best = -1;
        const permute = (prefix: number[], remaining: number[]) => {
          if (remaining.length === 0) best = Math.max(best, tasksMeetingSlo(queue, prefix, now, 600));
          remaining.forEach((r, i) => permute([...prefix, r], [...remaining.slice(0, i), ...remaining.slice(i + 1)]));
        };
        permute([pick], rest);
        assert.ok(best >= fcfsMet, `trial ${trial}: picked order meets ${best} < FCFS ${fcfsMet}`);
      }
      for (let i = 0; i < pick; i++) queue[i].postponed += 1;
      for (const t of queue) assert.ok(t.postponed <= maxPostpone, `postponed ${t.postponed} > M=${maxPostpone}`);
      const [ran] = queue.splice(pick, 1);
      now += ran.estimatedMs;
    }
  }
});
