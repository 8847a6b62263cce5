/**
 * A binary min-heap of events ordered by time, then by insertion order, so simultaneous events run
 * in a fixed order and a seed reproduces a run exactly.
 */
export class EventQueue<T> {
  private times: number[] = [];
  private seqs: number[] = [];
  private items: T[] = [];
  private counter = 0;

  get size(): number {
    return this.items.length;
  }

  push(time: number, item: T): void {
    const seq = this.counter++;
    const { times, seqs, items } = this;
    // Sift a hole up instead of swapping: no temporaries on the hot path.
    let i = items.length;
    times.push(time);
    seqs.push(seq);
    items.push(item);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pt = times[parent];
      if (pt < time || (pt === time && seqs[parent] < seq)) break;
      times[i] = pt;
      seqs[i] = seqs[parent];
      items[i] = items[parent];
      i = parent;
    }
    times[i] = time;
    seqs[i] = seq;
    items[i] = item;
  }

  peekTime(): number {
    return this.items.length > 0 ? this.times[0] : Infinity;
  }

  pop(): { time: number; item: T } | undefined {
    const { times, seqs, items } = this;
    const n = items.length;
    if (n === 0) return undefined;
    const top = { time: times[0], item: items[0] };
    const time = times.pop() as number;
    const seq = seqs.pop() as number;
    const item = items.pop() as T;
    const size = n - 1;
    if (size > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= size) break;
        const r = l + 1;
        let m = l;
        if (r < size && (times[r] < times[l] || (times[r] === times[l] && seqs[r] < seqs[l]))) m = r;
        const mt = times[m];
        if (time < mt || (time === mt && seq < seqs[m])) break;
        times[i] = mt;
        seqs[i] = seqs[m];
        items[i] = items[m];
        i = m;
      }
      times[i] = time;
      seqs[i] = seq;
      items[i] = item;
    }
    return top;
  }
}
