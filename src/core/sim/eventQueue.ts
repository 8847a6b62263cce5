/**
 * The simulator's event queue: a binary min-heap ordered by time, then by insertion order, so that
 * simultaneous events run in a fixed order and a seed reproduces a run exactly.
 *
 * Events are stored column-wise in typed arrays (time, sequence, kind, an integer argument) beside
 * one array of object references, so pushing and popping allocate nothing once the arrays have
 * grown to the run's largest backlog: the event objects of a naive heap were most of the
 * garbage-collection work of a simulation. The popped event is read from `time`, `kind`, `item`
 * and `arg` until the next pop.
 */
export class EventQueue<T> {
  private times = new Float64Array(64);
  private seqs = new Float64Array(64);
  private kinds = new Int32Array(64);
  private args = new Int32Array(64);
  private items: (T | undefined)[] = new Array(64);
  private count = 0;
  private counter = 0;

  /** The popped event. */
  time = 0;
  kind = 0;
  arg = 0;
  item: T | undefined = undefined;

  get size(): number {
    return this.count;
  }

  push(time: number, kind: number, item: T, arg = 0): void {
    if (this.count === this.times.length) this.grow();
    const seq = this.counter++;
    const { times, seqs, kinds, args, items } = this;
    let i = this.count++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pt = times[parent];
      if (pt < time || (pt === time && seqs[parent] < seq)) break;
      times[i] = pt;
      seqs[i] = seqs[parent];
      kinds[i] = kinds[parent];
      args[i] = args[parent];
      items[i] = items[parent];
      i = parent;
    }
    times[i] = time;
    seqs[i] = seq;
    kinds[i] = kind;
    args[i] = arg;
    items[i] = item;
  }

  /** Removes the earliest event into `time`/`kind`/`item`/`arg`; false when the queue is empty. */
  pop(): boolean {
    const n = this.count;
    if (n === 0) return false;
    const { times, seqs, kinds, args, items } = this;
    this.time = times[0];
    this.kind = kinds[0];
    this.arg = args[0];
    this.item = items[0];
    const size = n - 1;
    this.count = size;
    if (size > 0) {
      const lt = times[size];
      const ls = seqs[size];
      const lk = kinds[size];
      const la = args[size];
      const li = items[size];
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= size) break;
        const r = l + 1;
        let c = l;
        if (r < size && (times[r] < times[l] || (times[r] === times[l] && seqs[r] < seqs[l]))) c = r;
        const ct = times[c];
        if (lt < ct || (lt === ct && ls < seqs[c])) break;
        times[i] = ct;
        seqs[i] = seqs[c];
        kinds[i] = kinds[c];
        args[i] = args[c];
        items[i] = items[c];
        i = c;
      }
      times[i] = lt;
      seqs[i] = ls;
      kinds[i] = lk;
      args[i] = la;
      items[i] = li;
    }
    items[size] = undefined;
    return true;
  }

  private grow(): void {
    const capacity = this.times.length * 2;
    const widen = <A extends Float64Array | Int32Array>(a: A, make: (n: number) => A): A => {
      const b = make(capacity);
      b.set(a);
      return b;
    };
    this.times = widen(this.times, (n) => new Float64Array(n));
    this.seqs = widen(this.seqs, (n) => new Float64Array(n));
    this.kinds = widen(this.kinds, (n) => new Int32Array(n));
    this.args = widen(this.args, (n) => new Int32Array(n));
    this.items.length = capacity;
  }
}
