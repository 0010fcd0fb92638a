//! Printing: French text for people, JSON for scripts, errors on stderr.

use std::io::Write;
use std::process::ExitCode;

use serde::Serialize;

/// Writes one line to stdout. A closed pipe (`comptoir-cli … | head`) is not an error.
pub fn line(s: impl AsRef<str>) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{}", s.as_ref());
}

/// Writes a value as pretty JSON on stdout.
pub fn json<T: Serialize>(value: &T) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value)?;
    let _ = writeln!(out);
    Ok(())
}

/// Reports an error in French on stderr and picks the exit code: 1 for refused input
/// or missing objects (the user can fix it), 3 for anything else.
pub fn fail(e: &anyhow::Error) -> ExitCode {
    let mut err = std::io::stderr().lock();
    let core = e.downcast_ref::<comptoir_core::Error>();
    match core {
        Some(comptoir_core::Error::Validation(fields)) => {
            let _ = writeln!(err, "Erreur : saisie invalide");
            for f in fields {
                let _ = writeln!(err, "  - {} ({})", f.message, f.field);
            }
        }
        _ => {
            let _ = writeln!(err, "Erreur : {e:#}");
        }
    }
    use comptoir_core::ErrorCode as C;
    match core.map(comptoir_core::Error::code) {
        Some(
            C::Validation
            | C::NotFound
            | C::Conflict
            | C::BackupDamaged
            | C::BackupIncomplete
            | C::BackupTooNew
            | C::BackupPassphrase
            | C::RecoverNotEmpty,
        ) => ExitCode::from(1),
        _ => ExitCode::from(3),
    }
}
