//! The demo shop: a fromagerie-épicerie of the Orne, so a new user sees at once what a
//! filled catalogue looks like (and so tests and benchmarks have plausible data).

use chrono::{DateTime, Utc};

use crate::catalogue::{ProductInput, ProductStatus, Unit, VariantInput, VariantOption};
use crate::vat::VatRate;
use crate::{Db, Error, Result};

struct Demo {
    name: &'static str,
    description: &'static str,
    category: &'static str,
    vat: VatRate,
    unit: Unit,
    variants: &'static [DemoVariant],
}

/// (sku, options, price in cents, stock, ean, weight g, volume ml): a tuple keeps the
/// table below readable, one variant a line.
type DemoVariant =
    (&'static str, &'static [(&'static str, &'static str)], i64, i64, Option<&'static str>, Option<i64>, Option<i64>);

const PRODUCTS: &[Demo] = &[
    Demo {
        name: "Camembert de Normandie AOP",
        description: "Au lait cru, moulé à la louche, affiné 21 jours à Camembert.",
        category: "Crèmerie",
        vat: VatRate::Reduced,
        unit: Unit::Piece,
        variants: &[("CAM-250", &[("Poids", "250 g")], 495, 24, Some("3760123450010"), Some(250), None)],
    },
    Demo {
        name: "Livarot AOP",
        description: "Le « colonel », cerclé de ses cinq lanières de laîche.",
        category: "Crèmerie",
        vat: VatRate::Reduced,
        unit: Unit::Piece,
        variants: &[
            ("LIV-250", &[("Format", "Petit Livarot")], 690, 10, None, Some(250), None),
            ("LIV-500", &[("Format", "Livarot")], 1150, 6, None, Some(500), None),
        ],
    },
    Demo {
        name: "Pont-l'Évêque AOP",
        description: "Pâte molle à croûte lavée, carré du pays d'Auge.",
        category: "Crèmerie",
        vat: VatRate::Reduced,
        unit: Unit::Piece,
        variants: &[("PLE-220", &[("Poids", "220 g")], 560, 12, None, Some(220), None)],
    },
    Demo {
        name: "Neufchâtel AOP cœur",
        description: "En forme de cœur, au lait de vache du pays de Bray.",
        category: "Crèmerie",
        vat: VatRate::Reduced,
        unit: Unit::Piece,
        variants: &[("NEU-200", &[], 450, 8, None, Some(200), None)],
    },
    Demo {
        name: "Beurre demi-sel de baratte",
        description: "Beurre cru baratté à la ferme.",
        category: "Crèmerie",
        vat: VatRate::Reduced,
        unit: Unit::Piece,
        variants: &[("BEU-250", &[("Poids", "250 g")], 390, 20, None, Some(250), None)],
    },
    Demo {
        name: "Crème crue d'Isigny",
        description: "Crème épaisse, 40 % de matière grasse.",
        category: "Crèmerie",
        vat: VatRate::Reduced,
        unit: Unit::Piece,
        variants: &[("CRE-50", &[("Contenance", "50 cl")], 520, 9, None, None, Some(500))],
    },
    Demo {
        name: "Yaourt fermier nature",
        description: "Lait entier de la ferme, pot en verre consigné.",
        category: "Crèmerie",
        vat: VatRate::Reduced,
        unit: Unit::Lot,
        variants: &[
            ("YAO-NAT-4", &[("Lot", "4 pots")], 380, 15, None, Some(500), None),
            ("YAO-VAN-4", &[("Parfum", "Vanille"), ("Lot", "4 pots")], 420, 12, None, Some(500), None),
        ],
    },
    Demo {
        name: "Confiture de lait",
        description: "Lait de ferme et sucre, cuit lentement au chaudron.",
        category: "Épicerie",
        vat: VatRate::Reduced,
        unit: Unit::Piece,
        variants: &[("CDL-250", &[("Poids", "250 g")], 590, 18, None, Some(250), None)],
    },
    Demo {
        name: "Caramels au beurre salé",
        description: "Caramels tendres au beurre d'Isigny.",
        category: "Confiserie",
        vat: VatRate::Reduced,
        unit: Unit::Piece,
        variants: &[("CAR-200", &[("Sachet", "200 g")], 650, 14, None, Some(200), None)],
    },
    Demo {
        name: "Terrine de campagne au calvados",
        description: "Pâté de campagne de porc fermier, relevé au calvados.",
        category: "Boucherie-Charcuterie",
        vat: VatRate::Reduced,
        unit: Unit::Piece,
        variants: &[("TER-180", &[("Bocal", "180 g")], 590, 11, None, Some(180), None)],
    },
    Demo {
        name: "Andouille de Vire",
        description: "Fumée au bois de hêtre, à la coupe.",
        category: "Boucherie-Charcuterie",
        vat: VatRate::Reduced,
        unit: Unit::HundredGrams,
        variants: &[("AND-VIRE", &[], 390, 40, None, None, None)],
    },
    Demo {
        name: "Pommes de Normandie",
        description: "Variétés anciennes du verger, selon la saison.",
        category: "Fruits et légumes",
        vat: VatRate::Reduced,
        unit: Unit::Kg,
        variants: &[("POM-KG", &[], 320, 60, None, None, None)],
    },
    Demo {
        name: "Cidre brut fermier",
        description: "Cidre du pays d'Auge, prise de mousse naturelle.",
        category: "Boissons/Cave",
        vat: VatRate::Normal,
        unit: Unit::Piece,
        variants: &[("CID-BRUT-75", &[("Contenance", "75 cl")], 450, 36, None, None, Some(750))],
    },
    Demo {
        name: "Pommeau de Normandie AOC",
        description: "Moût de pomme et calvados, vieilli 30 mois en fût.",
        category: "Boissons/Cave",
        vat: VatRate::Normal,
        unit: Unit::Piece,
        variants: &[("POMM-70", &[("Contenance", "70 cl")], 1690, 12, None, None, Some(700))],
    },
    Demo {
        name: "Calvados Pays d'Auge 5 ans",
        description: "Double distillation en alambic à repasse.",
        category: "Boissons/Cave",
        vat: VatRate::Normal,
        unit: Unit::Piece,
        variants: &[
            ("CALVA-5-70", &[("Contenance", "70 cl")], 3450, 6, None, None, Some(700)),
            ("CALVA-5-35", &[("Contenance", "35 cl")], 1950, 8, None, None, Some(350)),
        ],
    },
    Demo {
        name: "Jus de pomme pétillant",
        description: "Sans alcool, pur jus.",
        category: "Boissons/Cave",
        vat: VatRate::Reduced,
        unit: Unit::Piece,
        variants: &[("JUS-PET-75", &[("Contenance", "75 cl")], 350, 30, None, None, Some(750))],
    },
    Demo {
        name: "Teurgoule",
        description: "Riz au lait à la cannelle, cuit 5 heures au four.",
        category: "Boulangerie-Pâtisserie",
        vat: VatRate::Reduced,
        unit: Unit::Piece,
        variants: &[("TEUR-500", &[("Terrine", "500 g")], 750, 5, None, Some(500), None)],
    },
    Demo {
        name: "Panier garni de Noël",
        description: "Camembert, pommeau, terrine et caramels dans un panier en osier de l'Orne.",
        category: "Épicerie",
        vat: VatRate::Normal,
        unit: Unit::Lot,
        variants: &[("PANIER-NOEL", &[], 4900, 4, None, None, None)],
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
            variants: d
                .variants
                .iter()
                .map(|&(sku, options, price_cents, stock, ean, weight_g, volume_ml)| VariantInput {
                    id: None,
                    sku: sku.into(),
                    options: options.iter().map(|&(n, v)| VariantOption { name: n.into(), value: v.into() }).collect(),
                    price_cents,
                    stock,
                    ean: ean.map(Into::into),
                    weight_g,
                    volume_ml,
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
                    weight_g: Some(250 * (v as i64 + 1)),
                    volume_ml: None,
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
