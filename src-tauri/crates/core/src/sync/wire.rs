//! The catalogue as MSP/1 carries it: a stored product to its wire data and, for a
//! shop recovering from the marketplace, the wire data back to the catalogue's terms.
//!
//! What is only the default (sold by the piece, goods, stock counted) is left out, so a
//! product that does not use the shop's vocabulary hashes exactly as it did before the
//! vocabulary existed, and is not sent again for nothing.
//!
//! A product published in Comptoir whose [`publish_problems`] are not empty (data from
//! before the check, or written by another path than the editor) is **withheld**: sent
//! unpublished, with the French reason kept as a sync issue of kind `incomplete` for the
//! shop to act on — never published without what the law requires a buyer to read
//! (Regulation (EU) No 1169/2011, art. 9 and 14), and never silently skipped.

use std::collections::BTreeMap;

use comptoir_protocol::catalog::{
    self as wire, ALCOHOL_HEALTH_MESSAGE, FoodData, ProductData, SellingUnit, Session, Stock, Variant as WireVariant,
};

use crate::catalogue::{
    Allergen, FoodInfo, Offer, ProductInput, ProductKind, ProductStatus, ServiceSession, StockPolicy, Unit, UnitPrice,
    UnitPricePer, normalise_net_quantity, publish_problems, unit_price_of,
};
use crate::storage::sync::SyncProductRows;
use crate::{Db, FieldError, Result};

/// One product ready for the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireProduct {
    /// `images` empty: the renders are added by `sync::renders`.
    pub data: ProductData,
    /// Published in Comptoir but sent unpublished: the sync issue's French message.
    pub withheld: Option<String>,
}

impl Db {
    /// Wire data of products by uid, without their images: all of them (`None`) or the
    /// given ones. A uid with no row is absent from the map (deleted locally). A product
    /// published but incomplete is sent unpublished (see the module's comment).
    pub async fn sync_product_data(&self, uids: Option<&[String]>) -> Result<BTreeMap<String, ProductData>> {
        Ok(self.sync_products(uids).await?.into_iter().map(|(uid, p)| (uid, p.data)).collect())
    }

    /// [`Db::sync_product_data`] with, for each product, whether it is withheld and why.
    pub async fn sync_products(&self, uids: Option<&[String]>) -> Result<BTreeMap<String, WireProduct>> {
        let which = match uids {
            Some(u) => SyncProductRows::Uids(u),
            None => SyncProductRows::All,
        };
        self.wire_products_of(self.sync_product_inputs(which).await?).await
    }

    /// [`Db::sync_products`] a page at a time: the `limit` products after product
    /// `after_id` in id order, and the last one's id (`None`: no product left). A whole
    /// catalogue is read this way where it is walked, so that it is never all in memory.
    pub async fn sync_products_page(
        &self,
        after_id: i64,
        limit: usize,
    ) -> Result<(BTreeMap<String, WireProduct>, Option<i64>)> {
        let products = self.sync_product_inputs(SyncProductRows::After { id: after_id, limit }).await?;
        let last = products.values().filter_map(|(i, _)| i.id).max();
        Ok((self.wire_products_of(products).await?, last))
    }

    async fn wire_products_of(
        &self,
        products: BTreeMap<String, (ProductInput, Option<String>)>,
    ) -> Result<BTreeMap<String, WireProduct>> {
        let variant_ids: Vec<i64> =
            products.values().flat_map(|(i, _)| i.variants.iter().filter_map(|v| v.id)).collect();
        let mut promotions = self.promotions_of_variants(&variant_ids).await?;
        // `images` stays empty here: what the marketplace is sent of a photo is its render
        // (`sync::renders`), which only core knows how to make.
        Ok(products
            .into_iter()
            .map(|(uid, (input, category_uid))| {
                let mut product = product_data(&input, category_uid);
                for (wv, v) in product.data.variants.iter_mut().zip(&input.variants) {
                    if let Some(list) = v.id.and_then(|id| promotions.remove(&id)) {
                        wv.promotions = list.iter().map(promotion).collect();
                    }
                }
                (uid, product)
            })
            .collect())
    }
}

/// The wire data of a stored product (as [`crate::storage::product_to_input`]
/// gives it) in category `category_uid`.
pub fn product_data(input: &ProductInput, category_uid: Option<String>) -> WireProduct {
    let mut problems: Vec<FieldError> = Vec::new();
    if input.status == ProductStatus::Published {
        problems = publish_problems(input);
    }
    let vat = input.vat.as_decimal_str();
    let variants = input
        .variants
        .iter()
        .enumerate()
        .map(|(i, v)| {
            // Stored canonical by validation; another path may have written it otherwise.
            let net_quantity = match v.net_quantity.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
                None => None,
                Some(q) => match normalise_net_quantity(q) {
                    Ok(q) => Some(q),
                    Err(message) => {
                        if input.status == ProductStatus::Published {
                            problems.push(FieldError::new(format!("variants.{i}.net_quantity"), "invalid", message));
                        }
                        None
                    }
                },
            };
            WireVariant {
                sku: v.sku.clone(),
                options: v.options.iter().map(|o| (o.name.clone(), o.value.clone())).collect(),
                price_ttc: v.price_cents,
                currency: "EUR".to_owned(),
                vat_rate: vat.to_owned(),
                ean: v.ean.clone(),
                stock: Stock { available: v.stock },
                unit_price: unit_price_of(input.unit, v.price_cents, net_quantity.as_deref()).map(unit_price_to_wire),
                net_quantity,
                // Filled by the caller from the promotions table ([`promotion`]).
                promotions: Vec::new(),
            }
        })
        .collect();
    let withheld = (!problems.is_empty()).then(|| withheld_message(&problems));
    let o = &input.offer;
    let alcoholic = o.food.as_ref().is_some_and(FoodInfo::is_alcoholic);
    let data = ProductData {
        title: input.name.clone(),
        description: input.description.clone(),
        category_external_ids: category_uid.into_iter().collect(),
        images: Vec::new(),
        published: input.status == ProductStatus::Published && withheld.is_none(),
        variants,
        unit: (input.unit != Unit::Piece).then(|| unit_to_wire(input.unit)),
        packaging: o.packaging.clone().filter(|p| !p.trim().is_empty()),
        kind: (o.kind == ProductKind::Service).then_some(wire::ProductKind::Service),
        duration_minutes: o.duration_minutes,
        sessions: o.sessions.iter().map(|s| Session { starts_at: s.starts_at.clone(), places: s.places }).collect(),
        stock_policy: match o.stock_policy {
            StockPolicy::Counted => None,
            StockPolicy::Unlimited => Some(wire::StockPolicy::Unlimited),
            StockPolicy::MadeToOrder => Some(wire::StockPolicy::MadeToOrder),
        },
        lead_time_days: o.lead_time_days,
        food: o.food.as_ref().map(food_to_wire),
        // Code de la santé publique, art. L3342-1: no alcohol sold to minors.
        adults_only: alcoholic,
    };
    WireProduct { data, withheld }
}

/// « Non publié sur la place de marché : Allergènes non renseignés… ; Conditions de
/// conservation manquantes… »: what is missing, in the editor's own words.
fn withheld_message(problems: &[FieldError]) -> String {
    let reasons: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
    format!("Non publié sur la place de marché : {}", reasons.join(" ; "))
}

fn unit_to_wire(u: Unit) -> SellingUnit {
    SellingUnit::ALL.into_iter().find(|w| w.as_str() == u.as_str()).unwrap_or(SellingUnit::Unknown)
}

fn unit_price_to_wire(up: UnitPrice) -> wire::UnitPrice {
    let per = match up.per {
        UnitPricePer::Kg => wire::UnitPricePer::Kg,
        UnitPricePer::L => wire::UnitPricePer::L,
        UnitPricePer::M => wire::UnitPricePer::M,
        UnitPricePer::M2 => wire::UnitPricePer::M2,
    };
    wire::UnitPrice { cents: up.cents, per }
}

fn allergen_to_wire(a: Allergen) -> wire::Allergen {
    wire::Allergen::from_wire(a.as_str()).unwrap_or(wire::Allergen::Unknown)
}

fn food_to_wire(f: &FoodInfo) -> FoodData {
    FoodData {
        ingredients: f.ingredients.clone(),
        allergens: f.allergens.as_ref().map(|l| l.iter().copied().map(allergen_to_wire).collect()),
        storage: f.storage.clone(),
        origin: f.origin.clone(),
        producer: f.producer.clone(),
        labels: f.labels.clone(),
        abv_tenths: f.abv_tenths,
        // Code de la santé publique, art. L3323-4: the health message beside any offer
        // of an alcoholic drink.
        health_message: f.is_alcoholic().then(|| ALCOHOL_HEALTH_MESSAGE.to_owned()),
    }
}

/// The selling unit of wire data (by the piece when absent or unknown to this version).
pub fn unit_from_wire(d: &ProductData) -> Unit {
    Unit::from_stored(d.unit_or_default().as_str()).unwrap_or(Unit::Piece)
}

/// The offer of wire data; values unknown to this version read as the defaults.
pub fn offer_from_wire(d: &ProductData) -> Offer {
    Offer {
        packaging: d.packaging.clone(),
        kind: match d.kind_or_default() {
            wire::ProductKind::Service => ProductKind::Service,
            _ => ProductKind::Goods,
        },
        stock_policy: match d.stock_policy_or_default() {
            wire::StockPolicy::Unlimited => StockPolicy::Unlimited,
            wire::StockPolicy::MadeToOrder => StockPolicy::MadeToOrder,
            _ => StockPolicy::Counted,
        },
        lead_time_days: d.lead_time_days,
        duration_minutes: d.duration_minutes,
        sessions: d
            .sessions
            .iter()
            .map(|s| ServiceSession { starts_at: s.starts_at.clone(), places: s.places })
            .collect(),
        food: d.food.as_ref().map(|f| FoodInfo {
            ingredients: f.ingredients.clone(),
            allergens: f.allergens.as_ref().map(|l| {
                l.iter().filter_map(|a| Allergen::ALL.into_iter().find(|c| c.as_str() == a.as_str())).collect()
            }),
            storage: f.storage.clone(),
            origin: f.origin.clone(),
            producer: f.producer.clone(),
            labels: f.labels.clone(),
            abv_tenths: f.abv_tenths,
        }),
    }
}

/// A stored promotion as MSP/1.1 carries it: « p12 », its fixed price, its reference
/// price, its period and its campaign (the marketplace's id when the campaign joins one).
pub fn promotion(p: &crate::storage::promotions::StoredPromotion) -> wire::Promotion {
    wire::Promotion {
        id: format!("p{}", p.id),
        price_ttc: p.price_cents,
        reference_price_ttc: p.reference_cents,
        percent_off: p.percent,
        starts_at: p.starts_at,
        ends_at: p.ends_at,
        quantity_limit: p.quantity_limit,
        campaign: p.campaign_id.zip(p.campaign_name.clone()).map(|(id, name)| wire::CampaignRef {
            id: p.campaign_market_id.clone().unwrap_or_else(|| format!("shop-{id}")),
            name,
        }),
    }
}

/// A campaign as the wire names it: one of the shop's (`shop-3` is its campaign n° 3)
/// or one of the marketplace's.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum WireCampaign {
    Shop(i64),
    Market(String),
}

/// [`promotion`] read back (recovery): the shop's promotion id (`p12` → 12) and its
/// campaign; `None` for an id this shop did not write.
pub fn promotion_back(p: &wire::Promotion) -> Option<(i64, Option<(WireCampaign, String)>)> {
    let id = p.id.strip_prefix('p')?.parse::<i64>().ok().filter(|n| *n > 0)?;
    let campaign = p.campaign.as_ref().map(|c| {
        let key = match c.id.strip_prefix("shop-").and_then(|n| n.parse::<i64>().ok()) {
            Some(n) => WireCampaign::Shop(n),
            None => WireCampaign::Market(c.id.clone()),
        };
        (key, c.name.clone())
    });
    Some((id, campaign))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::{VariantInput, VariantOption};
    use crate::vat::VatRate;
    use comptoir_protocol::catalog::UnitPricePer as WirePer;
    use comptoir_protocol::quantity::{NetQuantity, unit_price as wire_unit_price};

    fn input(status: ProductStatus) -> ProductInput {
        ProductInput {
            id: Some(1),
            name: "Cidre brut".into(),
            description: String::new(),
            category_id: None,
            status,
            vat: VatRate::Normal,
            unit: Unit::Piece,
            offer: Offer::default(),
            variants: vec![VariantInput {
                id: Some(1),
                sku: "CID-75".into(),
                options: vec![VariantOption { name: "Contenance".into(), value: "75 cl".into() }],
                price_cents: 650,
                stock: 4,
                ean: None,
                net_quantity: Some("75 cl".into()),
            }],
        }
    }

    #[test]
    fn defaults_stay_off_the_wire() {
        let w = product_data(&input(ProductStatus::Published), Some("c-1".into()));
        let json = serde_json::to_value(&w.data).unwrap();
        for absent in ["unit", "kind", "stock_policy", "packaging", "food", "adults_only", "sessions"] {
            assert!(json.get(absent).is_none(), "{absent}: {json}");
        }
        assert_eq!(json["variants"][0]["net_quantity"], "75 cl");
        assert_eq!(json["variants"][0]["unit_price"], serde_json::json!({"cents": 867, "per": "l"}));
        assert!(w.data.published && w.withheld.is_none());
    }

    #[test]
    fn incomplete_food_is_withheld_with_the_reason() {
        let mut p = input(ProductStatus::Published);
        p.offer.food = Some(FoodInfo { ingredients: "Jus de pommes".into(), ..Default::default() });
        let w = product_data(&p, None);
        assert!(!w.data.published, "sent unpublished");
        let why = w.withheld.unwrap();
        assert!(why.starts_with("Non publié sur la place de marché : Allergènes non renseignés"), "{why}");
        assert!(why.contains("Conditions de conservation manquantes"), "{why}");
        // A draft is not withheld: it is not meant to be on sale.
        let mut draft = p.clone();
        draft.status = ProductStatus::Draft;
        assert_eq!(product_data(&draft, None).withheld, None);
        // An unreadable net quantity written by another path: left out, and said.
        let mut odd = input(ProductStatus::Published);
        odd.variants[0].net_quantity = Some("beaucoup".into());
        let w = product_data(&odd, None);
        assert_eq!(w.data.variants[0].net_quantity, None);
        assert!(w.withheld.unwrap().contains("« beaucoup »"));
    }

    #[test]
    fn alcohol_carries_its_legal_mentions_and_everything_reads_back() {
        let mut p = input(ProductStatus::Published);
        p.offer = Offer {
            packaging: Some("bouteille".into()),
            kind: ProductKind::Goods,
            stock_policy: StockPolicy::MadeToOrder,
            lead_time_days: Some(3),
            duration_minutes: None,
            sessions: vec![],
            food: Some(FoodInfo {
                ingredients: "Jus de pommes, sulfites".into(),
                allergens: Some(vec![Allergen::Sulphites]),
                storage: "Au frais".into(),
                origin: "Orne".into(),
                producer: String::new(),
                labels: vec!["AOP".into()],
                abv_tenths: Some(55),
            }),
        };
        let w = product_data(&p, None);
        assert!(w.data.adults_only);
        assert_eq!(w.data.food.as_ref().unwrap().health_message.as_deref(), Some(ALCOHOL_HEALTH_MESSAGE));
        assert_eq!(offer_from_wire(&w.data), p.offer);
        assert_eq!(unit_from_wire(&w.data), Unit::Piece);
        let mut service = input(ProductStatus::Draft);
        service.unit = Unit::Lot;
        service.offer.kind = ProductKind::Service;
        service.offer.stock_policy = StockPolicy::Unlimited;
        service.offer.duration_minutes = Some(90);
        service.offer.sessions = vec![ServiceSession { starts_at: "2026-12-12T14:00".into(), places: Some(6) }];
        let w = product_data(&service, None);
        assert_eq!(offer_from_wire(&w.data), service.offer);
        assert_eq!(unit_from_wire(&w.data), Unit::Lot);
    }

    /// Comptoir and the marketplace compute the unit price each on their side; they
    /// must agree to the cent, or the marketplace refuses the product.
    #[test]
    fn unit_prices_agree_with_the_marketplaces() {
        let quantities = [
            "75 cl",
            "250 g",
            "1,5 kg",
            "6 × 125 g",
            "2,5 g",
            "33 cl",
            "1 l",
            "3 m",
            "1,2 m²",
            "0,001 g",
            "12 × 0,333 l",
            "700 ml",
            "45 cm",
            "10000 × 1 g",
            "1000000 g",
            "0,75 l",
        ];
        let prices = [0, 1, 5, 99, 100, 399, 495, 650, 1290, 12_345, 99_999, 100_000_000];
        let mut checked = 0;
        for unit in Unit::ALL {
            for price in prices {
                for q in quantities {
                    let canonical = normalise_net_quantity(q).unwrap();
                    assert_eq!(canonical, q, "the examples are canonical");
                    assert!(NetQuantity::parse_canonical(&canonical).is_some(), "{canonical}");
                    let ours = unit_price_of(unit, price, Some(&canonical)).map(unit_price_to_wire);
                    let theirs = wire_unit_price(unit_to_wire(unit), price, Some(&canonical));
                    assert_eq!(ours, theirs, "{unit:?} {price} {canonical}");
                    checked += 1;
                }
                assert_eq!(
                    unit_price_of(unit, price, None).map(unit_price_to_wire),
                    wire_unit_price(unit_to_wire(unit), price, None)
                );
            }
        }
        assert!(checked > 1000);
        assert_eq!(
            wire_unit_price(SellingUnit::Piece, 650, Some("75 cl")).map(|u| (u.cents, u.per)),
            Some((867, WirePer::L))
        );
    }

    #[test]
    fn both_sides_name_the_same_things_the_same_way() {
        for a in Allergen::ALL {
            let w = allergen_to_wire(a);
            assert_ne!(w, wire::Allergen::Unknown, "{a:?}");
            assert_eq!(w.label_fr(), a.label(), "{a:?}");
        }
        assert_eq!(Allergen::ALL.len(), wire::Allergen::ALL.len());
        for u in Unit::ALL {
            assert_ne!(unit_to_wire(u), SellingUnit::Unknown, "{u:?}");
            assert_eq!(unit_to_wire(u).is_measured(), u.is_measured(), "{u:?}");
        }
        assert_eq!(ALCOHOL_HEALTH_MESSAGE, crate::catalogue::food::ALCOHOL_HEALTH_MESSAGE);
        assert_eq!(wire::ALCOHOL_THRESHOLD_TENTHS, crate::catalogue::food::ALCOHOL_THRESHOLD_TENTHS);
    }
}
