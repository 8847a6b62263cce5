// Records what the simulator at commit a5409fa (before the engine was rewritten) gives on the
// examples of that commit, so that test/unit/sim/legacyEquivalence.test.ts can hold the new engine
// to the same distributions. Run: node --import tsx scripts/legacy/golden.ts (needs git history).
// The old engine is built from `git archive a5409fa src` with esbuild; each case runs the same
// generated sessions (same generator, seeds 1..SEEDS) with warm-up 0, so the old engine's
// measurement (every session, drain included) is what the new engine's trace replay measures.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LEGACY_COMMIT, loadLegacy } from './build';

const COMMIT = LEGACY_COMMIT;
const EXAMPLES = [
  'toolbench-qwen3-32b',
  'chat-llama-3.1-8b',
  'dureader-llama-3.1-70b',
  'hotpotqa-llama-3.1-70b',
  'gaia-mixtral-8x7b',
];
const DISAGGREGATED = ['adaptive', 'remote', 'local', 'threshold', 'ppd', 'prfaas'] as const;
const COLOCATED = ['colocated', 'continuum'] as const;
export const SEEDS = 4;
export const SESSIONS = 300;
/** Loaded: the examples' own rates leave most layouts idle. */
export const RATE_FACTOR = 2;

async function main(): Promise<void> {
  const legacy = await loadLegacy();
  const cases: unknown[] = [];
  for (const name of EXAMPLES) {
    const original = execFileSync('git', ['show', `${COMMIT}:examples/${name}.pdplan.yaml`], { encoding: 'utf8' });
    // Warm-up 0 and a fixed count: both engines then measure the same sessions.
    const text = original.replace(/warmupSessions: \d+/, 'warmupSessions: 0');
    const plan = legacy.spec.loadPlan(text).plan;
    if (!plan) throw new Error(`${name} does not load at ${COMMIT}`);
    const gpus = plan.cluster.gpusPerNode * plan.cluster.nodes;
    const rate = plan.workload.arrival.ratePerSec * RATE_FACTOR;
    const layouts = [
      [`P:4x${gpus / 8},D:4x${gpus / 8}`, DISAGGREGATED],
      [`C:4x${gpus / 4}`, COLOCATED],
    ] as const;
    for (const [layout, policies] of layouts) {
      const parsed = legacy.deployment.parseDeploymentSpec(layout);
      if ('error' in parsed) throw new Error(parsed.error);
      for (const policy of policies) {
        const seeds = [];
        for (let seed = 1; seed <= SEEDS; seed++) {
          const m = legacy.sim.simulate({
            plan,
            deployment: parsed.deployment,
            routing: { name: policy },
            ratePerSec: rate,
            sessions: SESSIONS,
            seed,
          }).metrics;
          seeds.push({ seed, sloAttainment: m.sloAttainment, ttftMs: m.ttftMs, itlMs: m.itlMs, unstable: m.unstable });
        }
        cases.push({ example: name, layout, policy, rate, seeds });
        process.stdout.write(
          `${name} ${layout} ${policy}: ${seeds.map((s) => s.sloAttainment.toFixed(3)).join(' ')}\n`,
        );
      }
    }
    cases.push({ example: name, planText: text });
  }
  const file = join(__dirname, '..', '..', 'test', 'fixtures', 'legacy-sim.json');
  writeFileSync(
    file,
    JSON.stringify({ commit: COMMIT, sessions: SESSIONS, seeds: SEEDS, rateFactor: RATE_FACTOR, cases }, null, 1) +
      '\n',
  );
  process.stdout.write(`wrote ${file}\n`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
