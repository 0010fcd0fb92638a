import { describe, expect, it } from "vitest";
import type { CampaignView, PromotionView } from "../bindings";
import {
  campaignPeriod,
  emptyForm,
  groupByCampaign,
  parisNow,
  parseSkus,
  readTime,
  splitFrText,
  startText,
  termsOf,
  toEdit,
  toRequest,
  type PromotionForm,
} from "./promotions";

// 1 December 2026, 09:30 in Paris (08:30 UTC, winter time).
const now = new Date("2026-12-01T08:30:00Z");

function form(over: Partial<PromotionForm> = {}): PromotionForm {
  return { ...emptyForm(now), skus: "CAM-250", percent: "20", ...over };
}

function view(over: Partial<PromotionView> = {}): PromotionView {
  return {
    id: 4,
    product_id: 10,
    product_name: "Camembert",
    sku: "CAM-250",
    regular_cents: 690,
    price_cents: 590,
    percent: null,
    reference_cents: 690,
    discount_percent: 14,
    starts_at: "2026-12-06T23:00:00Z",
    ends_at: "2026-12-24T23:00:00Z",
    starts_text: "07/12/2026",
    ends_text: "24/12/2026",
    quantity_limit: null,
    perishable: false,
    campaign_id: null,
    campaign_name: null,
    state: "planned",
    on_market: false,
    ...over,
  };
}

describe("what the form sends", () => {
  it("reads SKUs separated by spaces, commas, semicolons or lines, once each", () => {
    expect(parseSkus(" CAM-250, CAM-500;\nPAT-180  CAM-250 ")).toEqual(["CAM-250", "CAM-500", "PAT-180"]);
    expect(parseSkus("  ")).toEqual([]);
  });

  it("knows the day and time in Paris", () => {
    expect(parisNow(now)).toEqual({ day: "2026-12-01", time: "09:30" });
    expect(parisNow(new Date("2026-12-31T23:30:00Z")).day).toBe("2027-01-01");
  });

  it("reads times the French way", () => {
    expect(readTime("8h30")).toBe("08:30");
    expect(readTime("8h")).toBe("08:00");
    expect(readTime("18:05")).toBe("18:05");
    expect(readTime("")).toBe("");
    expect(readTime("25:00")).toBeNull();
    expect(readTime("midi")).toBeNull();
  });

  it("starts today now, another day at midnight", () => {
    expect(startText("2026-12-01", "", now)).toBe("2026-12-01T09:30");
    expect(startText("2026-12-07", "", now)).toBe("2026-12-07");
    expect(startText("2026-12-01", "18:00", now)).toBe("2026-12-01T18:00");
  });

  it("builds a percentage promotion on SKUs until the stock runs out", () => {
    expect(toRequest(form({ skus: "CAM-250 CAM-500", fromDay: "2026-12-07" }), now)).toEqual({
      request: {
        target: { by: "skus", skus: ["CAM-250", "CAM-500"] },
        discount: { kind: "percent_off", percent: 20 },
        starts: "2026-12-07",
        ends: null,
        quantity_limit: null,
        campaign: null,
        perishable: false,
      },
    });
  });

  it("builds a new price on products, with an end, a limit and a new campaign", () => {
    const r = toRequest(
      form({
        mode: "products",
        productIds: [3, 4],
        kind: "price",
        price: "9,90 €",
        fromDay: "2026-12-07",
        fromTime: "8h",
        toDay: "2026-12-24",
        limit: "50",
        campaign: "new",
        campaignName: " Noël 2026 ",
        perishable: true,
      }),
      now,
    );
    expect(r).toEqual({
      request: {
        target: { by: "products", ids: [3, 4] },
        discount: { kind: "new_price", cents: 990 },
        starts: "2026-12-07T08:00",
        ends: "2026-12-24",
        quantity_limit: 50,
        campaign: { kind: "named", name: "Noël 2026" },
        perishable: true,
      },
    });
  });

  it("joins a campaign of the shop's or of the marketplace", () => {
    const own = toRequest(form({ campaign: "own:3" }), now);
    expect("request" in own && own.request.campaign).toEqual({ kind: "existing", id: 3 });
    const market = toRequest(form({ mode: "category", categoryId: 5, campaign: "market:noel-orne" }), now);
    expect("request" in market && market.request).toMatchObject({
      target: { by: "category", id: 5 },
      campaign: { kind: "market", id: "noel-orne" },
    });
  });

  it("says what to fix before asking Rust", () => {
    expect(
      toRequest(
        form({ skus: " ", percent: "120", toTime: "18h", limit: "0", campaign: "new", fromTime: "x" }),
        now,
      ),
    ).toEqual({
      errors: {
        target: "promotions.errors.skus_required",
        discount: "promotions.errors.percent_range",
        starts: "promotions.errors.time_invalid",
        ends: "promotions.errors.end_day_required",
        quantity_limit: "promotions.errors.limit_invalid",
        campaign: "promotions.errors.campaign_name",
      },
    });
    expect(toRequest(form({ kind: "price", price: "douze" }), now)).toEqual({
      errors: { discount: "money.invalid" },
    });
    expect(toRequest(form({ kind: "price", price: "0" }), now)).toEqual({
      errors: { discount: "promotions.errors.price_zero" },
    });
  });
});

describe("editing one promotion", () => {
  it("starts from what it is", () => {
    expect(splitFrText("01/12/2026 08:00")).toEqual({ day: "2026-12-01", time: "08:00" });
    expect(
      termsOf(view({ percent: 20, quantity_limit: 5, reference_cents: null, perishable: true })),
    ).toMatchObject({
      kind: "percent",
      percent: "20",
      fromDay: "2026-12-07",
      toDay: "2026-12-24",
      limit: "5",
      perishable: true,
    });
    expect(termsOf(view()).price).toBe("5,90");
  });

  it("sends a planned one's new terms", () => {
    const v = view();
    const r = toEdit(v, { ...termsOf(v), price: "4,90", toDay: "" }, now);
    expect(r).toEqual({
      edit: {
        discount: { kind: "new_price", cents: 490 },
        starts: "2026-12-07",
        ends: null,
        quantity_limit: null,
        perishable: false,
      },
    });
  });

  it("keeps a running one's start, price and perishable flag", () => {
    const v = view({ state: "running", starts_text: "20/11/2026 08:00", percent: 10 });
    const r = toEdit(
      v,
      { ...termsOf(v), percent: "50", fromDay: "2026-12-20", toDay: "2026-12-31", limit: "3" },
      now,
    );
    expect(r).toEqual({
      edit: {
        discount: { kind: "percent_off", percent: 10 },
        starts: "20/11/2026 08:00",
        ends: "2026-12-31",
        quantity_limit: 3,
        perishable: false,
      },
    });
  });
});

describe("display", () => {
  it("groups by campaign, running first, the promotions without a campaign last", () => {
    const campaign = { id: 3, name: "Noël 2026" } as CampaignView;
    const groups = groupByCampaign(
      [
        view({ id: 1, sku: "B" }),
        view({ id: 2, campaign_id: 3, campaign_name: "Noël 2026", state: "planned", sku: "Z" }),
        view({ id: 3, campaign_id: 3, campaign_name: "Noël 2026", state: "running", sku: "Y" }),
        view({ id: 4, sku: "A" }),
      ],
      [campaign],
    );
    expect(groups.map((g) => [g.name, g.campaign?.id ?? null, g.items.map((p) => p.id)])).toEqual([
      ["Noël 2026", 3, [3, 2]],
      [null, null, [4, 1]],
    ]);
  });

  it("proposes a campaign's dates, from now when it has begun", () => {
    expect(campaignPeriod({ starts_text: "07/12/2026", ends_text: "24/12/2026" }, now)).toEqual({
      fromDay: "2026-12-07",
      fromTime: "",
      toDay: "2026-12-24",
      toTime: "",
    });
    expect(campaignPeriod({ starts_text: "20/11/2026", ends_text: null }, now)).toEqual({
      fromDay: "2026-12-01",
      fromTime: "",
      toDay: "",
      toTime: "",
    });
    expect(campaignPeriod({ starts_text: "01/12/2026 18:00", ends_text: null }, now).fromTime).toBe("18:00");
  });
});
