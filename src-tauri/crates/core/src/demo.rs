//! The demo shop: a fromagerie-épicerie of the Orne, so a new user sees at once what a
//! filled catalogue looks like (and so tests and benchmarks have plausible data).

use chrono::{DateTime, Utc};

use crate::catalogue::{
    Allergen, FoodInfo, Offer, ProductInput, ProductKind, ProductStatus, StockPolicy, Unit, VariantInput, VariantOption,
};
use crate::vat::VatRate;
use crate::{Db, Error, Result};

struct Demo {
    name: &'static str,
    description: &'static str,
    category: &'static str,
    vat: VatRate,
    unit: Unit,
    offer: fn() -> Offer,
    variants: &'static [DemoVariant],
}

/// Food information of a demo product (what the shop would copy from its labels).
fn food(ingredients: &str, allergens: &[Allergen], storage: &str, labels: &[&str], abv_tenths: Option<u16>) -> Offer {
    Offer {
        food: Some(FoodInfo {
            ingredients: ingredients.into(),
            allergens: Some(allergens.to_vec()),
            storage: storage.into(),
            origin: "Normandie".into(),
            producer: String::new(),
            labels: labels.iter().map(|l| (*l).to_owned()).collect(),
            abv_tenths,
        }),
        ..Offer::default()
    }
}

/// (sku, options, price in cents, stock, ean, net quantity): a tuple keeps the table
/// below readable, one variant a line.
type DemoVariant =
    (&'static str, &'static [(&'static str, &'static str)], i64, i64, Option<&'static str>, Option<&'static str>);

const PRODUCTS: &[Demo] = &[
    Demo {
        name: "Camembert de Normandie AOP",
        description: "Au lait cru, moulé à la louche, affiné 21 jours à Camembert.",
        category: "Crèmerie",
        vat: VatRate::Reduced,
        unit: Unit::Piece,
        offer: || {
            food(
                "Lait cru de vache, sel, ferments lactiques, présure",
                &[Allergen::Milk],
                "À conserver entre 2 et 6 °C",
                &["AOP"],
                None,
            )
        },
        variants: &[("CAM-250", &[("Poids", "250 g")], 495, 24, Some("3760123450010"), Some("250 g"))],
    },
    Demo {
        name: "Livarot AOP",
        description: "Le « colonel », cerclé de ses cinq lanières de laîche.",
        category: "Crèmerie",
        vat: VatRate::Reduced,
        unit: Unit::Piece,
        offer: Offer::default,
        variants: &[
            ("LIV-250", &[("Format", "Petit Livarot")], 690, 10, None, Some("250 g")),
            ("LIV-500", &[("Format", "Livarot")], 1150, 6, None, Some("500 g")),
        ],
    },
    Demo {
        name: "Pont-l'Évêque AOP",
        description: "Pâte molle à croûte lavée, carré du pays d'Auge.",
        category: "Crèmerie",
        vat: VatRate::Reduced,
        unit: Unit::Piece,
        offer: Offer::default,
        variants: &[("PLE-220", &[("Poids", "220 g")], 560, 12, None, Some("220 g"))],
    },
    Demo {
        name: "Neufchâtel AOP cœur",
        description: "En forme de cœur, au lait de vache du pays de Bray.",
        category: "Crèmerie",
        vat: VatRate::Reduced,
        unit: Unit::Piece,
        offer: Offer::default,
        variants: &[("NEU-200", &[], 450, 8, None, Some("200 g"))],
    },
    Demo {
        name: "Beurre demi-sel de baratte",
        description: "Beurre cru baratté à la ferme.",
        category: "Crèmerie",
        vat: VatRate::Reduced,
        unit: Unit::Piece,
        offer: Offer::default,
        variants: &[("BEU-250", &[("Poids", "250 g")], 390, 20, None, Some("250 g"))],
    },
    Demo {
        name: "Crème crue d'Isigny",
        description: "Crème épaisse, 40 % de matière grasse.",
        category: "Crèmerie",
        vat: VatRate::Reduced,
        unit: Unit::Piece,
        offer: Offer::default,
        variants: &[("CRE-50", &[("Contenance", "50 cl")], 520, 9, None, Some("50 cl"))],
    },
    Demo {
        name: "Yaourt fermier nature",
        description: "Lait entier de la ferme, pot en verre consigné.",
        category: "Crèmerie",
        vat: VatRate::Reduced,
        unit: Unit::Lot,
        offer: Offer::default,
        variants: &[
            ("YAO-NAT-4", &[("Lot", "4 pots")], 380, 15, None, Some("500 g")),
            ("YAO-VAN-4", &[("Parfum", "Vanille"), ("Lot", "4 pots")], 420, 12, None, Some("500 g")),
        ],
    },
    Demo {
        name: "Confiture de lait",
        description: "Lait de ferme et sucre, cuit lentement au chaudron.",
        category: "Épicerie",
        vat: VatRate::Reduced,
        unit: Unit::Piece,
        offer: Offer::default,
        variants: &[("CDL-250", &[("Poids", "250 g")], 590, 18, None, Some("250 g"))],
    },
    Demo {
        name: "Caramels au beurre salé",
        description: "Caramels tendres au beurre d'Isigny.",
        category: "Confiserie",
        vat: VatRate::Reduced,
        unit: Unit::Piece,
        offer: Offer::default,
        variants: &[("CAR-200", &[("Sachet", "200 g")], 650, 14, None, Some("200 g"))],
    },
    Demo {
        name: "Terrine de campagne au calvados",
        description: "Pâté de campagne de porc fermier, relevé au calvados.",
        category: "Boucherie-Charcuterie",
        vat: VatRate::Reduced,
        unit: Unit::Piece,
        offer: Offer::default,
        variants: &[("TER-180", &[("Bocal", "180 g")], 590, 11, None, Some("180 g"))],
    },
    Demo {
        name: "Andouille de Vire",
        description: "Fumée au bois de hêtre, à la coupe.",
        category: "Boucherie-Charcuterie",
        vat: VatRate::Reduced,
        unit: Unit::HundredGrams,
        offer: Offer::default,
        variants: &[("AND-VIRE", &[], 390, 40, None, None)],
    },
    Demo {
        name: "Pommes de Normandie",
        description: "Variétés anciennes du verger, selon la saison.",
        category: "Fruits et légumes",
        vat: VatRate::Reduced,
        unit: Unit::Kg,
        offer: Offer::default,
        variants: &[("POM-KG", &[], 320, 60, None, None)],
    },
    Demo {
        name: "Cidre brut fermier",
        description: "Cidre du pays d'Auge, prise de mousse naturelle.",
        category: "Boissons/Cave",
        vat: VatRate::Normal,
        unit: Unit::Piece,
        offer: || {
            let mut o = food(
                "Pommes à cidre, levures naturelles ; contient des sulfites",
                &[Allergen::Sulphites],
                "À conserver debout, à l'abri de la lumière",
                &[],
                Some(50),
            );
            o.packaging = Some("bouteille".into());
            o
        },
        variants: &[("CID-BRUT-75", &[("Contenance", "75 cl")], 450, 36, None, Some("75 cl"))],
    },
    Demo {
        name: "Pommeau de Normandie AOC",
        description: "Moût de pomme et calvados, vieilli 30 mois en fût.",
        category: "Boissons/Cave",
        vat: VatRate::Normal,
        unit: Unit::Piece,
        offer: Offer::default,
        variants: &[("POMM-70", &[("Contenance", "70 cl")], 1690, 12, None, Some("70 cl"))],
    },
    Demo {
        name: "Calvados Pays d'Auge 5 ans",
        description: "Double distillation en alambic à repasse.",
        category: "Boissons/Cave",
        vat: VatRate::Normal,
        unit: Unit::Piece,
        offer: Offer::default,
        variants: &[
            ("CALVA-5-70", &[("Contenance", "70 cl")], 3450, 6, None, Some("70 cl")),
            ("CALVA-5-35", &[("Contenance", "35 cl")], 1950, 8, None, Some("35 cl")),
        ],
    },
    Demo {
        name: "Jus de pomme pétillant",
        description: "Sans alcool, pur jus.",
        category: "Boissons/Cave",
        vat: VatRate::Reduced,
        unit: Unit::Piece,
        offer: Offer::default,
        variants: &[("JUS-PET-75", &[("Contenance", "75 cl")], 350, 30, None, Some("75 cl"))],
    },
    Demo {
        name: "Teurgoule",
        description: "Riz au lait à la cannelle, cuit 5 heures au four.",
        category: "Boulangerie-Pâtisserie",
        vat: VatRate::Reduced,
        unit: Unit::Piece,
        offer: Offer::default,
        variants: &[("TEUR-500", &[("Terrine", "500 g")], 750, 5, None, Some("500 g"))],
    },
    Demo {
        name: "Panier garni de Noël",
        description: "Camembert, pommeau, terrine et caramels dans un panier en osier de l'Orne.",
        category: "Épicerie",
        vat: VatRate::Normal,
        unit: Unit::Lot,
        offer: || Offer {
            packaging: Some("panier".into()),
            stock_policy: StockPolicy::MadeToOrder,
            lead_time_days: Some(3),
            ..Offer::default()
        },
        variants: &[("PANIER-NOEL", &[], 4900, 4, None, None)],
    },
    Demo {
        name: "Atelier dégustation de fromages normands",
        description: "Deux heures à la fromagerie : cinq AOP, leur affinage, les accords avec le cidre.",
        category: "Services",
        vat: VatRate::Normal,
        unit: Unit::Piece,
        offer: || Offer {
            packaging: Some("séance".into()),
            kind: ProductKind::Service,
            stock_policy: StockPolicy::Unlimited,
            duration_minutes: Some(120),
            ..Offer::default()
        },
        variants: &[("ATELIER-DEGUST", &[], 3500, 0, None, None)],
    },
];

/// Fills an empty catalogue with the demo shop. Refuses a catalogue that already has
/// products: the demo never mixes with real data.
pub async fn seed(db: &Db, now: DateTime<Utc>) -> Result<usize> {
    if db.catalogue_stats().await?.products > 0 {
        return Err(Error::Conflict(
            "Le catalogue contient déjà des produits : la boutique de démonstration ne s'installe que dans un catalogue vide".into(),
        ));
    }
    let categories = db.categories().await?;
    for d in PRODUCTS {
        let category_id = categories.iter().find(|c| c.name == d.category).map(|c| c.id);
        let input = ProductInput {
            id: None,
            name: d.name.into(),
            description: d.description.into(),
            category_id,
            status: ProductStatus::Published,
            vat: d.vat,
            unit: d.unit,
            offer: (d.offer)(),
            variants: d
                .variants
                .iter()
                .map(|&(sku, options, price_cents, stock, ean, net_quantity)| VariantInput {
                    id: None,
                    sku: sku.into(),
                    options: options.iter().map(|&(n, v)| VariantOption { name: n.into(), value: v.into() }).collect(),
                    price_cents,
                    stock,
                    ean: ean.map(Into::into),
                    net_quantity: net_quantity.map(Into::into),
                })
                .collect(),
        };
        db.save_product(&input, now).await?;
    }
    Ok(PRODUCTS.len())
}

/// A large plausible catalogue (`count` products, one to three variants each) for
/// benchmarks and for trying the UI at scale. Deterministic: the same count gives the
/// same catalogue.
pub async fn generate(db: &Db, count: usize, now: DateTime<Utc>) -> Result<usize> {
    const KINDS: &[(&str, &str, VatRate, Unit)] = &[
        ("Camembert fermier", "Crèmerie", VatRate::Reduced, Unit::Piece),
        ("Pâté de campagne", "Boucherie-Charcuterie", VatRate::Reduced, Unit::Piece),
        ("Pont-l'Évêque", "Crèmerie", VatRate::Reduced, Unit::Piece),
        ("Cidre bouché", "Boissons/Cave", VatRate::Normal, Unit::Piece),
        ("Miel de fleurs", "Épicerie", VatRate::Reduced, Unit::Piece),
        ("Pull en laine", "Mode et vêtements", VatRate::Normal, Unit::Piece),
        ("Bol en grès", "Artisanat", VatRate::Normal, Unit::Piece),
        ("Savon au lait d'ânesse", "Beauté et bien-être", VatRate::Normal, Unit::Piece),
        ("Pommes à cidre", "Fruits et légumes", VatRate::Reduced, Unit::Kg),
        ("Sablés normands", "Boulangerie-Pâtisserie", VatRate::Reduced, Unit::Piece),
    ];
    const PLACES: &[&str] = &[
        "d'Alençon",
        "de Mortagne",
        "du Perche",
        "de Domfront",
        "de Vimoutiers",
        "d'Argentan",
        "de Flers",
        "de Sées",
        "de Bellême",
        "de L'Aigle",
        "du Pays d'Auge",
        "de la Ferté-Macé",
    ];
    let categories = db.categories().await?;
    let mut batch = Vec::with_capacity(1000);
    let mut done = 0;
    for i in 0..count {
        let (kind, category, vat, unit) = KINDS[i % KINDS.len()];
        let place = PLACES[(i / KINDS.len()) % PLACES.len()];
        let n_variants = 1 + i % 3;
        batch.push(ProductInput {
            id: None,
            name: format!("{kind} {place} n° {i}"),
            description: format!("Produit {kind} fabriqué près {place}."),
            category_id: categories.iter().find(|c| c.name == category).map(|c| c.id),
            status: if i % 4 == 0 { ProductStatus::Draft } else { ProductStatus::Published },
            vat,
            unit,
            offer: Default::default(),
            variants: (0..n_variants)
                .map(|v| VariantInput {
                    id: None,
                    sku: format!("GEN-{i:06}-{v}"),
                    options: if n_variants > 1 {
                        vec![VariantOption { name: "Format".into(), value: ["Petit", "Moyen", "Grand"][v].into() }]
                    } else {
                        vec![]
                    },
                    price_cents: 150 + ((i * 37 + v * 200) % 5000) as i64,
                    stock: ((i * 7 + v) % 50) as i64,
                    ean: None,
                    net_quantity: Some(format!("{} g", 250 * (v + 1))),
                })
                .collect(),
        });
        if batch.len() == 1000 || i + 1 == count {
            done += db.create_products(&batch, now).await?;
            batch.clear();
        }
    }
    Ok(done)
}
