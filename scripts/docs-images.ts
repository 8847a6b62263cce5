/**
 * Regenerates docs/images from the latest end-to-end run (`npm run test:e2e`), so the pictures in
 * the README and docs/extension.md are screenshots the test checked, never copies kept by hand.
 * Refuses a run that did not pass (test-results/e2e/PASSED) or lacks a screenshot it needs, and
 * deletes images in docs/images that no longer come from the run.
 *
 *   npm run test:e2e && npm run docs:images
 */
import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '..');
const results = join(root, 'test-results', 'e2e');
const images = join(root, 'docs', 'images');

/** docs/images name ← the e2e screenshot it is, as test/e2e/run.ts names them. */
const IMAGES: Record<string, string> = {
  'editor-diagnostics-dark.png': 'editor-diagnostics-dark.png',
  'plan-panel-dark.png': 'plan-panel-dark-1600x1000.png',
  'plan-panel-light.png': 'plan-panel-light-1600x1000.png',
  'plan-panel-high-contrast.png': 'plan-panel-high-contrast-1600x1000.png',
  'plan-panel-narrow-light.png': 'plan-panel-light-900x700.png',
  'simulation-panel-dark.png': 'simulation-panel-dark-1600x1000.png',
  'simulation-panel-light.png': 'simulation-panel-light-1600x1000.png',
  'comparison-panel-dark.png': 'comparison-panel-dark-1600x1000.png',
  'comparison-panel-light.png': 'comparison-panel-light-1600x1000.png',
  'sweep-panel-dark.png': 'sweep-panel-dark-1600x1000.png',
  'plan-panel-dark-end.png': 'plan-panel-dark-1600x1000-end.png',
  'pareto-panel-dark.png': 'pareto-panel-dark-1600x1000.png',
  'pareto-panel-narrow-high-contrast.png': 'pareto-panel-high-contrast-900x700.png',
  'export-deployment-dark.png': 'export-deployment.png',
};

function main(): void {
  if (!existsSync(join(results, 'PASSED'))) {
    throw new Error(
      'test-results/e2e/PASSED is missing: the last end-to-end run did not pass; run `npm run test:e2e` first',
    );
  }
  const checked = JSON.parse(readFileSync(join(results, 'checked.json'), 'utf8')) as {
    screenshot: string;
    end: string;
  }[];
  const checkedShots = new Set(checked.flatMap((c) => [c.screenshot, c.end]));
  for (const source of Object.values(IMAGES)) {
    if (!existsSync(join(results, source))) throw new Error(`test-results/e2e/${source} is missing`);
    // Panel pictures must be ones the run asserted on (layout, axes, contrast), not any screenshot.
    if (source.includes('-panel-') && !checkedShots.has(source))
      throw new Error(`${source} is not among the screenshots the run checked`);
  }
  const stale = readdirSync(images).filter((f) => f.endsWith('.png') && !(f in IMAGES));
  for (const file of stale) rmSync(join(images, file));
  for (const [target, source] of Object.entries(IMAGES)) copyFileSync(join(results, source), join(images, target));
  const ran = readFileSync(join(results, 'PASSED'), 'utf8').trim();
  console.log(
    `docs/images: ${Object.keys(IMAGES).length} images from the end-to-end run of ${ran}${stale.length ? `; removed ${stale.join(', ')}` : ''}`,
  );
}

main();
