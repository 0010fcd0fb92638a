import { cleanup, render, screen } from "@testing-library/svelte";
import { flushSync } from "svelte";
import { locale, waitLocale } from "svelte-i18n";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { MarketStatus } from "../bindings";
import { setupI18n } from "../i18n";
import { live } from "../live.svelte";
import Market from "./Market.svelte";
import StatusBar from "./StatusBar.svelte";
import type { UploadProgress } from "./upload";

// The bar polls marketStatus: it answers with whatever the test put in `live.status`.
vi.mock("../api", () => ({
  api: {
    marketStatus: () => Promise.resolve(live.status),
    syncNow: () => Promise.resolve(),
  },
}));

const progress: UploadProgress = {
  photos_done: 12,
  photos_total: 50,
  bytes_done: 3_400_000,
  bytes_total: 9_800_000,
  bytes_per_sec: 38_000,
  eta_secs: 160,
  slow_link: true,
  products_waiting: 7,
};

function status(upload: UploadProgress | null): MarketStatus {
  return {
    sync: {
      state: "pending",
      label: "3 modifications en attente",
      shop_name: "Fromagerie du Perche",
      marketplace_url: "https://marche.orne.fr",
      pending: 3,
      last_success_at: null,
      last_error: null,
      issues: [],
    },
    worker: {
      running: upload !== null,
      last_report: null,
      last_error: null,
      next_retry_in_secs: null,
      upload,
    },
    feed: { link: "sse", error: null },
  } as unknown as MarketStatus;
}

beforeAll(() => {
  setupI18n();
  locale.set("fr");
});
afterEach(() => {
  cleanup();
  locale.set("fr");
});

describe("status bar during a photo upload", () => {
  it("shows the figures on one line, the photo count alone in the live region", async () => {
    live.status = status(progress);
    render(StatusBar, { onopen: () => {} });
    flushSync();
    const label = screen.getByTestId("sync-label");
    const region = label.querySelector("[aria-live=polite]");
    expect(region?.textContent).toBe("Envoi des photos : 12 / 50");
    expect(screen.getByTestId("upload-detail").textContent).toBe(
      "3,4 Mo sur 9,8 Mo · environ 2 min 40 restantes",
    );
    const bar = screen.getByRole("progressbar", { name: "Envoi des photos vers la place de marché" });
    expect(bar.getAttribute("max")).toBe("9800000");
    expect(bar.getAttribute("value")).toBe("3400000");
    const slow = screen.getByTestId("upload-slow");
    expect(slow.textContent).toBe("ligne lente");
    expect(slow.getAttribute("title")).toContain("les photos partent une par une");

    // A second later: more bytes, same photo count — the live region does not change.
    live.status = status({ ...progress, bytes_done: 3_450_000, eta_secs: 150 });
    flushSync();
    expect(region?.textContent).toBe("Envoi des photos : 12 / 50");
    expect(region?.isConnected).toBe(true);
    expect(screen.getByTestId("upload-detail").textContent).toBe(
      "3,5 Mo sur 9,8 Mo · environ 2 min 30 restantes",
    );

    // Done: back to the usual words, in the same live region.
    live.status = status(null);
    flushSync();
    expect(region?.textContent).toBe("3 modifications en attente");
    expect(screen.queryByTestId("upload-progress")).toBeNull();
    expect(screen.queryByTestId("upload-slow")).toBeNull();
  });
});

describe("marketplace screen during a photo upload", () => {
  it("shows every figure, the slow line and the products waiting", () => {
    live.status = status(progress);
    render(Market);
    flushSync();
    const section = screen.getByRole("region", { name: "Envoi des photos" });
    expect(section.querySelector("[aria-live]")).toBeNull();
    expect(screen.getByTestId("market-upload-photos").textContent).toBe("12 sur 50");
    expect(screen.getByTestId("market-upload-bytes").textContent).toBe("3,4 Mo sur 9,8 Mo");
    expect(screen.getByTestId("market-upload-rate").textContent).toBe("38 Ko/s");
    expect(screen.getByTestId("market-upload-eta").textContent).toBe("environ 2 min 40");
    expect(screen.getByTestId("market-upload-slow").textContent).toBe(
      "La connexion est lente : les photos partent une par une ; les changements de stock et de prix passent en priorité.",
    );
    expect(screen.getByTestId("market-upload-waiting").textContent).toBe(
      "7 produits attendent leurs photos pour être publiés",
    );
    expect(
      screen.getByRole("progressbar", { name: "Envoi des photos vers la place de marché" }),
    ).toBeTruthy();
  });

  it("says what is not known yet, in English too", async () => {
    locale.set("en");
    // English is a chunk of its own, fetched when chosen (i18n/index.ts).
    await waitLocale("en");
    live.status = status({
      ...progress,
      bytes_per_sec: 0,
      eta_secs: null,
      slow_link: false,
      products_waiting: 1,
    });
    render(Market);
    flushSync();
    expect(screen.getByTestId("market-upload-rate").textContent).toBe("measuring…");
    expect(screen.getByTestId("market-upload-eta").textContent).toBe("not estimated yet");
    expect(screen.getByTestId("market-upload-bytes").textContent).toBe("3.4 MB of 9.8 MB");
    expect(screen.queryByTestId("market-upload-slow")).toBeNull();
    expect(screen.getByTestId("market-upload-waiting").textContent).toBe(
      "1 product is waiting for its photos to be published",
    );
  });

  it("has no upload section when no photo is being sent", () => {
    live.status = status(null);
    render(Market);
    flushSync();
    expect(screen.getByTestId("market-connected")).toBeTruthy();
    expect(screen.queryByTestId("market-upload")).toBeNull();
  });
});
