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
    if (match[4] !== undefined && match[2] === undefined) {
      return {
        error: `'${shorten(term.trim())}': '/TP' sets the attention TP of an expert-parallel replica; write e.g. 'D:EP16/TP4x1'`,
      };
    }
    const tp = Number(match[3]);
    const dp = Number(match[5]);
    const group: ReplicaGroup =
      match[2] !== undefined
        ? { tp, dp, ep: tp, attentionTp: match[4] !== undefined ? Number(match[4]) : 1 }
        : { tp, dp };
    const problem = groupProblem(role, group, term.trim());
    if (problem) return { error: problem };
    const existing = groups[role].find((g) => g.tp === group.tp);
    if (
      existing &&
      (Boolean(existing.ep) !== Boolean(group.ep) || (existing.attentionTp ?? 1) !== (group.attentionTp ?? 1))
    ) {
      return { error: `'${shorten(term.trim())}': one role cannot run replicas of ${tp} GPUs in two ways; pick one` };
    }
    if (existing) existing.dp += group.dp;
    else groups[role].push(group);
  }
  if (groups.C.length > 0) {
    if (groups.P.length > 0 || groups.D.length > 0) {
      return { error: 'a deployment is either co-located (C:…) or disaggregated (P:…,D:…), not both' };
    }
    return checkedDeployment({ kind: 'colocated', colocated: groups.C });
  }
  if (groups.P.length === 0 || groups.D.length === 0) {
    return {
      error: "a disaggregated deployment needs both prefill (P:…) and decode (D:…) replicas, e.g. 'P:4x2,D:8x1'",
    };
  }
  return checkedDeployment({ kind: 'disaggregated', prefill: groups.P, decode: groups.D });
}

/** Why one replica group cannot be run, or undefined; `term` names it as written. */
function groupProblem(role: string, group: ReplicaGroup, term = `${role}:${group.tp}x${group.dp}`): string | undefined {
  const { tp, dp } = group;
  if (tp < 1 || dp < 1) return `'${shorten(term)}': TP and replicas must be at least 1`;
  if (tp > MAX_TP)
    return `'${shorten(term)}': TP ${tp > 1e9 ? 'that large' : tp} is more GPUs than a node can have (at most ${MAX_TP})`;
  if (dp > MAX_REPLICAS)
    return `'${shorten(term)}': more replicas than a deployment may have (at most ${MAX_REPLICAS.toLocaleString('en-US')} in all)`;
  // After the bounds: a number too long to hold exactly is too large, not fractional.
  if (!Number.isInteger(tp) || !Number.isInteger(dp))
    return `'${shorten(term)}': TP and replicas must be whole numbers`;
  if (group.ep !== undefined) {
    const attentionTp = group.attentionTp ?? 1;
    if (group.ep !== tp)
      return `'${shorten(term)}': ep (${group.ep}) must equal tp (${tp}); an expert-parallel replica shards its experts over all its GPUs`;
    if (tp < 2) return `'${shorten(term)}': an expert-parallel replica needs at least 2 GPUs (EP2)`;
    if (!Number.isInteger(attentionTp) || attentionTp < 1 || tp % attentionTp !== 0)
      return `'${shorten(term)}': attention TP ${attentionTp} must divide EP ${tp}`;
  }
  return undefined;
}

function checkedDeployment(deployment: Deployment): DeploymentParse {
  const replicas = deploymentReplicas(deployment);
  if (replicas > MAX_REPLICAS)
    return {
      error: `${replicas.toLocaleString('en-US')} replicas in all; a deployment may have at most ${MAX_REPLICAS.toLocaleString('en-US')}`,
    };
  return { deployment };
}

/**
 * The same checks as `parseDeploymentSpec`, on a deployment that arrives as an object from outside
 * the process (a job message): each group's TP and replicas, and the replicas in all.
 */
export function checkDeploymentValue(value: unknown): DeploymentParse {
  const v = value as { kind?: unknown; prefill?: unknown; decode?: unknown; colocated?: unknown } | null;
  const groupsOf = (role: string, list: unknown): ReplicaGroup[] | string => {
    if (!Array.isArray(list) || list.length === 0) return `the ${role} groups must be a non-empty list of { tp, dp }`;
    const groups: ReplicaGroup[] = [];
    for (const g of list as { tp?: unknown; dp?: unknown; ep?: unknown; attentionTp?: unknown }[]) {
      const group: ReplicaGroup = { tp: Number(g?.tp), dp: Number(g?.dp) };
      // Expert-parallel groups keep their shape through job messages.
      if (g?.ep !== undefined) {
        group.ep = Number(g.ep);
        group.attentionTp = g.attentionTp === undefined ? 1 : Number(g.attentionTp);
      }
      const problem = groupProblem(role[0].toUpperCase(), group);
      if (problem) return problem;
      groups.push(group);
    }
    return groups;
  };
  if (typeof v !== 'object' || v === null)
    return { error: "a deployment must be an object such as { kind: 'colocated', colocated: [{ tp: 4, dp: 2 }] }" };
  if (v.kind === 'colocated') {
    const colocated = groupsOf('colocated', v.colocated);
    return typeof colocated === 'string' ? { error: colocated } : checkedDeployment({ kind: 'colocated', colocated });
  }
  if (v.kind === 'disaggregated') {
    const prefill = groupsOf('prefill', v.prefill);
    if (typeof prefill === 'string') return { error: prefill };
    const decode = groupsOf('decode', v.decode);
    if (typeof decode === 'string') return { error: decode };
    return checkedDeployment({ kind: 'disaggregated', prefill, decode });
  }
  return { error: "a deployment's kind must be 'colocated' or 'disaggregated'" };
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
  return deployment.kind === 'colocated' ? sum(deployment.colocated) : sum(deployment.prefill) + sum(deployment.decode);
}

/** The layout as separate role lists, the shape `pdplan plan --json` gives its consumers. */
export function deploymentRoles(
  deployment: Deployment,
): { colocated: ReplicaGroup[] } | { prefill: ReplicaGroup[]; decode: ReplicaGroup[] } {
  return deployment.kind === 'colocated'
    ? { colocated: deployment.colocated }
    : { prefill: deployment.prefill, decode: deployment.decode };
}
