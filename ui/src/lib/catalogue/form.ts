// The product editor's form model: what the user typed (strings), how it is checked
// while typing, and how it becomes the typed ProductInput sent to Rust. Rules of the
// catalogue (net quantities, unit prices, what publishing needs) stay in Rust: the
// editor asks `previewProduct` for them rather than re-implementing them here.
import type {
  Allergen,
  FoodInfo,
  Offer,
  Product,
  ProductInput,
  ProductKind,
  ProductStatus,
  StockPolicy,
  Unit,
  UnitPrice,
  VatRate,
} from "../bindings";
import { centsToInput, formatEuros, parseEuros } from "../money";
import { formatOptions, parseOptions } from "../options";

export interface VariantForm {
  id: number | null;
  sku: string;
  options: string;
  price: string;
  stock: string;
  ean: string;
  /** As on the label: « 75 cl », « 250 g », « 6 x 125 g ». */
  net_quantity: string;
  unit_price: UnitPrice | null;
}

export interface SessionForm {
  /** `YYYY-MM-DDTHH:MM`, what `<input type="datetime-local">` gives. */
  starts_at: string;
  places: string;
}

export interface FoodForm {
  ingredients: string;
  allergens: Allergen[];
  /** « Aucun allergène » ticked: a declared empty list, not a forgotten one. */
  no_allergens: boolean;
  storage: string;
  origin: string;
  producer: string;
  /** Comma-separated: « AOP, Agriculture Biologique ». */
  labels: string;
  /** « 5,5 » (% vol). */
  abv: string;
}

export interface ProductForm {
  id: number | null;
  name: string;
  description: string;
  category_id: number | null;
  status: ProductStatus;
  vat: VatRate;
  unit: Unit;
  packaging: string;
  kind: ProductKind;
  stock_policy: StockPolicy;
  lead_time_days: string;
  duration_hours: string;
  duration_minutes: string;
  sessions: SessionForm[];
  is_food: boolean;
  food: FoodForm;
  variants: VariantForm[];
}

export const VAT_RATES: VatRate[] = ["normal", "intermediate", "reduced", "super_reduced"];
export const UNITS: Unit[] = [
  "piece",
  "kg",
  "hundred_grams",
  "litre",
  "metre",
  "square_metre",
  "lot",
  "dozen",
];
export const STOCK_POLICIES: StockPolicy[] = ["counted", "unlimited", "made_to_order"];
/** The 14 allergens of Annex II of Regulation (EU) No 1169/2011, in the label's order. */
export const ALLERGENS: Allergen[] = [
  "gluten",
  "crustaceans",
  "eggs",
  "fish",
  "peanuts",
  "soy",
  "milk",
  "nuts",
  "celery",
  "mustard",
  "sesame",
  "sulphites",
  "lupin",
  "molluscs",
];
/** Packaging words shops use, offered as suggestions (any other word is welcome). */
export const PACKAGINGS = [
  "bouteille",
  "pot",
  "bocal",
  "sachet",
  "boîte",
  "barquette",
  "botte",
  "filet",
  "plateau",
  "part",
  "tranche",
  "flacon",
  "tube",
  "paquet",
  "sac",
  "rouleau",
  "paire",
  "coffret",
  "colis",
  "bidon",
  "séance",
];
/** Quality signs the marketplace shows (others may be typed). */
export const LABELS = ["AOP", "AOC", "IGP", "Label Rouge", "Agriculture Biologique", "STG"];

export function emptyVariant(): VariantForm {
  return {
    id: null,
    sku: "",
    options: "",
    price: "",
    stock: "0",
    ean: "",
    net_quantity: "",
    unit_price: null,
  };
}

export function emptyFood(): FoodForm {
  return {
    ingredients: "",
    allergens: [],
    no_allergens: false,
    storage: "",
    origin: "",
    producer: "",
    labels: "",
    abv: "",
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
    packaging: "",
    kind: "goods",
    stock_policy: "counted",
    lead_time_days: "",
    duration_hours: "",
    duration_minutes: "",
    sessions: [],
    is_food: false,
    food: emptyFood(),
    variants: [emptyVariant()],
  };
}

function foodForm(f: FoodInfo | null): FoodForm {
  if (!f) return emptyFood();
  const allergens = f.allergens ?? null;
  return {
    ingredients: f.ingredients ?? "",
    allergens: allergens ?? [],
    no_allergens: allergens !== null && allergens.length === 0,
    storage: f.storage ?? "",
    origin: f.origin ?? "",
    producer: f.producer ?? "",
    labels: (f.labels ?? []).join(", "),
    abv: f.abv_tenths === null || f.abv_tenths === undefined ? "" : tenthsToInput(f.abv_tenths),
  };
}

function tenthsToInput(t: number): string {
  return t % 10 === 0 ? String(t / 10) : `${Math.floor(t / 10)},${t % 10}`;
}

export function formFromProduct(p: Product): ProductForm {
  const o = p.offer;
  const d = o.duration_minutes;
  return {
    id: p.id,
    name: p.name,
    description: p.description,
    category_id: p.category_id,
    status: p.status,
    vat: p.vat,
    unit: p.unit,
    packaging: o.packaging ?? "",
    kind: o.kind,
    stock_policy: o.stock_policy,
    lead_time_days: o.lead_time_days === null ? "" : String(o.lead_time_days),
    duration_hours: d === null ? "" : String(Math.floor(d / 60)),
    duration_minutes: d === null ? "" : String(d % 60),
    sessions: o.sessions.map((s) => ({
      starts_at: s.starts_at,
      places: s.places === null ? "" : String(s.places),
    })),
    is_food: o.food !== null,
    food: foodForm(o.food),
    variants: p.variants.map((v) => ({
      id: v.id,
      sku: v.sku,
      options: formatOptions(v.options),
      price: centsToInput(v.price_cents),
      stock: String(v.stock),
      ean: v.ean ?? "",
      net_quantity: v.net_quantity ?? "",
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

/** « 5,5 » → 55 tenths of a % vol; null when unreadable. */
function parseTenths(s: string): number | null {
  const t = s
    .trim()
    .replace(/\s*%?\s*(vol\.?)?$/i, "")
    .replace(",", ".");
  if (!/^\d{1,3}(\.\d)?$/.test(t)) return null;
  const n = Math.round(Number(t) * 10);
  return n <= 1000 ? n : null;
}

/**
 * The offer part of the input, or the errors. Lenient where Rust decides (a service's
 * stock, a goods' duration): only what cannot be typed right is refused here.
 */
function toOffer(form: ProductForm, errors: FormErrors): Offer {
  let lead: number | null = null;
  if (form.stock_policy === "made_to_order" && form.lead_time_days.trim() !== "") {
    lead = parseInteger(form.lead_time_days, false);
    if (lead === null || lead < 1 || lead > 365) errors["offer.lead_time_days"] = "editor.lead_time_invalid";
  }
  let duration: number | null = null;
  if (form.kind === "service" && (form.duration_hours.trim() !== "" || form.duration_minutes.trim() !== "")) {
    const h = form.duration_hours.trim() === "" ? 0 : parseInteger(form.duration_hours, false);
    const m = form.duration_minutes.trim() === "" ? 0 : parseInteger(form.duration_minutes, false);
    if (h === null || m === null || m >= 60 || h * 60 + m === 0) {
      errors["offer.duration_minutes"] = "editor.duration_invalid";
    } else {
      duration = h * 60 + m;
    }
  }
  const sessions =
    form.kind === "service"
      ? form.sessions
          .filter((s) => s.starts_at.trim() !== "" || s.places.trim() !== "")
          .map((s, i) => {
            const places = s.places.trim() === "" ? null : parseInteger(s.places, false);
            if (s.places.trim() !== "" && (places === null || places === 0))
              errors[`offer.sessions.${i}.places`] = "editor.number_invalid";
            return { starts_at: s.starts_at.trim(), places };
          })
      : [];
  let food: FoodInfo | null = null;
  if (form.is_food) {
    const f = form.food;
    let abv: number | null = null;
    if (f.abv.trim() !== "") {
      abv = parseTenths(f.abv);
      if (abv === null) errors["offer.food.abv_tenths"] = "editor.abv_invalid";
    }
    if (f.no_allergens && f.allergens.length > 0)
      errors["offer.food.allergens"] = "editor.allergens_conflict";
    food = {
      ingredients: f.ingredients.trim(),
      // Nothing ticked and « aucun » not ticked: not filled in, which is not « none ».
      allergens: f.no_allergens
        ? []
        : f.allergens.length > 0
          ? ALLERGENS.filter((a) => f.allergens.includes(a))
          : null,
      storage: f.storage.trim(),
      origin: f.origin.trim(),
      producer: f.producer.trim(),
      labels: f.labels
        .split(/[,;]/)
        .map((l) => l.trim())
        .filter((l) => l !== ""),
      abv_tenths: abv,
    };
  }
  return {
    packaging: form.packaging.trim() === "" ? null : form.packaging.trim(),
    kind: form.kind,
    stock_policy: form.stock_policy,
    lead_time_days: lead,
    duration_minutes: duration,
    sessions,
    food,
  };
}

/**
 * The input as typed so far, for the live preview: unreadable numbers count as 0 and
 * nothing is refused (the preview shows what Rust makes of it).
 */
export function draftInput(form: ProductForm): ProductInput {
  const r = toInput(form);
  if ("input" in r) return r.input;
  return {
    id: form.id,
    name: form.name,
    description: form.description,
    category_id: form.category_id,
    status: form.status,
    vat: form.vat,
    unit: form.unit,
    offer: toOffer(form, {}),
    variants: form.variants.map((v) => {
      const price = parseEuros(v.price);
      return {
        id: v.id,
        sku: v.sku,
        options: [],
        price_cents: price.ok ? price.cents : 0,
        stock: 0,
        ean: null,
        net_quantity: v.net_quantity.trim() === "" ? null : v.net_quantity,
      };
    }),
  };
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
    const options = parseOptions(v.options);
    if (options === null) errors[k("options")] = "editor.options_invalid";
    return {
      id: v.id,
      sku: v.sku.trim(),
      options: options ?? [],
      price_cents: price.ok ? price.cents : 0,
      stock: stock ?? 0,
      ean: v.ean.trim() === "" ? null : v.ean.trim(),
      // Read and rewritten by Rust (« 75cl » → « 75 cl »), which words any error.
      net_quantity: v.net_quantity.trim() === "" ? null : v.net_quantity.trim(),
    };
  });
  const offer = toOffer(form, errors);
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
      offer,
      variants,
    },
  };
}

/** Rust names fields after ProductInput (`price_cents`); the form after its inputs. */
export function formFieldOf(rustField: string): string {
  return rustField.replace(/\.price_cents$/, ".price");
}

/** « 8,67 € / l ». */
export function unitPriceText(u: UnitPrice): string {
  const per = { kg: "kg", l: "l", m: "m", m2: "m²" }[u.per];
  return `${formatEuros(u.cents)} / ${per}`;
}
