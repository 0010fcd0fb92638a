// The only door to Rust: the generated, typed bindings. Results are unwrapped here so
// components deal with values, and with AppError ({code, message, fields}) on failure.
import { commands } from "./bindings";
import { AppError } from "./errors";

type Res<T> = { status: "ok"; data: T } | { status: "error"; error: unknown };

async function unwrap<T>(p: Promise<Res<T>>): Promise<T> {
  let r: Res<T>;
  try {
    r = await p;
  } catch (e) {
    throw AppError.from(e);
  }
  if (r.status === "error") throw AppError.from(r.error);
  return r.data;
}

export const api = {
  appStatus: () => unwrap(commands.appStatus()),
  startDemo: () => unwrap(commands.startDemo()),
  startClean: () => unwrap(commands.startClean()),
  listProducts: (...a: Parameters<typeof commands.listProducts>) => unwrap(commands.listProducts(...a)),
  getProduct: (id: number) => unwrap(commands.getProduct(id)),
  saveProduct: (...a: Parameters<typeof commands.saveProduct>) => unwrap(commands.saveProduct(...a)),
  deleteProduct: (id: number) => unwrap(commands.deleteProduct(id)),
  listCategories: () => unwrap(commands.listCategories()),
  saveCategory: (...a: Parameters<typeof commands.saveCategory>) => unwrap(commands.saveCategory(...a)),
  deleteCategory: (id: number) => unwrap(commands.deleteCategory(id)),
};
