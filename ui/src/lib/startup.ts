import { api } from "./api";

let reported = false;
const stages: { stage: string; ms: number }[] = [];

/**
 * One stage of the page's start, by the page's clock (from the start of its navigation):
 * sent with the first painted rows, so the app's log says where a slow start went.
 */
export function startupStage(stage: string): void {
  if (!reported) stages.push({ stage, ms: Math.round(performance.now()) });
}

/**
 * Tells the shell, once per process, that the catalogue's first rows are on screen: the
 * start's last stage in the log, and the footprint bench's figure (issue 17). Two
 * animation frames: the rows are painted, not only in the DOM.
 */
export function reportFirstRows(): void {
  if (reported) return;
  reported = true;
  startupStage("première page reçue");
  // The document itself: received, then parsed (its module script runs after).
  const nav = performance.getEntriesByType?.("navigation")[0] as PerformanceNavigationTiming | undefined;
  if (nav) {
    stages.unshift(
      { stage: "document reçu", ms: Math.round(nav.responseEnd) },
      { stage: "document analysé", ms: Math.round(nav.domInteractive) },
    );
  }
  requestAnimationFrame(() =>
    requestAnimationFrame(() => void api.startupPainted(stages, performance.now())),
  );
}
