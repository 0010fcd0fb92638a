import { describe, expect, it } from "vitest";
import type { UpdateStatus } from "../bindings";
import fr from "../i18n/fr.json";
import { bannerShown, stageText } from "./update";

// The French messages, with {placeholders} filled, as svelte-i18n does.
const t = (key: string, opts?: { values: Record<string, string | number> }) => {
  let msg = key.split(".").reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], fr) as string;
  for (const [k, v] of Object.entries(opts?.values ?? {})) msg = msg.replace(`{${k}}`, String(v));
  return msg;
};

function status(stage: UpdateStatus["stage"], blocked = false): UpdateStatus {
  return {
    current: "0.1.0",
    offer: {
      version: "0.2.0",
      notes: "Les promotions de Noël.",
      blocked: blocked
        ? { code: "update_unsupported", message: "compilée depuis les sources", fields: [] }
        : null,
    },
    stage,
    checked_at: null,
    last_check: null,
  };
}

describe("the update banner", () => {
  it("offers an update in French, and « Plus tard » hides that version only", () => {
    const s = status({ stage: "available" });
    expect(stageText(s, t)).toBe("Mise à jour 0.2.0 disponible");
    expect(bannerShown(s, null)).toBe(true);
    expect(bannerShown(s, "0.2.0")).toBe(false);
    expect(bannerShown(s, "0.1.9")).toBe(true);
    // An install under way shows even after « Plus tard ».
    expect(bannerShown(status({ stage: "backing_up" }), "0.2.0")).toBe(true);
    expect(bannerShown({ ...s, offer: null, stage: { stage: "idle" } }, null)).toBe(false);
  });

  it("says where the install stands", () => {
    expect(stageText(status({ stage: "downloading", received: 3_000_000, total: 12_000_000 }), t)).toBe(
      "Téléchargement de la mise à jour 0.2.0 : 25 %",
    );
    expect(stageText(status({ stage: "downloading", received: 2_500_000, total: null }), t)).toBe(
      "Téléchargement de la mise à jour 0.2.0 : 2,5 Mo",
    );
    expect(stageText(status({ stage: "waiting", what: "l'import en cours" }), t)).toBe(
      "La mise à jour 0.2.0 attend la fin de : l'import en cours.",
    );
    expect(stageText(status({ stage: "at_quit" }), t)).toContain("à la fermeture");
    expect(stageText(status({ stage: "installing" }), t)).toContain("Comptoir va redémarrer");
    const failed = status({
      stage: "failed",
      error: {
        code: "update_refused",
        message: "La mise à jour 0.2.0 n'a pas été installée : sa signature…",
        fields: [],
      },
    });
    expect(stageText(failed, t)).toContain("sa signature");
  });
});
