import { describe, expect, it } from "vitest";
import type { MarketCampaignView, PromotionView } from "../bindings";
import { lanes, MIN_WIDTH, place, position, stack, timelineWindow, weekTicks, type Bar } from "./timeline";

// Tuesday 1 December 2026, 10:30 on the PC's clock; the window is 8 weeks from midnight.
const now = new Date(2026, 11, 1, 10, 30);
const w = timelineWindow(now);
const iso = (y: number, m: number, d: number, h = 0) => new Date(y, m - 1, d, h).toISOString();

function promo(over: Partial<PromotionView>): PromotionView {
  return {
    id: 1,
    product_id: 10,
    product_name: "Camembert",
    sku: "CAM-250",
    regular_cents: 690,
    price_cents: 590,
    percent: null,
    reference_cents: 690,
    discount_percent: 14,
    starts_at: iso(2026, 12, 7),
    ends_at: iso(2026, 12, 25),
    starts_text: "07/12/2026",
    ends_text: "24/12/2026",
    quantity_limit: null,
    perishable: false,
    campaign_id: null,
    campaign_name: null,
    state: "planned",
    on_market: true,
    ...over,
  };
}

function market(over: Partial<MarketCampaignView>): MarketCampaignView {
  return {
    id: "noel-orne",
    name: "Noël en Orne",
    description: "",
    starts_at: iso(2026, 12, 1),
    ends_at: iso(2026, 12, 25),
    starts_text: "01/12/2026",
    ends_text: "24/12/2026",
    joined: null,
    ...over,
  };
}

describe("the timeline window", () => {
  it("runs from today's midnight for eight weeks", () => {
    expect(new Date(w.start)).toEqual(new Date(2026, 11, 1));
    expect(new Date(w.end)).toEqual(new Date(2027, 0, 26));
  });

  it("puts today's marker where now is", () => {
    const p = position(now, w)!;
    expect(p).toBeGreaterThan(0);
    expect(p).toBeLessThan(100 / 56); // within the first of 56 days
    expect(position(new Date(2027, 1, 1), w)).toBeNull();
  });

  it("labels each Monday in French", () => {
    const ticks = weekTicks(w, "fr");
    expect(ticks).toHaveLength(8);
    expect(ticks[0]!.label).toBe("7 déc.");
    expect(ticks[0]!.left).toBeCloseTo((6 / 56) * 100, 0);
    expect(ticks[4]!.label).toBe("4 janv.");
    expect(weekTicks(w, "en")[0]!.label).toBe("Dec 7");
  });
});

describe("placing a period", () => {
  it("positions a bar within the window", () => {
    const p = place(iso(2026, 12, 8), iso(2026, 12, 15), w)!;
    expect(p.left).toBeCloseTo((7 / 56) * 100, 1);
    expect(p.width).toBeCloseTo((7 / 56) * 100, 1);
    expect(p.clippedLeft || p.clippedRight || p.openEnded).toBe(false);
  });

  it("runs an open-ended promotion to the right edge", () => {
    const p = place(iso(2026, 12, 15), null, w)!;
    expect(p.left + p.width).toBeCloseTo(100, 6);
    expect(p.openEnded).toBe(true);
    expect(p.clippedRight).toBe(true);
  });

  it("draws one that began before the window from its left edge", () => {
    const p = place(iso(2026, 11, 20), iso(2026, 12, 3), w)!;
    expect(p.left).toBe(0);
    expect(p.clippedLeft).toBe(true);
    expect(p.width).toBeCloseTo((2 / 56) * 100, 1);
  });

  it("leaves out what ends before the window or starts after it", () => {
    expect(place(iso(2026, 11, 1), iso(2026, 11, 30), w)).toBeNull();
    expect(place(iso(2026, 11, 1), iso(2026, 12, 1), w)).toBeNull(); // ends exactly at its start
    expect(place(iso(2027, 2, 1), null, w)).toBeNull();
    expect(place(iso(2027, 1, 26), iso(2027, 2, 2), w)).toBeNull();
    expect(place("pas une date", null, w)).toBeNull();
  });

  it("gives a very short promotion a visible width, inside the window", () => {
    const p = place(iso(2027, 1, 25, 23), iso(2027, 1, 26), w)!;
    expect(p.width).toBe(MIN_WIDTH);
    expect(p.left + p.width).toBeLessThanOrEqual(100);
  });
});

describe("lanes", () => {
  it("gives each campaign a lane and merges its promotions of one period", () => {
    const l = lanes(
      [
        promo({ id: 1, campaign_id: 3, campaign_name: "Noël 2026" }),
        promo({ id: 2, sku: "CAM-500", campaign_id: 3, campaign_name: "Noël 2026" }),
        promo({ id: 3, product_name: "Cidre", campaign_id: null }),
      ],
      [],
      w,
    );
    expect(l.map((x) => [x.kind, x.label])).toEqual([
      ["campaign", "Noël 2026"],
      ["none", null],
    ]);
    const bar = l[0]!.rows[0]![0]!;
    expect(bar.count).toBe(2);
    expect(bar.ids).toEqual([1, 2]);
    expect(bar.names).toEqual(["Camembert"]);
  });

  it("stacks overlapping periods of a lane on separate rows", () => {
    const l = lanes(
      [
        promo({ id: 1, starts_at: iso(2026, 12, 2), ends_at: iso(2026, 12, 10) }),
        promo({ id: 2, starts_at: iso(2026, 12, 5), ends_at: null }),
        promo({ id: 3, starts_at: iso(2026, 12, 10), ends_at: iso(2026, 12, 20) }),
      ],
      [],
      w,
    );
    expect(l).toHaveLength(1);
    expect(l[0]!.rows.map((r) => r.map((b) => b.ids[0]))).toEqual([[1, 3], [2]]);
  });

  it("leaves out lanes with nothing in the window, and the promotions over", () => {
    const l = lanes(
      [promo({ starts_at: iso(2026, 10, 1), ends_at: iso(2026, 10, 8), state: "ended" })],
      [],
      w,
    );
    expect(l).toEqual([]);
  });

  it("shows an announced campaign until the shop joins it", () => {
    const own = promo({ campaign_id: 7, campaign_name: "Noël en Orne" });
    expect(lanes([], [market({})], w).map((x) => [x.kind, x.rows[0]![0]!.state])).toEqual([
      ["market", "announced"],
    ]);
    expect(lanes([own], [market({ joined: 7 })], w).map((x) => x.kind)).toEqual(["campaign"]);
    expect(lanes([], [market({ starts_at: iso(2027, 3, 1), ends_at: null })], w)).toEqual([]);
  });

  it("keeps a busy lane to a few rows and counts the rest", () => {
    const bars: Bar[] = [0, 1, 2].map((i) => ({
      key: String(i),
      left: 10,
      width: 20,
      clippedLeft: false,
      clippedRight: false,
      openEnded: false,
      state: "planned",
      starts_text: "",
      ends_text: null,
      count: 1,
      ids: [i],
      names: [],
    }));
    expect(stack(bars, 2)).toMatchObject({ hidden: 1 });
    expect(stack(bars, 2).rows).toHaveLength(2);
  });
});
