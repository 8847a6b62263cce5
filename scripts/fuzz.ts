/**
 * `npm run fuzz`: the hostile-input soak. Many more cases than `npm test` runs, from a seed given
 * as FUZZ_SEED (default: one chosen now and printed, so a failure can be replayed) for FUZZ_CASES
 * cases (default 2000). Exits 1 when any case fails, listing each with the command line to repeat it.
 */
import { runHostileFuzz } from '../test/helpers/hostileFuzz';

async function soak(): Promise<number> {
  const seed = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
  const cases = Number(process.env.FUZZ_CASES ?? 2000);
  const verbose = process.env.FUZZ_VERBOSE === '1';
  console.log(`hostile-input soak: seed ${seed}, ${cases} cases (FUZZ_SEED=${seed} repeats it)`);
  const started = performance.now();
  const report = await runHostileFuzz({ seed, cases, log: verbose ? (line) => console.log(line) : undefined });
  for (const f of report.failures)
    console.log(
      `FAIL ${f.label}: ${f.problem}\n  pdplan ${f.args.join(' ')}\n  ${f.output.split('\n').slice(0, 6).join('\n  ')}`,
    );
  console.log(
    `${report.cases} cases in ${((performance.now() - started) / 1000).toFixed(1)} s: ${report.failures.length} failed; slowest ${Math.round(report.slowestMs)} ms (${report.slowest}); peak heap ${Math.round(report.peakHeapMB)} MB`,
  );
  return report.failures.length > 0 ? 1 : 0;
}

soak().then((code) => {
  process.exitCode = code;
});
