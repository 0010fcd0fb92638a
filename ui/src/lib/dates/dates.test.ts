import { describe, expect, it } from "vitest";
import { frToIso, isoToFr } from "./dates";

describe("French dates", () => {
  it("shows a day as dd/mm/yyyy", () => {
    expect(isoToFr("2026-12-07")).toBe("07/12/2026");
    expect(isoToFr("")).toBe("");
    expect(isoToFr("07/12/2026")).toBe("");
  });
  it("reads what people type, day first", () => {
    expect(frToIso("7/12/2026")).toBe("2026-12-07");
    expect(frToIso("07.12.2026")).toBe("2026-12-07");
    expect(frToIso("07-12-26")).toBe("2026-12-07");
    expect(frToIso(" 2026-12-07 ")).toBe("2026-12-07");
    expect(frToIso("")).toBe("");
  });
  it("refuses days that do not exist", () => {
    expect(frToIso("31/02/2026")).toBeNull();
    expect(frToIso("12/13/2026")).toBeNull();
    expect(frToIso("demain")).toBeNull();
  });
});
