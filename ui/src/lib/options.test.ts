import { describe, expect, it } from "vitest";
import { formatOptions, parseOptions } from "./options";

describe("variant options", () => {
  it("parse the one-line form", () => {
    expect(parseOptions("Taille : M ; Couleur: bleu marine")).toEqual([
      { name: "Taille", value: "M" },
      { name: "Couleur", value: "bleu marine" },
    ]);
    expect(parseOptions("  ")).toEqual([]);
  });
  it("refuse incomplete parts", () => {
    expect(parseOptions("Taille M")).toBeNull();
    expect(parseOptions("Taille :")).toBeNull();
  });
  it("round-trip", () => {
    const o = [{ name: "Contenance", value: "75 cl" }];
    expect(parseOptions(formatOptions(o))).toEqual(o);
  });
});
