// The one build script: extension, CLI, worker threads and webview bundles, plus runtime assets.
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

mkdirSync(dist, { recursive: true });
copyFileSync(join(root, 'node_modules', 'highs', 'build', 'highs.wasm'), join(dist, 'highs.wasm'));

const common = {
  bundle: true,
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
  loader: { '.csv': 'text' },
};

/** Node-side bundles: CommonJS, `vscode` provided by the host. */
const nodeEntries = [
  { in: 'src/cli/main.ts', out: 'cli' },
  { in: 'src/extension/extension.ts', out: 'extension' },
  // Every worker-thread entry point: src/workers/<name>Worker.ts -> dist/<name>Worker.js
  ...(existsSync(join(root, 'src/workers'))
    ? readdirSync(join(root, 'src/workers'))
        .filter((f) => f.endsWith('Worker.ts'))
        .map((f) => ({ in: `src/workers/${f}`, out: f.replace(/\.ts$/, '') }))
    : []),
].filter((e) => existsSync(join(root, e.in)));

const webEntries = [{ in: 'webview/main.ts', out: 'webview' }].filter((e) => existsSync(join(root, e.in)));

const builds = [
  {
    ...common,
    entryPoints: nodeEntries,
    outdir: dist,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['vscode'],
  },
];
if (webEntries.length > 0) {
  builds.push({
    ...common,
    entryPoints: webEntries,
    outdir: dist,
    platform: 'browser',
    target: 'es2022',
    format: 'iife',
  });
}

if (watch) {
  for (const options of builds) {
    const ctx = await esbuild.context(options);
    await ctx.watch();
  }
  console.log('watching…');
} else {
  await Promise.all(builds.map((options) => esbuild.build(options)));
}
