import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateSessions, simulate } from '../../../src/core/sim';
import { loadPlan } from '../../../src/core/spec';
import { parseDeploymentSpec } from '../../../src/core/spec/deployment';
import type { RoutingPolicyName } from '../../../src/core/spec/types';

/*
 * The rewritten engine against the one it replaced (commit a5409fa), on every example and every
 * routing policy at twice the example's rate: test/fixtures/legacy-sim.json holds what the old
 * engine gave on the same generated sessions (scripts/legacy/golden.ts writes it). Both measure
 * every session, drain included (a trace replay with no warm-up), so any difference comes from the
 * engine. Per case, over the seeds, attainment and the TTFT and ITL percentiles must agree within
 * their statistical spread (three standard errors of the difference) plus the sketch's 0.5% and a
 * point of attainment.
 */
interface SeedResult {
  seed: number;
  sloAttainment: number;
  ttftMs: Record<string, number>;
  itlMs: Record<string, number>;
  unstable: boolean;
}
interface Case {
  example: string;
  layout?: string;
  policy?: RoutingPolicyName;
  rate?: number;
  seeds?: SeedResult[];
  planText?: string;
}

const golden = JSON.parse(readFileSync(join(__dirname, '..', '..', 'fixtures', 'legacy-sim.json'), 'utf8')) as {
  sessions: number;
  cases: Case[];
};

function meanAndSe(values: number[]): { mean: number; se: number } {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const variance = n > 1 ? values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1) : 0;
  return { mean, se: Math.sqrt(variance / n) };
}

/** Whether two samples' means agree: within three standard errors of the difference plus a floor. */
function agree(oldValues: number[], newValues: number[], floor: number): { ok: boolean; text: string } {
  const a = meanAndSe(oldValues);
  const b = meanAndSe(newValues);
  const allowed = 3 * Math.hypot(a.se, b.se) + floor;
  return {
    ok: Math.abs(a.mean - b.mean) <= allowed,
    text: `old ${a.mean.toFixed(4)} new ${b.mean.toFixed(4)} (allowed ±${allowed.toFixed(4)})`,
  };
}

test('the engine gives the distributions the engine it replaced gave, on every example and policy', () => {
  const plans = new Map(
    golden.cases.filter((c) => c.planText).map((c) => [c.example, loadPlan(c.planText as string).plan]),
  );
  const failures: string[] = [];
  let compared = 0;
  for (const c of golden.cases) {
    if (!c.seeds) continue;
    const plan = plans.get(c.example);
    assert.ok(plan, `${c.example} loads`);
    const parsed = parseDeploymentSpec(c.layout as string);
    if ('error' in parsed) throw new Error(parsed.error);
    const fresh = c.seeds.map(({ seed }) => {
      const trace = generateSessions(plan.workload, golden.sessions, c.rate as number, seed);
      return simulate({ plan, deployment: parsed.deployment, routing: { name: c.policy as RoutingPolicyName }, trace })
        .metrics;
    });
    // Overloaded runs stop where each engine's stability rule says: their numbers are not comparable.
    if (fresh.some((m) => m.unstable) || c.seeds.some((s) => s.unstable)) continue;
    compared += 1;
    const where = `${c.example} ${c.layout} ${c.policy}`;
    const checks: Array<[string, number[], number[], number]> = [
      ['attainment', c.seeds.map((s) => s.sloAttainment), fresh.map((m) => m.sloAttainment), 0.01],
    ];
    for (const q of ['p50', 'p90', 'p99'] as const) {
      for (const metric of ['ttftMs', 'itlMs'] as const) {
        const oldValues = c.seeds.map((s) => s[metric][q]);
        const scale = Math.max(1e-9, Math.abs(meanAndSe(oldValues).mean));
        checks.push([`${metric} ${q}`, oldValues, fresh.map((m) => m[metric][q]), 0.02 * scale]);
      }
    }
    for (const [what, oldValues, newValues, floor] of checks) {
      const verdict = agree(oldValues, newValues, floor);
      if (!verdict.ok) failures.push(`${where} ${what}: ${verdict.text}`);
    }
  }
  assert.ok(compared >= 30, `only ${compared} stable cases were compared`);
  assert.deepEqual(failures, []);
});
