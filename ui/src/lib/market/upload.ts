// Photo upload progress in words (tested in upload.test.ts): sizes, rate and time left
// the French way ("3,4 Mo", "38 Ko/s", "environ 2 min 40"), for the status bar and the
// marketplace screen. Numbers go through Intl.NumberFormat with the app's language,
// never the system's; the words come from the i18n messages (market.upload.*).

import type { UploadProgress, WorkerState } from "../bindings";

/** The sync worker's photo upload, as `WorkerState.upload` carries it (generated type). */
export type { UploadProgress };

/** The translate function (svelte-i18n's `$_` fits). */
export type Translate = (key: string, options?: { values?: Record<string, string | number> }) => string;

/** The upload in progress in a worker's state, or null when no photo is being sent. */
export function uploadOf(worker: WorkerState | null | undefined): UploadProgress | null {
  return worker?.upload ?? null;
}

/** The language numbers are written in: English when asked, French otherwise. */
function lang(locale: string | null | undefined): "fr" | "en" {
  return locale?.toLowerCase().startsWith("en") ? "en" : "fr";
}

function number(n: number, locale: string | null | undefined, fractionDigits = 0): string {
  return new Intl.NumberFormat(lang(locale), {
    minimumFractionDigits: 0,
    maximumFractionDigits: fractionDigits,
  }).format(n);
}

const UNITS = ["b", "kb", "mb", "gb", "tb"] as const;

/**
 * "0 o", "820 Ko", "3,4 Mo", "12 Mo" (1 Ko = 1 000 octets): one decimal under 10,
 * whole numbers above, and the next unit up once the rounded figure reaches 1 000.
 */
export function formatBytes(bytes: number, t: Translate, locale: string | null | undefined): string {
  let v = Number.isFinite(bytes) ? Math.max(0, bytes) : 0;
  let i = 0;
  for (;;) {
    // Bytes are whole; larger units keep one decimal while the figure is small.
    const rounded = i === 0 ? Math.round(v) : v < 10 ? Math.round(v * 10) / 10 : Math.round(v);
    if (rounded < 1000 || i === UNITS.length - 1) {
      return t(`market.upload.unit.${UNITS[i]}`, { values: { n: number(rounded, locale, 1) } });
    }
    v /= 1000;
    i += 1;
  }
}

/** "38 Ko/s"; null while the rate is not measured yet (0). */
export function formatRate(
  bytesPerSec: number,
  t: Translate,
  locale: string | null | undefined,
): string | null {
  if (!Number.isFinite(bytesPerSec) || bytesPerSec <= 0) return null;
  return t("market.upload.per_sec", { values: { size: formatBytes(bytesPerSec, t, locale) } });
}

/** Time left as shown, rounded so that it does not flicker every second. */
type Eta =
  | { kind: "under_minute" }
  | { kind: "minutes"; m: number }
  | { kind: "minutes_seconds"; m: number; s: number }
  | { kind: "hours"; h: number }
  | { kind: "hours_minutes"; h: number; m: number };

function eta(seconds: number | null | undefined): Eta | null {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return null;
  const s = Math.round(seconds);
  if (s < 60) return { kind: "under_minute" };
  if (s < 600) {
    // Under ten minutes: to the nearest 10 seconds.
    const r = Math.round(s / 10) * 10;
    const m = Math.floor(r / 60);
    const rest = r % 60;
    if (m < 10) return rest === 0 ? { kind: "minutes", m } : { kind: "minutes_seconds", m, s: rest };
  }
  // Then to the nearest minute.
  const total = Math.round(s / 60);
  if (total < 60) return { kind: "minutes", m: total };
  const h = Math.floor(total / 60);
  const m = total % 60;
  return m === 0 ? { kind: "hours", h } : { kind: "hours_minutes", h, m };
}

function etaWords(e: Eta, t: Translate, locale: string | null | undefined): string {
  const two = (n: number) => String(n).padStart(2, "0");
  switch (e.kind) {
    case "under_minute":
      return t("market.upload.eta.under_minute");
    case "minutes":
      return t("market.upload.eta.minutes", { values: { m: number(e.m, locale) } });
    case "minutes_seconds":
      return t("market.upload.eta.minutes_seconds", { values: { m: number(e.m, locale), s: two(e.s) } });
    case "hours":
      return t("market.upload.eta.hours", { values: { h: number(e.h, locale) } });
    case "hours_minutes":
      return t("market.upload.eta.hours_minutes", { values: { h: number(e.h, locale), m: two(e.m) } });
  }
}

/**
 * "moins d'une minute", "environ 2 min 40" (to 10 s under ten minutes), "environ 12 min",
 * "environ 1 h 05"; null when unknown.
 */
export function formatEta(
  seconds: number | null | undefined,
  t: Translate,
  locale: string | null | undefined,
): string | null {
  const e = eta(seconds);
  return e ? etaWords(e, t, locale) : null;
}

/** "environ 2 min 40 restantes", "moins d'une minute restante"; null when unknown. */
export function formatEtaLeft(
  seconds: number | null | undefined,
  t: Translate,
  locale: string | null | undefined,
): string | null {
  const e = eta(seconds);
  if (!e) return null;
  // French agrees "restante(s)" with the time: singular up to one minute.
  const one = e.kind === "under_minute" || (e.kind === "minutes" && e.m === 1);
  return t(one ? "market.upload.left_one" : "market.upload.left", {
    values: { eta: etaWords(e, t, locale) },
  });
}

/** Everything both views show of an upload, in words. */
export type UploadSummary = {
  /** "Envoi des photos : 12 / 50" — changes only when a photo is done. */
  headline: string;
  /** "12 sur 50" */
  photos: string;
  /** "3,4 Mo sur 9,8 Mo"; null when the pass has no size. */
  bytes: string | null;
  /** "38 Ko/s"; null until measured. */
  rate: string | null;
  /** "environ 2 min 40"; null until estimated. */
  eta: string | null;
  /** "environ 2 min 40 restantes"; null until estimated. */
  left: string | null;
  /** "3,4 Mo sur 9,8 Mo · environ 2 min 40 restantes": what follows the headline. */
  detail: string;
  /** The whole status bar sentence: headline · detail. */
  line: string;
  /** "7 produits attendent leurs photos pour être publiés"; null when none. */
  waiting: string | null;
  /** The progress bar: bytes when known, else photos; `max` is never 0. */
  max: number;
  value: number;
};

export function uploadSummary(
  u: UploadProgress,
  t: Translate,
  locale: string | null | undefined,
): UploadSummary {
  const of = (done: string, total: string) => t("market.upload.of", { values: { done, total } });
  const photosTotal = Math.max(0, u.photos_total);
  const photosDone = Math.min(Math.max(0, u.photos_done), photosTotal);
  const bytesTotal = Math.max(0, u.bytes_total);
  const bytesDone = Math.min(Math.max(0, u.bytes_done), bytesTotal);
  const headline = t("market.upload.headline", {
    values: { done: number(photosDone, locale), total: number(photosTotal, locale) },
  });
  const bytes =
    bytesTotal > 0 ? of(formatBytes(bytesDone, t, locale), formatBytes(bytesTotal, t, locale)) : null;
  const left = formatEtaLeft(u.eta_secs, t, locale);
  const detail = [bytes, left].filter((x): x is string => x !== null).join(" · ");
  const waiting = u.products_waiting > 0 ? u.products_waiting : 0;
  return {
    headline,
    photos: of(number(photosDone, locale), number(photosTotal, locale)),
    bytes,
    rate: formatRate(u.bytes_per_sec, t, locale),
    eta: formatEta(u.eta_secs, t, locale),
    left,
    detail,
    line: detail ? `${headline} · ${detail}` : headline,
    waiting: waiting > 0 ? t("market.upload.waiting", { values: { count: waiting } }) : null,
    max: bytesTotal > 0 ? bytesTotal : Math.max(1, photosTotal),
    value: bytesTotal > 0 ? bytesDone : photosDone,
  };
}
