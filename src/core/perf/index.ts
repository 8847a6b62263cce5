// The performance model: prefill, decode-step and KV-transfer times and the memory plan of one
// model on one GPU type (docs/perf-model.md).
export type {
  DecodeStepPiece,
  MeasuredProfile,
  PerfModel,
  MemoryPlan,
  PrefillSample,
  DecodeSample,
  KvCopySample,
} from './types';
export { createPerfModel, type PerfModelOptions } from './model';
export { parseProfile, PROFILE_CODES, PROFILE_FORMAT_MARKER, PROFILE_HEADER, timesSource } from './profile';
export { AnalyticModel } from './analytic';
export {
  describePrecision,
  gemmPath,
  hardwareRates,
  type GemmPath,
  type HardwareRates,
  type PrecisionSummary,
} from './hardware';
export { describeArchitecture, expectedDistinctExperts, kvBytesPerToken, type Architecture } from './architecture';
export { checkPlanPhysics, PLAN_CHECK_CODES, type PlanCheckOptions } from './planChecks';
export { distributionMean, typicalSizes, type TypicalSizes } from './workload';
