// Worker-thread entry (bundled to dist/simWorker.js): runs the simulator for the pool in pool.ts.
import { parentPort } from 'node:worker_threads';
import { simulateReplicated } from '../core/sim/index';
import { serveSimulations } from './simService';

if (!parentPort) throw new Error('simWorker.js runs as a worker thread only');

serveSimulations(parentPort, (plan, job, control, profile) =>
  simulateReplicated(
    {
      plan,
      deployment: job.deployment,
      routing: job.routing,
      seed: job.seed,
      ratePerSec: job.ratePerSec,
      sessions: job.sessions ?? (job.measure && job.ratePerSec ? Math.max(20, Math.round(job.ratePerSec * ((job.measure.warmupSec ?? 0) + (job.measure.windowSec ?? 0)))) : undefined), // DEV-ONLY

      profile,
    },
    job.replications ?? 1,
    control,
  ),
);
