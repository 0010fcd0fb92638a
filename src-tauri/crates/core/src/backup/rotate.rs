//! Which backups a folder keeps: the newest of each of the last 7 days that have one,
//! of the last 4 ISO weeks, and of the last 12 months (grandfather-father-son), plus
//! always the 3 newest — so that the backup taken before an import is still there right
//! after it, even when the day already had one.

use std::collections::HashSet;

use chrono::{DateTime, Datelike, Utc};

/// How many of each period are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    pub newest: usize,
    pub daily: usize,
    pub weekly: usize,
    pub monthly: usize,
}

impl Default for Policy {
    fn default() -> Self {
        Self { newest: 3, daily: 7, weekly: 4, monthly: 12 }
    }
}

/// The period a time falls in: (year, day of the year / ISO week / month).
type PeriodOf = dyn Fn(&DateTime<Utc>) -> (i32, u32);

/// The ids to delete among `backups` (id, creation time). Periods are counted in UTC;
/// a shop in France sees its midnight at 23:00 or 22:00 UTC, which only moves which
/// backup of an evening stands for the day.
pub fn to_prune(backups: &[(String, DateTime<Utc>)], policy: Policy) -> Vec<String> {
    let mut sorted: Vec<&(String, DateTime<Utc>)> = backups.iter().collect();
    // Newest first; the id (which carries the time and a counter) breaks ties.
    sorted.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| b.0.cmp(&a.0)));
    let mut keep: HashSet<&str> = sorted.iter().take(policy.newest).map(|b| b.0.as_str()).collect();
    let mut bucket = |key: &PeriodOf, n: usize| {
        let mut seen = Vec::new();
        for b in &sorted {
            let k = key(&b.1);
            if !seen.contains(&k) {
                if seen.len() == n {
                    break;
                }
                seen.push(k);
                keep.insert(b.0.as_str());
            }
        }
    };
    bucket(&|t| (t.year(), t.ordinal()), policy.daily);
    bucket(&|t| (t.iso_week().year(), t.iso_week().week()), policy.weekly);
    bucket(&|t| (t.year(), t.month()), policy.monthly);
    sorted.iter().filter(|b| !keep.contains(b.0.as_str())).map(|b| b.0.clone()).collect()
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;

    fn at(days_ago: i64, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 28, hour, 0, 0).unwrap() - Duration::days(days_ago)
    }

    #[test]
    fn a_year_of_daily_backups_keeps_7_days_4_weeks_12_months() {
        let all: Vec<(String, DateTime<Utc>)> = (0..365).map(|d| (format!("b{d:03}"), at(d, 3))).collect();
        let pruned: HashSet<String> = to_prune(&all, Policy::default()).into_iter().collect();
        let kept: Vec<i64> = (0..365).filter(|d| !pruned.contains(&format!("b{d:03}"))).collect();
        // 7 days; the newest backup of the 4 weeks (Sundays: 28/11/2026 is a Saturday);
        // the newest of 12 months (the last day of each month).
        assert!(kept.starts_with(&[0, 1, 2, 3, 4, 5, 6]), "{kept:?}");
        assert!(kept.contains(&13) && kept.contains(&20), "{kept:?}");
        assert!(kept.contains(&28), "end of October kept: {kept:?}");
        assert!(kept.len() <= 7 + 4 + 12, "{}", kept.len());
    }

    #[test]
    fn backups_of_the_same_day_keep_the_three_newest_and_the_days() {
        let all: Vec<(String, DateTime<Utc>)> = (0..6).map(|h| (format!("h{h}"), at(0, 8 + h))).collect();
        let mut pruned = to_prune(&all, Policy::default());
        pruned.sort();
        assert_eq!(pruned, vec!["h0", "h1", "h2"]);
    }

    #[test]
    fn nothing_is_pruned_from_a_few_backups() {
        let all: Vec<(String, DateTime<Utc>)> = (0..3).map(|d| (format!("d{d}"), at(d * 40, 9))).collect();
        assert!(to_prune(&all, Policy::default()).is_empty());
    }
}
