// Pure helpers of the orders screen.
import type { LocalOrder, OrderStatusName } from "../bindings";

export type Tab = "new" | "to_prepare" | "ready" | "collected" | "closed";

export const TABS: Tab[] = ["new", "to_prepare", "ready", "collected", "closed"];

/** The tab an order status belongs to. */
export function tabOf(s: OrderStatusName): Tab {
  switch (s) {
    case "pending_acceptance":
      return "new";
    case "accepted":
      return "to_prepare";
    case "ready_for_pickup":
      return "ready";
    case "collected":
      return "collected";
    default:
      return "closed";
  }
}

/** What the shopkeeper can do next on an order. */
export function nextActions(o: LocalOrder): ("accept" | "refuse" | "ready" | "collected")[] {
  if (o.pending_actions > 0) return [];
  switch (o.status) {
    case "pending_acceptance":
      return ["accept", "refuse"];
    case "accepted":
      return ["ready"];
    case "ready_for_pickup":
      return ["collected"];
    default:
      return [];
  }
}

export function countByTab(orders: LocalOrder[]): Record<Tab, number> {
  const c: Record<Tab, number> = { new: 0, to_prepare: 0, ready: 0, collected: 0, closed: 0 };
  for (const o of orders) c[tabOf(o.status)] += 1;
  return c;
}

/** `YYYY-MM-DD` of a date in the shop's local time. */
export function isoDay(d: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}
