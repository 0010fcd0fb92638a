import { describe as suite, expect, it } from "vitest";
import { AppError, describe, errorKey, errorText } from "./errors";

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
    expect(errorKey("sync_unauthorized")).toBe("errors.sync_unauthorized");
    expect(errorKey("martian")).toBe("errors.unknown");
    expect(errorKey("toString")).toBe("errors.unknown");
  });

  it("keeps the French detail of a conflict, which names what is in the way", () => {
    const e = new AppError("conflict", "La catégorie « Crèmerie » contient encore 3 produit(s)");
    expect(describe(e, (k) => k, "fr")).toContain("Crèmerie");
    expect(describe(e, (k) => k, "en")).toBe("errors.conflict");
    expect(describe(new AppError("database", "disk I/O error"), (k) => k, "fr")).toBe("errors.database");
  });

  it("words a screen's failure: the field first, then cancelled, then describe", () => {
    const t = (k: string) => k;
    const field = {
      code: "validation",
      message: "Saisie invalide : Nom manquant",
      fields: [{ field: "name", code: "required", message: "Nom manquant" }],
    };
    expect(errorText(field, t, "fr")).toBe("Nom manquant");
    expect(errorText({ code: "cancelled", message: "Annulé" }, t, "fr")).toBe("errors.cancelled");
    const conflict = { code: "conflict", message: "La catégorie « Crèmerie » existe déjà" };
    expect(errorText(conflict, t, "fr")).toBe("La catégorie « Crèmerie » existe déjà");
    expect(errorText(conflict, t, "en")).toBe("errors.conflict");
    expect(errorText("command not found", t, "fr")).toBe("errors.ipc");
  });

  it("can keep Rust's French sentence whatever the code", () => {
    const t = (k: string) => k;
    const offline = { code: "sync_offline", message: "Le serveur ne répond pas" };
    expect(errorText(offline, t, "fr")).toBe("errors.sync_offline");
    expect(errorText(offline, t, "fr", { detail: true })).toBe("Le serveur ne répond pas");
    expect(errorText(offline, t, "en", { detail: true })).toBe("errors.sync_offline");
    expect(errorText({ code: "sync_offline", message: "" }, t, "fr", { detail: true })).toBe(
      "errors.sync_offline",
    );
  });
});
