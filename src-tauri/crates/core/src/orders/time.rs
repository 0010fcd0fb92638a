//! Paris wall-clock time, in core's words: the rule itself is shared with the
//! marketplace in [`comptoir_protocol::paris`] (no time-zone database).

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use comptoir_protocol::paris;

/// UTC offset of Paris at `t`, in hours (1 or 2).
pub fn paris_offset_hours(t: DateTime<Utc>) -> i64 {
    paris::offset_hours(t)
}

/// Paris local time at `t`.
pub fn paris(t: DateTime<Utc>) -> NaiveDateTime {
    paris::local(t)
}

/// The UTC instant of a Paris wall-clock time (see [`paris::to_utc`] for the hours
/// skipped or repeated by the switches).
pub fn paris_to_utc(local: NaiveDateTime) -> DateTime<Utc> {
    paris::to_utc(local)
}

/// The UTC instant of Paris midnight starting `day`.
pub fn paris_midnight(day: NaiveDate) -> DateTime<Utc> {
    paris::midnight(day)
}

/// `28/11/2026 11:00`.
pub fn format_fr(t: DateTime<Utc>) -> String {
    paris(t).format("%d/%m/%Y %H:%M").to_string()
}

/// `samedi 28 novembre 2026`, `mardi 1er décembre 2026`.
pub fn day_fr(d: NaiveDate) -> String {
    paris::day_text(d)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn paris_winter_and_summer() {
        let winter = Utc.with_ymd_and_hms(2026, 11, 28, 10, 0, 0).unwrap();
        assert_eq!(format_fr(winter), "28/11/2026 11:00");
        let summer = Utc.with_ymd_and_hms(2026, 7, 14, 10, 0, 0).unwrap();
        assert_eq!(format_fr(summer), "14/07/2026 12:00");
        // 2026: summer time starts 29 March, ends 25 October at 01:00 UTC.
        assert_eq!(paris_offset_hours(Utc.with_ymd_and_hms(2026, 3, 29, 0, 59, 0).unwrap()), 1);
        assert_eq!(paris_offset_hours(Utc.with_ymd_and_hms(2026, 3, 29, 1, 0, 0).unwrap()), 2);
        assert_eq!(paris_offset_hours(Utc.with_ymd_and_hms(2026, 10, 25, 0, 59, 0).unwrap()), 2);
        assert_eq!(paris_offset_hours(Utc.with_ymd_and_hms(2026, 10, 25, 1, 0, 0).unwrap()), 1);
        let d = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
        assert_eq!(paris_midnight(d), Utc.with_ymd_and_hms(2026, 11, 27, 23, 0, 0).unwrap());
        assert_eq!(day_fr(d), "samedi 28 novembre 2026");
    }
}
