//! The log files a report carries: those written in the last days, each cut to its
//! last megabytes, and their warnings and errors, newest first.

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::logs;

/// The files modified in the last this many days, and their warnings of those days.
pub const DAYS: i64 = 7;
/// The end of each file only: the last hours are what support reads.
const MAX_PER_FILE: u64 = 5 * 1024 * 1024;
/// All files together (newest first), so the zip stays small enough to e-mail.
const MAX_TOTAL: u64 = 20 * 1024 * 1024;
/// Warnings and errors listed in rapport.txt.
pub const MAX_PROBLEMS: usize = 200;

#[derive(Debug, Clone, Serialize)]
pub struct LogFileFacts {
    pub name: String,
    pub bytes: u64,
    /// What the report holds of it (its end).
    pub included_bytes: u64,
    pub modified_at: Option<DateTime<Utc>>,
}

/// A log file chosen for the report, with the text it contributes (not yet masked).
pub struct Picked {
    pub facts: LogFileFacts,
    pub text: String,
}

/// A warning or an error read in a log file.
#[derive(Debug, Clone)]
pub struct Problem {
    pub at: DateTime<Utc>,
    pub file: String,
    pub level: String,
    pub text: String,
}

/// The log files of `data_dir` written since `now - DAYS`, newest first. Only the
/// files the programs write (`comptoir*.log`, plain files: a link is not followed).
pub fn pick(data_dir: &Path, now: DateTime<Utc>) -> Vec<Picked> {
    let Ok(entries) = std::fs::read_dir(logs::dir(data_dir)) else { return Vec::new() };
    let since = now - Duration::days(DAYS);
    let mut found: Vec<(String, u64, Option<DateTime<Utc>>, std::path::PathBuf)> = entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_str()?.to_owned();
            let meta = std::fs::symlink_metadata(e.path()).ok()?;
            let ours = name.starts_with("comptoir") && name.ends_with(&format!(".{}", logs::SUFFIX));
            let modified = meta.modified().ok().map(DateTime::<Utc>::from);
            (ours && meta.is_file() && modified.is_none_or(|m| m >= since))
                .then(|| (name, meta.len(), modified, e.path()))
        })
        .collect();
    found.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| b.0.cmp(&a.0)));
    let mut budget = MAX_TOTAL;
    let mut out = Vec::new();
    for (name, bytes, modified_at, path) in found {
        if budget == 0 {
            break;
        }
        let Ok(text) = tail(&path, MAX_PER_FILE.min(budget)) else { continue };
        budget = budget.saturating_sub(text.len() as u64);
        let facts = LogFileFacts { name, bytes, included_bytes: text.len() as u64, modified_at };
        out.push(Picked { facts, text });
    }
    out
}

/// The last `max` bytes of a file, from the start of a line.
fn tail(path: &Path, max: u64) -> std::io::Result<String> {
    let mut f = std::fs::File::open(path)?;
    let len = f.metadata()?.len();
    let cut = len > max;
    if cut {
        f.seek(SeekFrom::Start(len - max))?;
    }
    let mut bytes = Vec::with_capacity(len.min(max) as usize);
    f.take(max).read_to_end(&mut bytes)?;
    let start = if cut { bytes.iter().position(|&b| b == b'\n').map_or(bytes.len(), |i| i + 1) } else { 0 };
    Ok(String::from_utf8_lossy(&bytes[start..]).into_owned())
}

/// The warnings and errors of the picked files since `now - DAYS`, newest first,
/// at most [`MAX_PROBLEMS`].
pub fn problems(picked: &[Picked], now: DateTime<Utc>) -> Vec<Problem> {
    let since = now - Duration::days(DAYS);
    let mut out: Vec<Problem> = picked
        .iter()
        .flat_map(|p| {
            p.text.lines().filter_map(logs::parse_line).filter(|l| l.is_problem() && l.time >= since).map(|l| Problem {
                at: l.time,
                file: p.facts.name.clone(),
                level: l.level.to_owned(),
                text: l.rest.to_owned(),
            })
        })
        .collect();
    out.sort_by_key(|p| std::cmp::Reverse(p.at));
    out.truncate(MAX_PROBLEMS);
    out
}
