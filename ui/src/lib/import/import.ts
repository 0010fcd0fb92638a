// Pure helpers of the import screen (tested without a window).
import type {
  CategoryChoice,
  Counts,
  Field,
  FilePreview,
  ImportMode,
  ImportSettings,
  RowAction,
  RowOutcome,
  VatRate,
} from "../bindings";

/** Every field a column can fill, in the order the mapping menu lists them. */
export const FIELDS: Field[] = [
  "sku",
  "name",
  "price_ttc",
  "price_ht",
  "vat",
  "stock",
  "category",
  "subcategory",
  "ean",
  "description",
  "unit",
  "packaging",
  "weight",
  "volume",
  "kind",
  "duration",
  "sessions",
  "stock_policy",
  "lead_time",
  "ingredients",
  "allergens",
  "storage",
  "origin",
  "producer",
  "labels",
  "abv",
  "promo_price",
  "discount",
  "promo_start",
  "promo_end",
  "size",
  "color",
  "options",
  "photo",
  "status",
  "group",
];

/**
 * The settings sent to Rust. A field can fill one column only: when the shopkeeper
 * picks a field already used elsewhere, the earlier column is the one kept (Rust
 * reads the first), so the menu shows what will really happen.
 */
export function settingsOf(
  preview: FilePreview,
  columns: (Field | null)[],
  mode: ImportMode,
  defaultVat: VatRate,
  categoryChoice: Record<string, number | null | "create">,
  quantitiesFromNames = false,
): ImportSettings {
  const category_map: CategoryChoice[] = Object.entries(categoryChoice)
    .filter(([, v]) => v !== "create")
    .map(([name, v]) => ({ name, category_id: v as number | null }));
  return {
    mapping: { header_row: preview.mapping.header_row, columns: columns.slice() },
    options: { mode, default_vat: defaultVat, category_map, quantities_from_names: quantitiesFromNames },
  };
}

/**
 * The rows the diff table shows for a filter, capped (the DOM stays small). Rust sends
 * the first rows of each action only (a large file would be a diff per row nobody
 * reads), so what is left out is counted from `counts`, which has every row.
 */
export function visibleRows(
  rows: RowOutcome[],
  counts: Counts,
  filter: RowAction | "all",
  cap: number,
): { rows: RowOutcome[]; more: number } {
  const all = filter === "all" ? rows : rows.filter((r) => r.action === filter);
  const total =
    filter === "all" ? counts.create + counts.update + counts.unchanged + counts.rejected : counts[filter];
  const shown = all.slice(0, cap);
  return { rows: shown, more: Math.max(0, total - shown.length) };
}

/** `stock.2026.xlsx` → `stock.2026`, for the names proposed by "Enregistrer sous". */
export function baseName(file: string): string {
  const i = file.lastIndexOf(".");
  return i > 0 ? file.slice(0, i) : file;
}
