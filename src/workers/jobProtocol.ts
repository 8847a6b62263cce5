/**
 * The extension ↔ job worker channel. The worker posts `ready` first; the extension sends jobs only
 * after it. Every job carries an id; progress, result and error name it. Cancelling a job the worker
 * is stuck inside (a long synchronous simulation) is done by terminating the worker, so `cancel` is
 * advisory: the worker stops at its next progress point.
 */
import type { ExportFormat as DeploymentFormat, ExportResult } from '../core/export/common';
import type { ParetoResult } from '../core/pareto';
import type { PlanResult } from '../core/plan/types';
import type { SimResult } from '../core/sim/types';
import type { Deployment, Diagnostic } from '../core/spec/types';

export interface PlanSource {
  text: string;
  fileName: string;
  /** A plan's variant to apply (by name); absent for the base plan. */
  variant?: string;
  /** Contents of the referenced trace/profile files the extension was allowed to read. */
  files?: Record<string, string>;
}

export type JobRequest =
  | { type: 'plan'; id: number; source: PlanSource; sweepRates?: number[] }
  | { type: 'simulate'; id: number; source: PlanSource; deployment?: Deployment }
  | { type: 'compare'; id: number; sources: (PlanSource & { label: string })[] }
  | {
      type: 'sweep';
      id: number;
      source: PlanSource;
      deployment?: Deployment;
      /** Sessions/s; for a plan that replays a trace and `relativeToTrace`, multiples of the trace's recorded rate. */
      rates: number[];
      relativeToTrace?: boolean;
    }
  /** The Pareto frontier of the plan (src/core/pareto): layouts within its budget at several rates. */
  | { type: 'pareto'; id: number; source: PlanSource }
  /** Deployment files for a layout (the plan's `deployment:` when none is named) and the plan's router setting. */
  | { type: 'exportDeployment'; id: number; source: PlanSource; deployment?: Deployment; format: DeploymentFormat };

export type ToWorker = JobRequest | { type: 'cancel'; id: number };

export type JobKind = JobRequest['type'];

export interface SweepPoint {
  ratePerSec: number;
  sloAttainment: number;
  goodput: number;
  unstable: boolean;
  /** 95% interval on attainment, when the simulation measured one. */
  sloAttainmentCi95?: [number, number];
  unstableReason?: string;
}

/** `timesFrom`: which times the simulations used (a measured profile or the analytical model), in words. */
export type JobResult =
  | {
      kind: 'plan';
      plan: PlanResult;
      timesFrom: string;
      /** The rate planned at: the plan's, or the one fitted to its trace. */ ratePerSec: number;
    }
  | { kind: 'simulate'; sim: SimResult; deployment: Deployment; timesFrom: string }
  | {
      kind: 'compare';
      columns: { label: string; deployment: Deployment; ratePerSec: number; sim: SimResult; timesFrom: string }[];
    }
  | { kind: 'sweep'; deployment: Deployment; points: SweepPoint[]; timesFrom: string }
  | { kind: 'pareto'; pareto: ParetoResult; timesFrom: string }
  | {
      kind: 'exportDeployment';
      format: DeploymentFormat;
      deployment: Deployment;
      policy: string;
      files: ExportResult['files'];
      notes: string[];
    };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'progress'; id: number; fraction: number; message: string }
  | { type: 'result'; id: number; result: JobResult; wallMs: number }
  /** The plan did not validate: the job could not start. */
  | { type: 'invalid'; id: number; diagnostics: Diagnostic[] }
  | { type: 'error'; id: number; message: string }
  | { type: 'cancelled'; id: number };

const REQUEST_TYPES: readonly string[] = [
  'plan',
  'simulate',
  'compare',
  'sweep',
  'pareto',
  'exportDeployment',
  'cancel',
];

export function isToWorker(value: unknown): value is ToWorker {
  if (typeof value !== 'object' || value === null) return false;
  const message = value as { type?: unknown; id?: unknown };
  return typeof message.type === 'string' && REQUEST_TYPES.includes(message.type) && Number.isInteger(message.id);
}

export function isFromWorker(value: unknown): value is FromWorker {
  if (typeof value !== 'object' || value === null) return false;
  const message = value as { type?: unknown; id?: unknown };
  if (message.type === 'ready') return true;
  return (
    ['progress', 'result', 'invalid', 'error', 'cancelled'].includes(message.type as string) &&
    Number.isInteger(message.id)
  );
}

/** Arrival rates around a plan's own rate, for the attainment-versus-rate chart. */
export function defaultSweepRates(ratePerSec: number): number[] {
  const factors = [0.25, 0.5, 0.75, 1, 1.25, 1.5, 2];
  return factors.map((f) => Math.round(ratePerSec * f * 1000) / 1000).filter((r) => r > 0);
}
