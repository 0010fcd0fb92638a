// The only door to Rust: the generated, typed bindings. Results are unwrapped here so
// components deal with values, and with AppError ({code, message, fields}) on failure.
import { Channel } from "@tauri-apps/api/core";
import { getCurrentWebview } from "@tauri-apps/api/webview";
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

type Progress = (p: ImportProgress) => void;

/** A channel carrying a long command's progress back to the caller. */
function channel<T>(cb: (m: T) => void): Channel<T> {
  const c = new Channel<T>();
  c.onmessage = cb;
  return c;
}

export const api = {
  appStatus: () => unwrap(commands.appStatus()),
  startDemo: () => unwrap(commands.startDemo()),
  startClean: () => unwrap(commands.startClean()),
  listProducts: (...a: Parameters<typeof commands.listProducts>) => unwrap(commands.listProducts(...a)),
  getProduct: (id: number) => unwrap(commands.getProduct(id)),
  saveProduct: (...a: Parameters<typeof commands.saveProduct>) => unwrap(commands.saveProduct(...a)),
  deleteProduct: (id: number) => unwrap(commands.deleteProduct(id)),
  listCategories: () => unwrap(commands.listCategories()),
  saveCategory: (...a: Parameters<typeof commands.saveCategory>) => unwrap(commands.saveCategory(...a)),
  deleteCategory: (id: number) => unwrap(commands.deleteCategory(id)),
  pickFile: (...a: Parameters<typeof commands.pickFile>) => unwrap(commands.pickFile(...a)),
  pickSavePath: (...a: Parameters<typeof commands.pickSavePath>) => unwrap(commands.pickSavePath(...a)),
  importOpen: (path: string, sheet: string | null, progress: Progress) =>
    unwrap(commands.importOpen(channel(progress), path, sheet)),
  importSimulate: (settings: ImportSettings, progress: Progress) =>
    unwrap(commands.importSimulate(channel(progress), settings)),
  importApply: (settings: ImportSettings, progress: Progress) =>
    unwrap(commands.importApply(channel(progress), settings)),
  importCancel: () => commands.importCancel(),
  importSaveRejected: (...a: Parameters<typeof commands.importSaveRejected>) =>
    unwrap(commands.importSaveRejected(...a)),
  importHistory: () => unwrap(commands.importHistory()),
  importUndo: (id: number) => unwrap(commands.importUndo(id)),
  exportCatalogue: (dest: string) => unwrap(commands.exportCatalogue(dest)),
  marketStatus: () => unwrap(commands.marketStatus()),
  marketConnect: (...a: Parameters<typeof commands.marketConnect>) => unwrap(commands.marketConnect(...a)),
  marketDisconnect: () => unwrap(commands.marketDisconnect()),
  syncNow: () => commands.syncNow(),
  productSyncDetail: (id: number) => unwrap(commands.productSyncDetail(id)),
  ordersList: (...a: Parameters<typeof commands.ordersList>) => unwrap(commands.ordersList(...a)),
  orderGet: (id: string) => unwrap(commands.orderGet(id)),
  orderAct: (...a: Parameters<typeof commands.orderAct>) => unwrap(commands.orderAct(...a)),
  exportOrders: (...a: Parameters<typeof commands.exportOrders>) => unwrap(commands.exportOrders(...a)),
  exportPicklist: (...a: Parameters<typeof commands.exportPicklist>) => unwrap(commands.exportPicklist(...a)),
  picklistHtml: (date: string) => unwrap(commands.picklistHtml(date)),
  orderSettings: () => unwrap(commands.orderSettings()),
  saveOrderSettings: (...a: Parameters<typeof commands.saveOrderSettings>) =>
    unwrap(commands.saveOrderSettings(...a)),
  pickFiles: (...a: Parameters<typeof commands.pickFiles>) => unwrap(commands.pickFiles(...a)),
  pickFolder: () => unwrap(commands.pickFolder()),
  photosImport: (paths: string[], progress: (p: PhotoProgress) => void) =>
    unwrap(commands.photosImport(channel(progress), paths)),
  photosCancel: () => commands.photosCancel(),
  photosCapture: (jpeg: number[]) => unwrap(commands.photosCapture(jpeg)),
  photosLibrary: (unattachedOnly: boolean) => unwrap(commands.photosLibrary(unattachedOnly)),
  photosApplyMatches: (...a: Parameters<typeof commands.photosApplyMatches>) =>
    unwrap(commands.photosApplyMatches(...a)),
  photosSettings: () => unwrap(commands.photosSettings()),
  photosWatch: (folder: string | null) => unwrap(commands.photosWatch(folder)),
  photosSetPreset: (preset: Preset, progress: (p: PhotoProgress) => void) =>
    unwrap(commands.photosSetPreset(channel(progress), preset)),
  productPhotos: (productId: number) => unwrap(commands.productPhotos(productId)),
  photosAttach: (...a: Parameters<typeof commands.photosAttach>) => unwrap(commands.photosAttach(...a)),
  photosReorder: (...a: Parameters<typeof commands.photosReorder>) => unwrap(commands.photosReorder(...a)),
  photosSetMain: (id: number) => unwrap(commands.photosSetMain(id)),
  photosRotate: (...a: Parameters<typeof commands.photosRotate>) => unwrap(commands.photosRotate(...a)),
  photosCrop: (...a: Parameters<typeof commands.photosCrop>) => unwrap(commands.photosCrop(...a)),
  photosCropSource: (id: number) => unwrap(commands.photosCropSource(id)),
  photosSetAlt: (...a: Parameters<typeof commands.photosSetAlt>) => unwrap(commands.photosSetAlt(...a)),
  photosDetach: (id: number) => unwrap(commands.photosDetach(id)),
  /** What happens in the background (sync, new orders, a notification clicked). */
  liveSubscribe: (cb: (e: LiveEvent) => void) => commands.liveSubscribe(channel(cb)),
};

/**
 * Files dragged over and dropped on the window (the OS gives their paths; the web
 * side never reads them, it hands the path to a command).
 */
export async function onDragDrop(h: { over: (over: boolean) => void; drop: (paths: string[]) => void }) {
  return getCurrentWebview().onDragDropEvent((e) => {
    const p = e.payload;
    if (p.type === "enter" || p.type === "over") h.over(true);
    else if (p.type === "leave") h.over(false);
    else if (p.type === "drop") h.drop(p.paths);
  });
}
