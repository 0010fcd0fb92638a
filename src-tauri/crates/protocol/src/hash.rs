//! Content hashes both sides compute the same way, so a client can diff its
//! catalogue against `GET /v1/catalog/state` without downloading it.

use serde::Serialize;
use sha2::{Digest, Sha256};

/// Lowercase hex sha256 of raw bytes (media are addressed by this).
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Hash of a typed object's canonical JSON (struct field order, maps sorted).
///
/// Computed over the typed value, not the bytes received, so unknown fields and
/// whitespace never change it.
pub fn content_hash<T: Serialize>(value: &T) -> String {
    // Serializing plain data structs to a Vec cannot fail.
    let bytes = serde_json::to_vec(value).unwrap_or_default();
    sha256_hex(&bytes)
}

/// True for a 64-character lowercase hex sha256.
pub fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A product as every client sent it before the shop's vocabulary (unit, packaging,
    /// services, food…) came: its JSON, byte for byte as those clients serialized it,
    /// and the hash the marketplace stored for it.
    const OLD_PRODUCT_JSON: &str = r#"{"title":"Camembert de Normandie AOP","description":"Au lait cru.","category_external_ids":["c-cremerie"],"images":[],"published":true,"variants":[{"sku":"CAM-250","options":{"Poids":"250 g"},"price_ttc":495,"currency":"EUR","vat_rate":"5.5","ean":"3760123450010","stock":{"available":12}},{"sku":"CAM-500","options":{},"price_ttc":890,"currency":"EUR","vat_rate":"5.5","stock":{"available":0}}]}"#;
    const OLD_PRODUCT_HASH: &str = "9ca824ce9118d7d48e1da63c97c717fd304c5001a99150fc4bebbf3b63fd6782";

    #[test]
    fn a_product_without_the_new_fields_hashes_exactly_as_before() {
        use crate::catalog::{ProductData, Stock, Variant};
        let variant = |sku: &str, price_ttc, ean: Option<&str>, available| Variant {
            sku: sku.to_owned(),
            options: Default::default(),
            price_ttc,
            currency: "EUR".to_owned(),
            vat_rate: "5.5".to_owned(),
            ean: ean.map(str::to_owned),
            stock: Stock { available },
            net_quantity: None,
            unit_price: None,
            promotions: Vec::new(),
        };
        let mut first = variant("CAM-250", 495, Some("3760123450010"), 12);
        first.options.insert("Poids".to_owned(), "250 g".to_owned());
        let p = ProductData {
            title: "Camembert de Normandie AOP".to_owned(),
            description: "Au lait cru.".to_owned(),
            category_external_ids: vec!["c-cremerie".to_owned()],
            images: vec![],
            published: true,
            variants: vec![first, variant("CAM-500", 890, None, 0)],
            ..Default::default()
        };
        assert_eq!(serde_json::to_string(&p).unwrap(), OLD_PRODUCT_JSON);
        assert_eq!(sha256_hex(OLD_PRODUCT_JSON.as_bytes()), OLD_PRODUCT_HASH);
        assert_eq!(content_hash(&p), OLD_PRODUCT_HASH);
        // What an older client sends reads back to the same product, and hashes the same.
        let old: ProductData = serde_json::from_str(OLD_PRODUCT_JSON).unwrap();
        assert_eq!(old, p);
        assert_eq!(content_hash(&old), OLD_PRODUCT_HASH);
    }

    #[test]
    fn the_new_fields_change_the_hash_and_round_trip() {
        use crate::catalog::{
            Allergen, FoodData, ProductData, ProductKind, SellingUnit, Session, StockPolicy, UnitPrice, UnitPricePer,
        };
        let mut p: ProductData = serde_json::from_str(OLD_PRODUCT_JSON).unwrap();
        p.packaging = Some("boîte".to_owned());
        assert_ne!(content_hash(&p), OLD_PRODUCT_HASH);
        p.unit = Some(SellingUnit::Piece);
        p.kind = Some(ProductKind::Service);
        p.duration_minutes = Some(90);
        p.sessions = vec![Session { starts_at: "2026-12-12T14:00".to_owned(), places: Some(8) }];
        p.stock_policy = Some(StockPolicy::MadeToOrder);
        p.lead_time_days = Some(10);
        p.food = Some(FoodData {
            ingredients: "Lait cru de vache, sel".to_owned(),
            allergens: Some(vec![Allergen::Milk]),
            storage: "Entre 2 et 6 °C".to_owned(),
            labels: vec!["AOP".to_owned()],
            ..Default::default()
        });
        p.variants[0].net_quantity = Some("250 g".to_owned());
        p.variants[0].unit_price = Some(UnitPrice { cents: 1980, per: UnitPricePer::Kg });
        let json = serde_json::to_value(&p).unwrap();
        assert_eq!(json["food"]["allergens"], serde_json::json!(["milk"]));
        assert_eq!(json["stock_policy"], "made_to_order");
        assert_eq!(json["variants"][0]["unit_price"], serde_json::json!({"cents": 1980, "per": "kg"}));
        assert!(json["food"].get("origin").is_none(), "empty texts are left out");
        let back: ProductData = serde_json::from_value(json).unwrap();
        assert_eq!(back, p);
        assert_eq!(content_hash(&back), content_hash(&p));
        // « Not stated » and « none » are different answers, and hash differently.
        let mut none = p.clone();
        none.food.as_mut().unwrap().allergens = Some(vec![]);
        let mut unstated = p.clone();
        unstated.food.as_mut().unwrap().allergens = None;
        assert_ne!(content_hash(&none), content_hash(&unstated));
    }

    /// A promotion from midnight on 1 December to midnight on 25 December, Paris time.
    fn noel() -> crate::catalog::Promotion {
        use chrono::{TimeZone, Utc};
        crate::catalog::Promotion {
            id: "p1".to_owned(),
            price_ttc: 396,
            reference_price_ttc: Some(495),
            percent_off: Some(20),
            starts_at: Utc.with_ymd_and_hms(2026, 11, 30, 23, 0, 0).unwrap(),
            ends_at: Some(Utc.with_ymd_and_hms(2026, 12, 24, 23, 0, 0).unwrap()),
            quantity_limit: None,
            campaign: Some(crate::catalog::CampaignRef {
                id: "noel-2026".to_owned(), name: "Noël en Orne".to_owned()
            }),
        }
    }

    #[test]
    fn a_product_without_promotions_has_no_promotions_key_and_hashes_as_before() {
        use crate::catalog::ProductData;
        let p: ProductData = serde_json::from_str(OLD_PRODUCT_JSON).unwrap();
        assert!(p.variants.iter().all(|v| v.promotions.is_empty()));
        let json = serde_json::to_string(&p).unwrap();
        assert!(!json.contains("promotions"), "{json}");
        assert_eq!(json, OLD_PRODUCT_JSON);
        assert_eq!(content_hash(&p), OLD_PRODUCT_HASH);
    }

    #[test]
    fn an_msp_1_0_payload_still_parses_and_promotions_round_trip() {
        use crate::catalog::ProductData;
        // MSP/1.0: no `promotions` anywhere; unknown members of a newer client are ignored.
        let v10 = r#"{"title":"Pommeau","variants":[{"sku":"POM-75","price_ttc":1450,"currency":"EUR","vat_rate":"20","stock":{"available":3}}]}"#;
        let p: ProductData = serde_json::from_str(v10).unwrap();
        assert_eq!((p.variants[0].price_ttc, p.variants[0].promotions.len()), (1450, 0));

        let mut with = p.clone();
        with.variants[0].promotions = vec![noel()];
        let json = serde_json::to_value(&with).unwrap();
        let promo = &json["variants"][0]["promotions"][0];
        assert_eq!(promo["starts_at"], "2026-11-30T23:00:00Z");
        assert_eq!(promo["campaign"], serde_json::json!({"id": "noel-2026", "name": "Noël en Orne"}));
        assert!(promo.get("quantity_limit").is_none(), "absent options are left out: {promo}");
        assert_ne!(content_hash(&with), content_hash(&p));
        let back: ProductData = serde_json::from_value(json).unwrap();
        assert_eq!(back, with);
    }

    #[test]
    fn a_promotion_runs_from_its_start_to_just_before_its_end() {
        use chrono::{Duration, TimeZone, Utc};
        let p = noel();
        let start = Utc.with_ymd_and_hms(2026, 11, 30, 23, 0, 0).unwrap();
        let end = Utc.with_ymd_and_hms(2026, 12, 24, 23, 0, 0).unwrap();
        assert!(!p.runs_at(start - Duration::seconds(1)));
        assert!(p.runs_at(start));
        assert!(p.runs_at(end - Duration::milliseconds(1)));
        assert!(!p.runs_at(end), "the end is exclusive");
        let open = crate::catalog::Promotion { ends_at: None, ..noel() };
        assert!(open.runs_at(end + Duration::days(365)));
        // Back to back is no overlap; one instant in common is.
        let next = crate::catalog::Promotion { id: "p2".into(), starts_at: end, ends_at: None, ..noel() };
        assert!(!p.overlaps(&next) && !next.overlaps(&p));
        let early = crate::catalog::Promotion { starts_at: end - Duration::seconds(1), ..next.clone() };
        assert!(p.overlaps(&early) && early.overlaps(&p));
        assert!(open.overlaps(&next));
    }

    #[test]
    fn sha256_of_empty_is_the_known_value() {
        assert_eq!(sha256_hex(b""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assert!(is_sha256_hex(&sha256_hex(b"x")));
        assert!(!is_sha256_hex("E3B0"));
    }
}
