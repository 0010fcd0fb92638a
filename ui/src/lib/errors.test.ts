import { describe as suite, expect, it } from "vitest";
import { AppError, describe, errorKey } from "./errors";

suite("AppError", () => {
  it("reads the {code, message, fields} payload", () => {
    const e = AppError.from({
      code: "validation",
      message: "Saisie invalide : Référence manquante",
      fields: [{ field: "variants.0.sku", code: "required", message: "Référence manquante" }],
    });
    expect(e.code).toBe("validation");
    expect(e.fieldMap()).toEqual({ "variants.0.sku": "Référence manquante" });
  });

  it("turns Tauri's string rejections into an ipc error", () => {
    expect(AppError.from("command not found").code).toBe("ipc");
  });

  it("words known codes and falls back for unknown ones", () => {
    expect(errorKey("conflict")).toBe("errors.conflict");
    expect(errorKey("martian")).toBe("errors.unknown");
  });

  it("keeps the French detail of a conflict, which names what is in the way", () => {
    const e = new AppError("conflict", "La catégorie « Crèmerie » contient encore 3 produit(s)");
    expect(describe(e, (k) => k, "fr")).toContain("Crèmerie");
    expect(describe(e, (k) => k, "en")).toBe("errors.conflict");
    expect(describe(new AppError("database", "disk I/O error"), (k) => k, "fr")).toBe("errors.database");
  });
});
