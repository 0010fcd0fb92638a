import { describe, expect, it } from "vitest";
import { PagedRows, scrollToReveal, visibleRange } from "./virtual";

describe("visibleRange", () => {
  it("covers the viewport plus overscan", () => {
    expect(visibleRange(0, 400, 40, 50_000, 5)).toEqual({ start: 0, end: 16 });
    expect(visibleRange(40 * 1000, 400, 40, 50_000, 5)).toEqual({ start: 995, end: 1016 });
  });
  it("stays inside the list", () => {
    expect(visibleRange(40 * 49_999, 400, 40, 50_000, 5)).toEqual({ start: 49_994, end: 50_000 });
    expect(visibleRange(0, 400, 40, 0)).toEqual({ start: 0, end: 0 });
    expect(visibleRange(-50, 400, 40, 3, 5)).toEqual({ start: 0, end: 3 });
  });
});

describe("scrollToReveal", () => {
  it("scrolls only when the row is out of view", () => {
    expect(scrollToReveal(5, 0, 400, 40)).toBeNull();
    expect(scrollToReveal(20, 0, 400, 40)).toBe(440);
    expect(scrollToReveal(2, 400, 400, 40)).toBe(80);
  });
});

describe("PagedRows", () => {
  const rows = Array.from({ length: 1234 }, (_, i) => `produit ${i}`);
  function source(calls: number[]) {
    return async (offset: number, limit: number) => {
      calls.push(offset);
      return { total: rows.length, items: rows.slice(offset, offset + limit) };
    };
  }

  it("loads only the pages a range needs, once", async () => {
    const calls: number[] = [];
    const paged = new PagedRows(source(calls), () => {}, 100);
    await paged.reset();
    expect(paged.total).toBe(1234);
    expect(paged.get(99)).toBe("produit 99");
    expect(paged.get(100)).toBeUndefined();
    await paged.ensure({ start: 950, end: 1010 });
    await paged.ensure({ start: 950, end: 1010 });
    expect(calls).toEqual([0, 900, 1000]);
    expect(paged.get(1005)).toBe("produit 1005");
  });

  it("drops answers to an outdated query", async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    let slow = true;
    const paged = new PagedRows(
      async (offset: number, limit: number) => {
        const outdated = slow;
        if (outdated) await gate;
        return {
          total: outdated ? 999 : 2,
          items: (outdated ? ["ancien"] : ["a", "b"]).slice(offset, offset + limit),
        };
      },
      () => {},
    );
    const first = paged.reset();
    slow = false;
    await paged.reset();
    release();
    await first;
    expect(paged.total).toBe(2);
    expect(paged.get(0)).toBe("a");
  });
});
