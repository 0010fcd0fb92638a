// The product editor's form model: what the user typed (strings), how it is checked
// while typing, and how it becomes the typed ProductInput sent to Rust.
import type { Product, ProductInput, ProductStatus, Unit, UnitPrice, VatRate } from "../bindings";
import { centsToInput, parseEuros } from "../money";
import { formatOptions, parseOptions } from "../options";

export interface VariantForm {
  id: number | null;
  sku: string;
  options: string;
  price: string;
  stock: string;
  ean: string;
  weight: string;
  volume: string;
  unit_price: UnitPrice | null;
}

export interface ProductForm {
  id: number | null;
  name: string;
  description: string;
  category_id: number | null;
  status: ProductStatus;
  vat: VatRate;
  unit: Unit;
  variants: VariantForm[];
}

export const VAT_RATES: VatRate[] = ["normal", "intermediate", "reduced", "super_reduced"];
export const UNITS: Unit[] = ["piece", "kg", "hundred_grams", "litre", "lot", "dozen"];

export function emptyVariant(): VariantForm {
  return {
    id: null,
    sku: "",
    options: "",
    price: "",
    stock: "0",
    ean: "",
    weight: "",
    volume: "",
    unit_price: null,
  };
}

export function emptyForm(category_id: number | null = null): ProductForm {
  return {
    id: null,
    name: "",
    description: "",
    category_id,
    status: "draft",
    // Most of what these shops sell is food at 5,5 %.
    vat: "reduced",
    unit: "piece",
    variants: [emptyVariant()],
  };
}

export function formFromProduct(p: Product): ProductForm {
  return {
    id: p.id,
    name: p.name,
    description: p.description,
    category_id: p.category_id,
    status: p.status,
    vat: p.vat,
    unit: p.unit,
    variants: p.variants.map((v) => ({
      id: v.id,
      sku: v.sku,
      options: formatOptions(v.options),
      price: centsToInput(v.price_cents),
      stock: String(v.stock),
      ean: v.ean ?? "",
      weight: v.weight_g === null ? "" : String(v.weight_g),
      volume: v.volume_ml === null ? "" : String(v.volume_ml),
      unit_price: v.unit_price,
    })),
  };
}

/** Message keys (i18n) per field path, e.g. `variants.0.price` → `money.invalid`. */
export type FormErrors = Record<string, string>;

function parseInteger(s: string, allowNegative: boolean): number | null {
  const t = s.trim().replace(/[\s\u00a0\u202f]/g, "");
  if (!(allowNegative ? /^-?\d+$/ : /^\d+$/).test(t)) return null;
  const n = Number(t);
  return Number.isSafeInteger(n) ? n : null;
}

/** Checks the form; returns the input for Rust, or the errors to show. */
export function toInput(form: ProductForm): { input: ProductInput } | { errors: FormErrors } {
  const errors: FormErrors = {};
  if (form.name.trim() === "") errors["name"] = "editor.required";
  const variants = form.variants.map((v, i) => {
    const k = (f: string) => `variants.${i}.${f}`;
    if (v.sku.trim() === "") errors[k("sku")] = "editor.required";
    const price = parseEuros(v.price);
    if (!price.ok) errors[k("price")] = `money.${price.error}`;
    const stock = v.stock.trim() === "" ? 0 : parseInteger(v.stock, true);
    if (stock === null) errors[k("stock")] = "editor.number_invalid";
    const weight = v.weight.trim() === "" ? null : parseInteger(v.weight, false);
    if (v.weight.trim() !== "" && (weight === null || weight === 0))
      errors[k("weight")] = "editor.number_invalid";
    const volume = v.volume.trim() === "" ? null : parseInteger(v.volume, false);
    if (v.volume.trim() !== "" && (volume === null || volume === 0))
      errors[k("volume")] = "editor.number_invalid";
    const options = parseOptions(v.options);
    if (options === null) errors[k("options")] = "editor.options_invalid";
    return {
      id: v.id,
      sku: v.sku.trim(),
      options: options ?? [],
      price_cents: price.ok ? price.cents : 0,
      stock: stock ?? 0,
      ean: v.ean.trim() === "" ? null : v.ean.trim(),
      weight_g: weight,
      volume_ml: volume,
    };
  });
  if (Object.keys(errors).length > 0) return { errors };
  return {
    input: {
      id: form.id,
      name: form.name.trim(),
      description: form.description.trim(),
      category_id: form.category_id,
      status: form.status,
      vat: form.vat,
      unit: form.unit,
      variants,
    },
  };
}

/** Rust names fields after ProductInput (`price_cents`); the form after its inputs. */
export function formFieldOf(rustField: string): string {
  return rustField
    .replace(/\.price_cents$/, ".price")
    .replace(/\.weight_g$/, ".weight")
    .replace(/\.volume_ml$/, ".volume");
}
