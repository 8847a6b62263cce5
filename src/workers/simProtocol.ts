// Messages between the simulation pool (main thread) and its workers. The plan is sent once per
// worker (`init`); jobs then name only what differs. A worker answers `ready` before anything else.
import type { RunControl } from '../core/control';
import type { SimJob } from '../core/plan/coefficients';
import type { MeasuredProfile } from '../core/perf/index';
import type { Plan } from '../core/spec/types';
import type { SimResult } from '../core/sim/types';

export type ToSimWorker =
  | { type: 'init'; plan: Plan; profile?: MeasuredProfile; cancelFlags: SharedArrayBuffer }
  | { type: 'run'; id: number; slot: number; job: SimJob };

export type FromSimWorker =
  | { type: 'ready' }
  | { type: 'progress'; id: number; fraction: number }
  | { type: 'result'; id: number; result: SimResult }
  | { type: 'cancelled'; id: number }
  | { type: 'error'; id: number; message: string };

/** What a worker needs from the simulator: run one job, checking `isCancelled` now and then. */
export type SimulateJob = (
  plan: Plan,
  job: SimJob,
  control: Required<RunControl>,
  profile: MeasuredProfile | undefined,
) => SimResult;
