import { describe, expect, it } from "vitest";
import type { BackupStatus } from "../bindings";
import { age, clock, formatMo, frDate, frDateTime, parseDate, reasonKey, shortAge, warning } from "./backup";

// Dates are built from local parts (new Date(y, m, d, h, min)) and read back with the
// local getters: the same whatever the time zone the tests run in (Europe/Paris for
// the shop).
const now = new Date(2026, 11, 7, 18, 30);
const minutesAgo = (n: number) => new Date(now.getTime() - n * 60_000);

describe("dates", () => {
  it("formats day/month/year and the French clock by hand", () => {
    const d = new Date(2026, 11, 3, 14, 5);
    expect(frDate(d)).toBe("03/12/2026");
    expect(clock(d)).toBe("14 h 05");
    expect(frDateTime(d)).toBe("03/12/2026 à 14 h 05");
    expect(frDateTime(d, "en")).toBe("03/12/2026 at 14:05");
    expect(clock(new Date(2026, 0, 9, 8, 0))).toBe("8 h 00");
  });
  it("reads Rust's dates, null when absent or unreadable", () => {
    expect(parseDate("2026-12-03T13:05:00Z")?.getTime()).toBe(Date.UTC(2026, 11, 3, 13, 5));
    expect(parseDate(null)).toBeNull();
    expect(parseDate("n'importe quoi")).toBeNull();
  });
});

describe("age", () => {
  it("never", () => {
    expect(age(null, now)).toEqual({ key: "backup.age.never" });
    expect(shortAge(null, now)).toEqual({ key: "backup.short.never" });
  });
  it("minutes", () => {
    expect(age(minutesAgo(0.5), now).key).toBe("backup.age.now");
    expect(age(minutesAgo(12), now)).toEqual({ key: "backup.age.minutes", values: { n: 12 } });
    expect(shortAge(minutesAgo(12), now)).toEqual({ key: "backup.short.minutes", values: { n: 12 } });
  });
  it("hours, then today at", () => {
    expect(age(minutesAgo(3 * 60 + 10), now)).toEqual({ key: "backup.age.hours", values: { n: 3 } });
    expect(age(new Date(2026, 11, 7, 9, 5), now)).toEqual({
      key: "backup.age.today",
      values: { time: "9 h 05" },
    });
    expect(shortAge(minutesAgo(2 * 60 + 59), now)).toEqual({ key: "backup.short.hours", values: { n: 2 } });
  });
  it("yesterday, then days", () => {
    expect(age(new Date(2026, 11, 6, 22, 15), now)).toEqual({
      key: "backup.age.yesterday",
      values: { time: "22 h 15" },
    });
    expect(age(new Date(2026, 11, 3, 14, 5), now)).toEqual({ key: "backup.age.days", values: { n: 4 } });
    expect(shortAge(new Date(2026, 11, 3, 14, 5), now)).toEqual({
      key: "backup.short.days",
      values: { n: 4 },
    });
  });
  it("yesterday across a month", () => {
    const first = new Date(2026, 11, 1, 7, 0);
    expect(age(new Date(2026, 10, 30, 20, 0), first).key).toBe("backup.age.yesterday");
  });
});

describe("sizes", () => {
  it("in Mo with a decimal comma", () => {
    expect(formatMo(0)).toBe("0 Mo");
    expect(formatMo(20_000)).toBe("0,1 Mo");
    expect(formatMo(3_420_000)).toBe("3,4 Mo");
    expect(formatMo(5_000_000)).toBe("5 Mo");
    expect(formatMo(12_600_000)).toBe("13 Mo");
    expect(formatMo(1_234_000_000)).toBe("1\u202f234 Mo");
    expect(formatMo(3_420_000, "en")).toBe("3.4 MB");
  });
});

describe("words", () => {
  it("reasons", () => {
    expect(reasonKey("before_import")).toBe("backup.reason.before_import");
  });
  it("the status bar's warning", () => {
    const base: BackupStatus = {
      last_backup_at: null,
      last_backup_path: null,
      hours_since_last: 200,
      days_since_last: 8,
      overdue: false,
      daily_due: false,
      destination: null,
    };
    expect(warning(base)).toBeNull();
    expect(warning({ ...base, overdue: true })).toEqual({ key: "backup.warn.overdue", values: { n: 8 } });
    expect(warning({ ...base, overdue: true, days_since_last: null })).toEqual({ key: "backup.warn.never" });
    const destination = {
      path: "E:\\",
      present: false,
      encrypted: true,
      missing_since: null,
      days_missing: 4,
      alert: true,
      last_backup_at: null,
    };
    expect(warning({ ...base, overdue: true, destination })).toEqual({
      key: "backup.warn.destination",
      values: { n: 4 },
    });
  });
});
