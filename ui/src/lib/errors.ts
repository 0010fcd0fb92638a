// Errors from Rust arrive as {code, message, fields}. The UI chooses its words from
// the code (in the user's language) and shows field errors next to their field.
import type { ErrorCode, ErrorPayload, FieldError } from "./bindings";

/** The codes the UI words: Rust's (generated from `ErrorCode`) and Tauri's own failures. */
export type UiErrorCode = ErrorCode | "ipc";

/**
 * The message key of every code. A `Record` over the union: a code added in Rust
 * without its wording here fails `npm run check`; messages.test checks the keys exist
 * in French and English.
 */
export const ERROR_KEYS: Record<UiErrorCode, string> = {
  validation: "errors.validation",
  not_found: "errors.not_found",
  conflict: "errors.conflict",
  data_dir: "errors.data_dir",
  database: "errors.database",
  migration: "errors.migration",
  io: "errors.io",
  cancelled: "errors.cancelled",
  sync_not_connected: "errors.sync_not_connected",
  sync_bad_url: "errors.sync_bad_url",
  sync_offline: "errors.sync_offline",
  sync_refused: "errors.sync_refused",
  sync_unauthorized: "errors.sync_unauthorized",
  keychain: "errors.keychain",
  backup_damaged: "errors.backup_damaged",
  backup_incomplete: "errors.backup_incomplete",
  backup_too_new: "errors.backup_too_new",
  backup_passphrase: "errors.backup_passphrase",
  backup_destination: "errors.backup_destination",
  recover_not_empty: "errors.recover_not_empty",
  update_refused: "errors.update_refused",
  update_download: "errors.update_download",
  update_unsupported: "errors.update_unsupported",
  ipc: "errors.ipc",
};

export class AppError extends Error {
  constructor(
    readonly code: string,
    readonly detail: string,
    readonly fields: FieldError[] = [],
  ) {
    super(detail);
    this.name = "AppError";
  }

  static from(e: unknown): AppError {
    if (e instanceof AppError) return e;
    if (isPayload(e)) return new AppError(e.code, e.message, e.fields ?? []);
    // Tauri's own failures (unknown command, bad argument) reject with a string.
    return new AppError("ipc", typeof e === "string" ? e : e instanceof Error ? e.message : String(e));
  }

  /** Field errors keyed by path (`name`, `variants.0.price_cents`). */
  fieldMap(): Record<string, string> {
    return Object.fromEntries(this.fields.map((f) => [f.field, f.message]));
  }
}

function isPayload(e: unknown): e is ErrorPayload {
  return typeof e === "object" && e !== null && "code" in e && "message" in e;
}

/** Message key for a code; the detail from Rust (already French) completes it. */
export function errorKey(code: string): string {
  return Object.prototype.hasOwnProperty.call(ERROR_KEYS, code)
    ? ERROR_KEYS[code as UiErrorCode]
    : "errors.unknown";
}

/**
 * What to show: for conflicts and validation the Rust sentence is the useful part
 * (it names the product, the category…), in French; otherwise the UI's own wording.
 */
export function describe(e: AppError, t: (key: string) => string, lang: string): string {
  const base = t(errorKey(e.code));
  const named: string[] = [
    "conflict",
    "not_found",
    "validation",
    "io",
    "sync_refused",
    "sync_bad_url",
    "backup_damaged",
    "backup_incomplete",
    "update_refused",
    "update_download",
    "update_unsupported",
  ];
  if (lang === "fr" && named.includes(e.code) && e.detail) {
    return e.fields.length > 0 ? base : e.detail;
  }
  return base;
}

/**
 * The sentence a screen shows for a failure: the first field's message (a form's own
 * words), the "cancelled" wording for a step the shopkeeper stopped, else `describe`.
 * `detail`: in French, Rust's sentence whatever the code (connecting to the
 * marketplace: it says what the server answered).
 */
export function errorText(
  e: unknown,
  t: (key: string) => string,
  lang: string,
  opts: { detail?: boolean } = {},
): string {
  const ae = AppError.from(e);
  if (opts.detail) return ae.detail && lang === "fr" ? ae.detail : describe(ae, t, lang);
  if (ae.code === "cancelled") return t("errors.cancelled");
  return ae.fields[0]?.message ?? describe(ae, t, lang);
}
