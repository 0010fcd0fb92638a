import { describe, expect, it } from "vitest";
import type { Product } from "../bindings";
import { draftInput, emptyForm, formFieldOf, formFromProduct, toInput, unitPriceText } from "./form";

describe("product form", () => {
  it("turns what was typed into a typed input with cents", () => {
    const f = emptyForm(2);
    f.name = "  Camembert  ";
    f.packaging = " boîte ";
    f.variants[0] = {
      ...f.variants[0]!,
      sku: "CAM-250",
      price: "4,95 €",
      stock: "12",
      net_quantity: " 250g ",
      options: "Affinage : 21 jours",
    };
    const r = toInput(f);
    expect("input" in r).toBe(true);
    if (!("input" in r)) return;
    expect(r.input.name).toBe("Camembert");
    expect(r.input.category_id).toBe(2);
    expect(r.input.offer).toEqual({
      packaging: "boîte",
      kind: "goods",
      stock_policy: "counted",
      lead_time_days: null,
      duration_minutes: null,
      sessions: [],
      food: null,
    });
    expect(r.input.variants[0]).toMatchObject({
      sku: "CAM-250",
      price_cents: 495,
      stock: 12,
      // Rust reads and rewrites it (« 250 g »): the form only trims.
      net_quantity: "250g",
      ean: null,
      options: [{ name: "Affinage", value: "21 jours" }],
    });
  });

  it("reports each bad field with a message key", () => {
    const f = emptyForm();
    f.stock_policy = "made_to_order";
    f.lead_time_days = "400";
    f.kind = "service";
    f.duration_hours = "2";
    f.duration_minutes = "75";
    f.is_food = true;
    f.food.abv = "fort";
    f.food.no_allergens = true;
    f.food.allergens = ["milk"];
    f.variants[0] = { ...f.variants[0]!, price: "douze", stock: "1,5", options: "Taille" };
    const r = toInput(f);
    expect(r).toEqual({
      errors: {
        name: "editor.required",
        "variants.0.sku": "editor.required",
        "variants.0.price": "money.invalid",
        "variants.0.stock": "editor.number_invalid",
        "variants.0.options": "editor.options_invalid",
        "offer.lead_time_days": "editor.lead_time_invalid",
        "offer.duration_minutes": "editor.duration_invalid",
        "offer.food.abv_tenths": "editor.abv_invalid",
        "offer.food.allergens": "editor.allergens_conflict",
      },
    });
  });

  it("tells allergens not filled in from « aucun »", () => {
    const f = emptyForm();
    f.name = "Miel";
    f.is_food = true;
    f.variants[0] = { ...f.variants[0]!, sku: "MIEL", price: "8" };
    const food = () => {
      const r = toInput(f);
      return "input" in r ? r.input.offer.food : undefined;
    };
    expect(food()?.allergens).toBeNull();
    f.food.no_allergens = true;
    expect(food()?.allergens).toEqual([]);
    f.food.no_allergens = false;
    // Ticked in any order, sent in the label's order.
    f.food.allergens = ["sulphites", "gluten"];
    expect(food()?.allergens).toEqual(["gluten", "sulphites"]);
    f.food.abv = "12,5 %";
    f.food.labels = "AOP ; Label Rouge,";
    expect(food()).toMatchObject({ abv_tenths: 125, labels: ["AOP", "Label Rouge"] });
  });

  it("a service has a duration and sessions; goods have neither", () => {
    const f = emptyForm();
    f.name = "Atelier poterie";
    f.kind = "service";
    f.duration_hours = "2";
    f.duration_minutes = "30";
    f.sessions = [
      { starts_at: "2026-12-12T14:00", places: "8" },
      { starts_at: "", places: "" },
    ];
    f.variants[0] = { ...f.variants[0]!, sku: "ATL", price: "35" };
    let r = toInput(f);
    expect("input" in r && r.input.offer).toMatchObject({
      kind: "service",
      duration_minutes: 150,
      sessions: [{ starts_at: "2026-12-12T14:00", places: 8 }],
    });
    f.kind = "goods";
    r = toInput(f);
    expect("input" in r && r.input.offer).toMatchObject({ duration_minutes: null, sessions: [] });
  });

  it("the live preview gets an input even from a half-typed form", () => {
    const f = emptyForm();
    f.variants[0] = { ...f.variants[0]!, price: "6,5", net_quantity: "75cl" };
    const input = draftInput(f);
    expect(input.variants[0]).toMatchObject({ price_cents: 650, net_quantity: "75cl" });
  });

  it("maps Rust field names onto form fields", () => {
    expect(formFieldOf("variants.3.price_cents")).toBe("variants.3.price");
    expect(formFieldOf("variants.0.net_quantity")).toBe("variants.0.net_quantity");
    expect(formFieldOf("offer.food.allergens")).toBe("offer.food.allergens");
  });

  it("writes unit prices the French way", () => {
    expect(unitPriceText({ cents: 867, per: "l" })).toBe("8,67\u00a0€ / l");
    expect(unitPriceText({ cents: 1980, per: "kg" })).toBe("19,80\u00a0€ / kg");
    expect(unitPriceText({ cents: 750, per: "m2" })).toBe("7,50\u00a0€ / m²");
  });

  it("loads a stored product back into the form unchanged", () => {
    const p: Product = {
      id: 7,
      uid: "p-1",
      name: "Cidre",
      description: "",
      category_id: null,
      category_path: null,
      status: "published",
      vat: "normal",
      unit: "piece",
      offer: {
        packaging: "bouteille",
        kind: "goods",
        stock_policy: "made_to_order",
        lead_time_days: 10,
        duration_minutes: null,
        sessions: [],
        food: {
          ingredients: "Pommes",
          allergens: [],
          storage: "Au frais",
          origin: "Normandie",
          producer: "",
          labels: ["AOP"],
          abv_tenths: 55,
        },
      },
      created_at: "",
      updated_at: "",
      variants: [
        {
          id: 9,
          sku: "CID",
          options: [],
          price_cents: 450,
          stock: 3,
          ean: null,
          net_quantity: "75 cl",
          unit_price: { cents: 600, per: "l" },
        },
      ],
    };
    const form = formFromProduct(p);
    expect(form.food).toMatchObject({ no_allergens: true, abv: "5,5", labels: "AOP" });
    const r = toInput(form);
    expect("input" in r && r.input.offer).toEqual(p.offer);
    expect("input" in r && r.input.variants[0]).toMatchObject({
      id: 9,
      price_cents: 450,
      net_quantity: "75 cl",
    });
  });
});
