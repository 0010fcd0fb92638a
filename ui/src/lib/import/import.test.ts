import { describe, expect, it } from "vitest";
import type { FilePreview, RowOutcome } from "../bindings";
import { FIELDS, baseName, settingsOf, visibleRows } from "./import";

const preview = {
  mapping: { header_row: 3, columns: ["sku", "name", null] },
} as unknown as FilePreview;

describe("import screen helpers", () => {
  it("lists every field once", () => {
    expect(new Set(FIELDS).size).toBe(FIELDS.length);
    expect(FIELDS).toContain("price_ht");
  });

  it("builds settings with the header row, the edited columns and the category choices", () => {
    const s = settingsOf(preview, ["sku", "name", "price_ttc"], "stock", "reduced", {
      Fromages: 4,
      "Épicerie › Miel": "create",
      Divers: null,
    });
    expect(s.mapping).toEqual({ header_row: 3, columns: ["sku", "name", "price_ttc"] });
    expect(s.options.mode).toBe("stock");
    expect(s.options.default_vat).toBe("reduced");
    expect(s.options.quantities_from_names).toBe(false);
    expect(s.options.category_map).toEqual([
      { name: "Fromages", category_id: 4 },
      { name: "Divers", category_id: null },
    ]);
  });

  it("filters and caps the diff rows", () => {
    const rows = Array.from({ length: 10 }, (_, i) => ({
      row: i + 2,
      key: `R${i}`,
      name: null,
      action: i % 2 ? "update" : "rejected",
      changes: [],
      note: null,
      notes: [],
    })) as RowOutcome[];
    const counts = { create: 0, update: 5, unchanged: 0, rejected: 5 };
    expect(visibleRows(rows, counts, "all", 4)).toMatchObject({ more: 6 });
    const rej = visibleRows(rows, counts, "rejected", 3);
    expect(rej.rows.map((r) => r.row)).toEqual([2, 4, 6]);
    expect(rej.more).toBe(2);
  });

  it("counts the rows Rust left out of a large file", () => {
    const rows = [
      { row: 2, key: "A", name: null, action: "create", changes: [], note: null, notes: [] },
    ] as RowOutcome[];
    const counts = { create: 100_000, update: 0, unchanged: 0, rejected: 0 };
    expect(visibleRows(rows, counts, "create", 300)).toMatchObject({ more: 99_999 });
    expect(visibleRows(rows, counts, "update", 300)).toMatchObject({ rows: [], more: 0 });
  });

  it("proposes file names without the extension", () => {
    expect(baseName("stock.2026.xlsx")).toBe("stock.2026");
    expect(baseName("stock")).toBe("stock");
  });
});
