// Builds the simulator of an earlier commit (src/core of `git archive COMMIT`) into one CommonJS
// bundle, for comparisons against the current engine: the legacy-equivalence golden file and the
// simulator benchmark's CPU comparison. Needs the git history (a clean clone has it).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';

/** The commit the simulator-speed issue measures against (main before the engine rewrite). */
export const LEGACY_COMMIT = 'a5409fa';

export interface LegacyModules {
  sim: {
    simulate(input: unknown): {
      events: number;
      metrics: {
        sloAttainment: number;
        ttftMs: Record<string, number>;
        itlMs: Record<string, number>;
        unstable: boolean;
      };
    };
    generateSessions(workload: unknown, count: number, rate: number, seed: number): unknown[];
  };
  spec: { loadPlan(text: string): { plan?: LegacyPlan } };
  deployment: { parseDeploymentSpec(text: string): { deployment: unknown } | { error: string } };
}

export interface LegacyPlan {
  workload: { arrival: { ratePerSec: number } };
  cluster: { gpusPerNode: number; nodes: number };
}

/**
 * Which performance model the legacy engine is built with:
 * - 'current': this checkout's (src/core/perf and the GPU catalog with its calibrations), so that a
 *   comparison of engines' results sees no change of the step times (the equivalence golden file);
 * - 'own': the commit's own, i.e. exactly that commit's simulator (the benchmark's CPU comparison).
 * The current model's hash names its build, so a perf-model change rebuilds the bundle.
 */
export type LegacyPerf = 'current' | 'own';

const REPO = join(__dirname, '..', '..');
const perfFiles = () => [
  ...readdirSync(join(REPO, 'src/core/perf')).map((f) => join('src/core/perf', f)),
  // The expert-parallel terms read the parallelism rules, which a5409fa does not have.
  'src/core/spec/parallelism.ts',
  'catalog/gpus.json',
];
const perfHash = () =>
  createHash('sha256')
    .update(
      perfFiles()
        .map((f) => readFileSync(join(REPO, f)))
        .join('\0'),
    )
    .digest('hex')
    .slice(0, 12);

/** The bundle's path (built once per commit and performance model under the system's temp folder). */
export async function buildLegacy(commit = LEGACY_COMMIT, perf: LegacyPerf = 'current'): Promise<string> {
  const root = join(tmpdir(), `pdplan-legacy-${commit}-perf-${perf === 'current' ? perfHash() : 'own'}`);
  const out = join(root, 'legacy.js');
  if (existsSync(out)) return out;
  mkdirSync(root, { recursive: true });
  execFileSync('sh', ['-c', `git archive ${commit} src catalog schemas package.json | tar -x -C "${root}"`]);
  if (perf === 'current') {
    rmSync(join(root, 'src/core/perf'), { recursive: true, force: true });
    for (const file of perfFiles()) cpSync(join(REPO, file), join(root, file));
  }
  const entry = join(root, 'entry.ts');
  writeFileSync(
    entry,
    "export * as sim from './src/core/sim';\nexport * as spec from './src/core/spec';\nexport * as deployment from './src/core/spec/deployment';\n",
  );
  await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    outfile: out,
    logLevel: 'warning',
    nodePaths: [join(REPO, 'node_modules')],
  });
  return out;
}

export async function loadLegacy(commit = LEGACY_COMMIT, perf: LegacyPerf = 'current'): Promise<LegacyModules> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(await buildLegacy(commit, perf)) as LegacyModules;
}

/**
 * The whole command line of an earlier commit, built by that commit's own build script (with this
 * checkout's node_modules): the path of its bin/pdplan.js. For end-to-end comparisons (planning CPU).
 */
export function buildLegacyCli(commit = LEGACY_COMMIT): string {
  const root = join(tmpdir(), `pdplan-legacy-cli-${commit}`);
  const bin = join(root, 'bin', 'pdplan.js');
  if (existsSync(join(root, 'dist', 'cli.js'))) return bin;
  mkdirSync(root, { recursive: true });
  execFileSync('sh', ['-c', `git archive ${commit} | tar -x -C "${root}"`]);
  if (!existsSync(join(root, 'node_modules'))) symlinkSync(join(REPO, 'node_modules'), join(root, 'node_modules'));
  execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: 'ignore' });
  return bin;
}
