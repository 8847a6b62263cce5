interface Entry<T> {
  time: number;
  seq: number;
  item: T;
}

/**
 * A binary min-heap of events ordered by time, then by insertion order, so simultaneous events run
 * in a fixed order and a seed reproduces a run exactly. Sifting moves one held entry instead of
 * swapping pairs: this is the simulator's hottest loop.
 */
export class EventQueue<T> {
  private heap: Entry<T>[] = [];
  private counter = 0;

  get size(): number {
    return this.heap.length;
  }

  push(time: number, item: T): void {
    const heap = this.heap;
    const entry: Entry<T> = { time, seq: this.counter++, item };
    let i = heap.length;
    heap.push(entry);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent];
      if (p.time < time || (p.time === time && p.seq < entry.seq)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = entry;
  }

  peekTime(): number {
    return this.heap.length > 0 ? this.heap[0].time : Infinity;
  }

  pop(): { time: number; item: T } | undefined {
    const heap = this.heap;
    const n = heap.length;
    if (n === 0) return undefined;
    const top = heap[0];
    const last = heap.pop() as Entry<T>;
    const size = n - 1;
    if (size > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= size) break;
        const r = l + 1;
        let c = l;
        if (r < size && (heap[r].time < heap[l].time || (heap[r].time === heap[l].time && heap[r].seq < heap[l].seq))) c = r;
        const child = heap[c];
        if (last.time < child.time || (last.time === child.time && last.seq < child.seq)) break;
        heap[i] = child;
        i = c;
      }
      heap[i] = last;
    }
    return top;
  }
}
