import type { RouterSetting } from './types';

/**
 * The router setting to give an engine for one simulated policy, worded once for the CLI, the
 * plan panel and exported reports: the engine's own setting name (Dynamo/TRT-LLM
 * `max_local_prefill_length`), and for adaptive routing, which has no threshold, what decides instead.
 */
export function routerSettingText(r: Pick<RouterSetting, 'policy' | 'settings'>): string {
  if (r.settings.maxLocalPrefillTokens !== undefined)
    return `max_local_prefill_length=${r.settings.maxLocalPrefillTokens} (llm-d non-cached-token threshold)`;
  const rest = Object.entries(r.settings)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  if (r.policy === 'adaptive')
    return `no fixed threshold: AMPD adaptive routing decides each prefill from windowed TTFT/ITL slack${rest ? ` (${rest})` : ''}`;
  return rest || "the policy's defaults";
}
