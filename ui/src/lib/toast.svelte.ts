// One short message at a time at the bottom of the window ("Produit enregistré.").
export const toast = $state({ text: "", kind: "info" as "info" | "error", seq: 0 });

export function notify(text: string, kind: "info" | "error" = "info"): void {
  toast.text = text;
  toast.kind = kind;
  toast.seq += 1;
  const seq = toast.seq;
  setTimeout(() => {
    if (toast.seq === seq) toast.text = "";
  }, 4000);
}
