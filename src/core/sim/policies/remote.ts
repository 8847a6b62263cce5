import { cheapestRemote, type RoutingPolicy } from './policy';

/** Dynamo-style PD disaggregation: every prefill runs on a prefill worker. */
export const remotePolicy: RoutingPolicy<'remote'> = {
  name: 'remote',
  colocated: false,
  route: (_task, ctx) => cheapestRemote(ctx.remotes),
};
