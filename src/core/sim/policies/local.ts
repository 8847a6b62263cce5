import { cheapestRemote, type RoutingPolicy } from './policy';

/** Initial prefills on prefill workers; every incremental prefill on the session's decode worker. */
export const localPolicy: RoutingPolicy<'local'> = {
  name: 'local',
  colocated: false,
  route: (task, ctx) => (task.incremental ? { kind: 'local' } : cheapestRemote(ctx.remotes)),
};
