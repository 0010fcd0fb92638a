//! Paris wall-clock time without a time-zone database: the EU rule (summer time
//! from the last Sunday of March to the last Sunday of October, 01:00 UTC) is all
//! France has used since 1996.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc, Weekday};

fn last_sunday(year: i32, month: u32) -> NaiveDate {
    let first_next =
        if month == 12 { NaiveDate::from_ymd_opt(year + 1, 1, 1) } else { NaiveDate::from_ymd_opt(year, month + 1, 1) }
            .expect("valid date");
    let mut d = first_next - Duration::days(1);
    while d.weekday() != Weekday::Sun {
        d -= Duration::days(1);
    }
    d
}

/// UTC offset of Paris at `t`, in hours (1 or 2).
pub fn paris_offset_hours(t: DateTime<Utc>) -> i64 {
    let y = t.year();
    let start = Utc.from_utc_datetime(&last_sunday(y, 3).and_hms_opt(1, 0, 0).expect("valid time"));
    let end = Utc.from_utc_datetime(&last_sunday(y, 10).and_hms_opt(1, 0, 0).expect("valid time"));
    if t >= start && t < end { 2 } else { 1 }
}

/// Paris local time at `t`.
pub fn paris(t: DateTime<Utc>) -> NaiveDateTime {
    t.naive_utc() + Duration::hours(paris_offset_hours(t))
}

/// The UTC instant of Paris midnight starting `day`.
pub fn paris_midnight(day: NaiveDate) -> DateTime<Utc> {
    let naive = day.and_hms_opt(0, 0, 0).expect("valid time");
    // Midnight is never inside a DST switch (they happen at 02:00/03:00 local).
    let guess = Utc.from_utc_datetime(&(naive - Duration::hours(1)));
    Utc.from_utc_datetime(&(naive - Duration::hours(paris_offset_hours(guess))))
}

/// The UTC instant of a Paris wall-clock time. A time that does not exist (the hour
/// skipped on the last Sunday of March) is read as the same time after the switch
/// (02:30 → 03:30 summer time); one that happens twice (the hour repeated on the last
/// Sunday of October) is the first of the two, in summer time.
pub fn paris_to_utc(local: NaiveDateTime) -> DateTime<Utc> {
    for offset in [2, 1] {
        let t = Utc.from_utc_datetime(&(local - Duration::hours(offset)));
        if paris_offset_hours(t) == offset {
            return t;
        }
    }
    // Only the skipped hour gets here: 02:30 read with the winter offset is 01:30 UTC,
    // which is 03:30 summer time.
    Utc.from_utc_datetime(&(local - Duration::hours(1)))
}

/// `28/11/2026 11:00`.
pub fn format_fr(t: DateTime<Utc>) -> String {
    paris(t).format("%d/%m/%Y %H:%M").to_string()
}

/// `samedi 28 novembre 2026`.
pub fn day_fr(d: NaiveDate) -> String {
    const DAYS: [&str; 7] = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"];
    const MONTHS: [&str; 12] = [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ];
    format!(
        "{} {} {} {}",
        DAYS[d.weekday().num_days_from_monday() as usize],
        d.day(),
        MONTHS[d.month0() as usize],
        d.year()
    )
}

#[cfg(test)]
mod tests {
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

    #[test]
    fn paris_wall_clock_to_utc_across_both_switches() {
        let local = |y, m, d, h, mi| NaiveDate::from_ymd_opt(y, m, d).unwrap().and_hms_opt(h, mi, 0).unwrap();
        assert_eq!(paris_to_utc(local(2026, 12, 1, 0, 0)), Utc.with_ymd_and_hms(2026, 11, 30, 23, 0, 0).unwrap());
        assert_eq!(paris_to_utc(local(2026, 7, 14, 12, 0)), Utc.with_ymd_and_hms(2026, 7, 14, 10, 0, 0).unwrap());
        // 29 March 2026: 02:00–03:00 does not exist in Paris.
        assert_eq!(paris_to_utc(local(2026, 3, 29, 1, 59)), Utc.with_ymd_and_hms(2026, 3, 29, 0, 59, 0).unwrap());
        assert_eq!(paris_to_utc(local(2026, 3, 29, 2, 30)), Utc.with_ymd_and_hms(2026, 3, 29, 1, 30, 0).unwrap());
        assert_eq!(paris_to_utc(local(2026, 3, 29, 3, 0)), Utc.with_ymd_and_hms(2026, 3, 29, 1, 0, 0).unwrap());
        // 25 October 2026: 02:00–03:00 happens twice; the first (summer time) is taken.
        assert_eq!(paris_to_utc(local(2026, 10, 25, 2, 30)), Utc.with_ymd_and_hms(2026, 10, 25, 0, 30, 0).unwrap());
        assert_eq!(paris_to_utc(local(2026, 10, 25, 3, 0)), Utc.with_ymd_and_hms(2026, 10, 25, 2, 0, 0).unwrap());
        for t in [local(2026, 1, 1, 0, 0), local(2026, 10, 25, 3, 0), local(2027, 6, 30, 23, 59)] {
            assert_eq!(paris(paris_to_utc(t)), t);
        }
    }
}
