import type { Severity } from './types';

/**
 * Every diagnostic code the plan loader emits (PDP001–PDP099). Codes are stable: tools and docs
 * refer to them. PDP1xx belong to the performance-model checks (src/core/perf).
 */
export const SPEC_CODES = {
  PDP001: { severity: 'error', title: 'YAML syntax error' },
  PDP002: { severity: 'error', title: 'duplicate key' },
  PDP003: { severity: 'error', title: 'input too large or too deeply nested' },
  PDP004: { severity: 'error', title: 'the document is not one mapping' },
  PDP010: { severity: 'error', title: 'missing required property' },
  PDP011: { severity: 'error', title: 'unknown property' },
  PDP012: { severity: 'error', title: 'wrong type' },
  PDP013: { severity: 'error', title: 'value not allowed' },
  PDP014: { severity: 'error', title: 'number out of range' },
  PDP015: { severity: 'error', title: 'other schema constraint (list length, duplicates, name pattern)' },
  PDP020: { severity: 'error', title: 'unknown model name' },
  PDP021: { severity: 'error', title: 'unknown GPU name' },
  PDP022: { severity: 'error', title: 'unknown workload profile' },
  PDP023: { severity: 'error', title: 'unknown performance profile' },
  PDP024: { severity: 'error', title: 'malformed deployment' },
  PDP030: { severity: 'error', title: 'TP degree does not divide the attention heads' },
  PDP031: { severity: 'error', title: 'TP degree incompatible with the KV heads' },
  PDP032: { severity: 'error', title: 'TP degree exceeds the GPUs per node' },
  PDP033: { severity: 'error', title: 'deployment needs more GPUs than the cluster has' },
  PDP034: { severity: 'error', title: 'GPU budget below the smallest deployment' },
  PDP035: { severity: 'warning', title: 'GPU budget above the GPUs of the cluster' },
  PDP036: { severity: 'error', title: 'inconsistent model architecture' },
  PDP037: { severity: 'error', title: 'expert-parallel replica the model or the nodes cannot run' },
  PDP040: { severity: 'error', title: 'impossible distribution parameters' },
  PDP041: { severity: 'error', title: "distribution outside the quantity's range" },
  PDP042: { severity: 'error', title: 'workload incomplete' },
  PDP043: { severity: 'error', title: 'warm-up covers every session' },
  PDP044: { severity: 'warning', title: 'trace replaces the distributions' },
  PDP045: { severity: 'error', title: 'gamma arrivals need a cv' },
  PDP046: { severity: 'warning', title: 'setting ignored by the arrival process' },
  PDP050: { severity: 'error', title: 'routing policy contradicts the deployment' },
  PDP051: { severity: 'warning', title: 'routing parameter unused by the policy' },
  PDP052: { severity: 'warning', title: 'prfaas without a separate prefill pool' },
  PDP053: { severity: 'warning', title: 'slack factor above 1' },
  PDP054: { severity: 'error', title: 'co-located serving with separate pools' },
  PDP060: { severity: 'info', title: 'variant identical to the plan' },
  PDP070: { severity: 'error', title: 'referenced file missing or unreadable' },
  PDP099: { severity: 'error', title: 'internal error of the validator (a bug; please report it)' },
} as const satisfies Record<string, { severity: Severity; title: string }>;

export type SpecCode = keyof typeof SPEC_CODES;
