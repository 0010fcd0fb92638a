import { describe, expect, it, vi } from "vitest";
import { dialogKeys } from "./dialog";

function key(init: KeyboardEventInit): KeyboardEvent {
  return new KeyboardEvent("keydown", { cancelable: true, ...init });
}

describe("a dialog's keys", () => {
  it("saves on Ctrl+S or ⌘S, closes on Escape, leaves other keys alone", () => {
    const save = vi.fn();
    const close = vi.fn();
    const on = dialogKeys(save, close);
    const ctrlS = key({ key: "s", ctrlKey: true });
    on(ctrlS);
    on(key({ key: "S", metaKey: true }));
    expect(save).toHaveBeenCalledTimes(2);
    expect(ctrlS.defaultPrevented).toBe(true);
    const esc = key({ key: "Escape" });
    on(esc);
    expect(close).toHaveBeenCalledTimes(1);
    expect(esc.defaultPrevented).toBe(true);
    const s = key({ key: "s" });
    on(s);
    expect(save).toHaveBeenCalledTimes(2);
    expect(s.defaultPrevented).toBe(false);
  });
});
