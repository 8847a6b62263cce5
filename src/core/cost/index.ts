import priceCatalog from '../../../catalog/prices.json';
import { findGpu } from '../spec/catalog';
import { distributionMean } from '../spec/checks';
import type { Deployment, GpuSpec, Plan, ReplicaGroup } from '../spec/types';
import type { SimMetrics } from '../sim/types';

/**
 * Cost of a layout: $/hour from a price per GPU-hour (the plan's cost.gpuHourUsd, else the dated
 * typical rate of catalog/prices.json), and $/million tokens at the throughput the simulator
 * measured over its steady-state window (never over a span with warm-up or drain).
 */

export interface GpuPrice {
  gpu: string;
  usdPerGpuHour: number;
  /** 'plan' when cost.gpuHourUsd gave it; else the catalog entry's date and source. */
  from: 'plan' | 'catalog';
  date?: string;
  source?: string;
}

interface CatalogPrice {
  gpu: string;
  usdPerGpuHour: number;
  date: string;
  source: string;
}

const CATALOG_PRICES = (priceCatalog as { prices: CatalogPrice[] }).prices;

function normalize(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[\s_]+/g, '-');
}

/** The same GPU type: equal names, or names the catalog resolves to one entry (`H100` and `H100-SXM`). */
function sameGpu(a: string, b: string): boolean {
  if (normalize(a) === normalize(b)) return true;
  const ca = findGpu(a);
  const cb = findGpu(b);
  return ca !== undefined && cb !== undefined && ca.name === cb.name;
}

/** Price of one GPU-hour of this GPU type, or undefined when neither the plan nor the catalog has one. */
export function gpuHourPrice(plan: Plan, gpu: GpuSpec): GpuPrice | undefined {
  const given = plan.cost?.gpuHourUsd;
  if (typeof given === 'number') return { gpu: gpu.name, usdPerGpuHour: given, from: 'plan' };
  if (given) {
    const key = Object.keys(given).find((name) => sameGpu(name, gpu.name));
    if (key !== undefined) return { gpu: gpu.name, usdPerGpuHour: given[key], from: 'plan' };
  }
  const entry = CATALOG_PRICES.find((p) => sameGpu(p.gpu, gpu.name));
  return entry
    ? { gpu: gpu.name, usdPerGpuHour: entry.usdPerGpuHour, from: 'catalog', date: entry.date, source: entry.source }
    : undefined;
}

/** Every catalog price, for documentation and the extension's hover. */
export function catalogPrices(): readonly CatalogPrice[] {
  return CATALOG_PRICES;
}

export interface CostPart {
  role: 'prefill' | 'decode' | 'colocated';
  gpu: string;
  gpus: number;
  price?: GpuPrice;
}

export interface LayoutCost {
  gpus: number;
  parts: CostPart[];
  /** Null when a GPU type has no price (`missing` names it). */
  usdPerHour: number | null;
  missing: string[];
}

const sum = (groups: ReplicaGroup[]) => groups.reduce((n, g) => n + g.tp * g.dp, 0);

/** $/hour of a layout: each role's GPUs at its pool's GPU type's price. */
export function layoutCost(plan: Plan, deployment: Deployment): LayoutCost {
  const cluster = plan.cluster;
  const roles: { role: CostPart['role']; gpu: GpuSpec; gpus: number }[] =
    deployment.kind === 'colocated'
      ? [{ role: 'colocated', gpu: cluster.gpu, gpus: sum(deployment.colocated) }]
      : [
          { role: 'prefill', gpu: (cluster.prefillPool ?? cluster).gpu, gpus: sum(deployment.prefill) },
          { role: 'decode', gpu: (cluster.decodePool ?? cluster).gpu, gpus: sum(deployment.decode) },
        ];
  const parts = roles.map((r) => ({ ...r, gpu: r.gpu.name, price: gpuHourPrice(plan, r.gpu) }));
  const missing = [...new Set(parts.filter((p) => !p.price).map((p) => p.gpu))];
  const usdPerHour = missing.length ? null : parts.reduce((total, p) => total + p.gpus * p.price!.usdPerGpuHour, 0);
  return { gpus: parts.reduce((n, p) => n + p.gpus, 0), parts, usdPerHour, missing };
}

export interface MeasuredCost extends LayoutCost {
  /** Output tokens/s over the measurement window, and per GPU. */
  outputTokensPerSec: number;
  outputTokensPerSecPerGpu: number;
  /**
   * New prompt tokens/s (first prompts and each later round's increment; cached history is not
   * counted), estimated from the measured output rate and the workload's mean sizes.
   */
  inputTokensPerSec: number;
  /** Output tokens/s of sessions that met the SLO: throughput × goodput / session throughput. */
  goodOutputTokensPerSec: number;
  /** The whole layout's cost divided by each rate; null without a price or a rate. */
  usdPerMillionOutputTokens: number | null;
  usdPerMillionInputTokens: number | null;
  usdPerMillionGoodOutputTokens: number | null;
}

/** New prompt tokens per output token of a mean session of the workload. */
export function inputPerOutputToken(plan: Plan): number {
  const w = plan.workload;
  const rounds = Math.max(1, distributionMean(w.rounds));
  const input =
    Math.max(0, distributionMean(w.initialPromptTokens)) +
    (rounds - 1) * Math.max(0, distributionMean(w.incrementalTokens));
  const output = rounds * Math.max(1, distributionMean(w.outputTokens));
  return input / output;
}

function perMillion(usdPerHour: number | null, tokensPerSec: number): number | null {
  if (usdPerHour === null || !(tokensPerSec > 0)) return null;
  return (usdPerHour / (tokensPerSec * 3600)) * 1e6;
}

/**
 * Cost at a simulation's steady-state rates. Returns undefined for an unstable run: its rates
 * are not a steady state, so no cost per token exists.
 */
export function measuredCost(plan: Plan, deployment: Deployment, metrics: SimMetrics): MeasuredCost | undefined {
  if (metrics.unstable) return undefined;
  const layout = layoutCost(plan, deployment);
  const output = metrics.throughputTokensPerSec;
  const goodShare =
    metrics.throughputSessionsPerSec > 0 ? Math.min(1, metrics.goodput / metrics.throughputSessionsPerSec) : 0;
  const input = output * inputPerOutputToken(plan);
  const good = output * goodShare;
  return {
    ...layout,
    outputTokensPerSec: output,
    outputTokensPerSecPerGpu: layout.gpus > 0 ? output / layout.gpus : 0,
    inputTokensPerSec: input,
    goodOutputTokensPerSec: good,
    usdPerMillionOutputTokens: perMillion(layout.usdPerHour, output),
    usdPerMillionInputTokens: perMillion(layout.usdPerHour, input),
    usdPerMillionGoodOutputTokens: perMillion(layout.usdPerHour, good),
  };
}

function money(usd: number): string {
  return usd >= 100 ? `$${usd.toFixed(0)}` : usd >= 1 ? `$${usd.toFixed(2)}` : `$${usd.toFixed(3)}`;
}

/** One line for the CLI: $/hour, $/M tokens and where the price came from. */
export function describeCost(cost: MeasuredCost | LayoutCost): string {
  if (cost.usdPerHour === null) {
    return `cost: no price for ${cost.missing.join(', ')}; give cost.gpuHourUsd in the plan (docs/cost.md)`;
  }
  const prices = cost.parts
    .filter((p, i, all) => all.findIndex((q) => q.gpu === p.gpu) === i)
    .map(
      (p) =>
        `${p.gpu} ${money(p.price!.usdPerGpuHour)}/GPU-h ${p.price!.from === 'plan' ? 'from the plan' : `typical ${p.price!.date}`}`,
    )
    .join(', ');
  const head = `cost ${money(cost.usdPerHour)}/h for ${cost.gpus} GPUs (${prices})`;
  if (!('outputTokensPerSec' in cost)) return head;
  const m = (v: number | null) => (v === null ? '–' : money(v));
  return (
    `${head} · ${m(cost.usdPerMillionOutputTokens)}/M output tokens, ${m(cost.usdPerMillionGoodOutputTokens)}/M output tokens within SLO, ` +
    `${m(cost.usdPerMillionInputTokens)}/M input tokens · ${cost.outputTokensPerSecPerGpu.toFixed(0)} output tokens/s/GPU`
  );
}
