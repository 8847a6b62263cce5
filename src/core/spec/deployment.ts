import type { Deployment, ReplicaGroup } from './types';

/**
 * The compact deployment notation used on the command line and in plan files:
 * `P:4x2,D:8x1` is two prefill replicas of TP 4 and one decode replica of TP 8; `C:4x2` is two
 * co-located replicas of TP 4. A role may repeat to mix TP degrees: `P:2x2,P:4x1,D:8x1`.
 */
export type DeploymentParse = { deployment: Deployment } | { error: string };

/** Largest TP degree: the schema's most GPUs per node. */
export const MAX_TP = 1024;
/** Replicas one deployment may have in all: each is a simulated worker, so this bounds the simulator's memory. */
export const MAX_REPLICAS = 10_000;

/** ROLE:TPxN, or ROLE:EPnxN / ROLE:EPn/TPaxN for an expert-parallel replica (attention TP a, default 1). */
const TERM = /^\s*([PDCpdc])\s*:\s*(?:(EP|ep)\s*)?(\d+)(?:\s*\/\s*(?:TP|tp)\s*(\d+))?\s*[xX×]\s*(\d+)\s*$/;

export function parseDeploymentSpec(text: string): DeploymentParse {
  const terms = text.split(',').filter((t) => t.trim() !== '');
  if (terms.length === 0) {
    return { error: "empty deployment; write e.g. 'P:4x2,D:8x1' (TP x replicas) or 'C:4x2' for co-located" };
  }
  const groups: Record<'P' | 'D' | 'C', ReplicaGroup[]> = { P: [], D: [], C: [] };
  for (const term of terms) {
    const match = TERM.exec(term);
    if (!match) {
      return {
        error: `'${shorten(term.trim())}' is not ROLE:TPxREPLICAS; write e.g. 'P:4x2' (role P, D or C, TP 4, 2 replicas) or 'D:EP32x1' (one expert-parallel replica of 32 GPUs)`,
      };
    }
    const role = match[1].toUpperCase() as 'P' | 'D' | 'C';
    const ep = match[2] !== undefined;
    const tp = Number(match[3]);
    const attentionTp = match[4] !== undefined ? Number(match[4]) : undefined;
    const dp = Number(match[5]);
    if (tp < 1 || dp < 1) return { error: `'${shorten(term.trim())}': TP and replicas must be at least 1` };
    if (attentionTp !== undefined && !ep) return { error: `'${shorten(term.trim())}': '/TP' sets the attention TP of an expert-parallel replica; write e.g. 'D:EP16/TP4x1'` };
    if (ep && tp < 2) return { error: `'${shorten(term.trim())}': an expert-parallel replica needs at least 2 GPUs (EP2)` };
    if (attentionTp !== undefined && (attentionTp < 1 || tp % attentionTp !== 0)) return { error: `'${shorten(term.trim())}': attention TP ${attentionTp} must divide EP ${tp}` };
    if (tp > MAX_TP) return { error: `'${shorten(term.trim())}': TP ${tp > 1e9 ? 'that large' : tp} is more GPUs than a node can have (at most ${MAX_TP})` };
    if (dp > MAX_REPLICAS) return { error: `'${shorten(term.trim())}': more replicas than a deployment may have (at most ${MAX_REPLICAS.toLocaleString('en-US')} in all)` };
    const existing = groups[role].find((g) => g.tp === tp);
    if (existing && (Boolean(existing.ep) !== ep || (existing.attentionTp ?? 1) !== (attentionTp ?? 1))) {
      return { error: `'${shorten(term.trim())}': one role cannot run replicas of ${tp} GPUs in two ways; pick one` };
    }
    if (existing) existing.dp += dp;
    else groups[role].push(ep ? { tp, dp, ep: tp, attentionTp: attentionTp ?? 1 } : { tp, dp });
  }
  const replicas = [...groups.P, ...groups.D, ...groups.C].reduce((n, g) => n + g.dp, 0);
  if (replicas > MAX_REPLICAS) return { error: `${replicas.toLocaleString('en-US')} replicas in all; a deployment may have at most ${MAX_REPLICAS.toLocaleString('en-US')}` };
  if (groups.C.length > 0) {
    if (groups.P.length > 0 || groups.D.length > 0) {
      return { error: 'a deployment is either co-located (C:…) or disaggregated (P:…,D:…), not both' };
    }
    return { deployment: { kind: 'colocated', colocated: groups.C } };
  }
  if (groups.P.length === 0 || groups.D.length === 0) {
    return { error: "a disaggregated deployment needs both prefill (P:…) and decode (D:…) replicas, e.g. 'P:4x2,D:8x1'" };
  }
  return { deployment: { kind: 'disaggregated', prefill: groups.P, decode: groups.D } };
}

function shorten(text: string): string {
  return text.length > 24 ? `${text.slice(0, 21)}...` : text;
}

/** Replicas of every role. */
export function deploymentReplicas(deployment: Deployment): number {
  const sum = (groups: ReplicaGroup[]) => groups.reduce((n, g) => n + g.dp, 0);
  return deployment.kind === 'colocated' ? sum(deployment.colocated) : sum(deployment.prefill) + sum(deployment.decode);
}

export function formatDeployment(deployment: Deployment): string {
  const fmt = (role: string, groups: ReplicaGroup[]) => groups.map((g) => `${role}:${replicaShape(g)}x${g.dp}`);
  return deployment.kind === 'colocated'
    ? fmt('C', deployment.colocated).join(',')
    : [...fmt('P', deployment.prefill), ...fmt('D', deployment.decode)].join(',');
}

/** A group's replica in the notation: `8` (TP 8), `EP32` (expert-parallel over 32 GPUs), `EP16/TP4`. */
export function replicaShape(g: ReplicaGroup): string {
  if (!g.ep) return String(g.tp);
  return (g.attentionTp ?? 1) > 1 ? `EP${g.tp}/TP${g.attentionTp}` : `EP${g.tp}`;
}

export function deploymentGpus(deployment: Deployment): number {
  const sum = (groups: ReplicaGroup[]) => groups.reduce((n, g) => n + g.tp * g.dp, 0);
  return deployment.kind === 'colocated'
    ? sum(deployment.colocated)
    : sum(deployment.prefill) + sum(deployment.decode);
}
