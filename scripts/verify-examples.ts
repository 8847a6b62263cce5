// Runs the brute-force verifier (`pdplan plan FILE --verify --json`) on every example at its own
// (loaded) rate and prints a Markdown table of the checks: the figures docs/planner.md records.
// Usage: npm run build && node --import tsx scripts/verify-examples.ts [NAME...]
// Long: every layout of each budget is simulated with long runs (minutes on a 2-core machine).
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

interface Check {
  name: string;
  pass: boolean;
  distance: number;
}
interface Report {
  objective: string;
  ratePerSec: number;
  layouts: unknown[];
  truncated: boolean;
  checks: Check[];
  simulations: number;
  pass: boolean;
  best?: { deployment: string; sloAttainment: number };
  fewestGpus?: { deployment: string; gpus: number };
  maxRate?: { ratePerSec: number; deployment: string };
  planner: {
    pick?: { deployment: string; sloAttainment: number };
    minGpus?: { deployment: string; gpus: number };
    maxRatePerSec?: number;
  };
}

const root = join(__dirname, '..');
const only = process.argv.slice(2);
const examples = readdirSync(join(root, 'examples'))
  .filter((f) => f.endsWith('.pdplan.yaml'))
  .filter((f) => only.length === 0 || only.some((o) => f.startsWith(o)))
  .sort();

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
console.log(
  '| example | rate/s | layouts | pick (planner / brute force) | min-gpus (planner / brute force) | max-rate/s (planner / brute force, error) | sims | wall | result |',
);
console.log('|---|---|---|---|---|---|---|---|---|');
let failed = 0;
for (const file of examples) {
  const t0 = performance.now();
  const out = spawnSync(
    process.execPath,
    [join(root, 'bin', 'pdplan.js'), 'plan', join('examples', file), '--verify', '--json'],
    {
      cwd: root,
      encoding: 'utf8',
      maxBuffer: 1 << 28,
    },
  );
  const wall = (performance.now() - t0) / 1000;
  let report: Report;
  try {
    report = JSON.parse(out.stdout) as Report;
  } catch {
    console.log(`| ${file} | | | | | | | ${wall.toFixed(0)} s | error: ${(out.stderr || out.stdout).split('\n')[0]} |`);
    failed++;
    continue;
  }
  const check = (name: string) => report.checks.find((c) => c.name === name);
  const mark = (name: string) => (check(name)?.pass ? '' : ' **FAIL**');
  const p = report.planner;
  const pick =
    p.pick && report.best
      ? `${p.pick.deployment} ${pct(p.pick.sloAttainment)} / ${report.best.deployment} ${pct(report.best.sloAttainment)}${mark('pick')}`
      : `— / ${report.best?.deployment ?? '—'}${mark('pick')}`;
  const fewest = `${p.minGpus ? `${p.minGpus.gpus} (${p.minGpus.deployment})` : '—'} / ${report.fewestGpus ? `${report.fewestGpus.gpus} (${report.fewestGpus.deployment})` : '—'}${mark('min-gpus')}`;
  const rate = `${p.maxRatePerSec?.toFixed(2) ?? '—'} / ${report.maxRate ? `${report.maxRate.ratePerSec.toFixed(2)} (${report.maxRate.deployment})` : '—'}, ${((check('max-rate')?.distance ?? NaN) * 100).toFixed(1)}%${mark('max-rate')}`;
  if (!report.pass) failed++;
  console.log(
    `| ${file.replace('.pdplan.yaml', '')} | ${report.ratePerSec} | ${report.layouts.length}${report.truncated ? ' (truncated)' : ''} | ${pick} | ${fewest} | ${rate} | ${report.simulations} | ${wall.toFixed(0)} s | ${report.pass ? 'pass' : 'FAIL'} |`,
  );
}
process.exitCode = failed > 0 ? 1 : 0;
