import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

// Only api.ts (and the generated bindings) talk to Tauri: the screens and helpers stay
// plain web code, testable without the window.
const root = join(import.meta.dirname, "..");
const allowed = ["lib/api.ts", "lib/bindings.ts"];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = join(dir, d.name);
    if (d.isDirectory()) return sources(p);
    return /\.(ts|svelte)$/.test(d.name) && !/\.test\.ts$/.test(d.name) ? [p] : [];
  });
}

describe("the Tauri boundary", () => {
  it("keeps @tauri-apps imports in api.ts and bindings.ts", () => {
    const files = sources(root);
    expect(files.length).toBeGreaterThan(10);
    const offenders = files
      .map((p) => relative(root, p).split("\\").join("/"))
      .filter((rel) => !allowed.includes(rel))
      .filter((rel) => /(from|import)\s*\(?\s*["']@tauri-apps\//.test(readFileSync(join(root, rel), "utf8")));
    expect(offenders).toEqual([]);
  });
});
