/**
 * How a caller follows and stops a long run — one simulation, a batch of them, a planner run — the
 * same for every run in the core and in the shells around it.
 */
export interface RunControl {
  /**
   * `done` of `total` so far: simulations for a batch or a planner run; for one simulation the share
   * of its simulated time, out of a `total` of 1.
   */
  onProgress?(done: number, total: number): void;
  /** Polled between steps; once it answers true the run stops (a planner run with `Cancelled`). */
  isCancelled?(): boolean;
}

/** A run stopped because its caller asked: the one error every layer throws and checks for cancellation. */
export class Cancelled extends Error {
  constructor(what = 'the run') {
    super(`${what} was cancelled`);
    this.name = 'Cancelled';
  }
}
