import { ExportError, sglangExport, vllmExport } from './engines';
import { dynamoExport, llmdExport } from './kube';
import { poolNote, type ExportInput, type ExportResult } from './common';

export * from './common';
export { ExportError, VLLM_KV_TRANSFER_CONFIG } from './engines';
export { DYNAMO_IMAGE, LLMD_CHARACTERS_PER_TOKEN, LLMD_IMAGE, llmdReleases } from './kube';

/**
 * Deployment files for a layout and router setting: engine launch scripts (vLLM, SGLang), a Dynamo
 * graph deployment, or llm-d Helm values. Pure: returns the files' text, writes nothing. Throws
 * ExportError when the layout does not fit the plan's cluster.
 */
export function exportDeployment(input: ExportInput): ExportResult {
  const result = byFormat(input);
  const pools = poolNote(input.plan, input.deployment);
  return pools ? { ...result, notes: [...result.notes, pools] } : result;
}

function byFormat(input: ExportInput): ExportResult {
  switch (input.format) {
    case 'vllm':
      return vllmExport(input);
    case 'sglang':
      return sglangExport(input);
    case 'dynamo':
      return dynamoExport(input);
    case 'llm-d':
      return llmdExport(input);
    default:
      throw new ExportError(`unknown format '${String(input.format)}'`);
  }
}
