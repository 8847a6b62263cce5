// Simulator speed (issue: ten times faster). Llama-3.1-70B on 16 H20 (two AMPD servers) with the
// DuReader profile, adaptive and remote routing:
// - events per CPU-second on 10,000 measured sessions (after one warm-up run, so JIT compilation
//   is not counted; target ≥ 10 M/s);
// - CPU time of a 100,000-session run against the engine this one replaced (commit a5409fa, built
//   from git by scripts/legacy/build.ts; target ≥ 5× less);
// - peak resident memory of a 1,000,000-session run in a fresh process (target < 2 GB).
// Figures are CPU time, not wall time: machines here are shared. The load average is printed.
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { simulate } from '../src/core/sim';
import { parseDeploymentSpec } from '../src/core/spec/deployment';
import { loadPlan } from '../src/core/spec';
import type { Plan, RoutingPolicyName } from '../src/core/spec/types';
import { loadLegacy } from '../scripts/legacy/build';

export const PLAN = `version: 1
model: Llama-3.1-70B
cluster:
  gpu: H20
  gpusPerNode: 8
  nodes: 2
  intraNode: { bandwidthGBps: 900, latencyUs: 5 }
  interNode: { bandwidthGBps: 200, latencyUs: 10 }
workload:
  profile: DuReader
  arrival: { process: poisson, ratePerSec: 0.7 }
  sessions: 10000
  warmupSessions: 100
  seed: 1
slo: { ttftMs: 3000, itlMs: 100, attainmentTarget: 0.9 }
policy: { routing: adaptive }
planner: { gpuBudget: 16, tpDegrees: [2, 4, 8] }
`;
export const LAYOUT = 'P:4x2,D:4x2';

function cpuSeconds<T>(run: () => T): { value: T; cpu: number } {
  const before = process.cpuUsage();
  const value = run();
  const used = process.cpuUsage(before);
  return { value, cpu: (used.user + used.system) / 1e6 };
}

function setup(): { plan: Plan; deployment: ReturnType<typeof deploymentOf> } {
  const load = loadPlan(PLAN);
  if (!load.plan) throw new Error(JSON.stringify(load.diagnostics));
  return { plan: load.plan, deployment: deploymentOf(LAYOUT) };
}

function deploymentOf(text: string) {
  const parsed = parseDeploymentSpec(text);
  if ('error' in parsed) throw new Error(parsed.error);
  return parsed.deployment;
}

const load = () => `load average ${loadavg()[0].toFixed(1)}`;

export async function run(): Promise<void> {
  const { plan, deployment } = setup();
  const runNew = (policy: RoutingPolicyName, sessions: number) =>
    simulate({ plan, deployment, routing: { name: policy }, measure: { sessions, maxReplications: 1 } });
  // Warm-up: the first run of a process includes compiling the engine.
  runNew('adaptive', 10_000);
  for (const policy of ['adaptive', 'remote'] as const) {
    const { value: result, cpu } = cpuSeconds(() => runNew(policy, 10_000));
    const m = result.metrics;
    console.log(
      `${policy.padEnd(9)} 10,000 measured DuReader sessions (${LAYOUT}, 0.7/s): ${result.events.toLocaleString('en-US')} events in ${cpu.toFixed(3)} CPU-s = ` +
        `${(result.events / cpu / 1e6).toFixed(2)} M events per CPU-second (target ≥ 10); attainment ${(100 * m.sloAttainment).toFixed(1)}% · ${load()}`,
    );
  }

  const legacy = await loadLegacy();
  const legacyPlan = legacy.spec.loadPlan(PLAN).plan;
  const legacyLayout = legacy.deployment.parseDeploymentSpec(LAYOUT);
  if (!legacyPlan || 'error' in legacyLayout) throw new Error('the legacy engine does not load the bench plan');
  // Warm-up of the legacy engine too, so both are measured compiled.
  legacy.sim.simulate({ plan: legacyPlan, deployment: legacyLayout.deployment, routing: { name: 'adaptive' }, sessions: 10_000 });
  const old = cpuSeconds(() => legacy.sim.simulate({ plan: legacyPlan, deployment: legacyLayout.deployment, routing: { name: 'adaptive' }, sessions: 100_000 }));
  const fresh = cpuSeconds(() => runNew('adaptive', 100_000));
  console.log(
    `adaptive  100,000 sessions: this engine ${fresh.cpu.toFixed(2)} CPU-s (${fresh.value.events.toLocaleString('en-US')} events), ` +
      `engine of a5409fa ${old.cpu.toFixed(2)} CPU-s (${old.value.events.toLocaleString('en-US')} events): ${(old.cpu / fresh.cpu).toFixed(1)}× less CPU (target ≥ 5×) · ${load()}`,
  );

  // A fresh process, so its peak resident set is the million-session run's own.
  const script = `const { run } = require(${JSON.stringify(join(__dirname, 'sim.bench.ts'))}); run.million();`;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8', maxBuffer: 1 << 20 });
  process.stdout.write(out);
}

/** One million measured sessions; prints CPU time and the process's peak resident memory. */
run.million = (): void => {
  const { plan, deployment } = setup();
  const { value: result, cpu } = cpuSeconds(() => simulate({ plan, deployment, routing: { name: 'adaptive' }, measure: { sessions: 1_000_000, maxReplications: 1 } }));
  const peakMiB = process.resourceUsage().maxRSS / 1024;
  console.log(
    `adaptive  1,000,000 sessions: ${result.events.toLocaleString('en-US')} events in ${cpu.toFixed(1)} CPU-s, peak RSS ${peakMiB.toFixed(0)} MiB (target < 2048); ` +
      `attainment ${(100 * result.metrics.sloAttainment).toFixed(2)}% ±${(100 * (result.metrics.measurement?.attainmentHalfWidth ?? 0)).toFixed(2)} · ${load()}`,
  );
};
