//! `bench promos`: a selection of thousands of variants put on promotion at once (a
//! whole category, as the catalogue list sends it), then synced: the time to check and
//! save them in one transaction, and the sync that carries them to the reference server
//! (in-process, real HTTP on 127.0.0.1) as one sequence of batches.

use std::sync::Arc;
use std::time::Instant;

use chrono::{Duration, Utc};
use comptoir_core::Db;
use comptoir_core::catalogue::{CategoryInput, ProductInput, ProductStatus, Unit, VariantInput, VariantOption};
use comptoir_core::promotions::{self, CampaignChoice, Discount, PromotionQuery, PromotionRequest, PromotionTarget};
use comptoir_core::sync::credentials::MemoryKeychain;
use comptoir_core::sync::engine::Credential;
use comptoir_core::sync::worker::{Clock, sync_until_drained};
use comptoir_core::sync::{Rng, SyncOptions};
use comptoir_core::vat::VatRate;
use comptoir_marketplace::{AppState, Config, Hooks, SystemClock};
use tokio::net::TcpListener;

use crate::import::cpu_seconds;
use crate::output::line;

/// Five sizes of each coffret: `variants` / 5 products.
const SIZES: [&str; 5] = ["S", "M", "L", "XL", "Familial"];

fn coffret(i: usize, category_id: i64) -> ProductInput {
    ProductInput {
        id: None,
        name: format!("Coffret de Noël {i:04}"),
        description: "Coffret garni de produits de l'Orne.".into(),
        category_id: Some(category_id),
        status: ProductStatus::Published,
        vat: VatRate::Reduced,
        unit: Unit::Piece,
        offer: Default::default(),
        variants: SIZES
            .iter()
            .enumerate()
            .map(|(s, size)| VariantInput {
                id: None,
                sku: format!("NOEL{i:04}-{s}"),
                options: vec![VariantOption { name: "Taille".into(), value: (*size).into() }],
                price_cents: 1990 + 500 * s as i64 + (i as i64 % 7) * 10,
                stock: 12,
                ean: None,
                net_quantity: None,
            })
            .collect(),
    }
}

pub async fn run(variants: usize) -> anyhow::Result<()> {
    let products = variants.div_ceil(SIZES.len()).max(1);
    let tmp = tempfile::tempdir()?;
    let mdb = comptoir_marketplace::Db::open(&tmp.path().join("market.sqlite3")).await?;
    let config = Config { admin_token: Some("bench".into()), rate_limit: None, ..Config::default() };
    let st = AppState::new(mdb, Arc::new(SystemClock), config, Hooks::default());
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    tokio::spawn(comptoir_marketplace::serve_http(listener, st));
    let shop = comptoir_protocol::client::AdminClient::new(&url, "bench").create_shop("Banc des coffrets").await?;

    let data_dir = tmp.path().join("shop");
    std::fs::create_dir_all(&data_dir)?;
    let db = Db::open_in(&data_dir).await?;
    // The catalogue was put on sale six weeks ago: its reference prices are its prices.
    let since = Utc::now() - Duration::days(42);
    let category =
        db.save_category(&CategoryInput { id: None, name: "Coffrets".into(), parent_id: None }, since).await?;
    let inputs: Vec<ProductInput> = (0..products).map(|i| coffret(i, category.id)).collect();
    db.create_products(&inputs, since).await?;
    let keychain = MemoryKeychain::default();
    comptoir_core::sync::connect(&db, &url, Credential::Token(shop.token), &keychain).await?;
    let clock: Clock = Arc::new(Utc::now);
    let opts = SyncOptions::default();
    let mut rng = Rng::seeded(20);
    sync_until_drained(&db, &data_dir, &keychain, &opts, &mut rng, &clock, |_, _| {}).await?;
    line(format!(
        "bench promos : {} déclinaisons ({products} coffrets × {}), déjà sur la place de marché ; charge {}",
        products * SIZES.len(),
        SIZES.len(),
        crate::import::load_average()
    ));

    let request = PromotionRequest {
        target: PromotionTarget::Category { id: category.id },
        discount: Discount::PercentOff { percent: 20 },
        starts: comptoir_core::promotions::format_local(Utc::now() + Duration::days(1), false),
        ends: Some(comptoir_core::promotions::format_local(Utc::now() + Duration::days(20), true)),
        quantity_limit: None,
        campaign: Some(CampaignChoice::Named { name: "Noël (banc)".into() }),
        perishable: false,
    };
    let (cpu0, t) = (cpu_seconds().unwrap_or(0.0), Instant::now());
    let plan = promotions::preview(&db, &request, Utc::now()).await?;
    let (preview_wall, preview_cpu) = (t.elapsed(), cpu_seconds().unwrap_or(0.0) - cpu0);
    let (cpu0, t) = (cpu_seconds().unwrap_or(0.0), Instant::now());
    let added = promotions::add(&db, &request, Utc::now()).await?;
    let (add_wall, add_cpu) = (t.elapsed(), cpu_seconds().unwrap_or(0.0) - cpu0);
    line(format!(
        "Aperçu (chaque déclinaison vérifiée, prix de référence) : {:>7.0} ms, CPU {:.2} s ({} déclinaisons, {} refusées)",
        preview_wall.as_secs_f64() * 1000.0,
        preview_cpu,
        plan.count,
        plan.refused
    ));
    line(format!(
        "Mise en promotion (vérifiée et enregistrée en une transaction) : {:>7.0} ms, CPU {:.2} s ({} promotions)",
        add_wall.as_secs_f64() * 1000.0,
        add_cpu,
        added.created
    ));

    let (cpu0, t) = (cpu_seconds().unwrap_or(0.0), Instant::now());
    let report = sync_until_drained(&db, &data_dir, &keychain, &opts, &mut rng, &clock, |_, _| {}).await?;
    let (sync_wall, sync_cpu) = (t.elapsed(), cpu_seconds().unwrap_or(0.0) - cpu0);
    let on_market =
        promotions::list(&db, &PromotionQuery::default(), Utc::now()).await?.iter().filter(|p| p.on_market).count();
    line(format!(
        "Synchronisation : {:>7.2} s, CPU {:.2} s (client et serveur), {} requêtes, {} produits envoyés ; {on_market} promotions sur la place de marché",
        sync_wall.as_secs_f64(),
        sync_cpu,
        report.requests,
        report.operations
    ));
    Ok(())
}
