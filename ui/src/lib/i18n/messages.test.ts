import { describe, expect, it } from "vitest";
import en from "./en.json";
import fr from "./fr.json";
import { ERROR_KEYS } from "../errors";

function keys(o: object, prefix = ""): string[] {
  return Object.entries(o).flatMap(([k, v]) =>
    typeof v === "object" && v !== null ? keys(v, `${prefix}${k}.`) : [`${prefix}${k}`],
  );
}

describe("messages", () => {
  it("English has exactly the French keys", () => {
    expect(keys(en).sort()).toEqual(keys(fr).sort());
  });
  it("every error code's wording exists in French and English", () => {
    const lookup = (o: object, key: string) =>
      key.split(".").reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], o);
    for (const key of [...Object.values(ERROR_KEYS), "errors.unknown"]) {
      expect(typeof lookup(fr, key), `fr ${key}`).toBe("string");
      expect(typeof lookup(en, key), `en ${key}`).toBe("string");
    }
  });
});
