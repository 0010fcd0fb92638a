import { describe, expect, it } from "vitest";
import { centsToInput, formatEuros, parseEuros } from "./money";

describe("parseEuros", () => {
  it.each([
    ["12,50", 1250],
    ["12,50 €", 1250],
    ["12,5", 1250],
    ["12.5", 1250],
    ["12", 1200],
    [",99", 99],
    ["1 234,50", 123450],
    ["1\u00a0234,50\u00a0€", 123450],
    ["1\u202f234,50", 123450],
    ["1.234,50", 123450],
    ["1,234.50", 123450],
    ["4,95 EUR", 495],
  ])("reads %s as %i cents", (input, cents) => {
    expect(parseEuros(input)).toEqual({ ok: true, cents });
  });

  it.each([
    ["", "empty"],
    ["douze", "invalid"],
    ["1.234", "invalid"],
    ["12,3456", "decimals"],
    ["-3", "negative"],
    ["1,23,45", "invalid"],
    ["99999999999999", "too_large"],
  ])("refuses %s (%s)", (input, error) => {
    expect(parseEuros(input)).toEqual({ ok: false, error });
  });
});

describe("formatting", () => {
  it("writes French amounts", () => {
    expect(formatEuros(1250)).toBe("12,50\u00a0€");
    expect(formatEuros(123450)).toBe("1\u202f234,50\u00a0€");
    expect(formatEuros(5)).toBe("0,05\u00a0€");
    expect(centsToInput(495)).toBe("4,95");
    expect(centsToInput(1200)).toBe("12,00");
  });
  it("round-trips through the input format", () => {
    for (const c of [0, 1, 99, 100, 495, 123456789]) {
      expect(parseEuros(centsToInput(c))).toEqual({ ok: true, cents: c });
    }
  });
});
