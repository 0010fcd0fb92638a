// French first, English second. The chosen language is remembered on this computer.
import { addMessages, init, locale } from "svelte-i18n";
import en from "./en.json";
import fr from "./fr.json";

export const LOCALES = ["fr", "en"] as const;
export type Locale = (typeof LOCALES)[number];
const STORAGE_KEY = "comptoir.locale";

export function setupI18n(): void {
  addMessages("fr", fr);
  addMessages("en", en);
  const saved = safeStorage()?.getItem(STORAGE_KEY);
  // French unless the user picked English: the people this is for speak French, even
  // on a PC whose system language is set otherwise.
  const initial = saved === "en" || saved === "fr" ? saved : "fr";
  init({ fallbackLocale: "fr", initialLocale: initial });
}

export function setLocale(l: Locale): void {
  locale.set(l);
  safeStorage()?.setItem(STORAGE_KEY, l);
  document.documentElement.lang = l;
}

function safeStorage(): Storage | undefined {
  try {
    return globalThis.localStorage;
  } catch {
    return undefined;
  }
}
