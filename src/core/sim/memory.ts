import type { Session } from './session';
import type { DecodeWorker } from './workers';

/*
 * KV memory of decode workers. A session keeps its KV on its decode worker between rounds; when a
 * round needs room, the KV of idle sessions is evicted, least recently used first, and an evicted
 * session recomputes its history in its next round. Idle sessions sit in a doubly linked list per
 * worker in the order they went idle, so an eviction walks only the sessions it evicts: a memory
 * shortage costs no sort and no copy of the worker's sessions.
 */

/** The session went idle with its KV resident: it joins the tail of the eviction order. */
export function markIdle(d: DecodeWorker, s: Session): void {
  if (s.idleListed) unmarkIdle(d, s);
  s.idleListed = true;
  s.idlePrev = d.idleTail;
  s.idleNext = null;
  if (d.idleTail) d.idleTail.idleNext = s;
  else d.idleHead = s;
  d.idleTail = s;
}

/** The session is busy again (or gone): it leaves the eviction order. */
export function unmarkIdle(d: DecodeWorker, s: Session): void {
  if (!s.idleListed) return;
  if (s.idlePrev) s.idlePrev.idleNext = s.idleNext;
  else d.idleHead = s.idleNext;
  if (s.idleNext) s.idleNext.idlePrev = s.idlePrev;
  else d.idleTail = s.idlePrev;
  s.idlePrev = s.idleNext = null;
  s.idleListed = false;
}

/**
 * Evicts idle sessions' KV, least recently idle first, until `needed` tokens are free or none is
 * left to evict; returns how many were evicted. A session pinned past `now` (continuum's TTL) is
 * kept, and so is every later one: pins are given for the same time on going idle, so they expire
 * in list order.
 */
export function evictFor(d: DecodeWorker, needed: number, now: number): number {
  let evicted = 0;
  while (d.freeTokens < needed) {
    const s = d.idleHead;
    if (!s || s.pinnedUntil > now) break;
    unmarkIdle(d, s);
    if (s.heldTokens <= 0) continue;
    d.usedTokens -= s.heldTokens;
    s.heldTokens = 0;
    s.resident = false;
    evicted += 1;
  }
  return evicted;
}

/** Reserves `tokens` of KV for the session on its worker. */
export function reserve(d: DecodeWorker, s: Session, tokens: number): void {
  d.usedTokens += tokens;
  s.heldTokens += tokens;
  s.resident = true;
}

/** Frees everything the session holds (it finished or failed). */
export function release(d: DecodeWorker, s: Session): void {
  unmarkIdle(d, s);
  d.usedTokens -= s.heldTokens;
  s.heldTokens = 0;
}
