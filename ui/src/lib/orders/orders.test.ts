import { describe, expect, it } from "vitest";
import type { LocalOrder } from "../bindings";
import { countByTab, isoDay, nextActions, tabOf } from "./orders";

const order = (status: LocalOrder["status"], pending = 0) =>
  ({ status, pending_actions: pending }) as LocalOrder;

describe("orders screen helpers", () => {
  it("files each status under its tab", () => {
    expect(tabOf("pending_acceptance")).toBe("new");
    expect(tabOf("accepted")).toBe("to_prepare");
    expect(tabOf("ready_for_pickup")).toBe("ready");
    expect(tabOf("collected")).toBe("collected");
    expect(tabOf("refused")).toBe("closed");
    expect(tabOf("expired")).toBe("closed");
  });

  it("offers the next step only, and nothing while an action waits to be sent", () => {
    expect(nextActions(order("pending_acceptance"))).toEqual(["accept", "refuse"]);
    expect(nextActions(order("accepted"))).toEqual(["ready"]);
    expect(nextActions(order("ready_for_pickup"))).toEqual(["collected"]);
    expect(nextActions(order("collected"))).toEqual([]);
    expect(nextActions(order("pending_acceptance", 1))).toEqual([]);
  });

  it("counts orders per tab", () => {
    const c = countByTab([order("pending_acceptance"), order("pending_acceptance"), order("refused")]);
    expect(c).toEqual({ new: 2, to_prepare: 0, ready: 0, collected: 0, closed: 1 });
  });

  it("writes local days as YYYY-MM-DD", () => {
    expect(isoDay(new Date(2026, 11, 24, 23, 30))).toBe("2026-12-24");
  });
});
