/**
 * The simulator's event queue: a 4-ary min-heap ordered by time, then by insertion order, so that
 * simultaneous events run in a fixed order and a seed reproduces a run exactly.
 *
 * The heap holds each event's time and the slot its other fields live in (typed arrays beside one
 * array of object references), so pushing and popping allocate nothing once the arrays have grown
 * to the run's largest backlog, and a sift moves two numbers per level, not every field. The
 * popped event is read from `time`, `kind`, `item` and `arg` until the next pop.
 */
export class EventQueue<T> {
  /** By heap position: time and slot. */
  private times = new Float64Array(64);
  private slots = new Int32Array(64);
  /** By slot: insertion order, kind, argument, item; free slots form a stack. */
  private seqs = new Float64Array(64);
  private kinds = new Int32Array(64);
  private args = new Int32Array(64);
  private items: (T | undefined)[] = new Array(64);
  private free = new Int32Array(64);
  private freeCount = 64;
  private count = 0;

  /** The popped event. */
  time = 0;
  kind = 0;
  arg = 0;
  item: T | undefined = undefined;

  /**
   * @param order Where insertion order is counted: queues that share it pop, merged by `precedes`,
   * in exactly the order one queue holding all their events would.
   */
  constructor(private readonly order: { next: number } = { next: 0 }) {
    for (let k = 0; k < 64; k++) this.free[k] = 63 - k;
  }

  get size(): number {
    return this.count;
  }

  /** Whether this queue's earliest event comes before `other`'s (both non-empty, sharing their order). */
  precedes(other: EventQueue<unknown>): boolean {
    const t = this.times[0];
    const u = other.times[0];
    return t < u || (t === u && this.seqs[this.slots[0]] < other.seqs[other.slots[0]]);
  }

  push(time: number, kind: number, item: T, arg = 0): void {
    if (this.freeCount === 0) this.grow();
    const slot = this.free[--this.freeCount];
    const seq = this.order.next++;
    const { times, slots, seqs } = this;
    seqs[slot] = seq;
    this.kinds[slot] = kind;
    this.args[slot] = arg;
    this.items[slot] = item;
    let i = this.count++;
    while (i > 0) {
      const parent = (i - 1) >> 2;
      const pt = times[parent];
      if (pt < time || (pt === time && seqs[slots[parent]] < seq)) break;
      times[i] = pt;
      slots[i] = slots[parent];
      i = parent;
    }
    times[i] = time;
    slots[i] = slot;
  }

  /** Removes the earliest event into `time`/`kind`/`item`/`arg`; false when the queue is empty. */
  pop(): boolean {
    const n = this.count;
    if (n === 0) return false;
    const { times, slots, seqs } = this;
    const top = slots[0];
    this.time = times[0];
    this.kind = this.kinds[top];
    this.arg = this.args[top];
    this.item = this.items[top];
    this.items[top] = undefined;
    this.free[this.freeCount++] = top;
    const size = n - 1;
    this.count = size;
    if (size > 0) {
      const lt = times[size];
      const lslot = slots[size];
      const ls = seqs[lslot];
      let i = 0;
      for (;;) {
        const first = 4 * i + 1;
        if (first >= size) break;
        // The earliest of up to four children.
        let c = first;
        let ct = times[first];
        const last = first + 4 < size ? first + 4 : size;
        for (let k = first + 1; k < last; k++) {
          const kt = times[k];
          if (kt < ct || (kt === ct && seqs[slots[k]] < seqs[slots[c]])) {
            c = k;
            ct = kt;
          }
        }
        if (lt < ct || (lt === ct && ls < seqs[slots[c]])) break;
        times[i] = ct;
        slots[i] = slots[c];
        i = c;
      }
      times[i] = lt;
      slots[i] = lslot;
    }
    return true;
  }

  private grow(): void {
    const old = this.times.length;
    const capacity = old * 2;
    const widen = <A extends Float64Array | Int32Array>(a: A, make: (n: number) => A): A => {
      const b = make(capacity);
      b.set(a);
      return b;
    };
    this.times = widen(this.times, (n) => new Float64Array(n));
    this.slots = widen(this.slots, (n) => new Int32Array(n));
    this.seqs = widen(this.seqs, (n) => new Float64Array(n));
    this.kinds = widen(this.kinds, (n) => new Int32Array(n));
    this.args = widen(this.args, (n) => new Int32Array(n));
    this.items.length = capacity;
    // Every slot is in use when the queue grows: the new ones are the free ones.
    this.free = new Int32Array(capacity);
    for (let k = 0; k < old; k++) this.free[k] = capacity - 1 - k;
    this.freeCount = old;
  }
}
