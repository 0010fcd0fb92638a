//! `demo`, `products …`, `categories …`.

use std::path::Path;

use anyhow::bail;
use clap::{Args, Subcommand};
use comptoir_core::catalogue::{
    CategoryInput, Product, ProductFilter, ProductInput, ProductStatus, Unit, VariantInput, VariantOption, VariantPatch,
};
use comptoir_core::money::{format_eur, parse_cents};
use comptoir_core::vat::VatRate;
use comptoir_core::{Db, Error};

use crate::output::{json, line};

#[derive(Args)]
pub struct DemoArgs {
    /// Instead of the demo shop, generate this many plausible products (to try the app
    /// at scale, e.g. 50000).
    #[arg(long, value_name = "N")]
    generate: Option<usize>,
}

#[derive(Subcommand)]
pub enum ProductsCommand {
    /// Lists products, sorted by name.
    List {
        /// Words to look for (accents and case ignored; each word is a prefix).
        #[arg(long)]
        search: Option<String>,
        /// Category name or path (`Crèmerie`, `Alimentation/Crèmerie`); includes sub-categories.
        #[arg(long)]
        category: Option<String>,
        /// At most this many products.
        #[arg(long, default_value_t = 500)]
        limit: u32,
        #[arg(long)]
        json: bool,
    },
    /// Shows one product by the SKU of any of its variants.
    Show {
        sku: String,
        #[arg(long)]
        json: bool,
    },
    /// Creates a product with one variant.
    Add(AddArgs),
    /// Changes a variant (price, stock, EAN) or its product (name, VAT, category, status).
    Edit(EditArgs),
    /// Deletes the product that owns this SKU, with all its variants.
    Delete { sku: String },
}

#[derive(Args)]
pub struct AddArgs {
    #[arg(long)]
    name: String,
    #[arg(long)]
    sku: String,
    /// Price including VAT, the French way: 12,50 or "12,50 €".
    #[arg(long)]
    price: String,
    /// VAT rate: 20, 10, 5,5 or 2,1.
    #[arg(long, default_value = "20")]
    vat: String,
    #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
    stock: i64,
    /// Category name or path.
    #[arg(long)]
    category: Option<String>,
    /// pièce, kg, 100 g, l, lot, douzaine.
    #[arg(long, default_value = "pièce")]
    unit: String,
    #[arg(long)]
    ean: Option<String>,
    #[arg(long, default_value = "")]
    description: String,
    /// Net quantity as on the label: 75 cl, 250 g, 1,5 kg, 6 x 125 g (gives the unit price).
    #[arg(long)]
    net_quantity: Option<String>,
    /// Option of the variant, `Name=Value` (repeatable): --option Taille=M.
    #[arg(long = "option", value_name = "NOM=VALEUR")]
    options: Vec<String>,
    /// Publish on the marketplace (default: draft).
    #[arg(long)]
    published: bool,
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct EditArgs {
    sku: String,
    #[arg(long)]
    name: Option<String>,
    #[arg(long)]
    price: Option<String>,
    #[arg(long, allow_negative_numbers = true)]
    stock: Option<i64>,
    #[arg(long)]
    vat: Option<String>,
    /// New EAN; an empty string removes it.
    #[arg(long)]
    ean: Option<String>,
    #[arg(long)]
    category: Option<String>,
    /// draft or published.
    #[arg(long)]
    status: Option<String>,
    #[arg(long)]
    json: bool,
}

#[derive(Subcommand)]
pub enum CategoriesCommand {
    /// Lists the category tree.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Adds a category, optionally under a parent.
    Add {
        name: String,
        #[arg(long)]
        parent: Option<String>,
    },
}

pub async fn demo(data_dir: Option<&Path>, args: DemoArgs) -> anyhow::Result<()> {
    let db = crate::open_db(data_dir).await?;
    match args.generate {
        Some(count) => {
            let n = comptoir_core::demo::generate(&db, count, chrono::Utc::now()).await?;
            line(format!("{n} produits générés dans {}", db.path().display()));
        }
        None => {
            let n = comptoir_core::shop::start(&db, comptoir_core::shop::StartChoice::Demo, chrono::Utc::now()).await?;
            line(format!("Boutique de démonstration installée : {n} produits dans {}", db.path().display()));
        }
    }
    db.close().await;
    Ok(())
}

pub async fn products(data_dir: Option<&Path>, cmd: ProductsCommand) -> anyhow::Result<()> {
    let db = crate::open_db(data_dir).await?;
    let now = chrono::Utc::now();
    match cmd {
        ProductsCommand::List { search, category, limit, json: as_json } => {
            let category_id = match category {
                Some(c) => Some(category_id(&db, &c).await?),
                None => None,
            };
            let page = db.list_products(&ProductFilter { search, category_id, offset: 0, limit }).await?;
            if as_json {
                json(&page)?;
            } else if page.items.is_empty() {
                line("Aucun produit.");
            } else {
                for p in &page.items {
                    let price = match (p.min_price_cents, p.max_price_cents) {
                        (Some(a), Some(b)) if a != b => format!("{} – {}", format_eur(a), format_eur(b)),
                        (Some(a), _) => format_eur(a),
                        _ => "—".into(),
                    };
                    line(format!(
                        "{:<16} {:<40} {:>14}  stock {:>5}  {}",
                        p.sku.as_deref().unwrap_or("—"),
                        p.name,
                        price,
                        p.total_stock,
                        p.category_path.as_deref().unwrap_or("(sans catégorie)")
                    ));
                }
                line(format!("{} produit(s) sur {}", page.items.len(), page.total));
            }
        }
        ProductsCommand::Show { sku, json: as_json } => {
            let p = db.product_by_sku(&sku).await?;
            if as_json { json(&p)? } else { print_product(&p) }
        }
        ProductsCommand::Add(a) => {
            let category_id = match &a.category {
                Some(c) => Some(category_id(&db, c).await?),
                None => None,
            };
            let input = ProductInput {
                id: None,
                name: a.name,
                description: a.description,
                category_id,
                status: if a.published { ProductStatus::Published } else { ProductStatus::Draft },
                vat: parse_vat(&a.vat)?,
                unit: Unit::parse(&a.unit).ok_or_else(|| {
                    Error::invalid(
                        "unit",
                        "invalid",
                        format!("Unité « {} » inconnue : pièce, kg, 100 g, l, lot ou douzaine", a.unit),
                    )
                })?,
                offer: Default::default(),
                variants: vec![VariantInput {
                    id: None,
                    sku: a.sku,
                    options: a.options.iter().map(|o| parse_option(o)).collect::<Result<_, _>>()?,
                    price_cents: parse_price(&a.price)?,
                    stock: a.stock,
                    ean: a.ean,
                    net_quantity: a.net_quantity,
                }],
            };
            let p = db.save_product(&input, now).await?;
            if a.json { json(&p)? } else { line(format!("Produit créé : {} ({})", p.name, p.variants[0].sku)) }
        }
        ProductsCommand::Edit(e) => {
            let patch = VariantPatch {
                name: e.name,
                price_cents: e.price.as_deref().map(parse_price).transpose()?,
                stock: e.stock,
                vat: e.vat.as_deref().map(parse_vat).transpose()?,
                ean: e.ean.map(|s| if s.trim().is_empty() { None } else { Some(s) }),
                category_id: match e.category {
                    Some(c) if c.trim().is_empty() => Some(None),
                    Some(c) => Some(Some(category_id(&db, &c).await?)),
                    None => None,
                },
                status: match e.status.as_deref() {
                    None => None,
                    Some("draft" | "brouillon") => Some(ProductStatus::Draft),
                    Some("published" | "publie" | "publié") => Some(ProductStatus::Published),
                    Some(other) => bail!(Error::invalid(
                        "status",
                        "invalid",
                        format!("Statut « {other} » inconnu : draft (brouillon) ou published (publié)")
                    )),
                },
                ..VariantPatch::default()
            };
            let p = db.patch_variant(&e.sku, &patch, now).await?;
            if e.json { json(&p)? } else { line(format!("Produit modifié : {}", p.name)) }
        }
        ProductsCommand::Delete { sku } => {
            let p = db.product_by_sku(&sku).await?;
            db.delete_product(p.id).await?;
            line(format!("Produit supprimé : {}", p.name));
        }
    }
    db.close().await;
    Ok(())
}

pub async fn categories(data_dir: Option<&Path>, cmd: CategoriesCommand) -> anyhow::Result<()> {
    let db = crate::open_db(data_dir).await?;
    match cmd {
        CategoriesCommand::List { json: as_json } => {
            let cats = db.categories().await?;
            if as_json {
                json(&cats)?;
            } else {
                for c in &cats {
                    line(format!("{}{} ({})", "  ".repeat(c.depth as usize), c.name, c.product_count));
                }
            }
        }
        CategoriesCommand::Add { name, parent } => {
            let parent_id = match parent {
                Some(p) => Some(category_id(&db, &p).await?),
                None => None,
            };
            let c = db.save_category(&CategoryInput { id: None, name, parent_id }, chrono::Utc::now()).await?;
            line(format!("Catégorie créée : {}", c.path));
        }
    }
    db.close().await;
    Ok(())
}

async fn category_id(db: &Db, name: &str) -> anyhow::Result<i64> {
    Ok(db.find_category(name).await?.ok_or_else(|| Error::not_found("Catégorie", name))?.id)
}

fn parse_price(s: &str) -> Result<i64, Error> {
    parse_cents(s).map_err(|e| Error::invalid("price", "invalid", format!("{} : « {s} »", e.message())))
}

fn parse_vat(s: &str) -> Result<VatRate, Error> {
    VatRate::parse(s).map_err(|e| Error::invalid("vat", "invalid", e.message()))
}

fn parse_option(s: &str) -> Result<VariantOption, Error> {
    let (name, value) = s
        .split_once('=')
        .ok_or_else(|| {
            Error::invalid("option", "invalid", format!("Option « {s} » : écrivez Nom=Valeur, par exemple Taille=M"))
        })
        .map(|(n, v)| (n.trim(), v.trim()))?;
    Ok(VariantOption { name: name.into(), value: value.into() })
}

fn print_product(p: &Product) {
    line(format!("{} ({})", p.name, if p.status == ProductStatus::Published { "publié" } else { "brouillon" }));
    if let Some(c) = &p.category_path {
        line(format!("  Catégorie : {c}"));
    }
    line(format!("  TVA : {}   Unité : {}", p.vat.label(), p.unit.label()));
    if !p.description.is_empty() {
        line(format!("  {}", p.description));
    }
    for v in &p.variants {
        let opts = v.options.iter().map(|o| format!("{} : {}", o.name, o.value)).collect::<Vec<_>>().join(", ");
        let unit = v
            .unit_price
            .map(|u| {
                format!(
                    " ({} / {})",
                    format_eur(u.cents),
                    if u.per == comptoir_core::catalogue::UnitPricePer::Kg { "kg" } else { "l" }
                )
            })
            .unwrap_or_default();
        line(format!(
            "  - {:<14} {:>10}{unit}  stock {}{}{}",
            v.sku,
            format_eur(v.price_cents),
            v.stock,
            v.ean.as_deref().map(|e| format!("  EAN {e}")).unwrap_or_default(),
            if opts.is_empty() { String::new() } else { format!("  [{opts}]") }
        ));
    }
}
