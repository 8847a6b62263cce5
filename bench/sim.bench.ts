// Simulator speed on the reference run: Llama-3.1-70B on 16 H20 GPUs (two servers), the
// DuReader profile, 10,000 sessions. Target: at most 3 s of wall time. Prints events per second
// and peak memory; it does not assert (shared, noisy machines).
import { loadPlan } from '../src/core/spec';
import { parseDeploymentSpec } from '../src/core/spec/deployment';
import type { Deployment, Plan, RoutingPolicyName } from '../src/core/spec/types';
import { simulate } from '../src/core/sim';

const PLAN_YAML = `
version: 1
name: bench-dureader-llama-3.1-70b
model: Llama-3.1-70B
cluster:
  gpu: H20
  gpusPerNode: 8
  nodes: 2
  intraNode: { bandwidthGBps: 900, latencyUs: 5 }
  interNode: { bandwidthGBps: 200, latencyUs: 10 }
workload:
  profile: DuReader
  arrival: { process: poisson, ratePerSec: 1 }
  sessions: 10000
  warmupSessions: 100
  seed: 1
slo:
  ttftMs: 4000
  itlMs: 50
  attainmentTarget: 0.9
  scope: session
policy:
  routing: adaptive
  reorderWindow: 3
  maxPostpone: 3
  statsWindowSec: 10
`;

function benchPlan(): Plan {
  const load = loadPlan(PLAN_YAML, { fileName: 'bench' });
  if (!load.plan) throw new Error(`bench plan does not load: ${load.diagnostics.map((d) => d.message).join('; ')}`);
  return load.plan;
}

function deployment(spec: string): Deployment {
  const parsed = parseDeploymentSpec(spec);
  if ('error' in parsed) throw new Error(parsed.error);
  return parsed.deployment;
}

const RUNS: Array<{ policy: RoutingPolicyName; deployment: string; ratePerSec: number }> = [
  { policy: 'adaptive', deployment: 'P:4x2,D:4x2', ratePerSec: 1 },
  { policy: 'remote', deployment: 'P:4x2,D:4x2', ratePerSec: 1 },
  { policy: 'colocated', deployment: 'C:4x4', ratePerSec: 1 },
];

export async function run(): Promise<void> {
  const plan = benchPlan();
  // One warm-up run so the JIT is hot, as it is in the planner that calls simulate() many times.
  simulate({ plan, deployment: deployment('P:4x2,D:4x2'), sessions: 500 });
  let peakRss = process.memoryUsage().rss;
  for (const r of RUNS) {
    if (global.gc) global.gc();
    const heapBefore = process.memoryUsage().heapUsed;
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    const result = simulate({
      plan,
      deployment: deployment(r.deployment),
      routing: { ...plan.policy.routing, name: r.policy },
      ratePerSec: r.ratePerSec,
    });
    const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const cpu = process.cpuUsage(cpu0);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    const mem = process.memoryUsage();
    peakRss = Math.max(peakRss, mem.rss);
    const m = result.metrics;
    console.log(
      `${r.policy.padEnd(9)} ${r.deployment.padEnd(12)} rate ${r.ratePerSec}/s  sessions ${m.sessions}  ` +
        `wall ${(wallMs / 1000).toFixed(2)} s (target ≤ 3 s), CPU ${(cpuMs / 1000).toFixed(2)} s  events ${result.events}  ` +
        `${Math.round(result.events / (wallMs / 1000)).toLocaleString('en-US')} events/s  ` +
        `simulated ${result.simulatedSec.toFixed(0)} s  heap +${((mem.heapUsed - heapBefore) / 2 ** 20).toFixed(0)} MiB  ` +
        `attainment ${m.sloAttainment.toFixed(3)}  local ${m.localPrefillRatio.toFixed(3)}  unstable ${m.unstable}`,
    );
  }
  console.log(`peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB (process, sampled after each run)`);
}
