import * as fs from 'node:fs';
import * as path from 'node:path';
import loadHighs = require('highs');
import type { HighsSolver } from '../core/plan/ilp';

/**
 * Where highs.wasm lies: next to the bundle (the build copies it to dist/), or in node_modules when
 * running from source under tsx.
 */
function wasmPath(): string {
  const candidates = [
    path.join(__dirname, 'highs.wasm'),
    path.join(__dirname, '..', 'dist', 'highs.wasm'),
    path.join(__dirname, '..', '..', 'node_modules', 'highs', 'build', 'highs.wasm'),
    path.join(process.cwd(), 'node_modules', 'highs', 'build', 'highs.wasm'),
  ];
  const found = candidates.find((file) => fs.existsSync(file));
  if (!found) throw new Error(`highs.wasm not found (looked in ${candidates.join(', ')}); run 'npm run build'`);
  return found;
}

let loading: Promise<HighsSolver> | undefined;

/** The HiGHS solver, loaded once per process. */
export function loadHighsSolver(): Promise<HighsSolver> {
  if (!loading) {
    const file = wasmPath();
    loading = loadHighs.default({ locateFile: () => file }) as unknown as Promise<HighsSolver>;
  }
  return loading;
}
