import { cheapestRemote, type RoutingPolicy } from './policy';

export const DEFAULT_MIN_REMOTE_PREFILL_TOKENS = 2048;
export const DEFAULT_MAX_REMOTE_QUEUE = 8;

/**
 * Prefill-as-a-Service (reference 003): the prefill workers sit in another cluster behind a slower
 * link. Only long uncached prefills go there, and only while the remote queue is short; short or
 * cached ones run locally on the decode worker.
 */
export const prfaasPolicy: RoutingPolicy<'prfaas'> = {
  name: 'prfaas',
  colocated: false,
  route(task, ctx) {
    const minTokens = ctx.routing.minRemotePrefillTokens ?? DEFAULT_MIN_REMOTE_PREFILL_TOKENS;
    const maxQueue = ctx.routing.maxRemoteQueue ?? DEFAULT_MAX_REMOTE_QUEUE;
    if (task.newTokens < minTokens) return { kind: 'local' };
    const open = ctx.remotes.filter((o) => o.queueLength <= maxQueue);
    return open.length > 0 ? cheapestRemote(open) : { kind: 'local' };
  },
};
