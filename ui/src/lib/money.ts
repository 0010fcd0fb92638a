// Prices as the shopkeeper types them ("12,50", "12,50 €", "1 234,50") to integer
// cents, for immediate feedback in forms. comptoir-core validates again on save
// (money::parse_cents follows the same rules).

export type MoneyError = "empty" | "invalid" | "negative" | "decimals" | "too_large";
export type MoneyParse = { ok: true; cents: number } | { ok: false; error: MoneyError };

const MAX_CENTS = 1_000_000_000;
const SPACES = /[\s\u00a0\u202f\u2009'€]/g;

export function parseEuros(input: string): MoneyParse {
  const s = input.trim().replace(/eur$/i, "").replace(SPACES, "");
  if (s === "") return { ok: false, error: "empty" };
  let negative = false;
  let body = s;
  if (body.startsWith("-")) {
    negative = true;
    body = body.slice(1);
  } else if (body.startsWith("+")) {
    body = body.slice(1);
  }
  if (!/^[\d.,]+$/.test(body)) return { ok: false, error: "invalid" };
  const last = Math.max(body.lastIndexOf(","), body.lastIndexOf("."));
  let intPart = body;
  let frac = "";
  if (last >= 0) {
    intPart = body.slice(0, last);
    frac = body.slice(last + 1);
    const hasBoth = /[.,]/.test(intPart);
    if (frac.length === 3 && !hasBoth) return { ok: false, error: "invalid" };
    if (frac.length > 2) {
      if (frac.replace(/0+$/, "").length > 2) return { ok: false, error: "decimals" };
      frac = frac.slice(0, 2);
    }
    if (
      hasBoth &&
      intPart
        .split(/[.,]/)
        .slice(1)
        .some((g) => g.length !== 3)
    ) {
      return { ok: false, error: "invalid" };
    }
    intPart = intPart.replace(/[.,]/g, "");
  }
  if (intPart === "" && frac === "") return { ok: false, error: "invalid" };
  if (intPart.length > 12) return { ok: false, error: "too_large" };
  const euros = intPart === "" ? 0 : Number(intPart);
  const cents = frac === "" ? 0 : frac.length === 1 ? Number(frac) * 10 : Number(frac);
  const total = euros * 100 + cents;
  if (total > MAX_CENTS) return { ok: false, error: "too_large" };
  if (negative && total !== 0) return { ok: false, error: "negative" };
  return { ok: true, cents: total };
}

/** 1250 → "12,50" (for an input field). */
export function centsToInput(cents: number): string {
  const abs = Math.abs(cents);
  return `${cents < 0 ? "-" : ""}${Math.floor(abs / 100)},${String(abs % 100).padStart(2, "0")}`;
}

/** 123450 → "1 234,50 €" with French typography (narrow no-break spaces). */
export function formatEuros(cents: number): string {
  const abs = Math.abs(cents);
  const euros = String(Math.floor(abs / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, "\u202f");
  return `${cents < 0 ? "-" : ""}${euros},${String(abs % 100).padStart(2, "0")}\u00a0€`;
}
