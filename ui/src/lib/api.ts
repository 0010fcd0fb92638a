// The only door to Rust: the generated, typed bindings (and the few Tauri calls the
// window needs). Results are unwrapped here so components deal with values, and with
// AppError ({code, message, fields}) on failure.
import { Channel, convertFileSrc } from "@tauri-apps/api/core";
import { getCurrentWebview } from "@tauri-apps/api/webview";
import { onDestroy, onMount } from "svelte";
import {
  commands,
  type ImportProgress,
  type ImportSettings,
  type LiveEvent,
  type Preset,
  type Progress as PhotoProgress,
} from "./bindings";
import { AppError } from "./errors";

type Res<T> = { status: "ok"; data: T } | { status: "error"; error: unknown };

async function unwrap<T>(p: Promise<Res<T>>): Promise<T> {
  let r: Res<T>;
  try {
    r = await p;
  } catch (e) {
    throw AppError.from(e);
  }
  if (r.status === "error") throw AppError.from(r.error);
  return r.data;
}

type Commands = typeof commands;

/** A command returning a Result becomes one returning its value (or throwing AppError). */
type Unwrapped<F> = F extends (...a: infer A) => Promise<infer R>
  ? [R] extends [Res<unknown>]
    ? (...a: A) => Promise<Extract<R, { status: "ok" }>["data"]>
    : F
  : F;

type Fallible = {
  [K in keyof Commands]: Commands[K] extends (...a: never[]) => Promise<Res<unknown>> ? K : never;
}[keyof Commands];

/**
 * The commands that return no Result (they cannot fail in Rust), passed through as
 * they are. Exactly those: a new one missing here, or a listed one that now returns a
 * Result, fails `npm run check`.
 */
const INFALLIBLE = {
  importCancel: true,
  syncNow: true,
  liveSubscribe: true,
  photosCancel: true,
  recoverWarning: true,
  previewProduct: true,
  quickStartHtml: true,
  startupPainted: true,
  updateStatus: true,
} as const satisfies Record<Exclude<keyof Commands, Fallible>, true>;

type AnyCommand = (...a: unknown[]) => Promise<unknown>;

const unwrapped = Object.fromEntries(
  Object.entries(commands as unknown as Record<string, AnyCommand>).map(([name, f]) => [
    name,
    Object.prototype.hasOwnProperty.call(INFALLIBLE, name)
      ? f
      : (...a: unknown[]) => unwrap(f(...a) as Promise<Res<unknown>>),
  ]),
) as { [K in keyof Commands]: Unwrapped<Commands[K]> };

type Progress = (p: ImportProgress) => void;

/** A channel carrying a long command's progress back to the caller. */
function channel<T>(cb: (m: T) => void): Channel<T> {
  const c = new Channel<T>();
  c.onmessage = cb;
  return c;
}

export const api = {
  ...unwrapped,
  // The commands taking a progress callback: the channel is built here.
  importOpen: (path: string, sheet: string | null, progress: Progress) =>
    unwrap(commands.importOpen(channel(progress), path, sheet)),
  importSimulate: (settings: ImportSettings, progress: Progress) =>
    unwrap(commands.importSimulate(channel(progress), settings)),
  importApply: (settings: ImportSettings, progress: Progress) =>
    unwrap(commands.importApply(channel(progress), settings)),
  photosImport: (paths: string[], progress: (p: PhotoProgress) => void) =>
    unwrap(commands.photosImport(channel(progress), paths)),
  photosSetPreset: (preset: Preset, progress: (p: PhotoProgress) => void) =>
    unwrap(commands.photosSetPreset(channel(progress), preset)),
  /** What happens in the background (sync, new orders, a notification clicked). */
  liveSubscribe: (cb: (e: LiveEvent) => void) => commands.liveSubscribe(channel(cb)),
};

/** The address the window loads a file served by one of the app's protocols from. */
export function assetUrl(name: string, protocol: string): string {
  return convertFileSrc(name, protocol);
}

/**
 * Files dragged over and dropped on the window (the OS gives their paths; the web
 * side never reads them, it hands the path to a command). Call it while a component
 * initialises: it listens from its mount to its destruction.
 */
export function onDragDrop(h: { over: (over: boolean) => void; drop: (paths: string[]) => void }): void {
  let unlisten: (() => void) | null = null;
  let destroyed = false;
  onMount(async () => {
    const u = await getCurrentWebview().onDragDropEvent((e) => {
      const p = e.payload;
      if (p.type === "enter" || p.type === "over") h.over(true);
      else if (p.type === "leave") h.over(false);
      else if (p.type === "drop") h.drop(p.paths);
    });
    // Destroyed while the listener was being set up: stop it at once.
    if (destroyed) u();
    else unlisten = u;
  });
  onDestroy(() => {
    destroyed = true;
    unlisten?.();
  });
}

/** The window's zoom (1 = 100 %): the webview's own, so the page reflows. */
export function setZoom(factor: number): Promise<void> {
  return getCurrentWebview().setZoom(factor);
}
