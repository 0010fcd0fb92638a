//! Rotating log files in `<data dir>/logs/`, written by the app and by the CLI, so that
//! what happened on a shop's PC can be sent to support (the `report` module) long after the
//! window that showed it was closed.
//!
//! One file a day per program (`comptoir-app.2026-11-28.log`, `comptoir-cli.…`), the
//! last [`KEEP_FILES`] of each kept. The two programs' prefixes must not be prefixes of
//! one another: tracing-appender prunes every file whose name starts with its prefix,
//! so a plain `comptoir` would count (and delete) the CLI's files as the app's.
//!
//! Lines are written off the calling thread (a slow disk never holds a sync pass or the
//! UI), as `time level target: message`, time in UTC RFC 3339, no colours. The level is
//! `info` unless [`ENV`] says otherwise (`COMPTOIR_LOG=debug`,
//! `COMPTOIR_LOG=info,comptoir_core::sync=debug`).
//!
//! What is logged never holds a token, a passphrase, or a customer's name, phone,
//! e-mail or address: log an order by its number, a shop by its id. The report masks
//! them all the same, in case one slips through a message from elsewhere.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use tracing_appender::non_blocking::WorkerGuard;
use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::fmt::time::ChronoUtc;

use crate::{Error, Result};

/// The folder of the log files inside the data directory.
pub const DIR: &str = "logs";
/// The environment variable that sets what is logged (an `EnvFilter` directive).
pub const ENV: &str = "COMPTOIR_LOG";
/// Daily files kept per program.
pub const KEEP_FILES: usize = 14;
/// The extension of every log file.
pub const SUFFIX: &str = "log";
/// Milliseconds are enough to order lines, and a fixed width keeps files readable.
const TIME_FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.3fZ";

/// Which program writes: each has its own files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Program {
    App,
    Cli,
}

impl Program {
    /// The file name prefix: `comptoir-app.2026-11-28.log`.
    pub fn prefix(self) -> &'static str {
        match self {
            Program::App => "comptoir-app",
            Program::Cli => "comptoir-cli",
        }
    }

    /// The name people know it by.
    pub fn name(self) -> &'static str {
        match self {
            Program::App => "Comptoir",
            Program::Cli => "comptoir-cli",
        }
    }
}

/// Keeps the background writer alive: lines still queued are written when it is
/// dropped, so hold it until the program ends (in `main`).
#[must_use = "the log writer stops, and queued lines are lost, when the guard is dropped"]
pub struct LogGuard {
    _worker: WorkerGuard,
}

impl std::fmt::Debug for LogGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LogGuard")
    }
}

/// The log folder of a data directory.
pub fn dir(data_dir: &Path) -> PathBuf {
    data_dir.join(DIR)
}

/// Starts writing this program's log files in `data_dir` and sends every `tracing`
/// event (and the `log` records of dependencies) there. Call it once, early in `main`.
/// `version` is the program's own (the app's is its package's, which a packaging run
/// may set), written in the first line.
///
/// A process has one global subscriber: when one is already set (a second call, a test
/// binary), this one is not installed and the guard returned holds a writer nobody
/// writes to. That is not an error: logging never stops a program.
pub fn init(data_dir: &Path, program: Program, version: &str) -> Result<LogGuard> {
    let dir = dir(data_dir);
    let unwritable = |source: std::io::Error| Error::Write { path: dir.display().to_string(), source };
    std::fs::create_dir_all(&dir).map_err(unwritable)?;
    let appender = RollingFileAppender::builder()
        .rotation(Rotation::DAILY)
        .filename_prefix(program.prefix())
        .filename_suffix(SUFFIX)
        .max_log_files(KEEP_FILES)
        .build(&dir)
        .map_err(|e| unwritable(std::io::Error::other(e)))?;
    let (writer, worker) = tracing_appender::non_blocking(appender);
    let filter =
        EnvFilter::builder().with_default_directive(LevelFilter::INFO.into()).with_env_var(ENV).from_env_lossy();
    let installed = tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_timer(ChronoUtc::new(TIME_FORMAT.to_owned()))
        .with_target(true)
        .with_env_filter(filter)
        // A full disk must not print on the CLI's stderr at every line.
        .log_internal_errors(false)
        .try_init()
        .is_ok();
    if installed {
        tracing::info!(
            "{} {} démarre (pid {}, {} {})",
            program.name(),
            version,
            std::process::id(),
            std::env::consts::OS,
            std::env::consts::ARCH
        );
    }
    Ok(LogGuard { _worker: worker })
}

/// One line of a log file, as [`init`] writes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line<'a> {
    pub time: DateTime<Utc>,
    /// `TRACE`, `DEBUG`, `INFO`, `WARN` or `ERROR`.
    pub level: &'a str,
    /// The target and the message (`comptoir_core::sync::engine: …`).
    pub rest: &'a str,
}

impl Line<'_> {
    /// A warning or an error: what a support person reads first.
    pub fn is_problem(&self) -> bool {
        matches!(self.level, "WARN" | "ERROR")
    }
}

/// Reads a line back; `None` for what [`init`] did not write (the continuation of a
/// message that had a line break, a line cut short).
pub fn parse_line(line: &str) -> Option<Line<'_>> {
    let line = line.trim_end();
    let (time, rest) = line.split_once(' ')?;
    let time = DateTime::parse_from_rfc3339(time).ok()?.with_timezone(&Utc);
    let rest = rest.trim_start();
    let (level, rest) = rest.split_once(' ').unwrap_or((rest, ""));
    matches!(level, "TRACE" | "DEBUG" | "INFO" | "WARN" | "ERROR").then_some(Line {
        time,
        level,
        rest: rest.trim_start(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_read_back() {
        let l = parse_line("2026-11-28T10:00:00.123Z  WARN comptoir_core::sync::engine: injoignable\n").unwrap();
        assert_eq!(l.level, "WARN");
        assert_eq!(l.rest, "comptoir_core::sync::engine: injoignable");
        assert_eq!(l.time.to_rfc3339(), "2026-11-28T10:00:00.123+00:00");
        assert!(l.is_problem());
        assert!(!parse_line("2026-11-28T10:00:00.123Z  INFO x: y").unwrap().is_problem());
        assert_eq!(parse_line("    suite d'un message"), None);
        assert_eq!(parse_line("2026-11-28T10:00:00Z NOTALEVEL x"), None);
    }

    #[test]
    fn prefixes_do_not_swallow_each_other() {
        // tracing-appender prunes by prefix: neither program may prune the other's files.
        let (app, cli) = (Program::App.prefix(), Program::Cli.prefix());
        assert!(!app.starts_with(cli) && !cli.starts_with(app));
    }
}
