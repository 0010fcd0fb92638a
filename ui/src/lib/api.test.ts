import { describe, expect, it, vi } from "vitest";

const invoke = vi.fn();
vi.mock("@tauri-apps/api/core", () => ({
  invoke: (...a: unknown[]) => invoke(...a),
  Channel: class {},
  convertFileSrc: (path: string, protocol: string) => `${protocol}://localhost/${path}`,
}));
vi.mock("@tauri-apps/api/webview", () => ({ getCurrentWebview: () => ({}) }));

import { api, assetUrl } from "./api";
import { AppError } from "./errors";

describe("api", () => {
  it("gives a command's value", async () => {
    invoke.mockResolvedValueOnce({ id: 7 });
    await expect(api.getProduct(7)).resolves.toEqual({ id: 7 });
    expect(invoke).toHaveBeenLastCalledWith("get_product", { id: 7 });
  });

  it("throws Rust's error as an AppError", async () => {
    invoke.mockRejectedValueOnce({ code: "not_found", message: "Produit introuvable", fields: [] });
    const e = await api.getProduct(8).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(AppError);
    expect((e as AppError).code).toBe("not_found");
  });

  it("passes the commands without a Result through", async () => {
    invoke.mockResolvedValueOnce(undefined);
    await expect(api.importCancel()).resolves.toBeUndefined();
    expect(invoke).toHaveBeenLastCalledWith("import_cancel");
    invoke.mockRejectedValueOnce("no window");
    await expect(api.syncNow()).rejects.toBe("no window");
  });

  it("addresses files of the app's protocols", () => {
    expect(assetUrl("a-b-thumb.jpg", "photo")).toBe("photo://localhost/a-b-thumb.jpg");
  });
});
