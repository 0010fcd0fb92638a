//! Paris wall-clock time, shared by Comptoir and the marketplace: the dates a shop
//! types (a promotion from 1 December) and what a buyer reads (« Jusqu'au jeudi
//! 24 décembre 2026 inclus ») must agree on both sides. Without a time-zone database:
//! the EU rule — summer time from the last Sunday of March to the last Sunday of
//! October, switching at 01:00 UTC — is all France has used since 1996, and it keeps
//! the workspace free of a tz dependency.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc, Weekday};

fn last_sunday(year: i32, month: u32) -> Option<NaiveDate> {
    let first_next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    }?;
    let last = first_next.pred_opt()?;
    let back = last.weekday().num_days_from_sunday();
    Some(last - Duration::days(i64::from(back)))
}

/// The UTC offset of Paris at `t`, in hours: 2 in summer time, else 1.
pub fn offset_hours(t: DateTime<Utc>) -> i64 {
    let switch = |month| last_sunday(t.year(), month).and_then(|d| d.and_hms_opt(1, 0, 0)).map(|n| n.and_utc());
    match (switch(3), switch(10)) {
        (Some(start), Some(end)) if start <= t && t < end => 2,
        _ => 1,
    }
}

/// Paris local time at `t`.
pub fn local(t: DateTime<Utc>) -> NaiveDateTime {
    t.naive_utc() + Duration::hours(offset_hours(t))
}

/// The UTC instant of a Paris wall-clock time. A time that does not exist (the hour
/// skipped on the last Sunday of March) is read as the same time after the switch
/// (02:30 → 03:30 summer time); one that happens twice (the hour repeated on the last
/// Sunday of October) is the first of the two, in summer time.
pub fn to_utc(local: NaiveDateTime) -> DateTime<Utc> {
    for offset in [2, 1] {
        let t = Utc.from_utc_datetime(&(local - Duration::hours(offset)));
        if offset_hours(t) == offset {
            return t;
        }
    }
    // Only the skipped hour gets here: 02:30 read with the winter offset is 01:30 UTC,
    // which is 03:30 summer time.
    Utc.from_utc_datetime(&(local - Duration::hours(1)))
}

/// The UTC instant of Paris midnight starting `day` (never inside a switch).
pub fn midnight(day: NaiveDate) -> DateTime<Utc> {
    to_utc(day.and_time(NaiveTime::MIN))
}

const WEEKDAYS: [&str; 7] = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"];
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

/// « jeudi 24 décembre 2026 », « mardi 1er décembre 2026 ».
pub fn day_text(d: NaiveDate) -> String {
    let day = match d.day() {
        1 => "1er".to_owned(),
        n => n.to_string(),
    };
    format!("{} {day} {} {}", weekday(d.weekday()), MONTHS[d.month0() as usize], d.year())
}

pub fn weekday(w: Weekday) -> &'static str {
    WEEKDAYS[w.num_days_from_monday() as usize]
}

pub fn month(month0: u32) -> &'static str {
    MONTHS[month0 as usize % 12]
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    #[test]
    fn summer_time_switches_at_one_utc_on_the_last_sundays() {
        // 2026: 29 March and 25 October.
        assert_eq!(offset_hours(utc(2026, 3, 29, 0, 59)), 1);
        assert_eq!(offset_hours(utc(2026, 3, 29, 1, 0)), 2);
        assert_eq!(offset_hours(utc(2026, 10, 25, 0, 59)), 2);
        assert_eq!(offset_hours(utc(2026, 10, 25, 1, 0)), 1);
        // 2027: 28 March and 31 October (a month ending on a Sunday).
        assert_eq!(offset_hours(utc(2027, 3, 28, 1, 0)), 2);
        assert_eq!(offset_hours(utc(2027, 10, 31, 0, 59)), 2);
        assert_eq!(offset_hours(utc(2027, 10, 31, 1, 0)), 1);
        assert_eq!(local(utc(2026, 11, 30, 23, 0)).to_string(), "2026-12-01 00:00:00");
        assert_eq!(local(utc(2026, 7, 14, 10, 0)).to_string(), "2026-07-14 12:00:00");
    }

    #[test]
    fn days_read_the_french_way() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(day_text(d(2026, 12, 24)), "jeudi 24 décembre 2026");
        assert_eq!(day_text(d(2026, 12, 1)), "mardi 1er décembre 2026");
        assert_eq!(day_text(d(2027, 2, 28)), "dimanche 28 février 2027");
    }

    #[test]
    fn paris_wall_clock_to_utc_across_both_switches() {
        let wall = |y, m, d, h, mi| NaiveDate::from_ymd_opt(y, m, d).unwrap().and_hms_opt(h, mi, 0).unwrap();
        assert_eq!(to_utc(wall(2026, 12, 1, 0, 0)), Utc.with_ymd_and_hms(2026, 11, 30, 23, 0, 0).unwrap());
        assert_eq!(to_utc(wall(2026, 7, 14, 12, 0)), Utc.with_ymd_and_hms(2026, 7, 14, 10, 0, 0).unwrap());
        // 29 March 2026: 02:00–03:00 does not exist in Paris.
        assert_eq!(to_utc(wall(2026, 3, 29, 1, 59)), Utc.with_ymd_and_hms(2026, 3, 29, 0, 59, 0).unwrap());
        assert_eq!(to_utc(wall(2026, 3, 29, 2, 30)), Utc.with_ymd_and_hms(2026, 3, 29, 1, 30, 0).unwrap());
        assert_eq!(to_utc(wall(2026, 3, 29, 3, 0)), Utc.with_ymd_and_hms(2026, 3, 29, 1, 0, 0).unwrap());
        // 25 October 2026: 02:00–03:00 happens twice; the first (summer time) is taken.
        assert_eq!(to_utc(wall(2026, 10, 25, 2, 30)), Utc.with_ymd_and_hms(2026, 10, 25, 0, 30, 0).unwrap());
        assert_eq!(to_utc(wall(2026, 10, 25, 3, 0)), Utc.with_ymd_and_hms(2026, 10, 25, 2, 0, 0).unwrap());
        for t in [wall(2026, 1, 1, 0, 0), wall(2026, 10, 25, 3, 0), wall(2027, 6, 30, 23, 59)] {
            assert_eq!(local(to_utc(t)), t);
        }
    }
}
