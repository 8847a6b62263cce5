import { layoutThroughput } from '../core/plan/throughput';
import type { Deployment, Plan } from '../core/spec/types';

const kilo = (x: number) => (x >= 10_000 ? `${(x / 1000).toFixed(1)}k` : x.toFixed(0));

/** Per-node input and output tokens/s of a layout: the perf model's peak per role, and the plan's load. */
export function throughputText(plan: Plan, deployment: Deployment): string {
  const t = layoutThroughput(plan, deployment);
  const nodes = (n: number) => (Number.isInteger(n) ? `${n} node${n === 1 ? '' : 's'}` : `${n.toFixed(2)} nodes`);
  let text = `Per node (perf model, every rank busy; ${t.groups[0]?.promptTokens ?? ''}${t.groups[0]?.promptTokens ? '-token first prompts, ' : ''}decode at ITL <= ${plan.slo.itlMs} ms):\n`;
  for (const g of t.groups) {
    const what = `${g.role} ${g.shape}x${g.replicas} (${nodes(g.nodes)}${g.ranksPerReplica > 1 ? `, ${g.ranksPerReplica} DP-attention ranks per replica` : ''})`;
    const parts: string[] = [];
    if (g.inputTokensPerSecPerNode !== undefined)
      parts.push(`${kilo(g.inputTokensPerSecPerNode)} input tokens/s per node`);
    if (g.outputTokensPerSecPerNode !== undefined) {
      parts.push(
        `${kilo(g.outputTokensPerSecPerNode)} output tokens/s per node (batch ${g.decodeBatchPerRank} per rank, step ${g.stepMs!.toFixed(1)} ms)`,
      );
    }
    text += `  ${what}: ${parts.join('; ')}\n`;
  }
  const load = t.atLoad;
  if (load.inputTokensPerSecPerPrefillNode !== undefined && load.outputTokensPerSecPerDecodeNode !== undefined) {
    text += `  at ${load.ratePerSec} sessions/s: ${kilo(load.inputTokensPerSecPerPrefillNode)} input tokens/s per prefill node, ${kilo(load.outputTokensPerSecPerDecodeNode)} output tokens/s per decode node\n`;
  }
  return text;
}
