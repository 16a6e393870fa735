/** What the heap orders: an absolute deadline, and the entry's own place in the heap. */
export interface HeapEntry {
  readonly expiresAt: number;
  heapIndex: number;
}

/**
 * A binary min-heap of entries by deadline. Each entry knows its index, so removing one that was
 * consumed or replaced is O(log n) and the heap holds exactly the live entries: memory stays
 * bounded by the store's budgets however many logins come and go.
 */
export class ExpiryHeap<Entry extends HeapEntry> {
  readonly #items: Entry[] = [];

  get size(): number {
    return this.#items.length;
  }

  peek(): Entry | undefined {
    return this.#items[0];
  }

  push(entry: Entry): void {
    entry.heapIndex = this.#items.length;
    this.#items.push(entry);
    this.#up(entry.heapIndex);
  }

  remove(entry: Entry): void {
    const index = entry.heapIndex;
    if (this.#items[index] !== entry) return;
    const last = this.#items.pop();
    entry.heapIndex = -1;
    if (last === undefined || last === entry) return;
    this.#place(last, index);
    this.#down(index);
    this.#up(last.heapIndex);
  }

  clear(): void {
    for (const entry of this.#items) entry.heapIndex = -1;
    this.#items.length = 0;
  }

  #place(entry: Entry, index: number): void {
    this.#items[index] = entry;
    entry.heapIndex = index;
  }

  #up(index: number): void {
    const entry = this.#items[index];
    if (entry === undefined) return;
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = this.#items[parentIndex];
      if (parent === undefined || parent.expiresAt <= entry.expiresAt) break;
      this.#place(parent, index);
      index = parentIndex;
    }
    this.#place(entry, index);
  }

  #down(index: number): void {
    const entry = this.#items[index];
    if (entry === undefined) return;
    for (;;) {
      const left = this.#items[2 * index + 1];
      const right = this.#items[2 * index + 2];
      const child =
        right !== undefined && left !== undefined && right.expiresAt < left.expiresAt ? right : left;
      if (child === undefined || child.expiresAt >= entry.expiresAt) break;
      const childIndex = child.heapIndex;
      this.#place(child, index);
      index = childIndex;
    }
    this.#place(entry, index);
  }
}
