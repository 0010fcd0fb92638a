// Text zoom, Ctrl + / Ctrl − / Ctrl 0 as in a browser, remembered on this computer:
// shopkeepers with tired eyes set it once. The whole page zooms (the webview's own zoom),
// so layouts reflow rather than text overflowing fixed boxes.
export const ZOOM_LEVELS = [0.8, 0.9, 1, 1.1, 1.25, 1.5, 1.75, 2] as const;
const STORAGE_KEY = "comptoir.zoom";

/** The zoom a key press asks for, or null when the key is not a zoom shortcut. */
export function zoomForKey(
  e: Pick<KeyboardEvent, "ctrlKey" | "metaKey" | "key">,
  current: number,
): number | null {
  if (!(e.ctrlKey || e.metaKey)) return null;
  const i = nearest(current);
  switch (e.key) {
    case "+":
    case "=":
      return ZOOM_LEVELS[Math.min(i + 1, ZOOM_LEVELS.length - 1)]!;
    case "-":
    case "_":
      return ZOOM_LEVELS[Math.max(i - 1, 0)]!;
    case "0":
      return 1;
    default:
      return null;
  }
}

function nearest(z: number): number {
  let best = 0;
  ZOOM_LEVELS.forEach((l, i) => {
    if (Math.abs(l - z) < Math.abs(ZOOM_LEVELS[best]! - z)) best = i;
  });
  return best;
}

export function savedZoom(): number {
  const n = Number(storage()?.getItem(STORAGE_KEY));
  return ZOOM_LEVELS.includes(n as (typeof ZOOM_LEVELS)[number]) ? n : 1;
}

export function saveZoom(z: number): void {
  storage()?.setItem(STORAGE_KEY, String(z));
}

function storage(): Storage | undefined {
  try {
    return globalThis.localStorage;
  } catch {
    return undefined;
  }
}
