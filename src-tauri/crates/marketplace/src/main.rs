//! `comptoir-marketplace`: run the reference server, administer it, play
//! customers, or benchmark it.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};
use comptoir_marketplace::catalog::moderate;
use comptoir_marketplace::clock::ShiftedClock;
use comptoir_marketplace::{AppState, Clock, Config, Db, Hooks, SystemClock, auth, bench, ids, simulate};
use comptoir_protocol::catalog::ModerationStatus;

#[derive(Parser)]
#[command(version, about = "Reference server of the Comptoir marketplace sync protocol")]
struct Cli {
    /// SQLite database file (created if missing).
    #[arg(long, global = true, env = "COMPTOIR_MARKETPLACE_DB", default_value = "comptoir-marketplace.sqlite3")]
    db: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API over HTTP.
    Serve {
        #[arg(long, default_value = "127.0.0.1:8787")]
        addr: SocketAddr,
        /// Bearer token of /admin/v1 (a random one is printed when absent).
        #[arg(long, env = "COMPTOIR_MARKETPLACE_ADMIN_TOKEN")]
        admin_token: Option<String>,
        /// Hours a photo no product references is kept before it is deleted. The app
        /// uploads photos before the products that list them: keep it well above the
        /// time a sync pass can take.
        #[arg(long, env = "COMPTOIR_MARKETPLACE_MEDIA_GRACE_HOURS", default_value_t = 24,
              value_parser = clap::value_parser!(u32).range(1..))]
        media_grace_hours: u32,
        /// Start the server's clock at this instant (RFC 3339, e.g.
        /// `2026-12-25T00:00:00+01:00`); it runs from there. Promotions start and end by
        /// this clock: for tests and demonstrations.
        #[arg(long)]
        clock_start: Option<chrono::DateTime<chrono::FixedOffset>>,
    },
    /// Shops.
    Shop {
        #[command(subcommand)]
        command: ShopCommand,
    },
    /// Moderate a product (the marketplace side changing an object).
    Moderate {
        shop: String,
        external_id: String,
        /// Reject with this reason; approve when absent.
        #[arg(long)]
        reject: Option<String>,
    },
    /// Play customers ordering from a shop through the storefront.
    Simulate {
        #[arg(long)]
        url: String,
        #[arg(long)]
        shop: String,
        #[arg(long, default_value_t = 10)]
        orders: u32,
        #[arg(long, default_value_t = 2000)]
        interval_ms: u64,
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
    /// Measure event delivery latency and catalogue throughput on loopback.
    Bench {
        #[arg(long, default_value_t = 1000)]
        orders: usize,
        #[arg(long, default_value_t = 5000)]
        products: usize,
    },
}

#[derive(Subcommand)]
enum ShopCommand {
    /// Create a shop; prints its id, a full-scope token and a pairing code.
    Create {
        name: String,
        #[arg(long)]
        json: bool,
    },
    /// Issue a new one-time pairing code for a shop.
    Pair {
        shop: String,
        #[arg(long)]
        json: bool,
    },
}

async fn state(db: &std::path::Path, config: Config) -> anyhow::Result<AppState> {
    state_on(db, config, Arc::new(SystemClock)).await
}

async fn state_on(db: &std::path::Path, config: Config, clock: Arc<dyn Clock>) -> anyhow::Result<AppState> {
    let db = Db::open(db).await.with_context(|| format!("opening {}", db.display()))?;
    Ok(AppState::new(db, clock, config, Hooks::default()))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let mut out = std::io::stdout().lock();
    match cli.command {
        Command::Serve { addr, admin_token, media_grace_hours, clock_start } => {
            let admin_token = admin_token.unwrap_or_else(ids::token);
            let config = Config {
                admin_token: Some(admin_token.clone()),
                media_grace: chrono::Duration::hours(i64::from(media_grace_hours)),
                ..Config::default()
            };
            let clock: Arc<dyn Clock> = match clock_start {
                Some(start) => Arc::new(ShiftedClock::starting_at(start.with_timezone(&chrono::Utc))),
                None => Arc::new(SystemClock),
            };
            let st = state_on(&cli.db, config, clock).await?;
            let listener = tokio::net::TcpListener::bind(addr).await?;
            writeln!(out, "listening on http://{}", listener.local_addr()?)?;
            writeln!(out, "admin token: {admin_token}")?;
            drop(out);
            comptoir_marketplace::serve(listener, st).await?;
        }
        Command::Shop { command } => {
            let st = state(&cli.db, Config::default()).await?;
            match command {
                ShopCommand::Create { name, json } => {
                    let created = auth::create_shop(&st.db, &name, st.now(), st.config.pairing_code_ttl).await?;
                    if json {
                        writeln!(out, "{}", serde_json::to_string(&created)?)?;
                    } else {
                        writeln!(out, "shop_id: {}", created.shop_id)?;
                        writeln!(out, "token: {}", created.token)?;
                        writeln!(out, "pairing_code: {}", created.pairing_code)?;
                    }
                }
                ShopCommand::Pair { shop, json } => {
                    let mut tx = st.db.begin().await?;
                    anyhow::ensure!(auth::shop_exists(&mut tx, &shop).await?, "no shop {shop}");
                    let code = auth::issue_pairing_code(&mut tx, &shop, st.now(), st.config.pairing_code_ttl).await?;
                    tx.commit().await?;
                    if json {
                        writeln!(out, "{}", serde_json::to_string(&code)?)?;
                    } else {
                        writeln!(out, "pairing_code: {} (expires {})", code.pairing_code, code.expires_at)?;
                    }
                }
            }
        }
        Command::Moderate { shop, external_id, reject } => {
            let st = state(&cli.db, Config::default()).await?;
            let status = if reject.is_some() { ModerationStatus::Rejected } else { ModerationStatus::Approved };
            let ev = moderate(&st, &shop, &external_id, status, reject)
                .await
                .map_err(|e| anyhow::anyhow!("{}", e.problem))?;
            writeln!(out, "{}", serde_json::to_string(&ev)?)?;
        }
        Command::Simulate { url, shop, orders, interval_ms, seed } => {
            drop(out);
            simulate::run(&url, &shop, orders, Duration::from_millis(interval_ms), seed).await?;
        }
        Command::Bench { orders, products } => {
            drop(out);
            bench::run(orders, products).await?;
        }
    }
    Ok(())
}
