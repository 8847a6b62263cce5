// Planning at scale (simulator-speed issue): CPU time of `pdplan plan` on 1,024 GPUs (128 nodes of
// 8 H200, TP 1/2/4/8) with this checkout's command line and with the one of commit a5409fa (built
// from git by its own build script, scripts/legacy/build.ts). CPU of the whole process tree (worker
// threads included) as bash's `time` reports it; this planner's simulations are longer than the
// old one's, so equal CPU would already be more work done. Target: at least 2× less CPU.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildLegacyCli } from '../scripts/legacy/build';

export const PLAN_1024 = `version: 1
name: toolbench-qwen3-32b-1024
model: Qwen3-32B
cluster:
  gpu: H200
  gpusPerNode: 8
  nodes: 128
  intraNode: { bandwidthGBps: 450, latencyUs: 5 }
  interNode: { bandwidthGBps: 50, latencyUs: 10 }
workload:
  profile: ToolBench
  arrival: { process: poisson, ratePerSec: 2000 }
  seed: 1
slo: { ttftMs: 2000, itlMs: 50, attainmentTarget: 0.9 }
policy: { routing: adaptive }
planner: { gpuBudget: 1024, tpDegrees: [1, 2, 4, 8], objective: max-attainment }
`;

/** User + system CPU seconds and wall seconds of a command and its children. */
function timed(command: string): { cpu: number; wall: number; status: string } {
  const script = `TIMEFORMAT='%U %S %R'; { time ${command} > /tmp/pdplan-plan1024.out 2>&1; echo "rc=$?" >> /tmp/pdplan-plan1024.out; } 2>&1`;
  const [user, sys, wall] = execFileSync('bash', ['-c', script], { encoding: 'utf8' }).trim().split(/\s+/).map(Number);
  const out = execFileSync('bash', ['-c', 'grep -E "^(Recommended|rc=)" /tmp/pdplan-plan1024.out | tr "\\n" " "'], {
    encoding: 'utf8',
  });
  return { cpu: user + sys, wall, status: out.trim() };
}

/** Runs of each command: the machine is shared, so the bench reports the median and the spread of five. */
const RUNS = 5;

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'pdplan-plan1024-'));
  const file = join(dir, 'scale.pdplan.yaml');
  writeFileSync(file, PLAN_1024);
  const legacy = buildLegacyCli();
  const now: ReturnType<typeof timed>[] = [];
  const old: ReturnType<typeof timed>[] = [];
  // Alternating, so a burst of load on the machine hits both alike.
  for (let i = 0; i < RUNS; i++) {
    now.push(timed(`node ${join(__dirname, '..', 'bin', 'pdplan.js')} plan ${file}`));
    old.push(timed(`node ${legacy} plan ${file}`));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const line = (runs: ReturnType<typeof timed>[]) => {
    const cpu = runs.map((r) => r.cpu);
    return `${median(cpu).toFixed(1)} CPU-s median of ${runs.length} [${Math.min(...cpu).toFixed(1)}–${Math.max(...cpu).toFixed(1)}] (${median(runs.map((r) => r.wall)).toFixed(1)} s wall) · ${runs[runs.length - 1].status}`;
  };
  console.log(`1,024 GPUs (128 × 8 H200, TP 1/2/4/8), Qwen3-32B ToolBench at 2,000 sessions/s:`);
  console.log(`  this planner:   ${line(now)}`);
  console.log(`  a5409fa's:      ${line(old)}`);
  const ratio = median(old.map((r) => r.cpu)) / median(now.map((r) => r.cpu));
  console.log(`  ${ratio.toFixed(2)}× less CPU (medians; target ≥ 2×) · load average ${loadavg()[0].toFixed(1)}`);
}
