/** The plan file that New Plan File opens, from the user's three quick-pick choices. */
export interface NewPlanChoices {
  model: string;
  gpu: string;
  workload: string;
}

export function newPlanText(choices: NewPlanChoices): string {
  const name = `${choices.workload}-${choices.model}`.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  return `# ${choices.workload} on ${choices.model} with ${choices.gpu} GPUs. Hover a key for its meaning;
# Ctrl+Space completes keys, enum values and catalog names.
version: 1
name: ${name}
model: ${choices.model}
cluster:
  gpu: ${choices.gpu}
  gpusPerNode: 8
  nodes: 1
workload:
  profile: ${choices.workload}
  arrival: { process: poisson, ratePerSec: 2 }
  durationSec: 300
  seed: 1
slo:
  ttftMs: 2000
  itlMs: 50
  attainmentTarget: 0.9
policy:
  routing: adaptive
planner:
  gpuBudget: 8
  tpDegrees: [1, 2, 4, 8]
  objective: max-attainment
`;
}
