import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import loadHighs = require('highs');
import {
  bruteForce,
  solveIlp,
  evaluateCounts,
  type HighsSolver,
  type IlpModel,
  type ReplicaOption,
} from '../../../src/core/plan/ilp';

const highsReady = loadHighs.default({
  locateFile: () => path.join(__dirname, '..', '..', '..', 'node_modules', 'highs', 'build', 'highs.wasm'),
}) as unknown as Promise<HighsSolver>;

/** Deterministic pseudo-random coefficients (no Math.random: a failing case must be repeatable). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const SHARES = [1, 1 / 2, 1 / 3, 1 / 4, 1 / 6, 1 / 8];

/** A replica's badness grows with its share and shrinks with TP, with noise so ties are rare. */
function syntheticModel(
  seed: number,
  budget: number,
  objective: IlpModel['objective'],
  mixedTp: boolean,
  colocated: boolean,
): IlpModel {
  const rand = lcg(seed);
  const options: ReplicaOption[] = [];
  const roles = colocated ? (['prefill', 'decode', 'colocated'] as const) : (['prefill', 'decode'] as const);
  for (const role of roles) {
    for (const tp of [1, 2, 4, 8]) {
      if (tp > budget) continue;
      const speed = tp ** (0.6 + 0.3 * rand()) * (role === 'colocated' ? 0.7 : 1);
      const levels = SHARES.filter((s) => s * budget >= 0.5 * rand())
        .map((share) => ({ share, badness: Math.round((share / speed) * (0.5 + rand()) * 1000) / 1000 }))
        .filter((l) => l.badness < 2 + rand());
      options.push({ role, tp, pool: 'main', maxReplicas: Math.floor(budget / tp), levels });
    }
  }
  return { options, gpuBudget: budget, pools: [{ name: 'main', gpus: budget }], objective, mixedTp };
}

test('the ILP optimum equals brute-force enumeration on small budgets', async () => {
  const highs = await highsReady;
  let compared = 0;
  let feasible = 0;
  for (let seed = 1; seed <= 30; seed++) {
    const budget = [4, 6, 8][seed % 3];
    const objective = seed % 4 === 0 ? 'gpus' : 'bottleneck';
    const model = syntheticModel(seed, budget, objective, seed % 5 !== 0, seed % 2 === 0);
    const brute = bruteForce(model);
    const ilp = solveIlp(highs, model);
    compared++;
    if (!brute) {
      assert.equal(
        ilp.solution,
        undefined,
        `seed ${seed}: brute force found nothing, ILP found ${JSON.stringify(ilp.solution)}`,
      );
      continue;
    }
    feasible++;
    assert.ok(ilp.solution, `seed ${seed}: ILP ${ilp.status} but brute force found ${JSON.stringify(brute)}`);
    assert.ok(
      Math.abs(ilp.solution.worstBadness - brute.worstBadness) < 1e-9,
      `seed ${seed} badness ${ilp.solution.worstBadness} vs ${brute.worstBadness}`,
    );
    assert.equal(ilp.solution.gpus, brute.gpus, `seed ${seed} gpus`);
    // The solver's counts are themselves a valid deployment scoring what it claims.
    const rescored = evaluateCounts(model, ilp.solution.counts);
    assert.ok(rescored, `seed ${seed}: ILP counts invalid`);
    assert.ok(Math.abs(rescored.worstBadness - brute.worstBadness) < 1e-9);
  }
  assert.equal(compared, 30);
  assert.ok(feasible >= 18, `only ${feasible} feasible synthetic models; the test would prove little`);
});

test('shape cuts give the next-best structurally different deployments in order', async () => {
  const highs = await highsReady;
  const model = syntheticModel(7, 8, 'bottleneck', true, false);
  const seen: number[][] = [];
  let last = -Infinity;
  for (let k = 0; k < 4; k++) {
    const out = solveIlp(highs, model, seen);
    if (!out.solution) break;
    assert.ok(out.solution.worstBadness >= last - 1e-9, 'candidates come in objective order');
    last = out.solution.worstBadness;
    const shape = (c: number[]) => c.map((n) => (n > 0 ? 1 : 0)).join();
    assert.ok(!seen.some((c) => shape(c) === shape(out.solution!.counts)), 'each candidate has a new shape');
    seen.push(out.solution.counts);
  }
  assert.ok(seen.length >= 3);
});

test('an impossible model is reported as such, not solved', async () => {
  const highs = await highsReady;
  const model = syntheticModel(3, 8, 'bottleneck', true, false);
  model.gpuBudget = 1;
  for (const o of model.options) o.levels = o.levels.filter((l) => l.share < 0.2);
  assert.equal(bruteForce(model), undefined);
  assert.equal(solveIlp(highs, model).solution, undefined);
});
