// Simulator speed: Llama-3.1-70B on 16 H20 (two AMPD servers) with the DuReader profile, 10,000
// sessions. Target: at most 3 s of wall time on the 2-core machine.
import { performance } from 'node:perf_hooks';
import { simulate } from '../src/core/sim';
import { parseDeploymentSpec } from '../src/core/spec/deployment';
import { loadPlan } from '../src/core/spec';

const PLAN = `version: 1
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

export async function run(): Promise<void> {
  const load = loadPlan(PLAN);
  if (!load.plan) throw new Error(JSON.stringify(load.diagnostics));
  const parsed = parseDeploymentSpec('P:4x2,D:4x2');
  if ('error' in parsed) throw new Error(parsed.error);
  for (const policy of ['adaptive', 'remote'] as const) {
    const before = process.memoryUsage().heapUsed;
    let peak = before;
    const started = performance.now();
    const result = simulate(
      { plan: load.plan, deployment: parsed.deployment, routing: { name: policy } },
      { onProgress: () => (peak = Math.max(peak, process.memoryUsage().heapUsed)) },
    );
    const wall = performance.now() - started;
    peak = Math.max(peak, process.memoryUsage().heapUsed);
    const m = result.metrics;
    console.log(
      `${policy.padEnd(9)} 10,000 DuReader sessions, Llama-3.1-70B on 16 H20 (P:4x2,D:4x2) at 0.7 sessions/s: ` +
        `${(wall / 1000).toFixed(2)} s wall (target ≤ 3 s), ${result.events} events, ${((result.events / wall) * 1000 / 1e6).toFixed(2)} M events/s, ` +
        `peak heap ${((peak) / 2 ** 20).toFixed(0)} MiB; attainment ${(100 * m.sloAttainment).toFixed(1)}%, local share ${(100 * m.localPrefillRatio).toFixed(1)}%`,
    );
  }
}
