//! Minimal public storefront: enough for customers (and the simulator) to see a
//! shop's sellable products and place click-and-collect orders.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use comptoir_protocol::catalog::{
    ALCOHOL_HEALTH_MESSAGE, Allergen, FoodData, ProductData, ProductKind, SellingUnit, Session, StockPolicy, UnitPrice,
    Variant,
};
use comptoir_protocol::events::{EventType, StockChangeReason};
use comptoir_protocol::orders::{Order, OrderLine, OrderStatus};
use comptoir_protocol::problem::codes;
use comptoir_protocol::storefront::{
    CustomerCancelRequest, PlaceOrderRequest, StorefrontFood, StorefrontPage, StorefrontProduct, StorefrontSession,
    StorefrontVariant, TextRun,
};

use crate::auth::shop_exists;
use crate::catalog::{decode_cursor, encode_cursor};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, Params};
use crate::{AppState, Effects, ids, orders, stock};

/// `GET /storefront/v1/shops/{shop_id}/products`
pub async fn products(
    State(st): State<AppState>,
    Path(shop_id): Path<String>,
    params: Params,
) -> ApiResult<Json<StorefrontPage>> {
    let limit = params.limit(100, st.config.max_page_size)?;
    let after = match params.get("cursor") {
        Some(c) => decode_cursor(c, 1)?.remove(0),
        None => String::new(),
    };
    let mut conn = st.db.reader.acquire().await?;
    if !shop_exists(&mut conn, &shop_id).await? {
        return Err(ApiError::not_found("shop"));
    }
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT external_id, data FROM products
          WHERE shop_id = ? AND deleted = 0 AND published = 1 AND moderation_status = 'approved' AND external_id > ?
          ORDER BY external_id LIMIT ?",
    )
    .bind(&shop_id)
    .bind(&after)
    .bind(limit + 1)
    .fetch_all(&mut *conn)
    .await?;
    let more = rows.len() as i64 > limit;
    let mut items = Vec::new();
    for (ext, data) in rows.into_iter().take(limit as usize) {
        let d: ProductData = serde_json::from_str(&data)?;
        items.push(storefront_product(ext, d));
    }
    let next_cursor = if more { items.last().map(|p| encode_cursor(&[&p.external_id])) } else { None };
    Ok(Json(StorefrontPage { items, next_cursor }))
}

/// `POST /storefront/v1/shops/{shop_id}/orders`: reserve the stock and create the
/// order in one transaction, so a customer can never buy what is not there.
pub async fn place_order(
    State(st): State<AppState>,
    Path(shop_id): Path<String>,
    ApiJson(req): ApiJson<PlaceOrderRequest>,
) -> ApiResult<(StatusCode, Json<Order>)> {
    if req.customer.name.trim().is_empty() {
        return Err(ApiError::validation("/customer/name", "must not be empty"));
    }
    if req.lines.is_empty() || req.lines.len() > 50 {
        return Err(ApiError::validation("/lines", "1 to 50 lines"));
    }
    // The whole request is checked before any lookup: a malformed line is told as
    // such even when an earlier line names a SKU that is not for sale.
    for (i, l) in req.lines.iter().enumerate() {
        if l.sku.is_empty() {
            return Err(ApiError::validation(format!("/lines/{i}/sku"), "must not be empty"));
        }
        if !(1..=1000).contains(&l.quantity) {
            return Err(ApiError::validation(format!("/lines/{i}/quantity"), "1 to 1000"));
        }
    }
    let now = st.now();
    let mut tx = st.db.begin().await?;
    if !shop_exists(&mut tx, &shop_id).await? {
        return Err(ApiError::not_found("shop"));
    }
    let order_id = ids::order_id();
    let mut wanted: HashMap<String, i64> = HashMap::new();
    let mut lines = Vec::new();
    for (i, l) in req.lines.iter().enumerate() {
        let p = stock::find_sku(&mut tx, &shop_id, &l.sku).await?.filter(|p| p.sellable).ok_or_else(|| {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, codes::UNKNOWN_SKU, "Not for sale")
                .field(format!("/lines/{i}/sku"), "no published product has this sku")
        })?;
        let total = wanted.entry(l.sku.clone()).or_default();
        *total += l.quantity;
        // Goods made to order, always available, or a service: no stock to run out of.
        if p.data.counts_stock() && p.available() < *total {
            return Err(ApiError::new(StatusCode::CONFLICT, codes::INSUFFICIENT_STOCK, "Not enough stock")
                .field(format!("/lines/{i}/quantity"), format!("only {} available", p.available())));
        }
        let v = &p.data.variants[p.variant];
        lines.push(OrderLine {
            line_id: format!("l{}", i + 1),
            sku: v.sku.clone(),
            product_external_id: p.external_id.clone(),
            title: p.data.title.clone(),
            options: v.options.clone(),
            quantity: l.quantity,
            unit_price_ttc: v.price_ttc,
            vat_rate: v.vat_rate.clone(),
            refused: false,
        });
    }
    let order = Order {
        id: order_id.clone(),
        shop_id: shop_id.clone(),
        version: 1,
        status: OrderStatus::PendingAcceptance,
        customer: req.customer,
        total_ttc: lines.iter().map(|l| l.unit_price_ttc * l.quantity).sum(),
        lines,
        currency: "EUR".to_owned(),
        created_at: now,
        updated_at: now,
        accept_before: now + st.config.acceptance_timeout,
        pickup: None,
        refusal_reason: None,
        cancellation: None,
    };
    let mut fx = Effects::default();
    orders::save(&mut tx, &mut fx, &order, EventType::OrderCreated).await?;
    for l in &order.lines {
        stock::adjust(
            &mut tx,
            &mut fx,
            &shop_id,
            &l.sku,
            -l.quantity,
            StockChangeReason::OrderPlaced,
            Some(&order_id),
            now,
        )
        .await?;
    }
    tx.commit().await?;
    st.published(fx);
    Ok((StatusCode::CREATED, Json(order)))
}

/// `POST /storefront/v1/orders/{order_id}/cancel`
pub async fn cancel(
    State(st): State<AppState>,
    Path(order_id): Path<String>,
    ApiJson(req): ApiJson<CustomerCancelRequest>,
) -> ApiResult<Json<Order>> {
    orders::customer_cancel(&st, &order_id, req.reason).await.map(Json)
}

// ---------------------------------------------------------------- what a buyer reads

/// The ban on sales of alcohol to minors, as the page shows it (Code de la santé
/// publique, art. L3342-1).
pub const MINORS_NOTICE: &str = "La vente d'alcool aux mineurs de moins de 18 ans est interdite.";

/// A stored product as the storefront shows it, every text in French.
pub fn storefront_product(external_id: String, d: ProductData) -> StorefrontProduct {
    let alcoholic = d.is_alcoholic();
    let adults_only = d.adults_only || alcoholic;
    let mut legal_notices = Vec::new();
    if alcoholic {
        // Shown in the marketplace's own words whatever the client sent: it is the
        // text the law sets (art. L3323-4).
        legal_notices.push(ALCOHOL_HEALTH_MESSAGE.to_owned());
    }
    if adults_only {
        legal_notices.push(MINORS_NOTICE.to_owned());
    }
    let variants = d
        .variants
        .iter()
        .map(|v| {
            let up = unit_price(&d, v);
            StorefrontVariant {
                sku: v.sku.clone(),
                options: v.options.clone(),
                price_ttc: v.price_ttc,
                currency: v.currency.clone(),
                available: v.stock.available,
                net_quantity: v.net_quantity.clone(),
                unit_price: up,
                unit_price_text: up.map(unit_price_text),
            }
        })
        .collect();
    let unit = d.unit.filter(|u| *u != SellingUnit::Piece);
    StorefrontProduct {
        external_id,
        sold_by: unit.and_then(sold_by).map(str::to_owned),
        unit,
        packaging: d.packaging.clone(),
        kind: d.kind.filter(|k| *k != ProductKind::Goods),
        duration: d.duration_minutes.map(|m| format!("Durée : {}", duration_text(m))),
        sessions: d.sessions.iter().map(session).collect(),
        stock_policy: d.stock_policy.filter(|p| *p != StockPolicy::Counted),
        availability: availability(&d),
        food: d.food.as_ref().map(food),
        adults_only,
        legal_notices,
        title: d.title,
        description: d.description,
        images: d.images,
        variants,
    }
}

/// The unit price of a variant, computed here from its price, the product's selling
/// unit and the variant's net quantity — never taken from the client.
pub fn unit_price(d: &ProductData, v: &Variant) -> Option<UnitPrice> {
    comptoir_protocol::quantity::unit_price(d.unit_or_default(), v.price_ttc, v.net_quantity.as_deref())
}

/// 123456 → « 1 234,56 € » (narrow no-break space between thousands, as French prints it).
pub fn format_eur(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    let euros = (abs / 100).to_string();
    let mut grouped = String::new();
    for (i, ch) in euros.chars().enumerate() {
        if i > 0 && (euros.len() - i).is_multiple_of(3) {
            grouped.push('\u{202f}');
        }
        grouped.push(ch);
    }
    format!("{sign}{grouped},{:02} €", abs % 100)
}

/// « 8,67 € / l ».
pub fn unit_price_text(up: UnitPrice) -> String {
    format!("{} / {}", format_eur(up.cents), up.per.label())
}

fn sold_by(unit: SellingUnit) -> Option<&'static str> {
    Some(match unit {
        SellingUnit::Kg => "le kg",
        SellingUnit::HundredGrams => "les 100 g",
        SellingUnit::Litre => "le litre",
        SellingUnit::Metre => "le mètre",
        SellingUnit::SquareMetre => "le m²",
        SellingUnit::Lot => "le lot",
        SellingUnit::Dozen => "la douzaine",
        SellingUnit::Piece | SellingUnit::Unknown => return None,
    })
}

/// 150 → « 2 h 30 », 60 → « 1 h », 45 → « 45 min ».
pub fn duration_text(minutes: u32) -> String {
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m:02}"),
    }
}

fn availability(d: &ProductData) -> Option<String> {
    match d.stock_policy_or_default() {
        StockPolicy::MadeToOrder => Some(match d.lead_time_days {
            Some(1) => "Fabriqué à la commande : prêt sous 1 jour".to_owned(),
            Some(n) => format!("Fabriqué à la commande : prêt sous {n} jours"),
            None => "Fabriqué à la commande".to_owned(),
        }),
        StockPolicy::Unlimited => Some("Toujours disponible".to_owned()),
        StockPolicy::Counted | StockPolicy::Unknown => None,
    }
}

const WEEKDAYS: [&str; 7] = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"];
const MONTHS: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];

/// « samedi 12 décembre 2026 à 14 h 00, 8 places ».
fn session(s: &Session) -> StorefrontSession {
    use chrono::{Datelike, Timelike};
    let mut text = match s.start() {
        Some(t) => format!(
            "{} {} {} {} à {} h {:02}",
            WEEKDAYS[t.weekday().num_days_from_monday() as usize],
            t.day(),
            MONTHS[t.month0() as usize],
            t.year(),
            t.hour(),
            t.minute()
        ),
        None => s.starts_at.clone(),
    };
    match s.places {
        Some(1) => text.push_str(", 1 place"),
        Some(n) => text.push_str(&format!(", {n} places")),
        None => {}
    }
    StorefrontSession { starts_at: s.starts_at.clone(), places: s.places, text }
}

fn food(f: &FoodData) -> StorefrontFood {
    let non_empty = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    let allergens = match &f.allergens {
        None => "Allergènes : non renseignés".to_owned(),
        Some(list) => {
            let mut list: Vec<Allergen> = list.iter().copied().filter(|a| *a != Allergen::Unknown).collect();
            list.sort();
            list.dedup();
            if list.is_empty() {
                "Allergènes : aucun".to_owned()
            } else {
                let names: Vec<&str> = list.iter().map(|a| a.label_fr()).collect();
                format!("Allergènes : {}", names.join(", "))
            }
        }
    };
    StorefrontFood {
        ingredients: emphasise_allergens(&f.ingredients),
        allergens,
        storage: non_empty(&f.storage),
        origin: non_empty(&f.origin),
        producer: non_empty(&f.producer),
        labels: f.labels.clone(),
        alcohol: f.abv_tenths.filter(|t| *t > 0).map(abv_text),
    }
}

/// 55 → « 5,5 % vol ».
pub fn abv_text(tenths: u16) -> String {
    if tenths.is_multiple_of(10) {
        format!("{} % vol", tenths / 10)
    } else {
        format!("{},{} % vol", tenths / 10, tenths % 10)
    }
}

/// Words (lower case, without accents) that name an allergen of Annex II of Regulation
/// (EU) No 1169/2011 in an ingredients list.
const ALLERGEN_WORDS: &[&str] = &[
    "gluten",
    "ble",
    "bles",
    "froment",
    "seigle",
    "orge",
    "avoine",
    "epeautre",
    "kamut",
    "crustace",
    "crustaces",
    "crevette",
    "crevettes",
    "homard",
    "homards",
    "crabe",
    "crabes",
    "langoustine",
    "langoustines",
    "ecrevisse",
    "ecrevisses",
    "oeuf",
    "oeufs",
    "poisson",
    "poissons",
    "anchois",
    "thon",
    "saumon",
    "cabillaud",
    "sardine",
    "sardines",
    "maquereau",
    "maquereaux",
    "truite",
    "truites",
    "arachide",
    "arachides",
    "cacahuete",
    "cacahuetes",
    "soja",
    "lait",
    "laits",
    "creme",
    "beurre",
    "fromage",
    "fromages",
    "lactose",
    "lactoserum",
    "yaourt",
    "yaourts",
    "fruits a coque",
    "fruit a coque",
    "amande",
    "amandes",
    "noisette",
    "noisettes",
    "noix",
    "pistache",
    "pistaches",
    "cajou",
    "pecan",
    "macadamia",
    "celeri",
    "moutarde",
    "sesame",
    "sulfite",
    "sulfites",
    "anhydride sulfureux",
    "metabisulfite",
    "metabisulfites",
    "lupin",
    "mollusque",
    "mollusques",
    "moule",
    "moules",
    "huitre",
    "huitres",
    "calmar",
    "calmars",
    "escargot",
    "escargots",
    "seiche",
    "poulpe",
];

/// Phrases that contain such a word but name no allergen: left as they are.
const NOT_ALLERGENS: &[&str] =
    &["noix de coco", "noix de muscade", "beurre de cacao", "lait de coco", "creme de coco", "creme de marrons"];

/// Lower case without French accents, one original character index per folded character.
fn fold_chars(text: &str) -> (Vec<char>, Vec<usize>) {
    let mut folded = Vec::with_capacity(text.len());
    let mut origin = Vec::with_capacity(text.len());
    for (i, c) in text.chars().enumerate() {
        for l in c.to_lowercase() {
            let plain: &str = match l {
                'à' | 'â' | 'ä' | 'á' => "a",
                'é' | 'è' | 'ê' | 'ë' => "e",
                'î' | 'ï' | 'í' => "i",
                'ô' | 'ö' | 'ó' => "o",
                'ù' | 'û' | 'ü' | 'ú' => "u",
                'ç' => "c",
                'ÿ' => "y",
                'œ' => "oe",
                'æ' => "ae",
                _ => {
                    folded.push(l);
                    origin.push(i);
                    continue;
                }
            };
            for p in plain.chars() {
                folded.push(p);
                origin.push(i);
            }
        }
    }
    (folded, origin)
}

/// The ingredients list in runs, the words naming an allergen emphasised: Regulation
/// (EU) No 1169/2011, art. 21(1)(b), wants them set apart from the rest of the list
/// (« Lait cru de vache, sel » → **Lait** cru de vache, sel). Whole words only
/// (« orge » but not « gorge »).
pub fn emphasise_allergens(ingredients: &str) -> Vec<TextRun> {
    let original: Vec<char> = ingredients.chars().collect();
    let (folded, origin) = fold_chars(ingredients);
    let terms = |list: &[&str]| -> Vec<Vec<char>> {
        let mut t: Vec<Vec<char>> = list.iter().map(|w| w.chars().collect()).collect();
        // Longest first: « fruits a coque » before « fruit », « noix de coco » before « noix ».
        t.sort_by_key(|w| std::cmp::Reverse(w.len()));
        t
    };
    let (skip, emphasise) = (terms(NOT_ALLERGENS), terms(ALLERGEN_WORDS));
    let boundary = |i: usize| i == 0 || !folded[i - 1].is_alphanumeric();
    let ends_word = |end: usize| end >= folded.len() || !folded[end].is_alphanumeric();
    let find = |i: usize, list: &[Vec<char>]| -> Option<usize> {
        list.iter().find(|w| folded[i..].starts_with(w) && ends_word(i + w.len())).map(Vec::len)
    };
    let mut spans: Vec<(usize, usize)> = Vec::new(); // original char ranges to emphasise
    let mut i = 0;
    while i < folded.len() {
        if !folded[i].is_alphanumeric() || !boundary(i) {
            i += 1;
            continue;
        }
        if let Some(n) = find(i, &skip) {
            i += n;
            continue;
        }
        if let Some(n) = find(i, &emphasise) {
            spans.push((origin[i], origin[i + n - 1] + 1));
            i += n;
            continue;
        }
        i += 1;
    }
    let mut runs = Vec::new();
    let mut at = 0;
    for (start, end) in spans {
        if start > at {
            runs.push(TextRun { text: original[at..start].iter().collect(), emphasis: false });
        }
        runs.push(TextRun { text: original[start..end].iter().collect(), emphasis: true });
        at = end;
    }
    if at < original.len() {
        runs.push(TextRun { text: original[at..].iter().collect(), emphasis: false });
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(runs: &[TextRun]) -> String {
        runs.iter().map(|r| if r.emphasis { format!("**{}**", r.text) } else { r.text.clone() }).collect()
    }

    #[test]
    fn allergens_are_emphasised_in_the_ingredients() {
        assert_eq!(
            shown(&emphasise_allergens("Lait cru de vache, sel, ferments lactiques, présure")),
            "**Lait** cru de vache, sel, ferments lactiques, présure"
        );
        assert_eq!(
            shown(&emphasise_allergens("Farine de BLÉ, Œufs frais, beurre, éclats de fruits à coque (noisettes)")),
            "Farine de **BLÉ**, **Œufs** frais, **beurre**, éclats de **fruits à coque** (**noisettes**)"
        );
        // Whole words only, and phrases that name no allergen are left alone.
        assert_eq!(shown(&emphasise_allergens("Sirop d'orgeat, gorge")), "Sirop d'orgeat, gorge");
        assert_eq!(shown(&emphasise_allergens("noix de coco, noix")), "noix de coco, **noix**");
        assert_eq!(shown(&emphasise_allergens("Pommes. Contient des sulfites")), "Pommes. Contient des **sulfites**");
        assert!(emphasise_allergens("").is_empty());
    }

    #[test]
    fn prices_and_durations_read_the_french_way() {
        use comptoir_protocol::catalog::UnitPricePer;
        assert_eq!(unit_price_text(UnitPrice { cents: 867, per: UnitPricePer::L }), "8,67 € / l");
        assert_eq!(unit_price_text(UnitPrice { cents: 480_000, per: UnitPricePer::Kg }), "4\u{202f}800,00 € / kg");
        assert_eq!(unit_price_text(UnitPrice { cents: 1250, per: UnitPricePer::M2 }), "12,50 € / m²");
        assert_eq!(duration_text(150), "2 h 30");
        assert_eq!(duration_text(60), "1 h");
        assert_eq!(duration_text(45), "45 min");
        assert_eq!(abv_text(55), "5,5 % vol");
        assert_eq!(abv_text(120), "12 % vol");
        let s = session(&Session { starts_at: "2026-12-12T14:00".into(), places: Some(8) });
        assert_eq!(s.text, "samedi 12 décembre 2026 à 14 h 00, 8 places");
    }
}
