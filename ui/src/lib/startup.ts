import { api } from "./api";

let reported = false;

/**
 * Tells the shell, once per process, that the catalogue's first rows are on screen: the
 * start's last stage in the log, and the footprint bench's figure (issue 17). Two
 * animation frames: the rows are painted, not only in the DOM.
 */
export function reportFirstRows(): void {
  if (reported) return;
  reported = true;
  requestAnimationFrame(() => requestAnimationFrame(() => void api.startupPainted()));
}
