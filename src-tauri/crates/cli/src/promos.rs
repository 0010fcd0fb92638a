//! `promos …` and `campaigns …`: the Promotions screen from a terminal.

use std::path::Path;

use clap::Subcommand;
use comptoir_core::money::{format_eur, parse_cents};
use comptoir_core::promotions::{
    self, CampaignChoice, Discount, EndOutcome, PromotionQuery, PromotionRequest, PromotionState, PromotionTarget,
};

use crate::output::{json, line};

#[derive(Debug, Subcommand)]
pub enum PromosCommand {
    /// Running and planned promotions (`--all`: with those over).
    List {
        #[arg(long)]
        all: bool,
        #[arg(long)]
        json: bool,
    },
    /// Puts variants on promotion, all of them or none (each refusal says why).
    Add {
        /// SKUs of the variants.
        #[arg(required = true)]
        skus: Vec<String>,
        /// The reduced price TTC (`9,90`).
        #[arg(long, conflicts_with = "percent", required_unless_present = "percent")]
        price: Option<String>,
        /// A percentage off the regular price (1 to 99), rounded half-up to the cent.
        #[arg(long)]
        percent: Option<u8>,
        /// First day (Paris time): `01/12/2026` or `01/12/2026 08:00`.
        #[arg(long)]
        from: String,
        /// Last day, included (`24/12/2026`), or an end time (`24/12/2026 18:00`);
        /// absent: until the stock runs out.
        #[arg(long)]
        to: Option<String>,
        /// The campaign: the shop's of that name, the marketplace's of that id or name,
        /// or a new one.
        #[arg(long)]
        campaign: Option<String>,
        /// Units sold at the reduced price at most.
        #[arg(long)]
        limit: Option<u32>,
        /// Perishable goods threatened by rapid deterioration: no reference price
        /// (Code de la consommation, art. L112-1-1).
        #[arg(long)]
        perishable: bool,
        #[arg(long)]
        json: bool,
    },
    /// Ends a running promotion now, or withdraws a planned one.
    End { id: i64 },
}

#[derive(Debug, Subcommand)]
pub enum CampaignsCommand {
    /// The shop's campaigns and those the marketplace announces (as of the last sync).
    List {
        #[arg(long)]
        json: bool,
    },
}

fn state_fr(s: PromotionState) -> &'static str {
    match s {
        PromotionState::Planned => "prévue",
        PromotionState::Running => "en cours",
        PromotionState::Ended => "terminée",
    }
}

pub async fn promos(data_dir: Option<&Path>, cmd: PromosCommand) -> anyhow::Result<()> {
    let db = crate::open_db(data_dir).await?;
    let now = chrono::Utc::now();
    match cmd {
        PromosCommand::List { all, json: as_json } => {
            let list = promotions::list(&db, &PromotionQuery { include_ended: all, ..Default::default() }, now).await?;
            if as_json {
                return json(&list);
            }
            if list.is_empty() {
                line("Aucune promotion en cours ni prévue.");
            }
            for p in &list {
                let until = p
                    .ends_text
                    .as_deref()
                    .map(|e| format!(" au {e}"))
                    .unwrap_or_else(|| " (jusqu'à épuisement)".into());
                let reference = p.reference_cents.map(|r| format!(", référence {}", format_eur(r))).unwrap_or_default();
                let campaign = p.campaign_name.as_deref().map(|c| format!(" [{c}]")).unwrap_or_default();
                let market = if p.on_market { "" } else { " — pas encore sur la place de marché" };
                line(format!(
                    "n° {}  {}  {}  {} → {}{reference}  du {}{until}  {}{campaign}{market}",
                    p.id,
                    p.sku,
                    p.product_name,
                    format_eur(p.regular_cents),
                    format_eur(p.price_cents),
                    p.starts_text,
                    state_fr(p.state)
                ));
            }
            Ok(())
        }
        PromosCommand::Add { skus, price, percent, from, to, campaign, limit, perishable, json: as_json } => {
            let discount = match (price, percent) {
                (Some(p), _) => Discount::NewPrice {
                    cents: parse_cents(&p).map_err(|e| anyhow::anyhow!("--price « {p} » : {}", e.message()))?,
                },
                (None, Some(percent)) => Discount::PercentOff { percent },
                (None, None) => anyhow::bail!("--price ou --percent est nécessaire"),
            };
            let request = PromotionRequest {
                target: PromotionTarget::Skus { skus },
                discount,
                starts: from,
                ends: to,
                quantity_limit: limit,
                campaign: campaign.map(|name| CampaignChoice::Named { name }),
                perishable,
            };
            let added = promotions::add(&db, &request, now).await?;
            if as_json {
                return json(&added);
            }
            line(format!("{} déclinaison(s) mise(s) en promotion (n° {}).", added.created, ids_text(&added.ids)));
            Ok(())
        }
        PromosCommand::End { id } => {
            match promotions::end(&db, id, now).await? {
                EndOutcome::Ended => line(format!("Promotion n° {id} terminée.")),
                EndOutcome::Withdrawn => line(format!("Promotion n° {id} retirée (elle n'avait pas commencé).")),
            }
            Ok(())
        }
    }
}

fn ids_text(ids: &[i64]) -> String {
    match ids {
        [] => String::new(),
        [one] => one.to_string(),
        [first, .., last] => format!("{first} à {last}"),
    }
}

pub async fn campaigns(data_dir: Option<&Path>, cmd: CampaignsCommand) -> anyhow::Result<()> {
    let db = crate::open_db(data_dir).await?;
    let now = chrono::Utc::now();
    match cmd {
        CampaignsCommand::List { json: as_json } => {
            let c = promotions::campaigns(&db, now).await?;
            if as_json {
                return json(&c);
            }
            if c.own.is_empty() && c.market.is_empty() {
                line("Aucune campagne.");
            }
            for own in &c.own {
                let until = own.ends_text.as_deref().map(|e| format!(" au {e}")).unwrap_or_default();
                let joined = own.market_id.as_deref().map(|m| format!(" (place de marché : {m})")).unwrap_or_default();
                line(format!(
                    "{}  du {}{until}  {} promotion(s)  {}{joined}",
                    own.name,
                    own.starts_text,
                    own.promotion_count,
                    state_fr(own.state)
                ));
            }
            for m in c.market.iter().filter(|m| m.joined.is_none()) {
                let until = m.ends_text.as_deref().map(|e| format!(" au {e}")).unwrap_or_default();
                line(format!("{} [{}]  du {}{until}  annoncée par la place de marché", m.name, m.id, m.starts_text));
            }
            Ok(())
        }
    }
}
