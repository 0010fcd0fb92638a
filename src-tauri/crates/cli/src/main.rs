//! `comptoir-cli`: Comptoir's core from the terminal, for scripts, support and benchmarks.
//!
//! Each area lives in its own module; this file only declares the command tree and
//! hands each command to its module. Output for people is French; `--json` output is
//! stable and documented in docs/cli-json.md (money in cents).

mod backup;
mod backup_bench;
mod bench;
mod catalogue;
mod import;
mod orders;
#[cfg(feature = "market-benches")]
mod orders_bench;
mod output;
mod photos;
mod promos;
#[cfg(feature = "market-benches")]
mod promos_bench;
mod report;
mod sync;
#[cfg(feature = "market-benches")]
mod sync_bench;
#[cfg(feature = "market-benches")]
mod sync_link_bench;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use comptoir_core::Db;

// An import plans rows on one thread while SQLite writes them on another: the system
// allocator's per-thread arenas make each string freed on the other thread a locked
// operation; mimalloc frees them cheaply (and builds on Windows, macOS and Linux).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "comptoir-cli",
    version,
    about = "Comptoir en ligne de commande : catalogue, imports, photos, synchronisation"
)]
struct Cli {
    /// Data directory (default: the OS application-data directory).
    #[arg(long, global = true, env = comptoir_core::paths::DATA_DIR_ENV, value_name = "DIR")]
    data_dir: Option<PathBuf>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Fills an empty catalogue with a demo fromagerie-épicerie of the Orne.
    Demo(catalogue::DemoArgs),
    /// Writes the printable one-page quick start (HTML) the support staff hand out.
    Quickstart {
        /// The HTML file to write.
        out: std::path::PathBuf,
    },
    /// Products and their variants.
    #[command(subcommand)]
    Products(catalogue::ProductsCommand),
    /// The category tree.
    #[command(subcommand)]
    Categories(catalogue::CategoriesCommand),
    /// Imports products from a CSV/TSV/TXT, XLSX, XLS or ODS file; `import undo BATCH`
    /// reverses one.
    Import(import::ImportArgs),
    /// Exports the catalogue, the orders of a period, a pick list.
    #[command(subcommand)]
    Export(orders::ExportCommand),
    /// Orders from the marketplace: list, watch (notifications), accept, refuse, ready, collected.
    #[command(subcommand)]
    Orders(orders::OrdersCommand),
    /// Promotions: `promos list`, `promos add SKU… (--price P | --percent N) --from DATE
    /// [--to DATE] [--campaign NAME]`, `promos end ID`.
    #[command(subcommand)]
    Promos(promos::PromosCommand),
    /// Campaigns: the shop's and those the marketplace announces.
    #[command(subcommand)]
    Campaigns(promos::CampaignsCommand),
    /// Photo studio: import photos, benchmark the pipeline.
    #[command(subcommand)]
    Photos(photos::PhotosCommand),
    /// Connects to the marketplace (pairing code or token); the token goes to the OS keychain.
    Connect(sync::ConnectArgs),
    /// Sends every pending change to the marketplace; `sync status` shows the state.
    Sync(sync::SyncArgs),
    /// Forgets the marketplace connection and removes the token from the keychain.
    Disconnect,
    /// Backups: `backup now [--to DIR]`, `backup list`, `backup verify PATH`,
    /// `backup status`, `backup config`.
    #[command(subcommand)]
    Backup(backup::BackupCommand),
    /// Restores a backup (the current data is backed up first, and kept until the
    /// restored data is checked).
    Restore(backup::RestoreArgs),
    /// On a new PC with no backup: fills an empty shop with what the marketplace holds
    /// (drafts never synced are lost; photos are the marketplace's renders).
    Recover(backup::RecoverArgs),
    /// Writes the report for support (a zip: versions, system, database checks and
    /// counts, sync, backups, the last days of logs), with no token and no customer's
    /// details in it.
    Report(report::ReportArgs),
    /// Benchmarks (figures for the README and closing notes).
    #[command(subcommand)]
    Bench(bench::BenchCommand),
}

/// Opens the shop database the command works on; when this build is about to migrate
/// it, a backup is taken first (core's `open_with_backup`).
pub(crate) async fn open_db(data_dir: Option<&std::path::Path>) -> anyhow::Result<Db> {
    let dir = comptoir_core::paths::resolve_data_dir(data_dir)?;
    let (db, before) = comptoir_core::backup::open_with_backup(&dir, chrono::Utc::now()).await?;
    if let Some(b) = before.and_then(|r| r.targets.into_iter().next()) {
        eprintln!("Base de données mise à jour ; sauvegarde préalable : {}", b.path.display());
    }
    Ok(db)
}

/// Starts this run's log file in the shop's data directory (`logs/comptoir-cli.*.log`),
/// for the commands that work on a shop: `bench` and `quickstart` touch none, and must
/// not create the default data directory. A log that cannot be written stops nothing.
fn start_log(cli: &Cli, command: &str) -> Option<comptoir_core::logs::LogGuard> {
    if matches!(cli.command, Command::Bench(_) | Command::Quickstart { .. }) {
        return None;
    }
    let dir = comptoir_core::paths::resolve_data_dir(cli.data_dir.as_deref()).ok()?;
    let guard = comptoir_core::logs::init(&dir, comptoir_core::logs::Program::Cli, env!("CARGO_PKG_VERSION")).ok()?;
    // The command's name only: its arguments may hold a pairing code.
    tracing::info!("commande « {command} »");
    Some(guard)
}

fn main() -> ExitCode {
    let matches = Cli::command().get_matches();
    let command = matches.subcommand_name().unwrap_or_default().to_owned();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    // Held until main returns: queued lines are written when it is dropped.
    let _log = start_log(&cli, &command);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => return output::fail(&anyhow::Error::from(e)),
    };
    let data_dir = cli.data_dir;
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Demo(args) => catalogue::demo(data_dir.as_deref(), args).await,
            Command::Quickstart { out } => {
                std::fs::write(&out, comptoir_core::shop::quick_start_html(env!("CARGO_PKG_VERSION")))?;
                output::line(format!("Guide de démarrage écrit dans {}", out.display()));
                Ok(())
            }
            Command::Products(cmd) => catalogue::products(data_dir.as_deref(), cmd).await,
            Command::Categories(cmd) => catalogue::categories(data_dir.as_deref(), cmd).await,
            Command::Import(args) => import::run(data_dir.as_deref(), args).await,
            Command::Export(cmd) => orders::export(data_dir.as_deref(), cmd).await,
            Command::Orders(cmd) => orders::run(data_dir.as_deref(), cmd).await,
            Command::Connect(args) => sync::connect(data_dir.as_deref(), args).await,
            Command::Sync(args) => sync::run(data_dir.as_deref(), args).await,
            Command::Disconnect => sync::disconnect(data_dir.as_deref()).await,
            Command::Backup(cmd) => backup::run(data_dir.as_deref(), cmd).await,
            Command::Restore(args) => backup::restore(data_dir.as_deref(), args).await,
            Command::Recover(args) => backup::recover(data_dir.as_deref(), args).await,
            Command::Report(args) => report::run(data_dir.as_deref(), args).await,
            Command::Bench(cmd) => bench::run(cmd).await,
            Command::Photos(cmd) => photos::run(data_dir.as_deref(), cmd).await,
            Command::Promos(cmd) => promos::promos(data_dir.as_deref(), cmd).await,
            Command::Campaigns(cmd) => promos::campaigns(data_dir.as_deref(), cmd).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("commande « {command} » en échec : {e:#}");
            output::fail(&e)
        }
    }
}
