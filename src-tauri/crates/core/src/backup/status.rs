//! Where backups stand, as facts the UI words in French ("dernière sauvegarde il y a
//! 3 jours", "la clé USB n'a pas été branchée depuis 4 jours"): no sentence here, only
//! dates, durations and the two alerts the issue asks for.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::{SETTING_MISSING_SINCE, config, destination_root, list_in, local_root};
use crate::{Db, Result};

/// Without a backup for this long, the status says so plainly.
pub const OVERDUE_AFTER_DAYS: i64 = 7;
/// A destination missing for this long (a USB key left unplugged), the status says so.
pub const DESTINATION_ALERT_AFTER_DAYS: i64 = 3;
/// A daily backup is due when the last one is older than this: a shop opening at about
/// the same time every day gets one a day even on a day it opens a little earlier.
pub const DAILY_EVERY_HOURS: i64 = 20;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct DestinationStatus {
    pub path: PathBuf,
    /// The folder is reachable now.
    pub present: bool,
    pub encrypted: bool,
    /// Since when it has been seen missing (first status or backup that found it so).
    #[specta(type = Option<String>)]
    pub missing_since: Option<DateTime<Utc>>,
    /// Whole days it has been missing (0 when present).
    pub days_missing: i64,
    /// Missing for [`DESTINATION_ALERT_AFTER_DAYS`] days or more.
    pub alert: bool,
    /// The newest backup it holds (when present).
    #[specta(type = Option<String>)]
    pub last_backup_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct BackupStatus {
    /// The newest finished backup, on the PC or at the destination; `None`: never.
    #[specta(type = Option<String>)]
    pub last_backup_at: Option<DateTime<Utc>>,
    pub last_backup_path: Option<PathBuf>,
    /// Hours and whole days since it (`None` when there is none).
    pub hours_since_last: Option<i64>,
    pub days_since_last: Option<i64>,
    /// No backup for [`OVERDUE_AFTER_DAYS`] days, or none ever: say so.
    pub overdue: bool,
    /// The daily backup should be taken now ([`daily_backup_due`]).
    pub daily_due: bool,
    /// `None` when no destination is chosen.
    pub destination: Option<DestinationStatus>,
}

/// Whether the daily backup is due: no backup on the PC in the last
/// [`DAILY_EVERY_HOURS`] hours.
pub fn daily_backup_due(data_dir: &Path, now: DateTime<Utc>) -> Result<bool> {
    let newest = list_in(&local_root(data_dir), true)?.into_iter().map(|b| b.created_at).max();
    Ok(newest.is_none_or(|t| now - t >= Duration::hours(DAILY_EVERY_HOURS)))
}

/// The backup status of the shop. Also records when the destination was first found
/// missing (and forgets it once it is back), so the app calls it at start and
/// regularly (after each backup, hourly).
pub async fn backup_status(db: &Db, data_dir: &Path, now: DateTime<Utc>) -> Result<BackupStatus> {
    let cfg = config(db).await?;
    let mut newest: Option<(DateTime<Utc>, PathBuf)> =
        list_in(&local_root(data_dir), true)?.into_iter().next().map(|b| (b.created_at, b.path));
    let destination = match &cfg.destination {
        None => None,
        Some(dest) => {
            let present = dest.is_dir();
            let recorded = db.setting(SETTING_MISSING_SINCE).await?.and_then(|s| s.parse::<DateTime<Utc>>().ok());
            let missing_since = if present {
                if recorded.is_some() {
                    db.delete_setting(SETTING_MISSING_SINCE).await?;
                }
                None
            } else {
                match recorded {
                    Some(t) => Some(t),
                    None => {
                        db.set_setting(SETTING_MISSING_SINCE, &crate::storage::ts(now)).await?;
                        Some(now)
                    }
                }
            };
            let last = if present { list_in(&destination_root(dest), false)?.into_iter().next() } else { None };
            if let Some(b) = &last
                && newest.as_ref().is_none_or(|(t, _)| b.created_at > *t)
            {
                newest = Some((b.created_at, b.path.clone()));
            }
            let days_missing = missing_since.map_or(0, |t| (now - t).num_days().max(0));
            Some(DestinationStatus {
                path: dest.clone(),
                present,
                encrypted: cfg.encrypt_destination,
                missing_since,
                days_missing,
                alert: !present && days_missing >= DESTINATION_ALERT_AFTER_DAYS,
                last_backup_at: last.map(|b| b.created_at),
            })
        }
    };
    let age = newest.as_ref().map(|(t, _)| now - *t);
    Ok(BackupStatus {
        last_backup_at: newest.as_ref().map(|(t, _)| *t),
        last_backup_path: newest.map(|(_, p)| p),
        hours_since_last: age.map(|a| a.num_hours().max(0)),
        days_since_last: age.map(|a| a.num_days().max(0)),
        overdue: age.is_none_or(|a| a >= Duration::days(OVERDUE_AFTER_DAYS)),
        daily_due: daily_backup_due(data_dir, now)?,
        destination,
    })
}
