// The keys every editing dialog answers the same way: Ctrl+S (⌘S) saves, Échap closes.

/** A `keydown` handler for a dialog: `save` on Ctrl/⌘+S, `close` on Escape. */
export function dialogKeys(save: () => unknown, close: () => void): (e: KeyboardEvent) => void {
  return (e) => {
    if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "s") {
      e.preventDefault();
      void save();
    } else if (e.key === "Escape") {
      e.preventDefault();
      close();
    }
  };
}
