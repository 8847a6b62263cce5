import type { Deployment, ReplicaGroup } from './types';

/**
 * The compact deployment notation used on the command line and in plan files:
 * `P:4x2,D:8x1` is two prefill replicas of TP 4 and one decode replica of TP 8; `C:4x2` is two
 * co-located replicas of TP 4. A role may repeat to mix TP degrees: `P:2x2,P:4x1,D:8x1`.
 */
export type DeploymentParse = { deployment: Deployment } | { error: string };

const TERM = /^\s*([PDCpdc])\s*:\s*(\d+)\s*[xX×]\s*(\d+)\s*$/;

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
        error: `'${term.trim()}' is not ROLE:TPxREPLICAS; write e.g. 'P:4x2' (role P, D or C, TP 4, 2 replicas)`,
      };
    }
    const role = match[1].toUpperCase() as 'P' | 'D' | 'C';
    const tp = Number(match[2]);
    const dp = Number(match[3]);
    if (tp < 1 || dp < 1) return { error: `'${term.trim()}': TP and replicas must be at least 1` };
    const existing = groups[role].find((g) => g.tp === tp);
    if (existing) existing.dp += dp;
    else groups[role].push({ tp, dp });
  }
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

export function formatDeployment(deployment: Deployment): string {
  const fmt = (role: string, groups: ReplicaGroup[]) => groups.map((g) => `${role}:${g.tp}x${g.dp}`);
  return deployment.kind === 'colocated'
    ? fmt('C', deployment.colocated).join(',')
    : [...fmt('P', deployment.prefill), ...fmt('D', deployment.decode)].join(',');
}

export function deploymentGpus(deployment: Deployment): number {
  const sum = (groups: ReplicaGroup[]) => groups.reduce((n, g) => n + g.tp * g.dp, 0);
  return deployment.kind === 'colocated'
    ? sum(deployment.colocated)
    : sum(deployment.prefill) + sum(deployment.decode);
}
