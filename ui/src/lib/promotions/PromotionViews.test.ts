import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { locale } from "svelte-i18n";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { Campaigns, ProductPage, PromotionPlan, PromotionView } from "../bindings";
import Catalogue from "../catalogue/Catalogue.svelte";
import { AppError } from "../errors";
import { setupI18n } from "../i18n";
import { toast } from "../toast.svelte";
import PromotionForm from "./PromotionForm.svelte";
import Promotions from "./Promotions.svelte";

const mocks = vi.hoisted(() => ({
  preview: vi.fn(),
  add: vi.fn(),
  end: vi.fn(),
  list: vi.fn(),
  campaigns: vi.fn(),
  products: vi.fn(),
}));

vi.mock("../api", () => ({
  api: {
    promotionPreview: mocks.preview,
    promotionAdd: mocks.add,
    promotionEnd: mocks.end,
    promotionsList: mocks.list,
    campaignsList: mocks.campaigns,
    listProducts: mocks.products,
    listCategories: () =>
      Promise.resolve([
        {
          id: 5,
          uid: "c5",
          parent_id: null,
          name: "Crèmerie",
          path: "Crèmerie",
          depth: 0,
          position: 0,
          product_count: 2,
        },
      ]),
  },
}));

const NBSP = "\u00a0";
const NNBSP = "\u202f";

const campaigns: Campaigns = {
  own: [],
  market: [
    {
      id: "noel-orne",
      name: "Noël en Orne",
      description: "Les fêtes chez les commerçants de l'Orne",
      starts_at: "2026-11-30T23:00:00Z",
      ends_at: "2026-12-24T23:00:00Z",
      starts_text: "01/12/2026",
      ends_text: "24/12/2026",
      joined: null,
    },
  ],
};

function plan(over: Partial<PromotionPlan> = {}): PromotionPlan {
  return {
    variants: [
      {
        sku: "CAM-500",
        product_name: "Camembert",
        regular_cents: 990,
        price_cents: 792,
        reference: { cents: 790, rule: "lowest30_days" },
        discount_percent: null,
        problem: "CAM-500 : 7,92 € n'est pas une réduction.",
      },
      {
        sku: "CAM-250",
        product_name: "Camembert",
        regular_cents: 690,
        price_cents: 552,
        reference: { cents: 690, rule: "lowest30_days" },
        discount_percent: 20,
        problem: null,
      },
    ],
    count: 2,
    refused: 1,
    problems: [],
    starts_text: "07/12/2026",
    ends_text: "24/12/2026",
    campaign: null,
    ...over,
  };
}

function view(over: Partial<PromotionView> = {}): PromotionView {
  return {
    id: 1,
    product_id: 10,
    product_name: "Camembert",
    sku: "CAM-250",
    regular_cents: 690,
    price_cents: 552,
    percent: 20,
    reference_cents: 690,
    discount_percent: 20,
    starts_at: new Date(Date.now() - 86_400_000).toISOString(),
    ends_at: new Date(Date.now() + 7 * 86_400_000).toISOString(),
    starts_text: "01/12/2026",
    ends_text: "24/12/2026",
    quantity_limit: null,
    perishable: false,
    campaign_id: 3,
    campaign_name: "Noël 2026",
    state: "running",
    on_market: true,
    ...over,
  };
}

beforeAll(() => {
  // jsdom has no ResizeObserver (bind:clientHeight of the catalogue's list).
  globalThis.ResizeObserver ??= class {
    observe() {}
    unobserve() {}
    disconnect() {}
  } as unknown as typeof ResizeObserver;
  setupI18n();
  locale.set("fr");
});
beforeEach(() => {
  for (const m of Object.values(mocks)) m.mockReset();
  mocks.preview.mockResolvedValue(plan());
  mocks.campaigns.mockResolvedValue(campaigns);
  mocks.list.mockResolvedValue([]);
});
afterEach(cleanup);

async function type(testid: string, value: string) {
  await fireEvent.input(screen.getByTestId(testid), { target: { value } });
}

describe("the new promotion form", () => {
  it("previews the request as it is typed, refused variants first, with their reference", async () => {
    render(PromotionForm, { props: { onclose: () => {} } });
    await waitFor(() => expect(document.activeElement).toBe(screen.getByTestId("promo-target-skus")));
    expect(screen.getByTestId("promo-preview").textContent).toContain("Complétez le formulaire");
    // Nothing flagged in red before a first « Enregistrer ».
    expect(screen.queryByTestId("promo-target-error")).toBeNull();

    await type("promo-target-skus", "CAM-250, CAM-500");
    await type("promo-percent", "20");
    const date = screen.getByTestId("promo-from") as HTMLInputElement;
    // A day far from today (a day alone that is today would start now).
    await fireEvent.input(date, { target: { value: "15/01/2031" } });
    await fireEvent.change(date);
    await type("promo-campaign-name", "Noël 2026");

    await waitFor(() => expect(screen.getByTestId("promo-preview").textContent).toContain("1 refusée"));
    expect(mocks.preview).toHaveBeenLastCalledWith({
      target: { by: "skus", skus: ["CAM-250", "CAM-500"] },
      discount: { kind: "percent_off", percent: 20 },
      starts: "2031-01-15",
      ends: null,
      quantity_limit: null,
      campaign: { kind: "named", name: "Noël 2026" },
      perishable: false,
    });
    const summary = screen.getByTestId("promo-preview");
    expect(summary.getAttribute("aria-live")).toBe("polite");
    expect(summary.textContent).toContain("2 déclinaisons · 1 refusée · du 07/12/2026 au 24/12/2026");
    const rows = screen.getAllByTestId("promo-preview-variant");
    expect(rows[0]!.textContent).toContain("n'est pas une réduction");
    expect(rows[1]!.textContent).toContain(`6,90${NBSP}€ → 5,52${NBSP}€`);
    expect(rows[1]!.textContent).toContain(`−20${NNBSP}%`);
    expect(rows[1]!.textContent).toContain("le prix le plus bas des 30 jours avant le début");
    expect(rows[1]!.querySelector("del")?.textContent).toBe(`6,90${NBSP}€`);
  });

  it("shows the request's problems from the preview beside their fields", async () => {
    mocks.preview.mockResolvedValue(
      plan({ problems: [{ field: "starts", code: "past", message: "Le début est déjà passé." }] }),
    );
    render(PromotionForm, { props: { target: { by: "skus", skus: ["CAM-250"] }, onclose: () => {} } });
    await type("promo-percent", "20");
    expect((await screen.findByTestId("promo-starts-error")).textContent).toBe("Le début est déjà passé.");
    expect(screen.getByTestId("promo-from").getAttribute("aria-invalid")).toBe("true");
  });

  it("saves all the variants, says how many, and closes", async () => {
    const onclose = vi.fn();
    mocks.preview.mockResolvedValue(plan({ count: 5000, refused: 0, variants: [] }));
    let finish: (v: unknown) => void = () => {};
    mocks.add.mockReturnValue(new Promise((r) => (finish = r)));
    render(PromotionForm, { props: { target: { by: "category", id: 5 }, onclose } });
    await fireEvent.click(screen.getByTestId("promo-kind-price"));
    await type("promo-price", "4,90");
    await waitFor(() =>
      expect(screen.getByTestId("promo-preview").textContent).toContain(`5${NNBSP}000 déclinaisons`),
    );
    await fireEvent.click(screen.getByTestId("promo-save"));
    expect(mocks.add).toHaveBeenCalledWith(
      expect.objectContaining({
        target: { by: "category", id: 5 },
        discount: { kind: "new_price", cents: 490 },
      }),
    );
    // Long work: the button is disabled and the work shown.
    expect((screen.getByTestId("promo-save") as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByTestId("promo-saving").textContent).toContain(
      `Mise en promotion de 5${NNBSP}000 déclinaisons`,
    );
    finish({ created: 5000, campaign_id: null, ids: [] });
    await waitFor(() => expect(onclose).toHaveBeenCalledWith(true));
    expect(toast.text).toBe("5\u202f000 déclinaisons mises en promotion");
  });

  it("shows Rust's refusal beside the fields and lists the refused variants", async () => {
    const onclose = vi.fn();
    mocks.add.mockRejectedValue(
      new AppError("validation", "x", [
        { field: "ends", code: "before_start", message: "La fin doit venir après le début." },
        { field: "variants.CAM-500", code: "refused", message: "CAM-500 : n'est pas une réduction." },
      ]),
    );
    render(PromotionForm, { props: { target: { by: "skus", skus: ["CAM-250", "CAM-500"] }, onclose } });
    await type("promo-percent", "20");
    await fireEvent.click(screen.getByTestId("promo-save"));
    expect((await screen.findByTestId("promo-ends-error")).textContent).toBe(
      "La fin doit venir après le début.",
    );
    expect(screen.getByTestId("promo-refused").textContent).toContain("CAM-500 : n'est pas une réduction.");
    expect(screen.getByTestId("promo-banner").textContent).toContain("Rien n'a été enregistré");
    expect(onclose).not.toHaveBeenCalled();
  });

  it("flags what is missing on save without asking Rust", async () => {
    render(PromotionForm, { props: { onclose: () => {} } });
    await fireEvent.click(screen.getByTestId("promo-save"));
    expect(screen.getByTestId("promo-target-error").textContent).toBe("Tapez au moins une référence");
    expect(screen.getByTestId("promo-discount-error").textContent).toBe("Indiquez la remise en pourcentage");
    expect(mocks.add).not.toHaveBeenCalled();
  });

  it("takes part in a marketplace campaign with its dates; a typed name makes a new campaign", async () => {
    render(PromotionForm, {
      props: {
        target: { by: "products", ids: [10, 11] },
        names: ["Camembert", "Pont-l'Évêque"],
        joining: campaigns.market[0]!,
        onclose: () => {},
      },
    });
    expect(screen.getByTestId("promo-target-products").textContent).toContain("2 produits choisis");
    await waitFor(() =>
      expect((screen.getByTestId("promo-campaign") as HTMLSelectElement).value).toBe("market:noel-orne"),
    );
    expect((screen.getByTestId("promo-to") as HTMLInputElement).value).toBe("24/12/2026");
    await type("promo-campaign-name", "Noël 2026");
    expect((screen.getByTestId("promo-campaign") as HTMLSelectElement).value).toBe("new");
  });

  it("closes with Escape", async () => {
    const onclose = vi.fn();
    render(PromotionForm, { props: { onclose } });
    await fireEvent.keyDown(window, { key: "Escape" });
    expect(onclose).toHaveBeenCalledWith(false);
  });
});

describe("the promotions screen", () => {
  it("lists promotions by campaign with the reference struck through, and ends one after confirming", async () => {
    mocks.list.mockResolvedValue([
      view(),
      view({
        id: 2,
        sku: "PAT-180",
        campaign_id: null,
        campaign_name: null,
        state: "planned",
        on_market: false,
      }),
    ]);
    mocks.end.mockResolvedValue("ended");
    render(Promotions);
    const rows = await screen.findAllByTestId("promo-row");
    expect(rows).toHaveLength(2);
    expect(rows[0]!.textContent).toContain("CAM-250");
    expect(rows[0]!.querySelector("[data-testid=promo-row-price]")?.textContent).toBe(`5,52${NBSP}€`);
    expect(rows[0]!.querySelector("del")?.textContent).toBe(`6,90${NBSP}€`);
    expect(rows[0]!.querySelector("[data-testid=promo-state]")?.textContent).toBe("En cours");
    expect(rows[0]!.querySelector("[data-testid=promo-market-state]")?.textContent?.trim()).toBe(
      "Sur la place de marché",
    );
    expect(rows[1]!.querySelector("[data-testid=promo-state]")?.textContent).toBe("Prévue");
    expect(rows[1]!.querySelector("[data-testid=promo-market-state]")?.textContent?.trim()).toBe(
      "Pas encore envoyée",
    );
    expect(screen.getAllByTestId("promo-group").map((g) => g.querySelector("h2")?.textContent)).toEqual([
      expect.stringContaining("Noël 2026"),
      expect.stringContaining("Sans campagne"),
    ]);
    expect(screen.getByTestId("campaign-row").textContent).toContain("Noël en Orne");
    expect(screen.getAllByTestId("timeline-lane").length).toBeGreaterThan(0);

    const endButtons = screen.getAllByTestId("promo-end");
    expect(endButtons.map((b) => b.textContent?.trim())).toEqual(["Terminer", "Retirer"]);
    await fireEvent.click(endButtons[0]!);
    expect(mocks.end).not.toHaveBeenCalled();
    const confirm = screen.getByTestId("promo-end-confirm");
    await waitFor(() => expect(document.activeElement).toBe(confirm));
    await fireEvent.click(confirm);
    expect(mocks.end).toHaveBeenCalledWith(1);
    await waitFor(() => expect(toast.text).toBe("Promotion de CAM-250 terminée."));
  });

  it("opens the form on « Participer » with the campaign chosen", async () => {
    render(Promotions);
    await fireEvent.click(await screen.findByTestId("campaign-join"));
    await waitFor(() =>
      expect((screen.getByTestId("promo-campaign") as HTMLSelectElement).value).toBe("market:noel-orne"),
    );
  });
});

describe("the catalogue", () => {
  const page: ProductPage = {
    total: 2,
    offset: 0,
    items: [
      {
        id: 10,
        name: "Camembert",
        sku: "CAM-250",
        variant_count: 1,
        category_path: "Crèmerie",
        min_price_cents: 690,
        max_price_cents: 690,
        total_stock: 4,
        status: "published",
        kind: "goods",
        stock_policy: "counted",
        packaging: null,
        unit_price: null,
        promotion: { state: "running", price_cents: 552, when_text: "24/12/2026" },
      } as ProductPage["items"][number],
      {
        id: 11,
        name: "Cidre",
        sku: "CID-75",
        variant_count: 1,
        category_path: null,
        min_price_cents: 650,
        max_price_cents: 650,
        total_stock: 9,
        status: "draft",
        kind: "goods",
        stock_policy: "counted",
        packaging: null,
        unit_price: null,
        promotion: { state: "planned", price_cents: 590, when_text: "01/12/2026 08:00" },
      } as ProductPage["items"][number],
    ],
  };

  it("badges the rows on promotion and puts the ticked products on promotion", async () => {
    mocks.products.mockResolvedValue(page);
    render(Catalogue);
    const badges = await screen.findAllByTestId("row-promo-badge");
    expect(badges.map((b) => b.textContent)).toEqual([`En promo 5,52${NBSP}€`, "Promo le 01/12"]);
    expect(badges[0]!.getAttribute("title")).toBe("En promotion jusqu'au 24/12/2026");
    const promote = screen.getByTestId("catalogue-promote") as HTMLButtonElement;
    expect(promote.disabled).toBe(true);
    await fireEvent.click(screen.getByTestId("catalogue-select-11"));
    expect(screen.getByTestId("catalogue-picked").textContent).toContain("1 produit sélectionné");
    await fireEvent.click(promote);
    // The form's code is fetched when first opened (Lazy.svelte).
    expect((await screen.findByTestId("promo-target-products")).textContent).toContain("Cidre");
    await fireEvent.keyDown(window, { key: "Escape" });
    expect(screen.queryByTestId("promo-form")).toBeNull();
  });
});
