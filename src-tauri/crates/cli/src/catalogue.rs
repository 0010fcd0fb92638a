//! `demo`, `products …`, `categories …`.

use std::path::Path;

use anyhow::bail;
use clap::{Args, Subcommand};
use comptoir_core::catalogue::food::{parse_abv, parse_allergens, parse_labels};
use comptoir_core::catalogue::{
    CategoryInput, FoodPatch, Offer, Product, ProductFilter, ProductInput, ProductKind, ProductStatus, StockCell,
    StockPolicy, VariantInput, VariantOption, VariantPatch, format_duration, lead_time_days, parse_duration,
    read_stock_words, read_unit_cell,
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
    Add(Box<AddArgs>),
    /// Changes a variant (price, stock, EAN) or its product (name, VAT, category, status).
    Edit(Box<EditArgs>),
    /// Deletes the product that owns this SKU, with all its variants.
    Delete { sku: String },
    /// Lists the products that cannot be published as they stand, and why (food
    /// information missing…).
    Check {
        #[arg(long)]
        json: bool,
    },
}

/// How the product is offered, for `products add` and `products edit`.
#[derive(Args, Default)]
pub struct OfferArgs {
    /// What the goods come in, as you write it: bouteille, pot, barquette… (edit: "" removes it).
    #[arg(long)]
    packaging: Option<String>,
    /// produit or service.
    #[arg(long)]
    kind: Option<String>,
    /// How stock is kept: compté, illimité, or « sur commande ».
    #[arg(long)]
    stock_policy: Option<String>,
    /// For a product made to order: days to make it (« 10 », « 2 semaines »).
    #[arg(long)]
    lead_time: Option<String>,
    /// For a service: how long it lasts (« 1 h », « 2 h 30 »; edit: "" removes it).
    #[arg(long)]
    duration: Option<String>,
    /// Pre-packed food: the product carries the information the buyer must read.
    #[arg(long)]
    food: bool,
    /// Edit: no longer food (removes its food information).
    #[arg(long, conflicts_with = "food")]
    not_food: bool,
    /// Ingredients, as on the label.
    #[arg(long)]
    ingredients: Option<String>,
    /// Allergens: « lait, gluten », or « aucun ».
    #[arg(long)]
    allergens: Option<String>,
    /// Storage conditions (« À conserver entre 2 et 6 °C »).
    #[arg(long)]
    storage: Option<String>,
    #[arg(long)]
    origin: Option<String>,
    /// Producer or operator, when it is not the shop (name and address).
    #[arg(long)]
    producer: Option<String>,
    /// Quality label (repeatable): AOP, IGP, Label Rouge, bio…
    #[arg(long = "label", value_name = "LABEL")]
    labels: Vec<String>,
    /// Alcoholic strength in % vol (« 5,5 »; edit: "" removes it).
    #[arg(long)]
    abv: Option<String>,
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
    /// What the price is for: pièce, kg, 100 g, l, m, m², lot, douzaine. Another word
    /// (bouteille, pot, séance…) is the packaging, sold by the piece.
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
    #[command(flatten)]
    offer: OfferArgs,
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
    /// pièce, kg, 100 g, l, m, m², lot, douzaine (another word is the packaging).
    #[arg(long)]
    unit: Option<String>,
    /// Net quantity as on the label (75 cl, 250 g, 6 x 125 g); "" removes it.
    #[arg(long)]
    net_quantity: Option<String>,
    #[command(flatten)]
    offer: OfferArgs,
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
            let a = *a;
            // « bouteille » is not a refusal: sold by the piece, packed in a bottle.
            let reading = read_unit_cell(&a.unit);
            let unit = reading.unit;
            let patch = a.offer.patch()?;
            let mut offer = Offer { packaging: reading.packaging, ..Offer::default() };
            if reading.service {
                offer.kind = ProductKind::Service;
            }
            patch.apply_to(&mut offer);
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
                unit,
                offer,
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
            let e = *e;
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
                net_quantity: e.net_quantity.map(|q| Some(q).filter(|q| !q.trim().is_empty())),
                ..e.offer.patch()?.into_variant_patch(e.unit.as_deref())
            };
            let p = db.patch_variant(&e.sku, &patch, now).await?;
            if e.json { json(&p)? } else { line(format!("Produit modifié : {}", p.name)) }
        }
        ProductsCommand::Delete { sku } => {
            let p = db.product_by_sku(&sku).await?;
            db.delete_product(p.id).await?;
            line(format!("Produit supprimé : {}", p.name));
        }
        ProductsCommand::Check { json: as_json } => {
            let list = comptoir_core::catalogue::not_publishable(&db).await?;
            if as_json {
                json(&list)?;
            } else if list.is_empty() {
                line("Tous les produits peuvent être publiés.");
            } else {
                for p in &list {
                    let status = if p.status == ProductStatus::Published { "publié" } else { "brouillon" };
                    line(format!("{} — {} ({status})", p.sku, p.name));
                    for e in &p.problems {
                        line(format!("  · {}", e.message));
                    }
                }
                line(format!("{} produit(s) ne peuvent pas être publiés en l'état.", list.len()));
            }
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

/// What `OfferArgs` asks to change, parsed (each `Some` replaces that part).
#[derive(Default)]
struct OfferChange {
    packaging: Option<Option<String>>,
    kind: Option<ProductKind>,
    stock_policy: Option<StockPolicy>,
    lead_time_days: Option<Option<u16>>,
    duration_minutes: Option<Option<u32>>,
    food: FoodPatch,
}

impl OfferArgs {
    fn patch(&self) -> Result<OfferChange, Error> {
        let empty_is_none = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        let kind = match self.kind.as_deref() {
            None => None,
            Some(k) => Some(ProductKind::parse(k).ok_or_else(|| {
                Error::invalid("kind", "invalid", format!("Type « {k} » inconnu : produit ou service"))
            })?),
        };
        let mut lead_time_days = match self.lead_time.as_deref() {
            None => None,
            Some(d) if d.trim().is_empty() => Some(None),
            Some(d) => Some(Some(lead_time_days(d).ok_or_else(|| {
                Error::invalid(
                    "lead_time",
                    "invalid",
                    format!("Délai « {d} » illisible : un nombre de jours, de 1 à 365"),
                )
            })?)),
        };
        let stock_policy = match self.stock_policy.as_deref() {
            None => None,
            Some(p) => {
                let folded = comptoir_core::text::fold(p.trim()).replace('-', "_");
                Some(match StockPolicy::from_stored(&folded) {
                    Some(policy) => policy,
                    None if folded == "compte" || folded == "stock compte" => StockPolicy::Counted,
                    None => match read_stock_words(p) {
                        Some(StockCell::Unlimited) => StockPolicy::Unlimited,
                        Some(StockCell::MadeToOrder(days)) => {
                            // « sur commande 10 jours » carries its lead time.
                            if lead_time_days.is_none() {
                                lead_time_days = days.map(Some);
                            }
                            StockPolicy::MadeToOrder
                        }
                        _ => {
                            return Err(Error::invalid(
                                "stock_policy",
                                "invalid",
                                format!("Gestion du stock « {p} » inconnue : compté, illimité ou sur commande"),
                            ));
                        }
                    },
                })
            }
        };
        let duration_minutes = match self.duration.as_deref() {
            None => None,
            Some(d) if d.trim().is_empty() => Some(None),
            Some(d) => Some(Some(parse_duration(d).ok_or_else(|| {
                Error::invalid(
                    "duration",
                    "invalid",
                    format!("Durée « {d} » illisible : par exemple 1 h, 2 h 30, 45 min"),
                )
            })?)),
        };
        let allergens = match self.allergens.as_deref() {
            None => None,
            Some(a) if a.trim().is_empty() => Some(None),
            Some(a) => Some(Some(parse_allergens(a).map_err(|unknown| {
                Error::invalid(
                    "allergens",
                    "invalid",
                    format!(
                        "Allergène(s) inconnu(s) : {} (les 14 : gluten, crustacés, œufs, poissons, arachides, soja, lait, fruits à coque, céleri, moutarde, sésame, sulfites, lupin, mollusques ; ou « aucun »)",
                        unknown.join(", ")
                    ),
                )
            })?)),
        };
        let abv_tenths = match self.abv.as_deref() {
            None => None,
            Some(a) if a.trim().is_empty() => Some(None),
            Some(a) => Some(Some(parse_abv(a).ok_or_else(|| {
                Error::invalid("abv", "invalid", format!("Degré d'alcool « {a} » illisible : par exemple 5,5"))
            })?)),
        };
        Ok(OfferChange {
            packaging: self.packaging.as_deref().map(empty_is_none),
            kind,
            stock_policy,
            lead_time_days,
            duration_minutes,
            food: FoodPatch {
                is_food: if self.food {
                    Some(true)
                } else if self.not_food {
                    Some(false)
                } else {
                    None
                },
                ingredients: self.ingredients.clone(),
                allergens,
                storage: self.storage.clone(),
                origin: self.origin.clone(),
                producer: self.producer.clone(),
                labels: (!self.labels.is_empty()).then(|| self.labels.iter().flat_map(|l| parse_labels(l)).collect()),
                abv_tenths,
            },
        })
    }
}

impl OfferChange {
    fn apply_to(self, o: &mut Offer) {
        if let Some(p) = self.packaging {
            o.packaging = p;
        }
        if let Some(k) = self.kind {
            o.kind = k;
        }
        if let Some(s) = self.stock_policy {
            o.stock_policy = s;
        }
        if let Some(d) = self.lead_time_days {
            o.lead_time_days = d;
        }
        if let Some(d) = self.duration_minutes {
            o.duration_minutes = d;
        }
        o.food = self.food.apply(o.food.take());
    }

    /// The patch of `products edit`; a unit word that is not a selling unit becomes the
    /// packaging (unless one is given).
    fn into_variant_patch(self, unit: Option<&str>) -> VariantPatch {
        let reading = unit.map(read_unit_cell);
        VariantPatch {
            unit: reading.as_ref().map(|r| r.unit),
            packaging: self.packaging.or_else(|| reading.as_ref().and_then(|r| r.packaging.clone().map(Some))),
            kind: self.kind.or_else(|| reading.as_ref().filter(|r| r.service).map(|_| ProductKind::Service)),
            stock_policy: self.stock_policy,
            lead_time_days: self.lead_time_days,
            duration_minutes: self.duration_minutes,
            food: self.food,
            ..VariantPatch::default()
        }
    }
}

fn print_product(p: &Product) {
    line(format!("{} ({})", p.name, if p.status == ProductStatus::Published { "publié" } else { "brouillon" }));
    if let Some(c) = &p.category_path {
        line(format!("  Catégorie : {c}"));
    }
    line(format!("  TVA : {}   Unité : {}", p.vat.label(), p.unit.label()));
    let o = &p.offer;
    let mut sold = Vec::new();
    if let Some(pk) = &o.packaging {
        sold.push(format!("conditionnement : {pk}"));
    }
    if o.kind == ProductKind::Service {
        sold.push("service".to_owned());
    }
    if let Some(m) = o.duration_minutes {
        sold.push(format!("durée : {}", format_duration(m)));
    }
    match o.stock_policy {
        StockPolicy::Counted => {}
        StockPolicy::Unlimited => sold.push("stock non compté".to_owned()),
        StockPolicy::MadeToOrder => {
            sold.push(format!("sur commande, {} jour(s)", o.lead_time_days.unwrap_or_default()))
        }
    }
    if !sold.is_empty() {
        line(format!("  {}", sold.join(" · ")));
    }
    if let Some(f) = &o.food {
        line(format!("  Ingrédients : {}", if f.ingredients.is_empty() { "(manquants)" } else { &f.ingredients }));
        line(format!(
            "  Allergènes : {}",
            f.allergens
                .as_deref()
                .map_or_else(|| "(non renseignés)".to_owned(), comptoir_core::catalogue::food::allergens_text)
        ));
        if !f.storage.is_empty() {
            line(format!("  Conservation : {}", f.storage));
        }
        if !f.origin.is_empty() {
            line(format!("  Origine : {}", f.origin));
        }
        if !f.producer.is_empty() {
            line(format!("  Producteur : {}", f.producer));
        }
        if !f.labels.is_empty() {
            line(format!("  Labels : {}", f.labels.join(", ")));
        }
        if let Some(t) = f.abv_tenths {
            line(format!("  Alcool : {}", comptoir_core::catalogue::food::abv_text(t)));
        }
    }
    if !p.description.is_empty() {
        line(format!("  {}", p.description));
    }
    for v in &p.variants {
        let opts = v.options.iter().map(|o| format!("{} : {}", o.name, o.value)).collect::<Vec<_>>().join(", ");
        let unit = v.unit_price.map(|u| format!(" ({})", u.text())).unwrap_or_default();
        let net = v.net_quantity.as_deref().map(|q| format!("  {q}")).unwrap_or_default();
        line(format!(
            "  - {:<14} {:>10}{unit}{net}  stock {}{}{}",
            v.sku,
            format_eur(v.price_cents),
            v.stock,
            v.ean.as_deref().map(|e| format!("  EAN {e}")).unwrap_or_default(),
            if opts.is_empty() { String::new() } else { format!("  [{opts}]") }
        ));
    }
}
