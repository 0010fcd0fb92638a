//! Wire types of the marketplace sync protocol (`/v1`).
//!
//! One definition shared by the desktop client (comptoir-core) and the reference
//! server (comptoir-marketplace), so that both sides agree on every field name.
//!
//! Forward compatibility: every struct a client reads ignores unknown fields (serde's
//! default) and every enum a client reads has an `Unknown` variant caught by
//! `#[serde(other)]`, so a newer server never breaks an older desktop.

pub mod admin;
pub mod auth;
pub mod campaigns;
pub mod catalog;
pub mod events;
pub mod hash;
pub mod me;
pub mod media;
pub mod orders;
pub mod paris;
pub mod problem;
pub mod quantity;
pub mod sse;
pub mod stock;
pub mod storefront;

#[cfg(feature = "client")]
pub mod client;
#[cfg(feature = "client")]
pub mod transfer;

pub use problem::{FieldError, Problem};

/// Path prefix of the versioned merchant API.
pub const API_PREFIX: &str = "/v1";
/// The protocol's minor version. MSP/1.1 added promotions (`Variant::promotions`),
/// campaigns (`GET /v1/campaigns`) and the charged price of an order line; an MSP/1.0
/// client sends none of them and reads what it knows.
pub const PROTOCOL_VERSION: &str = "1.1";
/// Header carrying the caller-chosen key that makes a write safe to retry.
pub const IDEMPOTENCY_KEY_HEADER: &str = "Idempotency-Key";
/// Header set to `true` on a response replayed from the idempotency store.
pub const IDEMPOTENT_REPLAYED_HEADER: &str = "Idempotent-Replayed";
/// Header carrying the request id (also echoed inside problem details).
pub const REQUEST_ID_HEADER: &str = "X-Request-Id";
/// Content type of errors (RFC 9457).
pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";

/// Opaque cursor page of any list endpoint.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass back as `cursor=` to get the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

#[cfg(test)]
mod forward_compat {
    //! A newer server may add fields and enum values; an older client must not break.

    use crate::auth::Scope;
    use crate::catalog::{OpResult, OpStatus};
    use crate::events::{Event, EventType};
    use crate::orders::OrderStatus;
    use crate::problem::Problem;

    #[test]
    fn unknown_enum_values_and_fields_are_tolerated() {
        let ev: Event = serde_json::from_str(
            r#"{"seq":9,"type":"loyalty.points","at":"2026-06-01T08:00:00Z","data":{"x":1},"shard":3}"#,
        )
        .unwrap();
        assert_eq!(ev.event_type, EventType::Unknown);
        assert!(ev.order().is_none());
        let r: OpResult =
            serde_json::from_str(r#"{"external_id":"p","type":"bundle","status":"queued","eta":"soon"}"#).unwrap();
        assert_eq!(r.status, OpStatus::Unknown);
        let s: Vec<Scope> = serde_json::from_str(r#"["orders:read","payouts:read"]"#).unwrap();
        assert_eq!(s, [Scope::OrdersRead, Scope::Unknown]);
        let p: crate::catalog::ProductData = serde_json::from_str(
            r#"{"title":"t","variants":[],"unit":"furlong","kind":"gift","stock_policy":"preorder","food":{"allergens":["milk","kryptonite"]},"rating":5}"#,
        )
        .unwrap();
        use crate::catalog::{Allergen, ProductKind, SellingUnit, StockPolicy};
        assert_eq!(
            (p.unit, p.kind, p.stock_policy),
            (Some(SellingUnit::Unknown), Some(ProductKind::Unknown), Some(StockPolicy::Unknown))
        );
        assert_eq!(p.food.unwrap().allergens.unwrap(), [Allergen::Milk, Allergen::Unknown]);
        let st: OrderStatus = serde_json::from_str(r#""on_hold""#).unwrap();
        assert_eq!(st, OrderStatus::Unknown);
        let p: Problem = serde_json::from_str(
            r#"{"type":"urn:x","title":"t","status":409,"code":"new_code","allowed_transitions":["accepted","teleported"],"hint":1}"#,
        )
        .unwrap();
        assert_eq!(p.allowed_transitions.unwrap(), [OrderStatus::Accepted, OrderStatus::Unknown]);
    }

    #[test]
    fn wire_names_are_the_documented_ones() {
        use crate::catalog::{CatalogBatchRequest, CatalogOp, ProductData, Stock, Variant};
        let data = ProductData {
            title: "Camembert de Normandie AOP".to_owned(),
            description: String::new(),
            category_external_ids: vec!["c-cremerie".to_owned()],
            images: vec![],
            published: true,
            variants: vec![Variant {
                sku: "CAM-250".to_owned(),
                options: [("Poids".to_owned(), "250 g".to_owned())].into(),
                price_ttc: 495,
                currency: "EUR".to_owned(),
                vat_rate: "5.5".to_owned(),
                ean: Some("3760123450010".to_owned()),
                stock: Stock { available: 12 },
                ..Default::default()
            }],
            ..Default::default()
        };
        let req = CatalogBatchRequest { ops: vec![CatalogOp::upsert_product("p-1", 0, &data)] };
        let v = serde_json::to_value(&req).unwrap();
        let op = &v["ops"][0];
        assert_eq!((op["op"].as_str(), op["type"].as_str()), (Some("upsert"), Some("product")));
        assert_eq!((op["external_id"].as_str(), op["base_version"].as_i64()), (Some("p-1"), Some(0)));
        let var = &op["data"]["variants"][0];
        assert_eq!(var["price_ttc"], 495);
        assert_eq!(var["vat_rate"], "5.5");
        assert_eq!(var["stock"]["available"], 12);
        assert_eq!(var["options"]["Poids"], "250 g");
        assert_eq!(op["data"]["category_external_ids"][0], "c-cremerie");
        let back: CatalogBatchRequest = serde_json::from_value(v).unwrap();
        assert_eq!(back, req);
    }
}
