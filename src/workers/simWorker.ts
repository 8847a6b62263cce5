// Worker-thread entry (bundled to dist/simWorker.js): runs the simulator for the pool in pool.ts.
import { parentPort } from 'node:worker_threads';
import { simulate } from '../core/sim/index';
import { serveSimulations } from './simService';

if (!parentPort) throw new Error('simWorker.js runs as a worker thread only');

// A job without a measurement spec runs exactly its replications over its session count.
serveSimulations(parentPort, (plan, job, control, profile) =>
  simulate(
    {
      plan,
      deployment: job.deployment,
      routing: job.routing,
      seed: job.seed,
      ratePerSec: job.ratePerSec,
      measure: job.measure ?? {
        sessions: job.sessions,
        minReplications: job.replications ?? 1,
        maxReplications: job.replications ?? 1,
      },
      profile,
    },
    control,
  ),
);
