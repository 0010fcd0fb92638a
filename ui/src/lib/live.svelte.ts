// What the background pushes to the window, shared by the status bar and the screens.
import type { MarketStatus, PhotoImportReport, UpdateStatus } from "./bindings";

export const live = $state({
  /** Bumped when orders were stored or changed: order screens refresh. */
  ordersSeq: 0,
  /** Bumped when the sync state changed: the status bar refreshes. */
  syncSeq: 0,
  /** An order to show (a notification was clicked). */
  openOrder: null as string | null,
  status: null as MarketStatus | null,
  /** Bumped when photos came in from the watched folder (the last batch below). */
  photosSeq: 0,
  lastPhotos: null as PhotoImportReport | null,
  /** Bumped when a backup finished (the daily one, or « Sauvegarder maintenant ») or the destination changed: the backup status refreshes. */
  backupSeq: 0,
  /** The update of Comptoir known of (offered, downloading, waiting…), as last pushed. */
  update: null as UpdateStatus | null,
});
