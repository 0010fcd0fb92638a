import { beforeEach, describe, expect, it, vi } from "vitest";
import type { ProductPage } from "../bindings";
import { dropFirstPage, FIRST_PAGE, prefetchFirstPage, takeFirstPage } from "./firstPage";

const mocks = vi.hoisted(() => ({ listProducts: vi.fn() }));
vi.mock("../api", () => ({ api: { listProducts: mocks.listProducts } }));

const page: ProductPage = { total: 50000, offset: 0, items: [] };

describe("the catalogue's first page, asked for at start", () => {
  beforeEach(() => {
    mocks.listProducts.mockReset();
    mocks.listProducts.mockResolvedValue(page);
  });

  it("is asked once, and taken once by the same filter", async () => {
    prefetchFirstPage();
    expect(mocks.listProducts).toHaveBeenCalledExactlyOnceWith(FIRST_PAGE);
    const taken = takeFirstPage({ ...FIRST_PAGE });
    expect(taken).not.toBeNull();
    expect(await taken).toBe(page);
    // A later showing asks the database itself: the early answer may be stale by then.
    expect(takeFirstPage({ ...FIRST_PAGE })).toBeNull();
  });

  it("is dropped when the first ask is another one (a search, a category, a far page)", () => {
    for (const other of [
      { ...FIRST_PAGE, search: "pâté" },
      { ...FIRST_PAGE, category_id: 3 },
      { ...FIRST_PAGE, offset: 100 },
      { ...FIRST_PAGE, limit: 50 },
    ]) {
      prefetchFirstPage();
      expect(takeFirstPage(other)).toBeNull();
      expect(takeFirstPage({ ...FIRST_PAGE })).toBeNull();
    }
  });

  it("is dropped when the welcome screen comes first", () => {
    prefetchFirstPage();
    dropFirstPage();
    expect(takeFirstPage({ ...FIRST_PAGE })).toBeNull();
  });

  it("keeps a failure for the catalogue, without an unhandled rejection", async () => {
    mocks.listProducts.mockRejectedValue(new Error("base verrouillée"));
    prefetchFirstPage();
    await new Promise((r) => setTimeout(r, 0));
    await expect(takeFirstPage({ ...FIRST_PAGE })).rejects.toThrow("base verrouillée");
  });
});
