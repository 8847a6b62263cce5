/** What reordering needs to know of a queued prefill task. */
export interface ReorderItem {
  /** When the task's round became ready (TTFT counts from here), ms. */
  readyMs: number;
  /** Estimated run time on this worker, transfers included, ms. */
  estimatedMs: number;
  /** Times this task has already been passed over. */
  postponed: number;
}

function permutations(n: number): number[][] {
  if (n <= 1) return [[0]];
  const out: number[][] = [];
  for (const rest of permutations(n - 1)) {
    for (let i = 0; i <= rest.length; i++) out.push([...rest.slice(0, i), n - 1, ...rest.slice(i)]);
  }
  return out;
}

const PERMUTATIONS: number[][][] = [[], [[0]], ...[2, 3, 4, 5, 6].map(permutations)];

/** How many tasks of `order` meet the TTFT SLO if run back to back from `now`. */
export function tasksMeetingSlo(items: ReorderItem[], order: number[], now: number, ttftSloMs: number): number {
  let t = now;
  let met = 0;
  for (const i of order) {
    t += items[i].estimatedMs;
    if (t - items[i].readyMs <= ttftSloMs) met++;
  }
  return met;
}

/**
 * AMPD's TTFT-aware prefill reordering (reference 004 §4.2): among the first `window` queued tasks,
 * choose the order that lets the most of them meet the TTFT SLO, and return the index of the task
 * to run now. A task already postponed `maxPostpone` times runs first. Ties keep FCFS order, so the
 * result is never worse than FCFS on this objective.
 */
export function pickNext(
  items: ReorderItem[],
  window: number,
  maxPostpone: number,
  now: number,
  ttftSloMs: number,
): number {
  const w = Math.min(window, items.length, PERMUTATIONS.length - 1);
  if (w <= 1) return 0;
  for (let i = 0; i < w; i++) if (items[i].postponed >= maxPostpone) return i;
  let bestOrder = PERMUTATIONS[w][0];
  let bestMet = -1;
  for (const order of PERMUTATIONS[w]) {
    const met = tasksMeetingSlo(items, order, now, ttftSloMs);
    if (met > bestMet || (met === bestMet && lexLess(order, bestOrder))) {
      bestMet = met;
      bestOrder = order;
    }
  }
  return bestOrder[0];
}

function lexLess(a: number[], b: number[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] < b[i];
  return false;
}
