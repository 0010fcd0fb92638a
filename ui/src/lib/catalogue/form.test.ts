import { describe, expect, it } from "vitest";
import type { Product } from "../bindings";
import { emptyForm, formFieldOf, formFromProduct, toInput } from "./form";

describe("product form", () => {
  it("turns what was typed into a typed input with cents", () => {
    const f = emptyForm(2);
    f.name = "  Camembert  ";
    f.variants[0] = {
      ...f.variants[0]!,
      sku: "CAM-250",
      price: "4,95 €",
      stock: "12",
      weight: "250",
      options: "Poids : 250 g",
    };
    const r = toInput(f);
    expect("input" in r).toBe(true);
    if (!("input" in r)) return;
    expect(r.input.name).toBe("Camembert");
    expect(r.input.category_id).toBe(2);
    expect(r.input.variants[0]).toMatchObject({
      sku: "CAM-250",
      price_cents: 495,
      stock: 12,
      weight_g: 250,
      volume_ml: null,
      ean: null,
      options: [{ name: "Poids", value: "250 g" }],
    });
  });

  it("reports each bad field with a message key", () => {
    const f = emptyForm();
    f.variants[0] = { ...f.variants[0]!, price: "douze", stock: "1,5", weight: "0", options: "Taille" };
    const r = toInput(f);
    expect(r).toEqual({
      errors: {
        name: "editor.required",
        "variants.0.sku": "editor.required",
        "variants.0.price": "money.invalid",
        "variants.0.stock": "editor.number_invalid",
        "variants.0.weight": "editor.number_invalid",
        "variants.0.options": "editor.options_invalid",
      },
    });
  });

  it("maps Rust field names onto form fields", () => {
    expect(formFieldOf("variants.3.price_cents")).toBe("variants.3.price");
    expect(formFieldOf("variants.0.ean")).toBe("variants.0.ean");
    expect(formFieldOf("name")).toBe("name");
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
          weight_g: null,
          volume_ml: 750,
          unit_price: { cents: 600, per: "l" },
        },
      ],
    };
    const r = toInput(formFromProduct(p));
    expect("input" in r && r.input.variants[0]).toMatchObject({ id: 9, price_cents: 450, volume_ml: 750 });
  });
});
