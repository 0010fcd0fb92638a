// Errors from Rust arrive as {code, message, fields}. The UI chooses its words from
// the code (in the user's language) and shows field errors next to their field.
import type { ErrorPayload, FieldError } from "./bindings";

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
  const known = [
    "validation",
    "not_found",
    "conflict",
    "data_dir",
    "database",
    "migration",
    "io",
    "ipc",
    "cancelled",
    // Backups, restore and recovery (comptoir_core::error::BACKUP_CODES).
    "backup_damaged",
    "backup_incomplete",
    "backup_too_new",
    "backup_passphrase",
    "backup_destination",
    "recover_not_empty",
  ];
  return `errors.${known.includes(code) ? code : "unknown"}`;
}

/**
 * What to show: for conflicts and validation the Rust sentence is the useful part
 * (it names the product, the category…), in French; otherwise the UI's own wording.
 */
export function describe(e: AppError, t: (key: string) => string, lang: string): string {
  const base = t(errorKey(e.code));
  if (
    lang === "fr" &&
    ["conflict", "not_found", "validation", "io", "backup_damaged", "backup_incomplete"].includes(e.code) &&
    e.detail
  ) {
    return e.fields.length > 0 ? base : e.detail;
  }
  return base;
}
