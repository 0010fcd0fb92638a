import { describe, expect, it, vi } from "vitest";

vi.mock("../api", () => ({
  assetUrl: (path: string, protocol: string) => `${protocol}://localhost/${encodeURIComponent(path)}`,
}));

import type { QualityFlag } from "../bindings";
import fr from "../i18n/fr.json";
import { cropFromDrag, fileName, formatEta, moved, photoUrl, thumbUrl } from "./photos";

describe("photo addresses", () => {
  it("serves derivatives by their bare name, whatever the OS separator", () => {
    expect(fileName("C:\\Users\\Boutique\\photos\\ab\\x-1-thumb.jpg")).toBe("x-1-thumb.jpg");
    expect(fileName("/home/boutique/photos/ab/x-1-main.jpg")).toBe("x-1-main.jpg");
    expect(photoUrl("/data/photos/ab/abc-0123-main.jpg")).toBe("photo://localhost/abc-0123-main.jpg");
    expect(thumbUrl({ sha256: "ab12", preset_fp: "0f0f" })).toBe("photo://localhost/ab12-0f0f-thumb.jpg");
  });
});

describe("time left", () => {
  it("reads like a French clock", () => {
    expect(formatEta(null)).toBe("");
    expect(formatEta(4.4)).toBe("4 s");
    expect(formatEta(125)).toBe("2 min 05 s");
    expect(formatEta(Number.NaN)).toBe("");
  });
});

describe("photo order", () => {
  it("moves one photo and keeps the others in place", () => {
    expect(moved([1, 2, 3], 2, -1)).toEqual([1, 3, 2]);
    expect(moved([1, 2, 3], 0, -1)).toEqual([1, 2, 3]);
    expect(moved([1, 2, 3], 0, 5)).toEqual([2, 3, 1]);
    expect(moved([1, 2, 3], 7, 1)).toEqual([1, 2, 3]);
  });
});

describe("crop frame", () => {
  it("turns a drag into fractions of the image, in any direction", () => {
    expect(cropFromDrag(100, 50, 300, 250, 400, 300)).toEqual({ x: 0.25, y: 50 / 300, w: 0.5, h: 200 / 300 });
    expect(cropFromDrag(300, 250, 100, 50, 400, 300)).toEqual(cropFromDrag(100, 50, 300, 250, 400, 300));
  });
  it("stays inside the image and refuses a click", () => {
    expect(cropFromDrag(-50, -50, 500, 500, 400, 300)).toEqual({ x: 0, y: 0, w: 1, h: 1 });
    expect(cropFromDrag(10, 10, 12, 12, 400, 300)).toBeNull();
  });
  it("keeps a square square in pixels", () => {
    const c = cropFromDrag(0, 0, 200, 100, 400, 200, true)!;
    expect(c.w * 400).toBeCloseTo(c.h * 200);
    expect(c).toEqual({ x: 0, y: 0, w: 0.25, h: 0.5 });
  });
});

describe("quality words", () => {
  it("exist for every flag Rust can send (the screens use them without a fallback)", () => {
    const flags: QualityFlag[] = ["too_small", "blurry", "too_dark", "overexposed"];
    for (const f of flags) {
      expect(fr.photos.badge[f]).toBeTruthy();
      expect(fr.photos.quality[f]).toBeTruthy();
    }
  });
});
