// The root-cause parts of docs/validation.md: why our PPD and prefill-reordering figures differ from
// the papers'. Every number is computed from the runs of rootcause.ts and the AMPD sweeps.

import type { Point } from './experiments';
import type { PpdRootCause, PpdSetup, ReorderCause } from './rootcause';
import { table } from './markdown';

interface ReorderCase {
  file: string;
  deployments: Record<string, string>;
  anchorSessions: number;
  workload: string;
  model: string;
  rates: number[];
  curves: Record<string, Point[]>;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const signedPct = (x: number) => (Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)}%` : '–');
const ms = (x: number) =>
  !Number.isFinite(x) ? '–' : x < 1 ? `${(1000 * x).toFixed(0)} µs` : `${x >= 100 ? x.toFixed(0) : x.toFixed(1)} ms`;
const attained = (p: Point) => `${pct(p.sloAttainment)}${p.unstable ? '*' : ''}`;
const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
/** Relative gain of `a` over `b`, undefined (NaN) where the baseline is below 5%. */
const gain = (a: Point, b: Point) => (b.sloAttainment >= 0.05 ? a.sloAttainment / b.sloAttainment - 1 : NaN);
const finite = (xs: number[]) => xs.filter(Number.isFinite);

/** The gap between our "reordering on top" and the paper's 13.42–14.81%, located by runs. */
export function reorderRootCause(
  cases: ReorderCase[],
  cause: ReorderCause,
  labels: { adaptive: string; routingOnly: string; remote: string; remoteReordered: string; asWritten: string },
): string[] {
  const KNEE = 3; // the sweep's fourth column: the tuned remote baseline's 50% point
  const rows = cases.map((c) => {
    const remote = c.curves[labels.remote];
    const reordered = c.curves[labels.remoteReordered];
    const adaptive = c.curves[labels.adaptive];
    const routingOnly = c.curves[labels.routingOnly];
    return {
      name: `${c.workload} · ${c.model}`,
      remoteKnee: gain(reordered[KNEE], remote[KNEE]),
      remoteBest: Math.max(...finite(reordered.map((p, i) => gain(p, remote[i])))),
      adaptiveKnee: gain(adaptive[KNEE], routingOnly[KNEE]),
      adaptiveBest: Math.max(...finite(adaptive.map((p, i) => gain(p, routingOnly[i])))),
      line: [remote[KNEE], reordered[KNEE], routingOnly[KNEE], adaptive[KNEE]],
      rate: c.rates[KNEE],
    };
  });
  const [tight, loose] = cause.rows;
  const rowGains = (r: (typeof cause.rows)[number]) => r.reordered.map((p, i) => gain(p, r.fcfs[i]));
  const tightGains = rowGains(tight);
  const looseGains = rowGains(loose);
  const remoteKneeGains = rows.map((r) => r.remoteKnee);
  const first = rows[0];
  return [
    '### Root cause: why reordering adds little on top of our router',
    '',
    "What the paper measured (reference 004 §4.2, §7.2): Algorithm 2 reorders the first W tasks of each prefill queue to maximise the tasks meeting the TTFT SLO, on top of Algorithm 1, whose slack tests read windowed means of finished tasks; Figure 5 reports the gain at its own load points. Our `adaptive` reads slack with the performance model's estimate for the task at hand as well (Eq. 2 within α·SLO before a task may queue at a prefill worker; docs/simulator.md). The runs below separate the reordering from the router it sits behind: the same reordering (W = 3, at most 3 postponements) on FCFS prefill queues that admit every task (remote), and on our router with its admission test at the plan's α and loosened to α = 1.5. " +
      '"Prefills reordered" is the share of prefill starts at which reordering ran a task other than its queue\'s head (`reorderedPrefillRatio` in `pdplan simulate --json`): how often it found an order that meets more TTFT deadlines than FCFS.',
    '',
    table(
      [
        'case',
        'rate (knee)',
        'remote, FCFS',
        'remote + reordering',
        'gain',
        'best gain over the sweep',
        'prefills reordered',
        'adaptive, FCFS',
        'adaptive + reordering',
        'gain',
        'best gain over the sweep',
        'prefills reordered',
      ],
      rows.map((r) => [
        r.name,
        r.rate,
        attained(r.line[0]),
        attained(r.line[1]),
        signedPct(r.remoteKnee),
        signedPct(r.remoteBest),
        pct(r.line[1].reorderedShare),
        attained(r.line[2]),
        attained(r.line[3]),
        signedPct(r.adaptiveKnee),
        signedPct(r.adaptiveBest),
        pct(r.line[3].reorderedShare),
      ]),
    ),
    '',
    `On \`${cause.file}\`, \`${cause.deployment}\`, adaptive with FCFS (W = 1) and with reordering (W = 3):`,
    '',
    table(
      [
        'admission to a prefill queue',
        ...cause.rates.map((r) => `${r}/s FCFS`),
        ...cause.rates.map((r) => `${r}/s W=3`),
        'gain per rate',
        'prefills reordered (W=3)',
        'local share',
      ],
      cause.rows.map((r, i) => [
        r.label,
        ...r.fcfs.map(attained),
        ...r.reordered.map(attained),
        (i === 0 ? tightGains : looseGains).map(signedPct).join(' / '),
        r.reordered.map((p) => pct(p.reorderedShare)).join(' / '),
        r.reordered.map((p) => pct(p.localPrefillRatio)).join(' / '),
      ]),
    ),
    '',
    `One seed of the knee column, with the plan's own W = 3 (read \`metrics.sloAttainment\` and \`metrics.reorderedPrefillRatio\`): \`npx pdplan simulate ${cases[0].file} --policy remote --deployment ${cases[0].deployments[labels.remoteReordered]} --rate ${cases[0].rates[KNEE]} --sessions ${cases[0].anchorSessions} --seed 1 --precision 100 --json\`, and the same with \`--policy adaptive --deployment ${cases[0].deployments[labels.adaptive]}\`.`,
    '',
    `**Root cause.** Our reordering is Algorithm 2 and does what the paper says it does where the paper's queues are: on remote's FCFS prefill queues at the knee it adds ${remoteKneeGains.map(signedPct).join(', ')} (${first.name}: ${attained(first.line[0])} → ${attained(first.line[1])}; paper 13.42%–14.81%). ` +
      `Behind our router it adds ${rows.map((r) => signedPct(r.adaptiveKnee)).join(', ')} at the same rates and at most ${signedPct(Math.max(...rows.map((r) => r.adaptiveBest)))} anywhere in the sweeps, and it changes the order at ${rows.map((r) => pct(r.line[3].reorderedShare)).join(', ')} of prefill starts there against ${rows.map((r) => pct(r.line[1].reorderedShare)).join(', ')} on remote's queues, because the router's estimated-slack test lets a task queue at a prefill worker only while Eq. 2 puts its TTFT within α·SLO there, so FCFS already finishes every admitted task in time; what misses is either past saving (every option over the SLO) or an ITL miss on a decode worker, and no order of a window of W tasks changes either. ` +
      `Loosening only that test (α = ${loose.alpha}, so tasks estimated to miss queue at prefill workers as in the paper's windowed reading) gives reordering ${looseGains.map(signedPct).join(', ')} at ${cause.rates.join(', ')} sessions/s, against ${tightGains.map(signedPct).join(', ')} with α = ${tight.alpha}. ` +
      `The same reason makes the window size irrelevant here (the sensitivity table): with nothing near its deadline in a queue, W = 2 and W = 5 pick the same tasks. ` +
      `The paper measured reordering behind Algorithm 1's windowed slack, whose lag leaves deadline-marginal tasks in the queues; our literal reading of it (\`${labels.asWritten}\`) is unstable near these knees (docs/simulator.md says why), so the paper's combination has no stable counterpart in our model. ` +
      'Verdict kept: the difference is the router the reordering sits behind (our estimated-slack reading of Algorithm 1), not the reordering, whose implementation is unchanged.',
    '',
  ];
}

/** The PPD gap located: load level, decode headroom and what a KV transfer costs. */
export function ppdRootCause(cause: PpdRootCause): string[] {
  const { setups, weights, appendMs } = cause;
  const [headline, headroom, network] = setups;
  const cut = (s: PpdSetup, i: number) => 1 - s.ppd[i].turn2plusTtftMeanMs / s.pd[i].turn2plusTtftMeanMs;
  const itl = (s: PpdSetup, i: number) => s.ppd[i].itlMeanMs / s.pd[i].itlMeanMs;
  const meanCut = (s: PpdSetup) => mean(s.rates.map((_, i) => cut(s, i)));
  const meanItl = (s: PpdSetup) => mean(s.rates.map((_, i) => itl(s, i)));
  const last = (s: PpdSetup) => s.rates.length - 1;
  const stable = (s: PpdSetup) => s.rates.map((_, i) => i).filter((i) => !s.pd[i].unstable);
  const stableRates = (s: PpdSetup) =>
    stable(s)
      .map((i) => `${s.rates[i]}/s`)
      .join(', ');
  const rows = setups.flatMap((s) =>
    s.rates.map((r, i) => [
      i === 0 ? `${s.label} (\`${s.file}\`, \`${s.deployment}\`)` : '',
      r,
      `${pct(s.loads[i].prefill)} / ${pct(s.loads[i].decode)}`,
      ms(s.pd[i].turn2plusTtftMeanMs),
      ms(s.ppd[i].turn2plusTtftMeanMs),
      pct(cut(s, i)),
      ms(s.pd[i].itlMeanMs),
      ms(s.ppd[i].itlMeanMs),
      `×${itl(s, i).toFixed(2)}`,
      pct(s.ppd[i].localPrefillRatio),
      `${attained(s.pd[i])} / ${attained(s.ppd[i])}`,
    ]),
  );
  const h = headline;
  const k = last(h);
  return [
    '### Root cause: what makes the PPD figure differ',
    '',
    'What PPD measured (references 000, 001, and the authors\' summary of the paper): Turn 2+ TTFT against a PD baseline that re-prefills and re-transfers the whole KV cache to the decode node every turn, over the network between prefill and decode nodes, "under high load" where those transfers congest and PD degrades; TPOT stays "competitive" because vLLM\'s chunked prefill folds an append into the next decode iteration. Each setup below changes one thing from the headline table above; role load is offered work over capacity under PD (prefill GPU-time; decode tokens at the largest batch), from the performance model.',
    '',
    table(
      [
        'setup',
        'rate',
        'load prefill / decode',
        'Turn-2+ TTFT mean, PD',
        'PPD',
        'cut',
        'mean ITL, PD',
        'PPD',
        'ITL ratio',
        'local share',
        'attainment PD / PPD',
      ],
      rows,
    ),
    '',
    '\\* unstable run (no steady state at that rate).',
    '',
    `One seed of a row: \`npx pdplan simulate ${headroom.file} --policy ppd --deployment ${headroom.deployment} --rate ${headroom.rates[last(headroom)]} --sessions ${headroom.sessions[last(headroom)]} --seed 1 --precision 100\` (\`--policy remote\` for PD; this runs the example's reordering window W = 3 where the table runs FCFS, W = 1); \`npx pdplan simulate ${network.file} --policy remote --rate ${network.rates[1]} --sessions ${network.sessions[1]} --seed 1 --precision 100\`.`,
    '',
    `**Root cause.** The TTFT cut grows with load: ${h.rates.map((r, i) => `${pct(cut(h, i))} at ${r}/s`).join(', ')} on the headline layout (PPD's 68% is its high-load figure; at light load PD's Turn-2+ TTFT is a ${ms(h.pd[0].turn2plusTtftMeanMs)} prefill with little to cut, which pulls our mean over rates to ${pct(meanCut(h))}). ` +
      `${itl(h, k) > 1.25 ? "What misses the rule is ITL, at PD's knee" : "ITL at PD's knee"}: ×${itl(h, k).toFixed(2)} at ${h.rates[k]}/s, where the headline layout's decode workers are at ${pct(h.loads[k].decode)} of their capacity under PD (prefill at ${pct(h.loads[k].prefill)}): the ${pct(h.ppd[k].localPrefillRatio)} of appends PPD moves onto them add their prefill time to decode workers with ${pct(Math.max(0, 1 - h.loads[k].decode))} to spare${h.ppd[k].unstable ? ', and the PPD run there is unstable' : ''}. Other TTFT weights at that rate: ${weights.map((w) => `w = ${w.ttftWeight}: ${pct(w.point.localPrefillRatio)} local, ITL ${ms(w.point.itlMeanMs)}${w.point.unstable ? ' (unstable)' : ''}`).join('; ')} (the table's w = 0.5: ${ms(h.ppd[k].itlMeanMs)}): once the prefill queue is long, the remote option's queue outweighs any stall the score charges, so the weight hardly moves the split. ` +
      `With decode headroom — \`${headroom.deployment}\`, whose PD knee is set by its one prefill GPU while decode sits at ${pct(headroom.loads[last(headroom)].decode)} — PPD cuts Turn-2+ TTFT by ${pct(meanCut(headroom))} on average (${pct(cut(headroom, last(headroom)))} at the knee) at ITL ×${meanItl(headroom).toFixed(2)}${meanCut(headroom) >= 0.5 && meanItl(headroom) <= 1.25 ? ": the paper's claim, within our rule" : ''}. ` +
      `With KV crossing a 25 GB/s NIC at the headline's own layout and rates, PD's Turn-2+ TTFT becomes ${network.rates.map((r, i) => `${ms(network.pd[i].turn2plusTtftMeanMs)} at ${r}/s`).join(', ')} (PD attainment ${network.pd.map(attained).join(', ')}): a typical append's history read takes ${ms(network.historyReadMs)} alone on the NIC instead of ${ms(h.historyReadMs)}, and our prefill worker waits for it before computing, which raises PD's prefill load to ${network.loads.map((l) => pct(l.prefill)).join(', ')}. ` +
      `Where PD still holds a steady state there (${stableRates(network)}), PPD cuts Turn-2+ TTFT by ${pct(mean(stable(network).map((i) => cut(network, i))))} at ITL ×${mean(stable(network).map((i) => itl(network, i))).toFixed(2)}${network.pd.some((p) => p.unstable) ? '; past that PD collapses with its sessions stuck before decode, so its ITL there is that of an idle decode side and the ratio means nothing' : ''}. ` +
      `PPD's PD baseline also re-prefills the previous answer with each append — ${ms(appendMs.recomputed)} of prefill GPU time for a typical chat append, against ${ms(appendMs.reused)} as our PD runs it from the history's KV — so its PD reaches its knee at a lower load still; we do not simulate that baseline. ` +
      `So the headline differs from the paper by setup, not by a modelling error: on one NVLink node a KV transfer costs microseconds, PD's only limit is prefill compute, and the tuned 2:6 layout runs both roles near capacity at the same rate. ` +
      "Two simplifications of ours bear on these numbers and neither drives the knee's ITL, which the decode load does: a local prefill pauses the decode batch for a whole prefill step, where vLLM's chunked prefill folds a short append into a decode step (this leans against PPD); and a prefill worker reads a task's history only when the task starts, where AMPD's implementation overlaps the read with the previous task (§6; this leans against PD, and only on slow links). Both are listed under \"what the model leaves out\". Verdict kept.",
    '',
  ];
}
