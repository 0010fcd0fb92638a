// Words for where an update of Comptoir stands (the banner under the top bar).
import type { UpdateStatus } from "../bindings";

type T = (key: string, opts?: { values: Record<string, string | number> }) => string;

/** Whether the banner shows: an offer, or an install under way or failed. */
export function bannerShown(s: UpdateStatus | null, dismissed: string | null): boolean {
  if (!s?.offer) return false;
  // « Plus tard » hides an offer until the next one (or the next start); an install
  // under way is always shown.
  return s.stage.stage !== "available" || dismissed !== s.offer.version;
}

/** The banner's sentence for the stage. */
export function stageText(s: UpdateStatus, t: T): string {
  const version = s.offer?.version ?? "";
  const st = s.stage;
  switch (st.stage) {
    case "downloading":
      return st.total
        ? t("update.downloading", {
            values: { version, percent: Math.min(100, Math.floor((st.received * 100) / st.total)) },
          })
        : t("update.downloading_size", {
            values: { version, received: (st.received / 1_000_000).toFixed(1).replace(".", ",") },
          });
    case "at_quit":
      return t("update.at_quit_set", { values: { version } });
    case "waiting":
      return t("update.waiting", { values: { version, what: st.what } });
    case "backing_up":
      return t("update.backing_up");
    case "installing":
      return t("update.installing", { values: { version } });
    case "failed":
      return st.error.message;
    default:
      return t("update.available", { values: { version } });
  }
}
