//! Minimal public storefront: enough for customers (and the simulator) to see a
//! shop's sellable products and place click-and-collect orders.

use std::collections::HashMap;
use std::fmt::Write as _;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use comptoir_protocol::catalog::{
    ALCOHOL_HEALTH_MESSAGE, Allergen, FoodData, ProductData, ProductKind, SellingUnit, Session, StockPolicy, UnitPrice,
    Variant,
};
use comptoir_protocol::events::{EventType, StockChangeReason};
use comptoir_protocol::orders::{Order, OrderLine, OrderStatus};
use comptoir_protocol::problem::codes;
use comptoir_protocol::storefront::{
    CustomerCancelRequest, PlaceOrderRequest, StorefrontFood, StorefrontPage, StorefrontProduct, StorefrontPromotion,
    StorefrontSession, StorefrontVariant, TextRun,
};
use sqlx::SqliteConnection;

use crate::auth::shop_exists;
use crate::catalog::{decode_cursor, encode_cursor};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, Params};
use crate::promotions::{self, Running, Usage};
use crate::{AppState, Effects, ids, orders, stock};
use comptoir_protocol::paris;

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
    let now = st.now();
    let mut conn = st.db.reader.acquire().await?;
    if !shop_exists(&mut conn, &shop_id).await? {
        return Err(ApiError::not_found("shop"));
    }
    let mut rows = on_sale(&mut conn, &shop_id, &after, limit + 1).await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let items = shown_at(&mut conn, &shop_id, rows, now).await?;
    let next_cursor = if more { items.last().map(|p| encode_cursor(&[&p.external_id])) } else { None };
    Ok(Json(StorefrontPage { items, next_cursor }))
}

/// The shop's products on sale (published, approved) after `after`, by external id.
async fn on_sale(
    conn: &mut SqliteConnection,
    shop_id: &str,
    after: &str,
    limit: i64,
) -> ApiResult<Vec<(String, ProductData)>> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT external_id, data FROM products
          WHERE shop_id = ? AND deleted = 0 AND published = 1 AND moderation_status = 'approved' AND external_id > ?
          ORDER BY external_id LIMIT ?",
    )
    .bind(shop_id)
    .bind(after)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    let mut products = Vec::with_capacity(rows.len());
    for (ext, data) in rows {
        products.push((ext, serde_json::from_str(&data)?));
    }
    Ok(products)
}

/// Products as a buyer reads them at `now`: each variant at the price charged then,
/// with the promotion that sets it (see [`promotions::running_at`]).
async fn shown_at(
    conn: &mut SqliteConnection,
    shop_id: &str,
    products: Vec<(String, ProductData)>,
    now: DateTime<Utc>,
) -> ApiResult<Vec<StorefrontProduct>> {
    let ids: Vec<&str> = products.iter().flat_map(|(_, d)| promotions::limited_running_ids(d, now)).collect();
    let used = promotions::usage(conn, shop_id, &ids).await?;
    Ok(products.into_iter().map(|(ext, d)| storefront_product(ext, d, now, &used)).collect())
}

/// `GET /storefront/v1/shops/{shop_id}/page`: the shop's products on sale as one small
/// French HTML page (no script, every text escaped). A running promotion shows the
/// reduced price, the reference price struck through (`<del>`), the reduction and
/// until when it runs.
pub async fn page(State(st): State<AppState>, Path(shop_id): Path<String>) -> ApiResult<Response> {
    let now = st.now();
    let mut conn = st.db.reader.acquire().await?;
    let name: Option<String> =
        sqlx::query_scalar("SELECT name FROM shops WHERE id = ?").bind(&shop_id).fetch_optional(&mut *conn).await?;
    let name = name.ok_or_else(|| ApiError::not_found("shop"))?;
    let rows = on_sale(&mut conn, &shop_id, "", i64::MAX).await?;
    let items = shown_at(&mut conn, &shop_id, rows, now).await?;
    let mut resp = page_html(&name, &items).into_response();
    let headers = resp.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    // Nothing to run, fetch or submit: only the page's own style.
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"),
    );
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    Ok(resp)
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
    // Units sold at each limited promotion's price, this order's lines counted as they
    // are priced (two lines of one SKU share what is left).
    let mut used = Usage::new();
    let mut lines: Vec<OrderLine> = Vec::new();
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
        let unknown: Vec<&str> = v
            .promotions
            .iter()
            .filter(|x| x.quantity_limit.is_some() && x.runs_at(now) && !used.contains_key(&x.id))
            .map(|x| x.id.as_str())
            .collect();
        if !unknown.is_empty() {
            used.extend(promotions::usage(&mut tx, &shop_id, &unknown).await?);
            for id in unknown {
                used.entry(id.to_owned()).or_insert(0);
            }
        }
        let line = |quantity: i64, unit_price_ttc: i64| OrderLine {
            line_id: String::new(),
            sku: v.sku.clone(),
            product_external_id: p.external_id.clone(),
            title: p.data.title.clone(),
            options: v.options.clone(),
            quantity,
            unit_price_ttc,
            vat_rate: v.vat_rate.clone(),
            promotion_id: None,
            regular_price_ttc: None,
            refused: false,
        };
        // The price charged now: a running promotion's, for as many units as it has
        // left; the units beyond them at the regular price, on a line of their own.
        let mut priced = Vec::with_capacity(2);
        match promotions::running_at(v, now, &used) {
            None => priced.push(line(l.quantity, v.price_ttc)),
            Some(Running { promotion, remaining }) => {
                let at_promotion = remaining.map_or(l.quantity, |left| l.quantity.min(left as i64));
                priced.push(OrderLine {
                    promotion_id: Some(promotion.id.clone()),
                    regular_price_ttc: Some(v.price_ttc),
                    ..line(at_promotion, promotion.price_ttc)
                });
                if remaining.is_some() {
                    *used.entry(promotion.id.clone()).or_default() += at_promotion as u64;
                }
                if l.quantity > at_promotion {
                    priced.push(line(l.quantity - at_promotion, v.price_ttc));
                }
            }
        }
        for mut ol in priced {
            ol.line_id = format!("l{}", lines.len() + 1);
            lines.push(ol);
        }
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
        if let Some(id) = &l.promotion_id {
            promotions::add_units(&mut tx, &shop_id, id, l.quantity).await?;
        }
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

/// A stored product as the storefront shows it at `now`, every text in French; `used`
/// holds the units sold at the price of its running limited promotions.
pub fn storefront_product(external_id: String, d: ProductData, now: DateTime<Utc>, used: &Usage) -> StorefrontProduct {
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
            let running = promotions::running_at(v, now, used);
            let price = running.map_or(v.price_ttc, |r| r.promotion.price_ttc);
            // The unit price of what is charged: of the reduced price while it runs.
            let up = comptoir_protocol::quantity::unit_price(d.unit_or_default(), price, v.net_quantity.as_deref());
            StorefrontVariant {
                sku: v.sku.clone(),
                options: v.options.clone(),
                price_ttc: price,
                currency: v.currency.clone(),
                available: v.stock.available,
                net_quantity: v.net_quantity.clone(),
                unit_price: up,
                unit_price_text: up.map(unit_price_text),
                promotion: running.map(|r| storefront_promotion(v, r)),
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

/// A running promotion as a buyer reads it.
pub fn storefront_promotion(v: &Variant, r: Running<'_>) -> StorefrontPromotion {
    let p = r.promotion;
    StorefrontPromotion {
        id: p.id.clone(),
        regular_price_ttc: v.price_ttc,
        reference_price_ttc: p.reference_price_ttc,
        reference_price_text: p.reference_price_ttc.map(format_eur),
        discount_text: p.reference_price_ttc.and_then(|reference| discount_text(reference, p.price_ttc)),
        ends_at: p.ends_at,
        until_text: until_text(p.ends_at),
        campaign: p.campaign.as_ref().map(|c| c.name.clone()),
        remaining: r.remaining.map(|n| u32::try_from(n).unwrap_or(u32::MAX)),
    }
}

/// « −20 % »: the reduction from the reference price (the one shown struck through,
/// Code de la consommation, art. L112-1-1), in whole percent rounded half-up with
/// integers only. `None` when it rounds to nothing; never « −100 % » for goods that
/// still cost something.
pub fn discount_text(reference: i64, price: i64) -> Option<String> {
    if reference <= 0 || price >= reference {
        return None;
    }
    let percent = ((reference - price) * 200 + reference) / (reference * 2);
    let percent = percent.min(99);
    (percent > 0).then(|| format!("\u{2212}{percent} %"))
}

/// Until when a promotion runs, in Paris time: « Jusqu'au jeudi 24 décembre 2026 à
/// 18 h 00 ». Its end is exclusive, so one ending at midnight runs the whole day
/// before: « Jusqu'au jeudi 24 décembre 2026 inclus ». No end: until the stock (or
/// the quantity at the reduced price) runs out.
pub fn until_text(ends_at: Option<DateTime<Utc>>) -> String {
    use chrono::Timelike;
    let Some(end) = ends_at else {
        return "Jusqu'à épuisement du stock".to_owned();
    };
    let local = paris::local(end);
    if local.time() == chrono::NaiveTime::MIN
        && let Some(day) = local.date().pred_opt()
    {
        return format!("Jusqu'au {} inclus", paris::day_text(day));
    }
    format!("Jusqu'au {} à {} h {:02}", paris::day_text(local.date()), local.hour(), local.minute())
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

/// « samedi 12 décembre 2026 à 14 h 00, 8 places ».
fn session(s: &Session) -> StorefrontSession {
    use chrono::{Datelike, Timelike};
    let mut text = match s.start() {
        Some(t) => format!(
            "{} {} {} {} à {} h {:02}",
            paris::weekday(t.weekday()),
            t.day(),
            paris::month(t.month0()),
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

// ---------------------------------------------------------------- the page

/// Text for HTML, in an element or a double-quoted attribute (the page quotes every
/// attribute with `"`, so the apostrophes of French text stay as they are).
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

const PAGE_STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem;color:#222;line-height:1.4}\
article{border-top:1px solid #ddd;padding:.5rem 0}\
ul{padding-left:1.2rem}\
.price{font-size:1.15em}\
del{color:#666}\
.discount{background:#b3261e;color:#fff;padding:0 .3em;border-radius:.2em}\
.until,.campaign,.remaining,.unit-price,.stock,.net-quantity,.food{color:#555;font-size:.9em}\
.notice{font-weight:bold}";

/// The shop's products on sale as one French HTML page: what a buyer sees of each
/// variant's price at the instant `products` were priced (see [`storefront_product`]).
pub fn page_html(shop_name: &str, products: &[StorefrontProduct]) -> String {
    let e = html_escape;
    let mut h = String::new();
    h.push_str("<!DOCTYPE html>\n<html lang=\"fr\">\n<head>\n<meta charset=\"utf-8\">\n");
    h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(h, "<title>{} — produits en vente</title>", e(shop_name));
    let _ = writeln!(h, "<style>{PAGE_STYLE}</style>\n</head>\n<body>\n<h1>{}</h1>", e(shop_name));
    if products.is_empty() {
        h.push_str("<p>Aucun produit en vente pour le moment.</p>\n");
    }
    for p in products {
        let _ = writeln!(h, "<article class=\"product\" id=\"produit-{}\">", e(&p.external_id));
        let _ = writeln!(h, "<h2>{}</h2>", e(&p.title));
        if !p.description.trim().is_empty() {
            let _ = writeln!(h, "<p class=\"description\">{}</p>", e(&p.description));
        }
        for line in [&p.duration, &p.availability].into_iter().flatten() {
            let _ = writeln!(h, "<p class=\"availability\">{}</p>", e(line));
        }
        let counted = p.kind != Some(ProductKind::Service) && p.stock_policy.is_none();
        h.push_str("<ul class=\"variants\">\n");
        for v in &p.variants {
            variant_html(&mut h, p, v, counted);
        }
        h.push_str("</ul>\n");
        for s in &p.sessions {
            let _ = writeln!(h, "<p class=\"session\">{}</p>", e(&s.text));
        }
        if let Some(f) = &p.food {
            h.push_str("<p class=\"food\">");
            if !f.ingredients.is_empty() {
                h.push_str("Ingrédients : ");
                for run in &f.ingredients {
                    // Allergens set apart by the typeface (Regulation (EU) No 1169/2011, art. 21).
                    if run.emphasis {
                        let _ = write!(h, "<strong>{}</strong>", e(&run.text));
                    } else {
                        h.push_str(&e(&run.text));
                    }
                }
                h.push_str(". ");
            }
            h.push_str(&e(&f.allergens));
            h.push_str("</p>\n");
        }
        for n in &p.legal_notices {
            let _ = writeln!(h, "<p class=\"notice\">{}</p>", e(n));
        }
        h.push_str("</article>\n");
    }
    h.push_str("</body>\n</html>\n");
    h
}

/// One variant's line: « Poids : 250 g — 9,60 € ~~12,00 €~~ −20 % Jusqu'au … ».
fn variant_html(h: &mut String, p: &StorefrontProduct, v: &StorefrontVariant, counted: bool) {
    let e = html_escape;
    let _ = write!(h, "<li class=\"variant\" data-sku=\"{}\">", e(&v.sku));
    if !v.options.is_empty() {
        let options: Vec<String> = v.options.iter().map(|(k, val)| format!("{k} : {val}")).collect();
        let _ = write!(h, "<span class=\"options\">{}</span> ", e(&options.join(", ")));
    }
    if let Some(q) = &v.net_quantity {
        let _ = write!(h, "<span class=\"net-quantity\">{}</span> ", e(q));
    }
    let _ = write!(h, "<strong class=\"price\">{}</strong>", e(&format_eur(v.price_ttc)));
    if let Some(by) = &p.sold_by {
        let _ = write!(h, " <span class=\"sold-by\">{}</span>", e(by));
    }
    if let Some(promo) = &v.promotion {
        if let Some(reference) = &promo.reference_price_text {
            let _ = write!(h, " <del>{}</del>", e(reference));
        }
        if let Some(discount) = &promo.discount_text {
            let _ = write!(h, " <span class=\"discount\">{}</span>", e(discount));
        }
        let _ = write!(h, " <span class=\"until\">{}</span>", e(&promo.until_text));
        if let Some(c) = &promo.campaign {
            let _ = write!(h, " <span class=\"campaign\">{}</span>", e(c));
        }
        if let Some(n) = promo.remaining {
            let _ = write!(h, " <span class=\"remaining\">Encore {n} au prix réduit</span>");
        }
    }
    if let Some(up) = &v.unit_price_text {
        let _ = write!(h, " <span class=\"unit-price\">soit {}</span>", e(up));
    }
    if counted && v.available <= 0 {
        h.push_str(" <span class=\"stock\">Épuisé</span>");
    }
    h.push_str("</li>\n");
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

    #[test]
    fn promotions_read_the_french_way() {
        use chrono::TimeZone;
        assert_eq!(discount_text(1200, 960).as_deref(), Some("\u{2212}20 %"));
        // 12.5 % rounds half-up; 0.1 % is no reduction to boast of; never « −100 % ».
        assert_eq!(discount_text(800, 700).as_deref(), Some("\u{2212}13 %"));
        assert_eq!(discount_text(1000, 999), None);
        assert_eq!(discount_text(100_000, 1).as_deref(), Some("\u{2212}99 %"));
        assert_eq!(discount_text(1000, 1000), None);
        let utc = |mo, d, h, mi| Utc.with_ymd_and_hms(2026, mo, d, h, mi, 0).unwrap();
        // Midnight Paris ends the day before, whole; any other end is told to the minute.
        assert_eq!(until_text(Some(utc(12, 24, 23, 0))), "Jusqu'au jeudi 24 décembre 2026 inclus");
        assert_eq!(until_text(Some(utc(12, 24, 22, 59))), "Jusqu'au jeudi 24 décembre 2026 à 23 h 59");
        assert_eq!(until_text(Some(utc(7, 14, 22, 0))), "Jusqu'au mardi 14 juillet 2026 inclus");
        assert_eq!(until_text(Some(utc(7, 14, 16, 30))), "Jusqu'au mardi 14 juillet 2026 à 18 h 30");
        assert_eq!(until_text(Some(utc(11, 30, 23, 0))), "Jusqu'au lundi 30 novembre 2026 inclus");
        assert_eq!(until_text(Some(utc(12, 1, 23, 0))), "Jusqu'au mardi 1er décembre 2026 inclus");
        assert_eq!(until_text(None), "Jusqu'à épuisement du stock");
    }

    #[test]
    fn the_page_escapes_every_text() {
        assert_eq!(html_escape(r#"<b>"Tom" & l'âne</b>"#), "&lt;b&gt;&quot;Tom&quot; &amp; l'âne&lt;/b&gt;");
        let mut d = ProductData {
            title: "Cidre <brut> & \"doux\"".into(),
            published: true,
            variants: vec![Variant {
                sku: "C\"1".into(),
                options: [("Format".to_owned(), "<75 cl>".to_owned())].into(),
                price_ttc: 450,
                currency: "EUR".into(),
                vat_rate: "20".into(),
                ..Default::default()
            }],
            ..Default::default()
        };
        d.description = "<script>alert(1)</script>".into();
        let now = Utc::now();
        let html = page_html("Cave & <Cie>", &[storefront_product("p\"1".into(), d, now, &Usage::new())]);
        assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"fr\">"), "{html}");
        assert!(!html.contains("<script") && !html.contains("<brut>") && !html.contains("<Cie>"), "{html}");
        assert!(html.contains("<h1>Cave &amp; &lt;Cie&gt;</h1>"), "{html}");
        assert!(html.contains("<article class=\"product\" id=\"produit-p&quot;1\">"), "{html}");
        assert!(
            html.contains(
                "<li class=\"variant\" data-sku=\"C&quot;1\"><span class=\"options\">Format : &lt;75 cl&gt;</span> <strong class=\"price\">4,50 €</strong> <span class=\"stock\">Épuisé</span></li>"
            ),
            "{html}"
        );
    }
}
