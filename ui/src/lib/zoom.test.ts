import { beforeEach, describe, expect, it } from "vitest";
import { savedZoom, saveZoom, zoomForKey } from "./zoom";

const key = (k: string, ctrl = true) => ({ key: k, ctrlKey: ctrl, metaKey: false });

describe("text zoom", () => {
  beforeEach(() => localStorage.clear());

  it("steps through the levels up to 200 % and back", () => {
    let z = 1;
    const seen: number[] = [];
    for (let i = 0; i < 8; i++) {
      z = zoomForKey(key("+"), z)!;
      seen.push(z);
    }
    expect(seen).toEqual([1.1, 1.25, 1.5, 1.75, 2, 2, 2, 2]);
    expect(zoomForKey(key("-"), 2)).toBe(1.75);
    expect(zoomForKey(key("="), 1)).toBe(1.1);
    expect(zoomForKey(key("0"), 1.75)).toBe(1);
    expect(zoomForKey(key("-"), 0.8)).toBe(0.8);
  });

  it("ignores keys without Ctrl, and other keys", () => {
    expect(zoomForKey(key("+", false), 1)).toBeNull();
    expect(zoomForKey(key("s"), 1)).toBeNull();
  });

  it("is remembered, and a damaged value reads as 100 %", () => {
    expect(savedZoom()).toBe(1);
    saveZoom(1.5);
    expect(savedZoom()).toBe(1.5);
    localStorage.setItem("comptoir.zoom", "12");
    expect(savedZoom()).toBe(1);
  });
});
