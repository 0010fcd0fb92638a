import { addMessages, init, _ } from "svelte-i18n";
import { get } from "svelte/store";
import { beforeAll, describe, expect, it } from "vitest";
import en from "../i18n/en.json";
import fr from "../i18n/fr.json";
import {
  formatBytes,
  formatEta,
  formatEtaLeft,
  formatRate,
  uploadOf,
  uploadSummary,
  type Translate,
  type UploadProgress,
} from "./upload";

// The real messages through svelte-i18n, as the components use them.
let t: Record<"fr" | "en", Translate>;
beforeAll(() => {
  addMessages("fr", fr);
  addMessages("en", en);
  init({ fallbackLocale: "fr", initialLocale: "fr" });
  const format = get(_);
  t = {
    fr: (key, options) => format(key, { ...options, locale: "fr" }),
    en: (key, options) => format(key, { ...options, locale: "en" }),
  };
});

const upload = (over: Partial<UploadProgress> = {}): UploadProgress => ({
  photos_done: 12,
  photos_total: 50,
  bytes_done: 3_400_000,
  bytes_total: 9_800_000,
  bytes_per_sec: 38_000,
  eta_secs: 160,
  slow_link: true,
  products_waiting: 7,
  ...over,
});

describe("formatBytes", () => {
  it("writes sizes the French way, 1 Mo = 1 000 000 octets", () => {
    expect(formatBytes(0, t.fr, "fr")).toBe("0 o");
    expect(formatBytes(999, t.fr, "fr")).toBe("999 o");
    expect(formatBytes(1_500, t.fr, "fr")).toBe("1,5 Ko");
    expect(formatBytes(820_000, t.fr, "fr")).toBe("820 Ko");
    expect(formatBytes(3_400_000, t.fr, "fr")).toBe("3,4 Mo");
    expect(formatBytes(9_800_000, t.fr, "fr")).toBe("9,8 Mo");
    expect(formatBytes(2_000_000, t.fr, "fr")).toBe("2 Mo");
    expect(formatBytes(1_200_000_000, t.fr, "fr")).toBe("1,2 Go");
  });

  it("rounds to one decimal under 10 and to whole numbers above", () => {
    expect(formatBytes(3_449_999, t.fr, "fr")).toBe("3,4 Mo");
    expect(formatBytes(3_450_000, t.fr, "fr")).toBe("3,5 Mo");
    expect(formatBytes(9_960_000, t.fr, "fr")).toBe("10 Mo");
    expect(formatBytes(12_345_678, t.fr, "fr")).toBe("12 Mo");
    expect(formatBytes(820_499, t.fr, "fr")).toBe("820 Ko");
  });

  it("moves to the next unit once the rounded figure reaches 1 000", () => {
    expect(formatBytes(999_499, t.fr, "fr")).toBe("999 Ko");
    expect(formatBytes(999_600, t.fr, "fr")).toBe("1 Mo");
    expect(formatBytes(999.6, t.fr, "fr")).toBe("1 Ko");
  });

  it("writes sizes the English way", () => {
    expect(formatBytes(0, t.en, "en")).toBe("0 B");
    expect(formatBytes(820_000, t.en, "en")).toBe("820 kB");
    expect(formatBytes(3_400_000, t.en, "en")).toBe("3.4 MB");
  });

  it("treats nonsense as nothing", () => {
    expect(formatBytes(-5, t.fr, "fr")).toBe("0 o");
    expect(formatBytes(Number.NaN, t.fr, "fr")).toBe("0 o");
  });

  it("writes French numbers whatever the locale string says, French by default", () => {
    expect(formatBytes(3_400_000, t.fr, "fr-FR")).toBe("3,4 Mo");
    expect(formatBytes(3_400_000, t.fr, null)).toBe("3,4 Mo");
    expect(formatBytes(3_400_000, t.en, "en-GB")).toBe("3.4 MB");
  });
});

describe("formatRate", () => {
  it("gives the rate per second, nothing until measured", () => {
    expect(formatRate(38_000, t.fr, "fr")).toBe("38 Ko/s");
    expect(formatRate(38_400, t.fr, "fr")).toBe("38 Ko/s");
    expect(formatRate(1_250_000, t.fr, "fr")).toBe("1,3 Mo/s");
    expect(formatRate(512, t.fr, "fr")).toBe("512 o/s");
    expect(formatRate(38_000, t.en, "en")).toBe("38 kB/s");
    expect(formatRate(0, t.fr, "fr")).toBeNull();
    expect(formatRate(Number.NaN, t.fr, "fr")).toBeNull();
  });
});

describe("formatEta", () => {
  it("says less than a minute under a minute", () => {
    expect(formatEta(0, t.fr, "fr")).toBe("moins d'une minute");
    expect(formatEta(59.4, t.fr, "fr")).toBe("moins d'une minute");
    expect(formatEta(30, t.en, "en")).toBe("less than a minute");
  });

  it("rounds to 10 seconds under ten minutes", () => {
    expect(formatEta(160, t.fr, "fr")).toBe("environ 2 min 40");
    expect(formatEta(157, t.fr, "fr")).toBe("environ 2 min 40");
    expect(formatEta(124, t.fr, "fr")).toBe("environ 2 min");
    expect(formatEta(126, t.fr, "fr")).toBe("environ 2 min 10");
    expect(formatEta(65, t.fr, "fr")).toBe("environ 1 min 10");
    expect(formatEta(59.6, t.fr, "fr")).toBe("environ 1 min");
    expect(formatEta(178, t.fr, "fr")).toBe("environ 3 min");
    expect(formatEta(308, t.fr, "fr")).toBe("environ 5 min 10");
    expect(formatEta(160, t.en, "en")).toBe("about 2 min 40 s");
  });

  it("rounds to the minute from ten minutes, writes hours with two-digit minutes", () => {
    expect(formatEta(597, t.fr, "fr")).toBe("environ 10 min");
    expect(formatEta(754, t.fr, "fr")).toBe("environ 13 min");
    expect(formatEta(3_570, t.fr, "fr")).toBe("environ 1 h");
    expect(formatEta(3_900, t.fr, "fr")).toBe("environ 1 h 05");
    expect(formatEta(7_200, t.fr, "fr")).toBe("environ 2 h");
    expect(formatEta(3_900, t.en, "en")).toBe("about 1 h 05 min");
  });

  it("gives nothing when unknown", () => {
    expect(formatEta(null, t.fr, "fr")).toBeNull();
    expect(formatEta(undefined, t.fr, "fr")).toBeNull();
    expect(formatEta(Number.POSITIVE_INFINITY, t.fr, "fr")).toBeNull();
    expect(formatEta(-1, t.fr, "fr")).toBeNull();
  });

  it("agrees « restante » with the time left", () => {
    expect(formatEtaLeft(160, t.fr, "fr")).toBe("environ 2 min 40 restantes");
    expect(formatEtaLeft(20, t.fr, "fr")).toBe("moins d'une minute restante");
    expect(formatEtaLeft(60, t.fr, "fr")).toBe("environ 1 min restante");
    expect(formatEtaLeft(65, t.fr, "fr")).toBe("environ 1 min 10 restantes");
    expect(formatEtaLeft(3_900, t.fr, "fr")).toBe("environ 1 h 05 restantes");
    expect(formatEtaLeft(160, t.en, "en")).toBe("about 2 min 40 s left");
    expect(formatEtaLeft(null, t.fr, "fr")).toBeNull();
  });
});

describe("uploadSummary", () => {
  it("puts the status bar sentence together in French", () => {
    const s = uploadSummary(upload(), t.fr, "fr");
    expect(s.line).toBe("Envoi des photos : 12 / 50 · 3,4 Mo sur 9,8 Mo · environ 2 min 40 restantes");
    expect(s.headline).toBe("Envoi des photos : 12 / 50");
    expect(s.detail).toBe("3,4 Mo sur 9,8 Mo · environ 2 min 40 restantes");
    expect(s.photos).toBe("12 sur 50");
    expect(s.bytes).toBe("3,4 Mo sur 9,8 Mo");
    expect(s.rate).toBe("38 Ko/s");
    expect(s.eta).toBe("environ 2 min 40");
    expect(s.waiting).toBe("7 produits attendent leurs photos pour être publiés");
    expect(s.max).toBe(9_800_000);
    expect(s.value).toBe(3_400_000);
  });

  it("puts it together in English", () => {
    const s = uploadSummary(upload(), t.en, "en");
    expect(s.line).toBe("Sending photos: 12 / 50 · 3.4 MB of 9.8 MB · about 2 min 40 s left");
    expect(s.waiting).toBe("7 products are waiting for their photos to be published");
  });

  it("handles one product waiting, and none", () => {
    expect(uploadSummary(upload({ products_waiting: 1 }), t.fr, "fr").waiting).toBe(
      "1 produit attend ses photos pour être publié",
    );
    expect(uploadSummary(upload({ products_waiting: 1 }), t.en, "en").waiting).toBe(
      "1 product is waiting for its photos to be published",
    );
    expect(uploadSummary(upload({ products_waiting: 0 }), t.fr, "fr").waiting).toBeNull();
  });

  it("leaves out what is not known yet", () => {
    const s = uploadSummary(upload({ bytes_per_sec: 0, eta_secs: null }), t.fr, "fr");
    expect(s.rate).toBeNull();
    expect(s.eta).toBeNull();
    expect(s.left).toBeNull();
    expect(s.line).toBe("Envoi des photos : 12 / 50 · 3,4 Mo sur 9,8 Mo");
  });

  it("copes with a pass of no bytes: the bar follows the photos, never max 0", () => {
    const s = uploadSummary(
      upload({ photos_done: 0, photos_total: 0, bytes_done: 0, bytes_total: 0, eta_secs: null }),
      t.fr,
      "fr",
    );
    expect(s.bytes).toBeNull();
    expect(s.line).toBe("Envoi des photos : 0 / 0");
    expect(s.max).toBe(1);
    expect(s.value).toBe(0);
    const p = uploadSummary(upload({ photos_done: 2, bytes_done: 0, bytes_total: 0 }), t.fr, "fr");
    expect([p.max, p.value]).toEqual([50, 2]);
  });

  it("never shows more sent than there is to send", () => {
    const s = uploadSummary(upload({ photos_done: 51, bytes_done: 10_000_000 }), t.fr, "fr");
    expect(s.photos).toBe("50 sur 50");
    expect(s.bytes).toBe("9,8 Mo sur 9,8 Mo");
    expect(s.value).toBe(s.max);
  });

  it("groups large counts the French way", () => {
    const s = uploadSummary(upload({ photos_done: 1_234, photos_total: 2_000 }), t.fr, "fr");
    expect(s.photos.replace(/\s/g, " ")).toBe("1 234 sur 2 000");
  });
});

describe("uploadOf", () => {
  const worker = (upload: UploadProgress | null) => ({
    running: true,
    last_report: null,
    last_error: null,
    next_retry_in_secs: null,
    upload,
  });

  it("reads the upload of a worker state", () => {
    expect(uploadOf(worker(upload()))).toEqual(upload());
    expect(uploadOf(worker(upload({ eta_secs: null, slow_link: false })))).toEqual(
      upload({ eta_secs: null, slow_link: false }),
    );
  });

  it("gives null when no photo is being sent or there is no state yet", () => {
    expect(uploadOf(worker(null))).toBeNull();
    expect(uploadOf(null)).toBeNull();
    expect(uploadOf(undefined)).toBeNull();
  });
});
