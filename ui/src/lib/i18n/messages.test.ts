import { describe, expect, it } from "vitest";
import en from "./en.json";
import fr from "./fr.json";

function keys(o: object, prefix = ""): string[] {
  return Object.entries(o).flatMap(([k, v]) =>
    typeof v === "object" && v !== null ? keys(v, `${prefix}${k}.`) : [`${prefix}${k}`],
  );
}

describe("messages", () => {
  it("English has exactly the French keys", () => {
    expect(keys(en).sort()).toEqual(keys(fr).sort());
  });
  it("every core error code has a French wording", () => {
    for (const code of ["validation", "not_found", "conflict", "data_dir", "database", "migration", "io"]) {
      expect(fr.errors).toHaveProperty(code);
    }
  });
});
