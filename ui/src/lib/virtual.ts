// Windowing for long lists: only the rows on screen (plus a margin) exist in the DOM,
// so 50,000 products scroll as smoothly as 50.

export interface Range {
  start: number;
  end: number; // exclusive
}

export function visibleRange(
  scrollTop: number,
  viewportHeight: number,
  rowHeight: number,
  total: number,
  overscan = 8,
): Range {
  if (total <= 0 || rowHeight <= 0) return { start: 0, end: 0 };
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const count = Math.ceil(Math.max(0, viewportHeight) / rowHeight) + 1;
  const start = Math.max(0, Math.min(total - 1, first) - overscan);
  const end = Math.min(total, first + count + overscan);
  return { start, end };
}

/** The scrollTop that brings row `index` into view, or null when it already is. */
export function scrollToReveal(
  index: number,
  scrollTop: number,
  viewportHeight: number,
  rowHeight: number,
): number | null {
  const top = index * rowHeight;
  if (top < scrollTop) return top;
  if (top + rowHeight > scrollTop + viewportHeight) return top + rowHeight - viewportHeight;
  return null;
}

/**
 * Rows fetched page by page on demand, keyed by absolute index. A new query bumps
 * the generation so that answers to an outdated query are dropped.
 */
export class PagedRows<T> {
  private pages = new Map<number, T[]>();
  private loading = new Set<number>();
  private generation = 0;
  total = 0;

  constructor(
    private readonly fetchPage: (offset: number, limit: number) => Promise<{ total: number; items: T[] }>,
    private readonly onChange: () => void,
    readonly pageSize = 100,
  ) {}

  /** Forgets everything (new search or filter) and loads the first page. */
  async reset(): Promise<void> {
    this.generation += 1;
    this.pages.clear();
    this.loading.clear();
    await this.load(0, this.generation);
  }

  get(index: number): T | undefined {
    return this.pages.get(Math.floor(index / this.pageSize))?.[index % this.pageSize];
  }

  /** Makes sure the rows in [start, end) are loaded or on their way. */
  ensure(range: Range): Promise<void[]> {
    const pending: Promise<void>[] = [];
    if (range.end <= range.start) return Promise.all(pending);
    const firstPage = Math.floor(range.start / this.pageSize);
    const lastPage = Math.floor((range.end - 1) / this.pageSize);
    for (let p = firstPage; p <= lastPage; p++) {
      if (!this.pages.has(p) && !this.loading.has(p)) pending.push(this.load(p, this.generation));
    }
    return Promise.all(pending);
  }

  private async load(page: number, generation: number): Promise<void> {
    this.loading.add(page);
    try {
      const res = await this.fetchPage(page * this.pageSize, this.pageSize);
      if (generation !== this.generation) return;
      this.total = res.total;
      this.pages.set(page, res.items);
      this.onChange();
    } finally {
      if (generation === this.generation) this.loading.delete(page);
    }
  }
}
