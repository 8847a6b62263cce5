import type { PerfModel } from '../perf/types';
import type { ClusterSpec, LinkSpec } from '../spec/types';
import type { Session } from './session';
import type { DecodeWorker, Placement, PrefillWorker } from './workers';

export type LinkKind = 'intraNode' | 'interNode' | 'crossCluster';

/** What a finished transfer was for. */
export const enum TransferPurpose {
  /** The session's history, read from its decode worker before a remote prefill runs. */
  HistoryRead = 0,
  /** The KV a remote prefill computed, written back to the decode worker. */
  WriteBack = 1,
}

export interface Transfer {
  link: Link;
  /** Exclusive-link time still needed, ms; shared fairly among overlapping transfers. */
  remainingMs: number;
  purpose: TransferPurpose;
  session: Session;
  worker: PrefillWorker;
}

export interface Link {
  spec: LinkSpec;
  kind: LinkKind;
  /** The transfers sharing the link are active[0, sharing); the array never shrinks (no garbage per transfer). */
  active: Transfer[];
  sharing: number;
  lastUpdate: number;
  /** Bumped whenever the next completion time changes, so a stale check event is ignored. */
  version: number;
}

/**
 * The links KV moves over, shared by processor sharing: n transfers on a link each progress at 1/n
 * of its rate. Intra-node traffic shares its node's link; inter-node traffic is limited by the
 * decode side's NIC, which every read and write-back of its sessions crosses; separate prefill and
 * decode clusters share one cross-cluster link. The link of each (prefill, decode) worker pair is
 * looked up once and cached.
 */
export class LinkNetwork {
  private readonly links = new Map<string, Link>();
  private readonly pairs: (Link | undefined)[][] = [];
  private readonly spare: Transfer[] = [];
  readonly bytesMoved = { intraNode: 0, interNode: 0, crossCluster: 0 };

  constructor(
    private readonly cluster: ClusterSpec,
    private readonly perf: PerfModel,
  ) {}

  /** The link between a prefill worker and a decode worker (the same both ways). */
  between(w: PrefillWorker, d: DecodeWorker): Link {
    const row = this.pairs[w.index] ?? (this.pairs[w.index] = []);
    return row[d.index] ?? (row[d.index] = this.linkFor(d.place, w.place));
  }

  /** Transfer time if the link's current sharing lasted (or with `sharing` others), ms: what the router estimates. */
  estimateMs(link: Link, tokens: number, srcTp: number, dstTp: number, sharing = link.sharing): number {
    if (tokens <= 0) return 0;
    return this.perf.kvTransferMs(tokens, link.spec, srcTp, dstTp) * (1 + sharing);
  }

  /** A new transfer of `tokens` tokens of KV; its latency passes before it joins the link's sharing. */
  start(
    link: Link,
    tokens: number,
    srcTp: number,
    dstTp: number,
    purpose: TransferPurpose,
    session: Session,
    worker: PrefillWorker,
    countBytes: boolean,
  ): { transfer: Transfer; latencyMs: number } {
    const totalMs = this.perf.kvTransferMs(tokens, link.spec, srcTp, dstTp);
    const latencyMs = Math.min(totalMs, link.spec.latencyUs / 1000);
    if (countBytes) this.bytesMoved[link.kind] += this.perf.kvBytes(tokens);
    const transfer = this.spare.pop() ?? ({} as Transfer);
    transfer.link = link;
    transfer.remainingMs = totalMs - latencyMs;
    transfer.purpose = purpose;
    transfer.session = session;
    transfer.worker = worker;
    return { transfer, latencyMs };
  }

  /** A transfer whose latency has passed starts sharing the link (advance the link to now first). */
  join(link: Link, t: Transfer): void {
    if (link.sharing === link.active.length) link.active.push(t);
    else link.active[link.sharing] = t;
    link.sharing++;
  }

  /** Progress every transfer on the link up to `now`. */
  advance(link: Link, now: number): void {
    const n = link.sharing;
    if (n > 0) {
      const active = link.active;
      const progress = (now - link.lastUpdate) / n;
      for (let i = 0; i < n; i++) active[i].remainingMs -= progress;
    }
    link.lastUpdate = now;
  }

  /** When the transfer closest to done finishes at the current sharing, or Infinity with none. */
  nextCompletion(link: Link, now: number): number {
    link.version += 1;
    const n = link.sharing;
    if (n === 0) return Infinity;
    const active = link.active;
    let min = Infinity;
    for (let i = 0; i < n; i++) if (active[i].remainingMs < min) min = active[i].remainingMs;
    return now + Math.max(0, min) * n;
  }

  /**
   * Moves the transfers finishing now from the link into `done` from index 0 and returns how many.
   * The check was scheduled for the transfer closest to done, so that one finishes even when
   * rounding at large clock values leaves a sliver (which would otherwise re-schedule itself at the
   * same instant forever).
   */
  takeFinished(link: Link, done: Transfer[]): number {
    const active = link.active;
    const n = link.sharing;
    let least = Infinity;
    for (let i = 0; i < n; i++) if (active[i].remainingMs < least) least = active[i].remainingMs;
    const finishing = Math.max(1e-9, least + 1e-9);
    let keep = 0;
    let finished = 0;
    for (let i = 0; i < n; i++) {
      const t = active[i];
      if (t.remainingMs <= finishing) {
        if (finished === done.length) done.push(t);
        else done[finished] = t;
        finished++;
      } else active[keep++] = t;
    }
    link.sharing = keep;
    return finished;
  }

  /** A finished transfer's record can be reused. */
  recycle(t: Transfer): void {
    this.spare.push(t);
  }

  private linkFor(decode: Placement, prefill: Placement): Link {
    const a = decode;
    const b = prefill;
    const cluster = this.cluster;
    const prefillPool = cluster.prefillPool ?? cluster;
    const decodePool = cluster.decodePool ?? cluster;
    let key: string;
    let spec: LinkSpec;
    let kind: LinkKind;
    if (a.cluster !== b.cluster && cluster.crossCluster) {
      key = 'x';
      spec = cluster.crossCluster;
      kind = 'crossCluster';
    } else if (a.cluster === b.cluster && a.node === b.node) {
      key = `n${a.cluster}${a.node}`;
      spec = (a.cluster === 'prefill' ? prefillPool : a.cluster === 'decode' ? decodePool : cluster).intraNode;
      kind = 'intraNode';
    } else {
      key = `i${decode.cluster}${decode.node}`;
      spec = (decode.cluster === 'decode' ? decodePool : cluster).interNode;
      kind = 'interNode';
    }
    let link = this.links.get(key);
    if (!link) {
      link = { spec, kind, active: [], sharing: 0, lastUpdate: 0, version: 0 };
      this.links.set(key, link);
    }
    return link;
  }
}
