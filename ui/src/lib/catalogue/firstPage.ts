// The catalogue's first page, asked for as the script starts (issue 17: first rows
// under 0.5 s): the window needs the shop's state before it shows the catalogue, and
// asking for the page only then made two round trips to the database one after the
// other. Now both are on their way at once, and the catalogue takes the page if it is
// what it wants: the full list from the top, on the start's first showing.
import { api } from "../api";
import type { ProductFilter, ProductPage } from "../bindings";

export const FIRST_PAGE: ProductFilter = { search: null, category_id: null, offset: 0, limit: 100 };

let early: Promise<ProductPage> | null = null;

/** Asks for the first page now; an answer nobody takes is dropped. */
export function prefetchFirstPage(): void {
  early = api.listProducts(FIRST_PAGE);
  // A failure is the catalogue's to report, when (if) it asks again itself.
  early.catch(() => {});
}

/**
 * The prefetched page, once, if `filter` is the one asked for; otherwise null (and the
 * page is dropped: it was asked before anything changed, so it is used at the start's
 * first showing or never).
 */
export function takeFirstPage(filter: ProductFilter): Promise<ProductPage> | null {
  const p = early;
  early = null;
  if (!p) return null;
  const same =
    filter.search === FIRST_PAGE.search &&
    filter.category_id === FIRST_PAGE.category_id &&
    filter.offset === FIRST_PAGE.offset &&
    filter.limit === FIRST_PAGE.limit;
  return same ? p : null;
}

/** The start shows something else first (the welcome screen): the page would be stale. */
export function dropFirstPage(): void {
  early = null;
}
