import { loadPlan } from '../../src/core/spec';
import type { Plan } from '../../src/core/spec/types';

/**
 * A whole, valid plan for tests: an 8B model on one node of H100s, with the given YAML sections
 * appended (later keys win, as in any YAML mapping merge we write by hand here).
 */
export function testPlan(extra: Record<string, string> = {}): Plan {
  const sections: Record<string, string> = {
    model: 'model: Llama-3.1-8B',
    cluster:
      'cluster:\n  gpu: H100\n  gpusPerNode: 8\n  nodes: 1\n  intraNode: { bandwidthGBps: 450, latencyUs: 5 }\n  interNode: { bandwidthGBps: 50, latencyUs: 10 }',
    workload:
      'workload:\n  profile: ToolBench\n  arrival: { process: poisson, ratePerSec: 1 }\n  sessions: 50\n  warmupSessions: 0\n  seed: 1',
    slo: 'slo:\n  ttftMs: 1000\n  itlMs: 50\n  attainmentTarget: 0.9\n  scope: session',
    policy: 'policy:\n  routing: remote\n  reorderWindow: 1\n  maxPostpone: 3',
    planner: 'planner:\n  gpuBudget: 8\n  tpDegrees: [1, 2, 4, 8]',
    ...extra,
  };
  const text = ['version: 1', ...Object.values(sections)].join('\n') + '\n';
  const load = loadPlan(text);
  if (!load.plan) {
    throw new Error(
      `test plan does not load:\n${load.diagnostics.map((d) => `${d.code} ${d.path} ${d.message}`).join('\n')}\n${text}`,
    );
  }
  return load.plan;
}
