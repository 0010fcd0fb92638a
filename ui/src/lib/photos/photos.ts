// Pure helpers of the photo studio (tested in photos.test.ts): image addresses, time
// left, order changes, crop frames.
import { assetUrl } from "../api";
import type { PhotoRecord } from "../bindings";

/** A crop in fractions (0–1) of the upright image; assignable to the bindings' `Crop`. */
export type Frame = { x: number; y: number; w: number; h: number };

/** The last part of a path, whatever the OS separator. */
export function fileName(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1] ?? path;
}

/**
 * The address the window loads a derivative from: the app's `photo:` protocol
 * (`photo://localhost/…`, `http://photo.localhost/…` on Windows), which serves only
 * derivative names from the photo store.
 */
export function photoUrl(pathOrName: string): string {
  return assetUrl(fileName(pathOrName), "photo");
}

/** The thumbnail of a library photo (derivatives are named sha-fingerprint-kind). */
export function thumbUrl(p: Pick<PhotoRecord, "sha256" | "preset_fp">): string {
  return photoUrl(`${p.sha256}-${p.preset_fp}-thumb.jpg`);
}

/** "12 s", "2 min 05 s" — time left of a batch, French style. */
export function formatEta(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "";
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${String(s % 60).padStart(2, "0")} s`;
}

/** `ids` with the item at `index` moved by `delta` places (clamped at the ends). */
export function moved<T>(ids: readonly T[], index: number, delta: number): T[] {
  const out = ids.slice();
  const to = Math.min(out.length - 1, Math.max(0, index + delta));
  if (index < 0 || index >= out.length || to === index) return out;
  const [item] = out.splice(index, 1);
  out.splice(to, 0, item as T);
  return out;
}

/**
 * The crop (fractions 0–1 of the shown image) of a frame dragged from (x0, y0) to
 * (x1, y1) in pixels of an image shown at `width` × `height`; `square` keeps the
 * sides equal in pixels. Null when the frame is too small to mean anything.
 */
export function cropFromDrag(
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  width: number,
  height: number,
  square = false,
): Frame | null {
  const clamp = (v: number, max: number) => Math.min(max, Math.max(0, v));
  let [ax, bx] = [clamp(Math.min(x0, x1), width), clamp(Math.max(x0, x1), width)];
  let [ay, by] = [clamp(Math.min(y0, y1), height), clamp(Math.max(y0, y1), height)];
  if (square) {
    const side = Math.min(bx - ax, by - ay);
    if (x1 < x0) ax = bx - side;
    else bx = ax + side;
    if (y1 < y0) ay = by - side;
    else by = ay + side;
  }
  if (bx - ax < 8 || by - ay < 8) return null;
  return { x: ax / width, y: ay / height, w: (bx - ax) / width, h: (by - ay) / height };
}
