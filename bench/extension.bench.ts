/**
 * Extension benchmark: (1) activation — loading the bundled dist/extension.js and running
 * activate(), against a stub `vscode` so only our own code is timed; (2) diagnostics latency on the
 * largest example — from a document change event to the diagnostic collection being set, with the
 * default debounce, and the validation alone. Run `npm run build` first.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { installVscodeStub } from './vscodeStub';

const root = join(__dirname, '..');

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export async function run(): Promise<void> {
  const hooks = installVscodeStub();
  const loadStart = performance.now();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const extension = require(join(root, 'dist', 'extension.js')) as {
    activate(context: unknown): { activationMs: number; diagnostics: unknown };
  };
  const loadMs = performance.now() - loadStart;
  const context = { subscriptions: [] as unknown[], extensionUri: { fsPath: root }, extensionPath: root };
  const activateStart = performance.now();
  const api = extension.activate(context);
  const activateMs = performance.now() - activateStart;
  console.log(
    `activation: load dist/extension.js ${loadMs.toFixed(1)} ms + activate() ${activateMs.toFixed(1)} ms = ${(loadMs + activateMs).toFixed(1)} ms (budget 100 ms)`,
  );

  const examples = readdirSync(join(root, 'examples')).filter((f) => f.endsWith('.pdplan.yaml'));
  const largest = examples.map((f) => join(root, 'examples', f)).sort((a, b) => statSync(b).size - statSync(a).size)[0];
  const text = readFileSync(largest, 'utf8');
  console.log(
    `largest example: ${largest.slice(root.length + 1)} (${text.length} characters, ${text.split('\n').length} lines)`,
  );

  // Validation alone, through the same binding the extension uses.
  const { makeValidator } = await import('../src/extension/core');
  const validate = makeValidator({ extensionPath: root, isTrusted: () => true });
  for (let i = 0; i < 5; i++) validate(text, largest);
  const validateTimes: number[] = [];
  for (let i = 0; i < 50; i++) {
    const edited = text.replace(/ratePerSec: ([\d.]+)/, `ratePerSec: ${2 + i / 100}`);
    const t = performance.now();
    validate(edited, largest);
    validateTimes.push(performance.now() - t);
  }
  console.log(
    `validation: p50 ${percentile(validateTimes, 50).toFixed(1)} ms, p95 ${percentile(validateTimes, 95).toFixed(1)} ms (50 edits)`,
  );

  // Typing to diagnostics through the real controller: change event -> debounce -> validate -> set.
  // The first change also loads the core (lazily, after activation): reported on its own.
  const latencies: number[] = [];
  for (let i = 0; i < 21; i++) {
    const content = text.replace(/ratePerSec: ([\d.]+)/, `ratePerSec: ${3 + i / 100}`);
    const doc = {
      languageId: 'pdplan',
      uri: { toString: () => largest },
      version: i + 1,
      isClosed: false,
      fileName: largest,
      getText: () => content,
    };
    const latency = await new Promise<number>((resolve) => {
      const start = performance.now();
      hooks.onDiagnostics = () => resolve(performance.now() - start);
      for (const listener of hooks.changeListeners) listener({ document: doc });
    });
    latencies.push(latency);
  }
  const first = latencies.shift() as number;
  console.log(`first diagnostics after activation (loads the core): ${first.toFixed(1)} ms`);
  console.log(
    `typing -> diagnostics (default 50 ms debounce included): p50 ${percentile(latencies, 50).toFixed(1)} ms, p95 ${percentile(latencies, 95).toFixed(1)} ms, max ${Math.max(...latencies).toFixed(1)} ms (budget 200 ms)`,
  );
  void api;
  for (const d of context.subscriptions as { dispose?: () => void }[]) d.dispose?.();
}
