// Backups in the shopkeeper's words: how old the last one is ("il y a 3 heures",
// "aujourd'hui à 14 h 05", "jamais"), dates the French way whatever the system locale
// ("03/12/2026 à 14 h 05", from the PC's local time), sizes in Mo with a decimal
// comma, and the message key of each reason a backup was taken.
import type { BackupStatus, Reason } from "../bindings";

/** A message key and its values, for `$_(key, { values })`. */
export type Words = { key: string; values?: Record<string, string | number> };

/** The message key of each reason (a `Record`: a reason added in Rust fails the check). */
export const REASON_KEYS: Record<Reason, string> = {
  manual: "backup.reason.manual",
  daily: "backup.reason.daily",
  before_import: "backup.reason.before_import",
  before_update: "backup.reason.before_update",
  before_migration: "backup.reason.before_migration",
  before_restore: "backup.reason.before_restore",
};

export function reasonKey(r: Reason): string {
  return REASON_KEYS[r] ?? "backup.reason.manual";
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const pad = (n: number) => String(n).padStart(2, "0");

/** "03/12/2026" (day/month/year, local time). */
export function frDate(d: Date): string {
  return `${pad(d.getDate())}/${pad(d.getMonth() + 1)}/${d.getFullYear()}`;
}

/** "14 h 05" in French, "14:05" in English (local time, 24-hour clock). */
export function clock(d: Date, lang: string | null | undefined = "fr"): string {
  return lang === "en"
    ? `${pad(d.getHours())}:${pad(d.getMinutes())}`
    : `${d.getHours()} h ${pad(d.getMinutes())}`;
}

/** "03/12/2026 à 14 h 05" ("03/12/2026 at 14:05" in English). */
export function frDateTime(d: Date, lang: string | null | undefined = "fr"): string {
  return `${frDate(d)} ${lang === "en" ? "at" : "à"} ${clock(d, lang)}`;
}

/** A date from Rust (RFC 3339); null when absent or unreadable. */
export function parseDate(iso: string | null | undefined): Date | null {
  if (!iso) return null;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : d;
}

function sameDay(a: Date, b: Date): boolean {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
}

/**
 * How old a backup is, in words: "à l'instant", "il y a 12 minutes", "il y a 3 heures"
 * (under 6 hours), "aujourd'hui à 14 h 05", "hier à 18 h 30", "il y a 4 jours", "jamais".
 */
export function age(when: Date | null, now: Date, lang: string | null | undefined = "fr"): Words {
  if (!when) return { key: "backup.age.never" };
  const ms = Math.max(0, now.getTime() - when.getTime());
  if (ms < MINUTE) return { key: "backup.age.now" };
  if (ms < HOUR) return { key: "backup.age.minutes", values: { n: Math.floor(ms / MINUTE) } };
  if (ms < 6 * HOUR) return { key: "backup.age.hours", values: { n: Math.floor(ms / HOUR) } };
  if (sameDay(when, now)) return { key: "backup.age.today", values: { time: clock(when, lang) } };
  const yesterday = new Date(now);
  yesterday.setDate(now.getDate() - 1);
  if (sameDay(when, yesterday)) return { key: "backup.age.yesterday", values: { time: clock(when, lang) } };
  return { key: "backup.age.days", values: { n: Math.max(1, Math.floor(ms / DAY)) } };
}

/** The same, short, for the status bar: "il y a 5 min", "il y a 2 h", "il y a 3 j", "jamais". */
export function shortAge(when: Date | null, now: Date): Words {
  if (!when) return { key: "backup.short.never" };
  const ms = Math.max(0, now.getTime() - when.getTime());
  if (ms < MINUTE) return { key: "backup.short.now" };
  if (ms < HOUR) return { key: "backup.short.minutes", values: { n: Math.floor(ms / MINUTE) } };
  if (ms < DAY) return { key: "backup.short.hours", values: { n: Math.floor(ms / HOUR) } };
  return { key: "backup.short.days", values: { n: Math.floor(ms / DAY) } };
}

/**
 * What the status bar says when something needs the shopkeeper: the destination
 * missing for days (« Clé de sauvegarde absente depuis 4 jours ») first, then no
 * backup for too long; null when all is well.
 */
export function warning(s: BackupStatus): Words | null {
  if (s.destination?.alert)
    return { key: "backup.warn.destination", values: { n: s.destination.days_missing } };
  if (s.overdue) {
    return s.days_since_last == null
      ? { key: "backup.warn.never" }
      : { key: "backup.warn.overdue", values: { n: s.days_since_last } };
  }
  return null;
}

/**
 * "12,4 Mo" (1 Mo = 1 000 000 octets, as elsewhere in Comptoir): one decimal under 10,
 * whole numbers above with grouped thousands; "0,1 Mo" at least for anything not empty.
 */
export function formatMo(bytes: number, lang: string | null | undefined = "fr"): string {
  const mo = Number.isFinite(bytes) ? Math.max(0, bytes) / 1_000_000 : 0;
  let rounded = mo < 10 ? Math.round(mo * 10) / 10 : Math.round(mo);
  if (rounded === 0 && mo > 0) rounded = 0.1;
  const [int = "0", dec = ""] = (rounded < 10 ? rounded.toFixed(1) : String(rounded)).split(".");
  const group = lang === "en" ? "," : "\u202f";
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, group);
  const unit = lang === "en" ? "MB" : "Mo";
  const figure = dec && dec !== "0" ? `${grouped}${lang === "en" ? "." : ","}${dec}` : grouped;
  return `${figure} ${unit}`;
}
