// Pure helpers of the promotions screens: the form as typed → the request Rust checks
// (comptoir-core's promotions module decides everything else: reference prices,
// overlaps, what is refused and why), dates in Paris time, grouping for display.
import type {
  CampaignChoice,
  CampaignView,
  Discount,
  PromotionEdit,
  PromotionRequest,
  PromotionState,
  PromotionTarget,
  PromotionView,
  ReferenceRule,
} from "../bindings";
import { frToIso } from "../dates/dates";
import { centsToInput, parseEuros } from "../money";

/** What a promotion is, as the form holds it: discount, period, limit. */
export interface Terms {
  kind: "percent" | "price";
  percent: string;
  price: string;
  /** "yyyy-mm-dd" (DateField) and an optional "hh:mm". */
  fromDay: string;
  fromTime: string;
  toDay: string;
  toTime: string;
  limit: string;
  perishable: boolean;
}

export type TargetMode = "skus" | "products" | "category";

/** The « Nouvelle promotion » form. `campaign`: "none", "new", "own:<id>" or "market:<id>". */
export interface PromotionForm extends Terms {
  mode: TargetMode;
  skus: string;
  productIds: number[];
  categoryId: number | null;
  campaign: string;
  campaignName: string;
}

/** Client-side problems, as i18n keys by the field names Rust uses. */
export type KeyErrors = Record<string, string>;

export function emptyTerms(now: Date): Terms {
  return {
    kind: "percent",
    percent: "",
    price: "",
    fromDay: parisNow(now).day,
    fromTime: "",
    toDay: "",
    toTime: "",
    limit: "",
    perishable: false,
  };
}

export function emptyForm(now: Date, target: PromotionTarget | null = null): PromotionForm {
  return {
    ...emptyTerms(now),
    mode: target?.by ?? "skus",
    skus: target?.by === "skus" ? target.skus.join(" ") : "",
    productIds: target?.by === "products" ? [...target.ids] : [],
    categoryId: target?.by === "category" ? target.id : null,
    campaign: "none",
    campaignName: "",
  };
}

/** SKUs as typed or pasted: separated by spaces, commas, semicolons or lines; once each. */
export function parseSkus(text: string): string[] {
  const seen = new Set<string>();
  for (const s of text.split(/[\s,;]+/)) if (s) seen.add(s);
  return [...seen];
}

/** The day and the time in Paris (the shop's clock, whatever the PC's time zone). */
export function parisNow(now: Date): { day: string; time: string } {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-GB", {
      timeZone: "Europe/Paris",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    })
      .formatToParts(now)
      .map((p) => [p.type, p.value]),
  );
  return { day: `${parts.year}-${parts.month}-${parts.day}`, time: `${parts.hour}:${parts.minute}` };
}

/** "8h30", "8:30", "08h", "8" → "08:30", "08:00"; "" stays ""; null when unreadable. */
export function readTime(text: string): string | null {
  const t = text.trim();
  if (t === "") return "";
  const m = /^(\d{1,2})\s*(?:[:hH]\s*(\d{2})?)?$/.exec(t);
  if (!m) return null;
  const h = Number(m[1]);
  const min = m[2] === undefined ? 0 : Number(m[2]);
  if (h > 23 || min > 59) return null;
  return `${String(h).padStart(2, "0")}:${String(min).padStart(2, "0")}`;
}

/**
 * The start as Rust reads it. A day alone starts at midnight, which is already past
 * when that day is today: today without a time means now.
 */
export function startText(day: string, time: string, now: Date): string {
  if (time) return `${day}T${time}`;
  const paris = parisNow(now);
  return day === paris.day ? `${day}T${paris.time}` : day;
}

/** The end as Rust reads it ("" → until the stock runs out; a day alone → its end). */
export function endText(day: string, time: string): string | null {
  if (!day) return null;
  return time ? `${day}T${time}` : day;
}

/** Rust's French "01/12/2026" or "01/12/2026 08:00" → the form's day and time. */
export function splitFrText(text: string | null): { day: string; time: string } {
  if (!text) return { day: "", time: "" };
  const [d = "", t = ""] = text.trim().split(/\s+/);
  return { day: frToIso(d) ?? "", time: (readTime(t) ?? "").slice(0, 5) };
}

/** The discount, period and limit checked as far as the window can; else the keys. */
export function readTerms(
  t: Terms,
  now: Date,
): { discount: Discount; starts: string; ends: string | null; limit: number | null } | { errors: KeyErrors } {
  const errors: KeyErrors = {};
  let discount: Discount | null = null;
  if (t.kind === "percent") {
    const p = t.percent.trim().replace(/\s*%$/, "");
    if (p === "") errors.discount = "promotions.errors.percent_required";
    else if (!/^\d{1,2}$/.test(p) || Number(p) < 1) errors.discount = "promotions.errors.percent_range";
    else discount = { kind: "percent_off", percent: Number(p) };
  } else {
    const m = parseEuros(t.price);
    if (!m.ok) errors.discount = `money.${m.error}`;
    else if (m.cents < 1) errors.discount = "promotions.errors.price_zero";
    else discount = { kind: "new_price", cents: m.cents };
  }
  const fromTime = readTime(t.fromTime);
  const toTime = readTime(t.toTime);
  if (!t.fromDay) errors.starts = "promotions.errors.start_required";
  else if (fromTime === null) errors.starts = "promotions.errors.time_invalid";
  if (toTime === null) errors.ends = "promotions.errors.time_invalid";
  else if (toTime && !t.toDay) errors.ends = "promotions.errors.end_day_required";
  let limit: number | null = null;
  const l = t.limit.trim().replace(/\s/g, "");
  if (l !== "") {
    if (!/^\d{1,9}$/.test(l) || Number(l) < 1) errors.quantity_limit = "promotions.errors.limit_invalid";
    else limit = Number(l);
  }
  if (Object.keys(errors).length > 0 || !discount || fromTime === null || toTime === null) return { errors };
  return {
    discount,
    starts: startText(t.fromDay, fromTime, now),
    ends: endText(t.toDay, toTime),
    limit,
  };
}

/** The campaign chosen: none, one of the shop's, the marketplace's, or a new name. */
export function campaignChoice(campaign: string, name: string): CampaignChoice | null | { error: string } {
  if (campaign.startsWith("own:")) return { kind: "existing", id: Number(campaign.slice(4)) };
  if (campaign.startsWith("market:")) return { kind: "market", id: campaign.slice(7) };
  if (campaign === "new") {
    const n = name.trim();
    return n ? { kind: "named", name: n } : { error: "promotions.errors.campaign_name" };
  }
  return null;
}

export function targetOf(f: PromotionForm): PromotionTarget | { error: string } {
  if (f.mode === "products") {
    return f.productIds.length > 0
      ? { by: "products", ids: f.productIds }
      : { error: "promotions.errors.target_empty" };
  }
  if (f.mode === "category") {
    return f.categoryId !== null
      ? { by: "category", id: f.categoryId }
      : { error: "promotions.errors.category" };
  }
  const skus = parseSkus(f.skus);
  return skus.length > 0 ? { by: "skus", skus } : { error: "promotions.errors.skus_required" };
}

/** The request for `promotionPreview` / `promotionAdd`, or what to fix first. */
export function toRequest(
  f: PromotionForm,
  now: Date,
): { request: PromotionRequest } | { errors: KeyErrors } {
  const terms = readTerms(f, now);
  const errors: KeyErrors = "errors" in terms ? { ...terms.errors } : {};
  const target = targetOf(f);
  if ("error" in target) errors.target = target.error;
  const campaign = campaignChoice(f.campaign, f.campaignName);
  if (campaign && "error" in campaign) errors.campaign = campaign.error;
  if ("errors" in terms || "error" in target || (campaign && "error" in campaign)) return { errors };
  return {
    request: {
      target,
      discount: terms.discount,
      starts: terms.starts,
      ends: terms.ends,
      quantity_limit: terms.limit,
      campaign: campaign as CampaignChoice | null,
      perishable: f.perishable,
    },
  };
}

/** A promotion as its edit form starts: what it is now. */
export function termsOf(p: PromotionView): Terms {
  const from = splitFrText(p.starts_text);
  const to = splitFrText(p.ends_text);
  return {
    kind: p.percent !== null ? "percent" : "price",
    percent: p.percent !== null ? String(p.percent) : "",
    price: p.percent === null ? centsToInput(p.price_cents) : "",
    fromDay: from.day,
    fromTime: from.time,
    toDay: to.day,
    toTime: to.time,
    limit: p.quantity_limit !== null ? String(p.quantity_limit) : "",
    perishable: p.perishable,
  };
}

/**
 * The change for `promotionEdit`. A running promotion keeps its start, price and
 * reference (Rust enforces it): they are sent back as they are.
 */
export function toEdit(
  p: PromotionView,
  t: Terms,
  now: Date,
): { edit: PromotionEdit } | { errors: KeyErrors } {
  if (p.state === "running") {
    const locked: Terms = { ...termsOf(p), toDay: t.toDay, toTime: t.toTime, limit: t.limit };
    const r = readTerms(locked, now);
    if ("errors" in r) return r;
    return {
      edit: {
        discount: r.discount,
        starts: p.starts_text,
        ends: r.ends,
        quantity_limit: r.limit,
        perishable: p.perishable,
      },
    };
  }
  const r = readTerms(t, now);
  if ("errors" in r) return r;
  return {
    edit: {
      discount: r.discount,
      starts: r.starts,
      ends: r.ends,
      quantity_limit: r.limit,
      perishable: t.perishable,
    },
  };
}

/** The i18n key explaining a reference price. */
export function ruleKey(rule: ReferenceRule): string {
  return `promotions.rule.${rule.rule}`;
}

export const STATE_KEYS: Record<PromotionState, string> = {
  planned: "promotions.state.planned",
  running: "promotions.state.running",
  ended: "promotions.state.ended",
};

export interface PromotionGroup {
  key: string;
  campaignId: number | null;
  name: string | null;
  campaign: CampaignView | null;
  items: PromotionView[];
}

const STATE_ORDER: Record<PromotionState, number> = { running: 0, planned: 1, ended: 2 };

/**
 * Promotions by campaign: campaigns in the order of their first start (running ones
 * first), promotions without a campaign last; within a group, running, planned, over,
 * then by start and SKU.
 */
export function groupByCampaign(list: PromotionView[], campaigns: CampaignView[] = []): PromotionGroup[] {
  const groups = new Map<string, PromotionGroup>();
  const sorted = [...list].sort(
    (a, b) =>
      STATE_ORDER[a.state] - STATE_ORDER[b.state] ||
      a.starts_at.localeCompare(b.starts_at) ||
      a.sku.localeCompare(b.sku),
  );
  for (const p of sorted) {
    const key = p.campaign_id === null ? "none" : `c${p.campaign_id}`;
    let g = groups.get(key);
    if (!g) {
      g = {
        key,
        campaignId: p.campaign_id,
        name: p.campaign_name,
        campaign: campaigns.find((c) => c.id === p.campaign_id) ?? null,
        items: [],
      };
      groups.set(key, g);
    }
    g.items.push(p);
  }
  const all = [...groups.values()];
  return [...all.filter((g) => g.campaignId !== null), ...all.filter((g) => g.campaignId === null)];
}

/** The form's default period for a campaign: its dates, from now if it has begun. */
export function campaignPeriod(
  c: { starts_text: string; ends_text: string | null },
  now: Date,
): { fromDay: string; fromTime: string; toDay: string; toTime: string } {
  const from = splitFrText(c.starts_text);
  const to = splitFrText(c.ends_text);
  const paris = parisNow(now);
  const begun =
    from.day !== "" &&
    (from.day < paris.day || (from.day === paris.day && (from.time === "" || from.time <= paris.time)));
  const today = paris.day;
  return {
    fromDay: begun ? today : from.day,
    fromTime: begun ? "" : from.time,
    toDay: to.day,
    toTime: to.time,
  };
}
