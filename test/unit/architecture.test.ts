/**
 * docs/architecture.md stays a true map of the source: every file under src/ and webview/ is named
 * there (by its path, or by its name in the entry of its folder), and every path it names exists.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '../..');
const DOC = readFileSync(join(ROOT, 'docs/architecture.md'), 'utf8');

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) sourceFiles(full, out);
    else if (/\.(ts|js)$/.test(name)) out.push(relative(ROOT, full).split('\\').join('/'));
  }
  return out;
}

/** A bullet with its continuation lines, or a paragraph, or a table row. */
const blocks = DOC.split(/\n(?=- |\| |#|\n)/);

test('every source file is on the map, in the entry of its folder', () => {
  const missing: string[] = [];
  for (const file of [...sourceFiles(join(ROOT, 'src')), ...sourceFiles(join(ROOT, 'webview'))]) {
    if (DOC.includes(`\`${file}\``)) continue;
    const parts = file.split('/');
    const name = parts.pop()!;
    // The nearest folder the map names, e.g. `src/core/sim/` for src/core/sim/policies/ppd.ts.
    let folder: string | undefined;
    for (let n = parts.length; n > 0 && folder === undefined; n--) {
      const candidate = parts.slice(0, n).join('/') + '/';
      if (DOC.includes(`\`${candidate}\``)) folder = candidate;
    }
    const named = folder !== undefined && blocks.some((b) => b.includes(`\`${folder}\``) && b.includes(`\`${name}\``));
    if (!named) missing.push(file);
  }
  assert.deepEqual(missing, [], 'add these to docs/architecture.md');
});

test('every path the map names exists', () => {
  const paths = [...DOC.matchAll(/`((?:src|webview)\/[^`\s]*)`/g)].map((m) => m[1]);
  assert.ok(paths.length > 20, `only ${paths.length} paths named`);
  const gone = paths.filter((p) => !existsSync(join(ROOT, p)));
  assert.deepEqual(gone, [], 'docs/architecture.md names paths that do not exist');
});
