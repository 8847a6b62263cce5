/**
 * The extension ↔ webview channel. Both sides import this module; every message is a member of a
 * discriminated union, and messages from the webview are checked with `parseWebviewMessage` before
 * the extension acts on them (a webview is untrusted input).
 */
import type { ParetoResult } from '../core/pareto';
import type { PlanResult } from '../core/plan/types';
import type { SimResult, SimMetrics } from '../core/sim/types';
import type { Deployment } from '../core/spec/types';

export const PANEL_VIEW_TYPE = 'pdPlanner.results';

/** What the panels need to know about the plan, beyond the result itself. */
export interface PlanContext {
  planName: string;
  fileName: string;
  gpuName: string;
  nodes: number;
  gpusPerNode: number;
  sloTtftMs: number;
  sloItlMs: number;
  attainmentTarget: number;
  ratePerSec: number;
  /** Which times the run used: a measured profile or the analytical model, in words. */
  timesFrom?: string;
}

export interface PlanPanelData {
  kind: 'plan';
  context: PlanContext;
  result: PlanResult;
}

export interface SimulationPanelData {
  kind: 'simulation';
  context: PlanContext;
  result: SimResult;
}

export interface ComparisonColumn {
  label: string;
  deployment: Deployment;
  gpus: number;
  policy: string;
  ratePerSec: number;
  /** Which times the run used: a measured profile or the analytical model, in words. */
  timesFrom?: string;
  metrics: SimMetrics;
}

export interface ComparisonPanelData {
  kind: 'comparison';
  title: string;
  sloTtftMs: number;
  sloItlMs: number;
  columns: ComparisonColumn[];
}

export interface SweepPanelData {
  kind: 'sweep';
  context: PlanContext;
  deployment: Deployment;
  points: {
    ratePerSec: number;
    sloAttainment: number;
    goodput: number;
    unstable: boolean;
    sloAttainmentCi95?: [number, number];
    unstableReason?: string;
  }[];
}

export interface ParetoPanelData {
  kind: 'pareto';
  context: PlanContext;
  result: ParetoResult;
}

export type PanelData = PlanPanelData | SimulationPanelData | ComparisonPanelData | SweepPanelData | ParetoPanelData;
export type PanelKind = PanelData['kind'];

/** Extension → webview. */
export type ToWebview =
  { type: 'render'; data: PanelData } | { type: 'busy'; message: string } | { type: 'error'; message: string };

export type ExportFormat = 'html' | 'markdown' | 'json';

/** Webview → extension. */
export type FromWebview =
  | { type: 'ready' }
  /** Sent after every chart of a render has drawn; the count lets tests and telemetry check it. */
  | { type: 'rendered'; kind: PanelKind; charts: number }
  | { type: 'export'; format: ExportFormat }
  | { type: 'rerun' }
  | { type: 'simulateCandidate'; rank: number }
  /** Deployment files for a layout the panel shows (a Pareto point). */
  | { type: 'exportLayout'; layout: string };

/** State the webview keeps across reloads (`vscode.setState`) and hands to the serializer. */
export interface PersistedState {
  data: PanelData;
}

const EXPORT_FORMATS: readonly ExportFormat[] = ['html', 'markdown', 'json'];
const PANEL_KINDS: readonly PanelKind[] = ['plan', 'simulation', 'comparison', 'sweep', 'pareto'];
/** A layout in deployment notation (`P:4x2,D:8x1`, `C:4x4`): letters, digits and the notation's marks only. */
const LAYOUT_TEXT = /^[A-Za-z0-9:,x ]{1,200}$/;

/** Narrows an untrusted message from a webview; undefined when it is not one we understand. */
export function parseWebviewMessage(value: unknown): FromWebview | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const message = value as Record<string, unknown>;
  switch (message.type) {
    case 'ready':
    case 'rerun':
      return { type: message.type };
    case 'rendered':
      return PANEL_KINDS.includes(message.kind as PanelKind) && Number.isInteger(message.charts)
        ? { type: 'rendered', kind: message.kind as PanelKind, charts: message.charts as number }
        : undefined;
    case 'export':
      return EXPORT_FORMATS.includes(message.format as ExportFormat)
        ? { type: 'export', format: message.format as ExportFormat }
        : undefined;
    case 'simulateCandidate':
      return Number.isInteger(message.rank) && (message.rank as number) >= 1
        ? { type: 'simulateCandidate', rank: message.rank as number }
        : undefined;
    case 'exportLayout':
      return typeof message.layout === 'string' && LAYOUT_TEXT.test(message.layout)
        ? { type: 'exportLayout', layout: message.layout }
        : undefined;
    default:
      return undefined;
  }
}

/** Restored state is as untrusted as a message: only a known panel kind is accepted. */
export function parsePersistedState(value: unknown): PersistedState | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const data = (value as { data?: unknown }).data;
  if (typeof data !== 'object' || data === null) return undefined;
  if (!PANEL_KINDS.includes((data as { kind?: PanelKind }).kind as PanelKind)) return undefined;
  // Panels saved before deployments were sent as objects held notation strings: not restored.
  const panel = data as PanelData;
  const deployments =
    panel.kind === 'sweep'
      ? [panel.deployment]
      : panel.kind === 'comparison'
        ? (panel.columns ?? []).map((c) => c.deployment)
        : [];
  return deployments.every((d) => typeof d === 'object' && d !== null) ? { data: panel } : undefined;
}
