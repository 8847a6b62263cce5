// `npm run bench [name…]`: runs every bench/*.bench.ts (or the named ones) in turn; each prints its own
// figures. Benchmarks print, they do not assert: machines here are shared and noisy.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const files = readdirSync(__dirname)
    .filter((f) => f.endsWith('.bench.ts'))
    .filter((f) => only.length === 0 || only.some((o) => f.startsWith(o)))
    .sort();
  for (const file of files) {
    console.log(`\n## ${file.replace('.bench.ts', '')}`);
    const mod = (await import(join(__dirname, file))) as { run: () => Promise<void> };
    await mod.run();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
