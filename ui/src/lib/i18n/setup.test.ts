import { get } from "svelte/store";
import { _, locale } from "svelte-i18n";
import { describe, expect, it } from "vitest";
import { setLocale, setupI18n } from ".";

describe("languages", () => {
  it("starts in the language chosen last time, with its messages already in", async () => {
    localStorage.setItem("comptoir.locale", "en");
    // English is fetched apart from the first script; the window is mounted only once
    // setupI18n resolves, so its first words are English, not French then English.
    await setupI18n();
    expect(get(locale)).toBe("en");
    expect(get(_)("app.loading")).toBe("Loading…");
    expect(document.documentElement.lang).toBe("en");
    setLocale("fr");
    expect(get(_)("app.loading")).toBe("Chargement…");
    expect(localStorage.getItem("comptoir.locale")).toBe("fr");
  });
});
