// Dates typed and shown the French way (07/12/2026), whatever the system's locale: a
// native date input follows the OS locale in WebKitGTK and WebView2, which shows
// 12/07/2026 for 7 December on an English or unset system.

/** "2026-12-07" → "07/12/2026"; "" for an empty or unreadable value. */
export function isoToFr(iso: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  return m ? `${m[3]}/${m[2]}/${m[1]}` : "";
}

/**
 * What the shopkeeper typed, as "yyyy-mm-dd": "7/12/2026", "07.12.2026", "07-12-26"
 * (two-digit years are 20xx), or already "2026-12-07". `null` when it is not a real day
 * (31/02/2026), "" when empty.
 */
export function frToIso(text: string): string | null {
  const t = text.trim();
  if (t === "") return "";
  let d: number, m: number, y: number;
  const iso = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(t);
  const fr = /^(\d{1,2})[/.\-\s](\d{1,2})[/.\-\s](\d{2}|\d{4})$/.exec(t);
  if (iso) [y, m, d] = [Number(iso[1]), Number(iso[2]), Number(iso[3])];
  else if (fr) [d, m, y] = [Number(fr[1]), Number(fr[2]), Number(fr[3])];
  else return null;
  if (y < 100) y += 2000;
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return null;
  return `${String(y).padStart(4, "0")}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
}
