// Variant options typed on one line: "Taille : M ; Couleur : bleu".
import type { VariantOption } from "./bindings";

export function formatOptions(options: VariantOption[]): string {
  return options.map((o) => `${o.name} : ${o.value}`).join(" ; ");
}

/** Null when a part has no ":" or an empty side. */
export function parseOptions(text: string): VariantOption[] | null {
  const parts = text
    .split(";")
    .map((p) => p.trim())
    .filter((p) => p !== "");
  const out: VariantOption[] = [];
  for (const p of parts) {
    const i = p.indexOf(":");
    if (i < 0) return null;
    const name = p.slice(0, i).trim();
    const value = p.slice(i + 1).trim();
    if (name === "" || value === "") return null;
    out.push({ name, value });
  }
  return out;
}
