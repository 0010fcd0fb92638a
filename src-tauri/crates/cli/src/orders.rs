//! `orders …` and the order exports of `export …`: the same core the app uses.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, bail};
use chrono::{NaiveDate, Utc};
use clap::{Args, Subcommand, ValueEnum};
use comptoir_core::orders::feed::{Feed, FeedConfig, FeedEvent, FeedMode, FeedState};
use comptoir_core::orders::notify::DesktopNotifier;
use comptoir_core::orders::{self, Action, LocalOrder, OrderFilter, actions, status_label, text};
use comptoir_core::sync::SyncError;
use comptoir_core::sync::credentials::OsKeychain;
use comptoir_core::{Db, money};
use comptoir_protocol::client::Client;
use serde::Serialize;

use crate::output::{json, line};

/// Environment variable holding the shop token, read only with `--url` (scripts,
/// benchmarks); otherwise the token comes from the OS keychain.
pub const TOKEN_ENV: &str = "COMPTOIR_MARKETPLACE_TOKEN";
/// Environment variable holding the marketplace URL (same as `--url`).
pub const URL_ENV: &str = "COMPTOIR_MARKETPLACE_URL";

#[derive(Args, Clone, Debug)]
pub struct Connection {
    /// Marketplace address, overriding the stored connection of `connect` (the token
    /// is then read from COMPTOIR_MARKETPLACE_TOKEN). For scripts and benchmarks.
    #[arg(long, env = URL_ENV, value_name = "URL")]
    url: Option<String>,
}

#[derive(Subcommand)]
pub enum OrdersCommand {
    /// The orders received, newest first.
    List {
        /// new | accepted | ready | collected | refused | cancelled | expired
        #[arg(long, value_name = "S")]
        status: Option<String>,
        /// Pickup day (YYYY-MM-DD).
        #[arg(long, value_name = "DATE")]
        pickup: Option<NaiveDate>,
        #[arg(long)]
        json: bool,
    },
    /// One order with its lines.
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Stays connected to the marketplace, stores each order and notifies it.
    Watch {
        #[command(flatten)]
        conn: Connection,
        #[arg(long, value_enum, default_value_t = Mode::Auto)]
        mode: Mode,
        /// Remind of orders still waiting for acceptance after this many minutes (0: never);
        /// by default, the delay chosen in the app (10 minutes unless changed).
        #[arg(long)]
        remind_after_min: Option<u32>,
        /// Play a sound with each notification (by default, as chosen in the app).
        #[arg(long)]
        sound: bool,
        /// One JSON line per stored order, notification and state change.
        #[arg(long)]
        json: bool,
        /// Tests only: stop for good right after the first order is stored and before
        /// its event is acknowledged (prints `{"type":"frozen_after_store","seq":N}`),
        /// so a test can kill the process exactly there.
        #[arg(long, hide = true)]
        test_freeze_after_store: bool,
    },
    /// Catches up once (reconcile, pending events, queued actions) and exits.
    Sync {
        #[command(flatten)]
        conn: Connection,
        #[arg(long)]
        json: bool,
    },
    /// Accepts an order (all lines, or all but `--refuse-line`).
    Accept {
        id: String,
        #[arg(long = "refuse-line", value_name = "LINE_ID")]
        refuse_lines: Vec<String>,
        #[command(flatten)]
        conn: Connection,
        #[arg(long)]
        json: bool,
    },
    /// Refuses an order, with the reason the customer will read.
    Refuse {
        id: String,
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        conn: Connection,
        #[arg(long)]
        json: bool,
    },
    /// Ready for pickup (for `--hours`, 72 by default, as in the app; code generated
    /// unless `--code`).
    Ready {
        id: String,
        #[arg(long)]
        hours: Option<i64>,
        #[arg(long)]
        code: Option<String>,
        #[command(flatten)]
        conn: Connection,
        #[arg(long)]
        json: bool,
    },
    /// The customer collected the order.
    Collected {
        id: String,
        #[command(flatten)]
        conn: Connection,
        #[arg(long)]
        json: bool,
    },
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum Mode {
    Auto,
    Sse,
    LongPoll,
}

/// `export …`: the catalogue (unchanged) plus orders and pick lists.
#[derive(Subcommand)]
pub enum ExportCommand {
    #[command(flatten)]
    Catalogue(crate::import::ExportCommand),
    /// The orders placed between two days (inclusive), one row per line, to OUT.xlsx or OUT.csv.
    Orders {
        out: PathBuf,
        #[arg(long, value_name = "DATE")]
        from: NaiveDate,
        #[arg(long, value_name = "DATE")]
        to: NaiveDate,
        #[arg(long)]
        json: bool,
    },
    /// What to prepare for a pickup day, per product and per customer, to OUT.xlsx or OUT.html.
    Picklist {
        out: PathBuf,
        #[arg(long, value_name = "DATE")]
        date: NaiveDate,
        #[arg(long)]
        json: bool,
    },
}

/// Where the marketplace is and the shop's token: the connection stored by
/// `comptoir-cli connect` (address in the database, token in the OS keychain), unless
/// `--url`/`COMPTOIR_MARKETPLACE_URL` overrides it with the token of
/// `COMPTOIR_MARKETPLACE_TOKEN`.
pub async fn marketplace_client(conn: &Connection, db: &Db) -> anyhow::Result<Client> {
    if let Some(url) = conn.url.as_deref().filter(|u| !u.trim().is_empty()) {
        let token = std::env::var(TOKEN_ENV)
            .ok()
            .filter(|t| !t.trim().is_empty())
            .with_context(|| format!("--url demande le jeton de la boutique dans la variable {TOKEN_ENV}."))?;
        return Ok(orders::connection::client_for(url, &token));
    }
    let keychain = OsKeychain::open()?;
    match orders::client_from_connection(db, &keychain).await {
        Ok(c) => Ok(c),
        Err(SyncError::NotConnected) => bail!(
            "Comptoir n'est pas connecté à une place de marché : connectez-le avec « comptoir-cli connect URL --pair CODE » (ou indiquez --url et {TOKEN_ENV})."
        ),
        Err(e) => Err(e.into()),
    }
}

#[derive(Serialize)]
struct ActionJson<'a> {
    order: &'a LocalOrder,
    idempotency_key: &'a str,
    /// `sent`, or `pending` when the marketplace could not be reached (retried by
    /// `orders sync` / `orders watch`).
    state: &'a str,
    error: Option<String>,
}

pub async fn run(data_dir: Option<&Path>, cmd: OrdersCommand) -> anyhow::Result<()> {
    let db = crate::open_db(data_dir).await?;
    let r = run_with(&db, cmd).await;
    db.close().await;
    r
}

async fn run_with(db: &Db, cmd: OrdersCommand) -> anyhow::Result<()> {
    match cmd {
        OrdersCommand::List { status, pickup, json: as_json } => {
            let status = match status.as_deref() {
                None => None,
                Some(s) => Some(orders::parse_status(s).with_context(|| {
                    format!("Statut inconnu « {s} » (new, accepted, ready, collected, refused, cancelled, expired).")
                })?),
            };
            let list = orders::list(db, &OrderFilter { status, pickup_day: pickup, ..OrderFilter::default() }).await?;
            if as_json {
                json(&list)?;
            } else if list.is_empty() {
                line("Aucune commande.");
            } else {
                for o in &list {
                    line(summary_line(o));
                }
            }
        }
        OrdersCommand::Show { id, json: as_json } => {
            let o = orders::get(db, &id).await?;
            if as_json {
                json(&o)?;
            } else {
                line(summary_line(&o));
                for l in &o.lines {
                    let refused = if l.refused { " (refusée)" } else { "" };
                    line(format!(
                        "  {} × {} [{}] {}{refused}",
                        l.quantity,
                        l.label(),
                        l.sku,
                        money::format_eur(l.total_cents())
                    ));
                }
            }
        }
        OrdersCommand::Watch { conn, mode, remind_after_min, sound, json: as_json, test_freeze_after_store } => {
            let client = marketplace_client(&conn, db).await?;
            let mut prefs = comptoir_core::orders::settings::load(db).await?;
            prefs.remind_after_min = remind_after_min.unwrap_or(prefs.remind_after_min);
            prefs.sound |= sound;
            let cfg = FeedConfig {
                mode: match mode {
                    Mode::Auto => FeedMode::Auto,
                    Mode::Sse => FeedMode::Sse,
                    Mode::LongPoll => FeedMode::LongPoll,
                },
                notify: prefs.notify_config(),
                after_store: test_freeze_after_store.then(|| {
                    let hook: Arc<dyn Fn(&comptoir_protocol::events::Event) -> bool + Send + Sync> =
                        Arc::new(|ev: &comptoir_protocol::events::Event| {
                            let freeze = ev.order().is_some();
                            if freeze {
                                line(serde_json::json!({ "type": "frozen_after_store", "seq": ev.seq }).to_string());
                            }
                            freeze
                        });
                    hook
                }),
                ..FeedConfig::default()
            };
            let mut feed = Feed::new(db.clone(), client, Arc::new(DesktopNotifier::default()), cfg, Arc::new(Utc::now));
            let mut events = feed.subscribe();
            let task = tokio::spawn(feed.run());
            if !as_json {
                line("À l'écoute des commandes (Ctrl+C pour arrêter)…");
            }
            let printer = async {
                while let Some(e) = events.recv().await {
                    if as_json {
                        let mut s = serde_json::to_string(&e).unwrap_or_default();
                        s.retain(|c| c != '\n');
                        line(s);
                    } else {
                        match e {
                            FeedEvent::Stored { order_id, outcome } => {
                                line(format!("Commande {order_id} : {outcome:?}"))
                            }
                            FeedEvent::Notified(n) => line(format!("🔔 {} — {}", n.title, n.body)),
                            FeedEvent::State(FeedState::Offline { error }) => line(format!("Hors ligne : {error}")),
                            FeedEvent::State(s) => line(format!("Connexion : {s:?}")),
                        }
                    }
                }
            };
            tokio::select! {
                r = task => r??,
                _ = printer => {}
                _ = tokio::signal::ctrl_c() => {}
            }
        }
        OrdersCommand::Sync { conn, json: as_json } => {
            let client = marketplace_client(&conn, db).await?;
            let mut feed = Feed::new(
                db.clone(),
                client,
                Arc::new(DesktopNotifier::default()),
                FeedConfig::default(),
                Arc::new(Utc::now),
            );
            let n = comptoir_core::orders::feed::sync_once(&mut feed).await?;
            let seq = db.order_feed_seq().await?;
            if as_json {
                json(&serde_json::json!({ "received": n, "last_seq": seq }))?;
            } else {
                line(format!("{n} élément(s) reçu(s) ; position du flux : {seq}"));
            }
        }
        OrdersCommand::Accept { id, refuse_lines, conn, json } => {
            act(db, &id, Action::Accept { refused_line_ids: refuse_lines }, &conn, json).await?;
        }
        OrdersCommand::Refuse { id, reason, conn, json } => {
            act(db, &id, Action::Refuse { reason }, &conn, json).await?;
        }
        OrdersCommand::Ready { id, hours, code, conn, json } => {
            let action = Action::ready(Utc::now(), hours.map(chrono::Duration::hours), code)?;
            act(db, &id, action, &conn, json).await?;
        }
        OrdersCommand::Collected { id, conn, json } => {
            act(db, &id, Action::Collected, &conn, json).await?;
        }
    }
    Ok(())
}

/// Queues the action (durable first), then tries to send every queued one.
async fn act(db: &Db, id: &str, action: Action, conn: &Connection, as_json: bool) -> anyhow::Result<()> {
    let client = marketplace_client(conn, db).await?;
    let (order, key) = actions::queue(db, id, &action, Utc::now()).await?;
    let report = actions::flush(db, &client, Utc::now()).await?;
    let now = db.order(&order.server_id).await?;
    let (state, error) = if now.pending_actions > 0 {
        ("pending", Some("place de marché injoignable : action mise en attente".to_owned()))
    } else if let Some(f) = report.failed.iter().find(|f| f.starts_with(&order.server_id)) {
        ("failed", Some(f.clone()))
    } else {
        ("sent", None)
    };
    if as_json {
        json(&ActionJson { order: &now, idempotency_key: &key, state, error: error.clone() })?;
    } else {
        match state {
            "sent" => line(format!("Commande n° {} : {}", now.number, status_label(now.status))),
            "pending" => line(format!(
                "Commande n° {} : action en attente d'envoi (place de marché injoignable), renvoyée automatiquement",
                now.number
            )),
            _ => line(format!("Commande n° {} : action refusée par la place de marché", now.number)),
        }
    }
    if state == "failed" {
        bail!("{}", error.unwrap_or_default());
    }
    Ok(())
}

fn summary_line(o: &LocalOrder) -> String {
    let pending = if o.pending_actions > 0 { " · action en attente d'envoi" } else { "" };
    format!(
        "n° {}  {}  {:<11} {}  ({}){pending}",
        o.number,
        orders::time::format_fr(o.created_at),
        status_label(o.status),
        text::order_summary(o),
        text::short_name(&o.customer_name),
    )
}

pub async fn export(data_dir: Option<&Path>, cmd: ExportCommand) -> anyhow::Result<()> {
    match cmd {
        ExportCommand::Catalogue(c) => crate::import::export(data_dir, c).await,
        ExportCommand::Orders { out, from, to, json: as_json } => {
            if to < from {
                bail!("--to ({to}) est avant --from ({from}).");
            }
            let db = crate::open_db(data_dir).await?;
            let n = comptoir_core::export::orders::export_orders(&db, &out, from, to).await;
            db.close().await;
            let n = n?;
            if as_json {
                json(&serde_json::json!({ "file": out, "rows": n, "from": from, "to": to }))?;
            } else {
                line(format!("{n} ligne(s) de commande exportée(s) dans {}", out.display()));
            }
            Ok(())
        }
        ExportCommand::Picklist { out, date, json: as_json } => {
            let db = crate::open_db(data_dir).await?;
            let p = comptoir_core::export::orders::export_pick_list(&db, &out, date).await;
            db.close().await;
            let p = p?;
            if as_json {
                json(&p)?;
            } else {
                line(format!(
                    "Liste de préparation du {} : {} article(s), {} commande(s), dans {}",
                    orders::time::day_fr(date),
                    p.items.len(),
                    p.bags.len(),
                    out.display()
                ));
                for it in &p.items {
                    line(format!("  {}", it.text));
                }
            }
            Ok(())
        }
    }
}
