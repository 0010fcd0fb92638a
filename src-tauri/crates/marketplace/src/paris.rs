//! Paris wall-clock time, for what a buyer reads (« Jusqu'au jeudi 24 décembre 2026
//! inclus »). Without a time-zone database, as comptoir-core does it
//! (`orders::time`): the EU rule — summer time from the last Sunday of March to the
//! last Sunday of October, switching at 01:00 UTC — is all France has used since 1996,
//! and it keeps the workspace free of a tz dependency.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, Utc, Weekday};

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
}
