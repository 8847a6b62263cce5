/** A problem with the simulation's input that the user must fix (bad deployment for the cluster…). */
export class SimInputError extends Error {}

/** The message for simulated times too large to run: where in the plan such times come from. */
export function tooLargeTimeMessage(what: string): string {
  return `${what}: a time in the workload is too large to simulate; look for extreme tool waits (workload.toolLatencyMs, a trace's thinkMs or arrivalMs) or arrival rates`;
}
