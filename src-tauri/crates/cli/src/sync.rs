//! `connect`, `sync`, `sync status`, `disconnect`: the marketplace sync from a terminal.
//! The token goes to the OS keychain only (core's `OsKeychain`).

use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use clap::{Args, Subcommand};
use comptoir_core::sync::credentials::OsKeychain;
use comptoir_core::sync::engine::Credential;
use comptoir_core::sync::worker::{Clock, sync_until_drained};
use comptoir_core::sync::{Rng, SyncOptions};

use crate::output;

#[derive(Debug, Args)]
pub struct ConnectArgs {
    /// Address of the marketplace (https://…; http:// only for 127.0.0.1/localhost).
    pub url: String,
    /// One-time pairing code given by the marketplace.
    #[arg(long, conflicts_with = "token_stdin", required_unless_present = "token_stdin")]
    pub pair: Option<String>,
    /// Read a token from standard input instead of pairing.
    #[arg(long)]
    pub token_stdin: bool,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct SyncArgs {
    #[command(subcommand)]
    pub command: Option<SyncCommand>,
    /// One pass only: no retry when the marketplace cannot be reached.
    #[arg(long)]
    pub once: bool,
    /// Compare the whole catalogue with the marketplace's content hashes first.
    #[arg(long)]
    pub reconcile: bool,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum SyncCommand {
    /// What is pending, offline since when, what needs a person.
    Status {
        #[arg(long)]
        json: bool,
    },
}

fn seed() -> u64 {
    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    (t.as_nanos() as u64) ^ u64::from(std::process::id()).rotate_left(32)
}

fn local_offset() -> chrono::FixedOffset {
    *chrono::Local::now().offset()
}

pub async fn connect(data_dir: Option<&Path>, args: ConnectArgs) -> anyhow::Result<()> {
    let db = crate::open_db(data_dir).await?;
    let keychain = OsKeychain::open()?;
    let cred = if args.token_stdin {
        let mut t = String::new();
        std::io::stdin().read_to_string(&mut t)?;
        Credential::Token(t)
    } else {
        Credential::PairingCode(args.pair.unwrap_or_default())
    };
    let c = comptoir_core::sync::connect(&db, &args.url, cred, &keychain).await?;
    if args.json {
        output::json(&c)?;
    } else {
        output::line(format!("Connecté à {} : boutique « {} » ({})", c.url, c.shop_name, c.shop_id));
        output::line(format!(
            "Limites annoncées : {} opérations par lot, photos jusqu'à {} Mo",
            c.max_batch_ops,
            c.max_media_bytes / (1024 * 1024)
        ));
    }
    Ok(())
}

pub async fn disconnect(data_dir: Option<&Path>) -> anyhow::Result<()> {
    let db = crate::open_db(data_dir).await?;
    let keychain = OsKeychain::open()?;
    comptoir_core::sync::disconnect(&db, &keychain).await?;
    output::line("Déconnecté : le jeton a été retiré du trousseau ; le catalogue local est intact.");
    Ok(())
}

pub async fn run(data_dir: Option<&Path>, args: SyncArgs) -> anyhow::Result<()> {
    let dir = comptoir_core::paths::resolve_data_dir(data_dir)?;
    let db = comptoir_core::Db::open_in(&dir).await?;
    if let Some(SyncCommand::Status { json }) = args.command {
        let st = comptoir_core::sync::sync_status(&db, local_offset()).await?;
        if json {
            output::json(&st)?;
        } else {
            output::line(&st.label);
            for i in &st.issues {
                output::line(format!("  - {} {} ({}) : {}", i.entity, i.uid, i.kind, i.message));
            }
        }
        return Ok(());
    }
    let keychain = OsKeychain::open()?;
    let opts = SyncOptions { reconcile: args.reconcile, progress: Some(upload_progress()), ..SyncOptions::default() };
    let mut rng = Rng::seeded(seed());
    let clock: Clock = Arc::new(chrono::Utc::now);
    let total = if args.once {
        comptoir_core::sync::sync_once(&db, &dir, &keychain, &opts, &mut rng, clock()).await?
    } else {
        // The same loop as the app's background worker uses to drain, with its backoff.
        sync_until_drained(&db, &dir, &keychain, &opts, &mut rng, &clock, |message, wait| {
            eprintln_fr(&format!(
                "Place de marché injoignable ({message}) : nouvel essai dans {} s",
                wait.as_secs_f64().ceil()
            ));
        })
        .await?
    };
    if args.json {
        output::json(&total)?;
    } else {
        output::line(format!(
            "{} opération(s) envoyée(s), {} photo(s) envoyée(s) ({} octets de photos), {} requête(s), {} octets envoyés ; {} en attente",
            total.operations,
            total.photos_uploaded,
            total.photo_bytes,
            total.requests,
            total.bytes_sent,
            total.pending_after
        ));
    }
    Ok(())
}

/// Photo uploads are told on stderr every few seconds (a first sync over a rural line
/// takes minutes): photos and bytes sent, the rate, the time left.
fn upload_progress() -> comptoir_core::sync::ProgressSink {
    let last = std::sync::Mutex::new(None::<std::time::Instant>);
    Arc::new(move |p: Option<comptoir_core::sync::UploadProgress>| {
        let Some(p) = p else { return };
        let mut last = last.lock().unwrap_or_else(|e| e.into_inner());
        if last.is_some_and(|t| t.elapsed() < std::time::Duration::from_secs(5)) {
            return;
        }
        *last = Some(std::time::Instant::now());
        let mo = |b: u64| format!("{:.1}", b as f64 / 1e6).replace('.', ",");
        let mut line = format!(
            "Photos : {}/{} envoyées, {} Mo sur {} Mo",
            p.photos_done,
            p.photos_total,
            mo(p.bytes_done),
            mo(p.bytes_total)
        );
        if p.bytes_per_sec > 0 {
            line.push_str(&format!(", {} Ko/s", p.bytes_per_sec / 1000));
        }
        if let Some(eta) = p.eta_secs {
            line.push_str(&format!(", environ {} min {:02} s restantes", eta / 60, eta % 60));
        }
        if p.slow_link {
            line.push_str(" (ligne lente : une photo à la fois, stock et prix en priorité)");
        }
        if p.products_waiting > 0 {
            line.push_str(&format!(" ; {} produit(s) attendent leurs photos", p.products_waiting));
        }
        eprintln_fr(&line);
    })
}

fn eprintln_fr(s: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "{s}");
}
