// French first, English second. The chosen language is remembered on this computer.
import { addMessages, init, locale, register, waitLocale } from "svelte-i18n";
import fr from "./fr.json";

export const LOCALES = ["fr", "en"] as const;
export type Locale = (typeof LOCALES)[number];
const STORAGE_KEY = "comptoir.locale";

/**
 * French is in the first script; English is a chunk of its own, fetched when chosen
 * (issue 17: half the messages are never read on a French shop's PC, and a script not
 * evaluated costs neither start time nor memory). Resolves once the chosen language's
 * messages are in, so the first paint is in that language.
 */
export function setupI18n(): Promise<void> {
  addMessages("fr", fr);
  register("en", () => import("./en.json"));
  const saved = safeStorage()?.getItem(STORAGE_KEY);
  // French unless the user picked English: the people this is for speak French, even
  // on a PC whose system language is set otherwise.
  const initial = saved === "en" || saved === "fr" ? saved : "fr";
  init({ fallbackLocale: "fr", initialLocale: initial });
  document.documentElement.lang = initial;
  return waitLocale(initial);
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
