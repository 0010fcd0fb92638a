//! `backup now|list|verify|status|config`, `restore PATH`, `recover --from-marketplace`:
//! each parses, calls one core function (`comptoir_core::backup`), presents.

use std::io::Read;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand, ValueEnum};
use comptoir_core::backup::{self, BackupOptions, Counts, DestinationOutcome, Reason};
use comptoir_core::sync::credentials::OsKeychain;

use crate::output::{self, line};

#[derive(Debug, Subcommand)]
pub enum BackupCommand {
    /// Takes a backup now: the PC's backup folder and the chosen destination, or only
    /// the folder given with --to.
    Now {
        /// Write this backup to this folder only (a one-off copy).
        #[arg(long, value_name = "DIR")]
        to: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = ReasonArg::Manual)]
        reason: ReasonArg,
        /// Encrypt the copy leaving the PC with a passphrase read from standard input.
        #[arg(long)]
        passphrase_stdin: bool,
        #[arg(long)]
        json: bool,
    },
    /// The backups of the shop (the PC's, then the destination's), newest first.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Checks a backup end to end (manifest, database, every photo).
    Verify {
        path: PathBuf,
        /// The passphrase of an encrypted backup, read from standard input, to check its
        /// content too.
        #[arg(long)]
        passphrase_stdin: bool,
        #[arg(long)]
        json: bool,
    },
    /// How old the last backup is; whether the destination is missing.
    Status {
        #[arg(long)]
        json: bool,
    },
    /// Chooses the destination (USB key, share, synced folder) and its encryption.
    Config {
        /// The destination folder; an empty string removes it.
        #[arg(long, value_name = "DIR")]
        destination: Option<PathBuf>,
        /// Encrypt the destination's database copy (passphrase kept in the keychain).
        #[arg(long)]
        encrypt: Option<bool>,
        /// Store the passphrase read from standard input in the OS keychain.
        #[arg(long)]
        passphrase_stdin: bool,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ReasonArg {
    Manual,
    Daily,
    BeforeImport,
    BeforeUpdate,
}

impl From<ReasonArg> for Reason {
    fn from(r: ReasonArg) -> Self {
        match r {
            ReasonArg::Manual => Reason::Manual,
            ReasonArg::Daily => Reason::Daily,
            ReasonArg::BeforeImport => Reason::BeforeImport,
            ReasonArg::BeforeUpdate => Reason::BeforeUpdate,
        }
    }
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// The backup directory (`…/comptoir-AAAAMMJJ-HHMMSS`).
    pub path: PathBuf,
    /// The passphrase of an encrypted backup, read from standard input.
    #[arg(long)]
    pub passphrase_stdin: bool,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct RecoverArgs {
    /// Address of the marketplace.
    #[arg(long = "from-marketplace", value_name = "URL")]
    pub url: String,
    /// One-time pairing code given by the marketplace.
    #[arg(long)]
    pub pair: String,
    #[arg(long)]
    pub json: bool,
}

fn read_passphrase(wanted: bool) -> anyhow::Result<Option<String>> {
    if !wanted {
        return Ok(None);
    }
    let mut s = String::new();
    std::io::stdin().read_to_string(&mut s)?;
    Ok(Some(s.trim_end_matches(['\r', '\n']).to_owned()))
}

fn data(data_dir: Option<&Path>) -> anyhow::Result<PathBuf> {
    Ok(comptoir_core::paths::resolve_data_dir(data_dir)?)
}

fn counts(c: &Counts) -> String {
    format!(
        "{} produits ({} publiés), {} déclinaisons, {} photos, {} commandes",
        c.products, c.published_products, c.variants, c.photos, c.orders
    )
}

fn mb(bytes: u64) -> String {
    format!("{:.1} Mo", bytes as f64 / 1_000_000.0).replace('.', ",")
}

fn when(t: chrono::DateTime<chrono::Utc>) -> String {
    t.with_timezone(&chrono::Local).format("%d/%m/%Y à %H:%M").to_string()
}

pub async fn run(data_dir: Option<&Path>, cmd: BackupCommand) -> anyhow::Result<()> {
    let dir = data(data_dir)?;
    let now = chrono::Utc::now();
    match cmd {
        BackupCommand::Now { to, reason, passphrase_stdin, json } => {
            let opts =
                BackupOptions { reason: Some(reason.into()), to, passphrase: read_passphrase(passphrase_stdin)? };
            // The keychain is opened only when the settings keep the passphrase there.
            let keychain = if opts.passphrase.is_none() && backup::needs_keychain(&dir)? {
                OsKeychain::open_service(backup::crypt::KEYCHAIN_SERVICE).ok()
            } else {
                None
            };
            let r = backup::backup_now(&dir, &opts, keychain.as_ref().map(|k| k as _), now).await?;
            if json {
                return output::json(&r);
            }
            line(format!("Sauvegarde faite ({}) : {}", r.reason.label(), counts(&r.counts)));
            for t in &r.targets {
                line(format!(
                    "  {} : {}{} — {} photos copiées, {} déjà présentes, {} écrits{}",
                    if t.local { "sur ce PC" } else { "destination" },
                    t.path.display(),
                    if t.encrypted { " (chiffrée)" } else { "" },
                    t.photos_copied,
                    t.photos_already_there,
                    mb(t.bytes_written),
                    if t.pruned.is_empty() {
                        String::new()
                    } else {
                        format!(", {} anciennes supprimées", t.pruned.len())
                    }
                ));
            }
            match &r.destination {
                DestinationOutcome::Missing { path } => {
                    line(format!("  destination absente : {} (clé débranchée ?)", path.display()))
                }
                DestinationOutcome::Failed { path, message } => {
                    line(format!("  destination {} : échec — {message}", path.display()))
                }
                DestinationOutcome::None | DestinationOutcome::Written => {}
            }
            if !r.photos_missing.is_empty() {
                line(format!(
                    "  Attention : {} photos manquent ou sont abîmées dans le dossier de la boutique",
                    r.photos_missing.len()
                ));
            }
            Ok(())
        }
        BackupCommand::List { json } => {
            let all = backup::list_backups(&dir)?;
            if json {
                return output::json(&all);
            }
            if all.is_empty() {
                line("Aucune sauvegarde.");
            }
            for b in &all {
                line(format!(
                    "{}  {}  {:<30} {}{} — {}",
                    when(b.created_at),
                    if b.local { "PC         " } else { "destination" },
                    b.reason.label(),
                    b.path.display(),
                    if b.encrypted { " (chiffrée)" } else { "" },
                    counts(&b.counts)
                ));
            }
            Ok(())
        }
        BackupCommand::Verify { path, passphrase_stdin, json } => {
            let pass = read_passphrase(passphrase_stdin)?;
            let r = backup::verify(&path, pass.as_deref()).await?;
            if json {
                return output::json(&r);
            }
            line(format!("Sauvegarde intacte : {} du {}", r.id, when(r.created_at)));
            line(format!("  {} ; {} fichiers photo vérifiés", counts(&r.counts), r.photos));
            if r.encrypted && !r.content_checked {
                line(
                    "  Chiffrée : fichiers vérifiés par leurs empreintes ; contenu non ouvert (sans phrase de passe).",
                );
            }
            Ok(())
        }
        BackupCommand::Status { json } => {
            let db = crate::open_db(Some(&dir)).await?;
            let s = backup::backup_status(&db, &dir, now).await?;
            if json {
                return output::json(&s);
            }
            match (s.last_backup_at, s.days_since_last) {
                (Some(t), Some(d)) => line(format!("Dernière sauvegarde : {} (il y a {d} jours)", when(t))),
                _ => line("Aucune sauvegarde n'a encore été faite."),
            }
            if s.overdue {
                line("Attention : pas de sauvegarde depuis 7 jours ou plus.");
            }
            if let Some(d) = &s.destination {
                if d.present {
                    line(format!("Destination : {} (présente)", d.path.display()));
                } else {
                    line(format!("Destination : {} absente depuis {} jours", d.path.display(), d.days_missing));
                }
                if d.alert {
                    line("Attention : la destination n'a pas été vue depuis 3 jours ou plus (clé USB débranchée ?).");
                }
            }
            if s.daily_due {
                line("La sauvegarde du jour reste à faire.");
            }
            Ok(())
        }
        BackupCommand::Config { destination, encrypt, passphrase_stdin } => {
            let db = crate::open_db(Some(&dir)).await?;
            if passphrase_stdin {
                let pass = read_passphrase(true)?.unwrap_or_default();
                let keychain = OsKeychain::open_service(backup::crypt::KEYCHAIN_SERVICE)?;
                backup::set_passphrase(&keychain, &pass)?;
            }
            let cfg = backup::update_config(&db, destination, encrypt).await?;
            match &cfg.destination {
                Some(d) => line(format!(
                    "Destination : {}{}",
                    d.display(),
                    if cfg.encrypt_destination { " (base de données chiffrée)" } else { "" }
                )),
                None => line("Pas de destination : les sauvegardes restent sur ce PC."),
            }
            Ok(())
        }
    }
}

pub async fn restore(data_dir: Option<&Path>, args: RestoreArgs) -> anyhow::Result<()> {
    let dir = data(data_dir)?;
    let pass = read_passphrase(args.passphrase_stdin)?;
    let r = backup::restore(&dir, &args.path, pass.as_deref(), chrono::Utc::now()).await?;
    if args.json {
        return output::json(&r);
    }
    line(format!("Sauvegarde du {} restaurée : {}", when(r.created_at), counts(&r.counts)));
    if r.from_schema != r.to_schema {
        line(format!("  Base mise à jour de la version {} à la {}.", r.from_schema, r.to_schema));
    }
    if let Some(p) = &r.replaced_data_backup {
        line(format!("  Les données remplacées sont sauvegardées dans {}", p.display()));
    }
    line("  Reconnectez Comptoir à la place de marché (code d'appairage) : la connexion n'est pas restaurée.");
    Ok(())
}

pub async fn recover(data_dir: Option<&Path>, args: RecoverArgs) -> anyhow::Result<()> {
    let dir = data(data_dir)?;
    if !args.json {
        line(backup::recover::WARNING);
    }
    let keychain = OsKeychain::open()?;
    let r = backup::recover(&dir, &args.url, &args.pair, &keychain, chrono::Utc::now()).await?;
    if args.json {
        return output::json(&r);
    }
    line(format!(
        "Boutique « {} » récupérée : {} catégories, {} produits, {} déclinaisons, {} photos ({} téléchargés)",
        r.shop_name,
        r.categories,
        r.products,
        r.variants,
        r.photos,
        mb(r.photo_bytes)
    ));
    line("  Les photos récupérées sont celles de la place de marché (redimensionnées), pas vos originaux.");
    Ok(())
}
