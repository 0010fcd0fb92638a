//! The dates of a promotion as a French shop writes and reads them, in Paris time.
//!
//! A date alone starts at midnight; as an end it means « until the end of that day »,
//! stored as the next midnight (ends are exclusive). Written back, an end at midnight is
//! the day before, without a time: « du 01/12/2026 au 24/12/2026 » reads and writes the
//! same.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Utc};

use crate::orders::time::{paris, paris_to_utc};

/// Reads `01/12/2026`, `01/12/2026 08:00`, `1/12/2026 8h30`, `2026-12-01` or
/// `2026-12-01T08:00` (the window's date fields). `as_end`: a date alone is the end of
/// that day.
pub fn parse_local(text: &str, as_end: bool) -> Result<DateTime<Utc>, String> {
    let t = text.trim();
    let (date_part, time_part) = match t.split_once(['T', ' ']) {
        Some((d, rest)) => (d.trim(), Some(rest.trim())),
        None => (t, None),
    };
    let date = NaiveDate::parse_from_str(date_part, "%d/%m/%Y")
        .or_else(|_| NaiveDate::parse_from_str(date_part, "%Y-%m-%d"))
        .ok()
        .filter(|d| (2000..=2100).contains(&chrono::Datelike::year(d)))
        .ok_or_else(|| format!("date illisible « {t} » (attendu JJ/MM/AAAA, avec ou sans HH:MM)"))?;
    let time = match time_part.filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => {
            let s = s.replace(['h', 'H'], ":");
            let s = if s.ends_with(':') { format!("{s}00") } else { s };
            Some(
                NaiveTime::parse_from_str(&s, "%H:%M")
                    .or_else(|_| NaiveTime::parse_from_str(&s, "%H:%M:%S"))
                    .map_err(|_| format!("heure illisible « {t} » (attendu HH:MM)"))?,
            )
        }
    };
    Ok(match time {
        Some(time) => paris_to_utc(NaiveDateTime::new(date, time)),
        None if as_end => paris_to_utc((date + Duration::days(1)).and_time(NaiveTime::MIN)),
        None => paris_to_utc(date.and_time(NaiveTime::MIN)),
    })
}

/// `01/12/2026` (midnight) or `01/12/2026 08:00`, Paris time; as an end, midnight is the
/// day before (`24/12/2026` for 25 December 00:00), so [`parse_local`] reads it back.
pub fn format_local(t: DateTime<Utc>, as_end: bool) -> String {
    let local = paris(t);
    if local.time() == NaiveTime::MIN {
        let day = if as_end { local.date() - Duration::days(1) } else { local.date() };
        day.format("%d/%m/%Y").to_string()
    } else if local.second() == 0 {
        local.format("%d/%m/%Y %H:%M").to_string()
    } else {
        local.format("%d/%m/%Y %H:%M:%S").to_string()
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).single().unwrap()
    }

    #[test]
    fn dates_alone_are_whole_days() {
        assert_eq!(parse_local("01/12/2026", false), Ok(utc(2026, 11, 30, 23, 0)));
        assert_eq!(parse_local("24/12/2026", true), Ok(utc(2026, 12, 24, 23, 0)));
        assert_eq!(parse_local("2026-12-01", false), Ok(utc(2026, 11, 30, 23, 0)));
        assert_eq!(parse_local("2026-12-01T08:00", false), Ok(utc(2026, 12, 1, 7, 0)));
        assert_eq!(parse_local("1/12/2026 8h30", false), Ok(utc(2026, 12, 1, 7, 30)));
        assert_eq!(parse_local("14/07/2026 18:00", true), Ok(utc(2026, 7, 14, 16, 0)));
        assert!(parse_local("31/02/2026", false).unwrap_err().contains("31/02/2026"));
        assert!(parse_local("demain", false).is_err());
        assert!(parse_local("01/12/2026 25:00", false).unwrap_err().contains("heure"));
    }

    #[test]
    fn written_back_as_read() {
        for (text, end) in
            [("01/12/2026", false), ("24/12/2026", true), ("01/12/2026 08:00", false), ("31/12/2026", true)]
        {
            assert_eq!(format_local(parse_local(text, end).unwrap(), end), text);
        }
        // Across the year end and the October change.
        assert_eq!(format_local(utc(2026, 12, 31, 23, 0), true), "31/12/2026");
        assert_eq!(format_local(utc(2026, 10, 24, 22, 0), false), "25/10/2026");
        assert_eq!(format_local(utc(2026, 10, 25, 23, 0), false), "26/10/2026");
    }
}
