import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runHostileFuzz } from '../helpers/hostileFuzz';

/**
 * A short, fixed-seed run of the hostile-input fuzzer (test/helpers/hostileFuzz.ts) on every
 * `npm test`: special files, huge and sparse sizes, encodings and line ends, extreme numbers in
 * every plan field, odd layouts and options, hostile traces and profiles, secrets in named files.
 * `npm run fuzz` runs the same generator for thousands of cases with a fresh seed.
 */
test('150 hostile files and command lines (seed 15): each ends with a located error or an answer, bounded, quoting no named file', async () => {
  const report = await runHostileFuzz({ seed: 15, cases: 150 });
  const failures = report.failures.map(
    (f) => `${f.label}: ${f.problem}\n  pdplan ${f.args.join(' ')}\n  ${f.output.split('\n').slice(0, 4).join('\n  ')}`,
  );
  assert.deepEqual(failures, []);
  assert.ok(report.peakHeapMB < 1024, `peak heap ${report.peakHeapMB} MB`);
});
