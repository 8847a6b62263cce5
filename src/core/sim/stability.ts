/**
 * Whether the offered load exceeds what the deployment can serve (DESIGN.md: a run whose backlog
 * grows through the window is unstable and reports that, not a number).
 *
 * The backlog — rounds waiting in prefill queues, for KV memory or for a batch slot — is sampled at
 * evenly spaced points of the measurement window. At a sustainable load it fluctuates around a
 * level; under overload it climbs about linearly. The run is unstable when the last quarter's mean
 * backlog exceeds the first quarter's by more than the fluctuation a stable queue shows (a few
 * tasks per worker and half its level), and the oldest waiting round has waited past twice the TTFT
 * SLO at the end. Two limits stop a run early without waiting for the window's end: a backlog far
 * beyond any burst, or a wait no burst at a sustainable load explains.
 */
export const STABILITY_SAMPLES = 20;

export class StabilityMonitor {
  readonly samples: number[] = [];
  reason: string | undefined = undefined;

  constructor(
    private readonly workers: number,
    private readonly ttftSloMs: number,
    /** Backlog beyond which the run stops at once. */
    readonly backlogLimit: number,
    /** Wait beyond which the run stops at once, ms. */
    readonly waitLimitMs: number,
  ) {}

  /** Checked every so many events: a reason to stop now, or undefined. */
  check(backlog: number, oldestWaitMs: number): string | undefined {
    if (backlog > this.backlogLimit) {
      this.reason = `the backlog reached ${backlog} waiting rounds (limit ${Math.round(this.backlogLimit)}): the offered load exceeds capacity`;
    } else if (oldestWaitMs > this.waitLimitMs) {
      this.reason = `a round waited ${(oldestWaitMs / 1000).toFixed(0)} s for service, beyond any burst at a sustainable load: the offered load exceeds capacity`;
    }
    return this.reason;
  }

  sample(backlog: number): void {
    this.samples.push(backlog);
  }

  /** At the window's end: does the backlog climb through it? */
  judgeWindow(oldestWaitMsAtEnd: number): string | undefined {
    const n = this.samples.length;
    if (this.reason || n < 8) return this.reason;
    const quarter = Math.max(1, Math.floor(n / 4));
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const first = mean(this.samples.slice(0, quarter));
    const last = mean(this.samples.slice(n - quarter));
    const growth = last - first;
    if (growth > 3 * this.workers + 0.5 * first && oldestWaitMsAtEnd > 2 * this.ttftSloMs) {
      this.reason = `the backlog grew through the measurement window (from ${first.toFixed(1)} to ${last.toFixed(1)} waiting rounds) and the oldest waited ${(oldestWaitMsAtEnd / 1000).toFixed(1)} s: the offered load exceeds capacity`;
    }
    return this.reason;
  }

  /** Measured sessions the run could not finish in its drain time mean the system never caught up. */
  unfinished(count: number, drainSec: number): string {
    this.reason ??= `${count} measured session(s) were still unfinished ${drainSec.toFixed(0)} s after the window closed: the offered load exceeds capacity`;
    return this.reason;
  }
}
