//! The marketplace's campaigns (MSP/1.1): `POST /admin/v1/campaigns` announces one
//! (« Noël en Orne, 1er–24 décembre »), `GET /v1/campaigns` lists to the shops those
//! not over yet. A shop joins one by naming it in the `campaign` of its promotions;
//! the campaign itself changes no price.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use comptoir_protocol::campaigns::{Campaign, CampaignCreate, CampaignPage};
use comptoir_protocol::problem::codes;

use crate::AppState;
use crate::catalog::{decode_cursor, encode_cursor};
use crate::clock::{from_ms, to_ms};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, Params};

const MAX_ID: usize = 64;
const MAX_NAME: usize = 200;
const MAX_DESCRIPTION: usize = 2_000;

/// `[a-z0-9-]{1,64}`: the id goes in URLs and in the shops' promotions as it is.
pub fn is_campaign_id(id: &str) -> bool {
    (1..=MAX_ID).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// What the document states of a campaign, then its dates (which it cannot state).
fn check(req: &CampaignCreate) -> ApiResult<()> {
    let mut form = Vec::new();
    if !is_campaign_id(&req.id) {
        form.push(("/id", format!("identifiant : 1 à {MAX_ID} caractères parmi a-z, 0-9 et « - »")));
    }
    if req.name.trim().is_empty() {
        form.push(("/name", "nom : ne doit pas être vide".to_owned()));
    } else if req.name.chars().count() > MAX_NAME {
        form.push(("/name", format!("nom : {MAX_NAME} caractères au plus")));
    }
    if req.description.chars().count() > MAX_DESCRIPTION {
        form.push(("/description", format!("description : {MAX_DESCRIPTION} caractères au plus")));
    }
    let dates_wrong = req.ends_at.is_some_and(|end| end <= req.starts_at);
    if !form.is_empty() {
        let mut err =
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, codes::VALIDATION_FAILED, "The request is invalid");
        for (pointer, detail) in form {
            err = err.field(pointer, detail);
        }
        return Err(err);
    }
    if dates_wrong {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            codes::CAMPAIGN_INVALID,
            "The campaign is invalid",
        )
        .field("/ends_at", "la fin de l'opération doit suivre son début"));
    }
    Ok(())
}

/// `POST /admin/v1/campaigns`: create the campaign, or replace the one with this id.
/// `201` when created, `200` when replaced; the campaign as stored (instants to the
/// millisecond, like every instant the server keeps).
pub async fn create(
    State(st): State<AppState>,
    ApiJson(mut req): ApiJson<CampaignCreate>,
) -> ApiResult<(StatusCode, Json<Campaign>)> {
    // Kept to the millisecond: the dates are compared as they will be stored.
    req.starts_at = from_ms(to_ms(req.starts_at));
    req.ends_at = req.ends_at.map(|t| from_ms(to_ms(t)));
    check(&req)?;
    let campaign = Campaign { name: req.name.trim().to_owned(), ..req };
    let mut tx = st.db.begin().await?;
    let existed = sqlx::query_scalar::<_, i64>("SELECT 1 FROM campaigns WHERE id = ?")
        .bind(&campaign.id)
        .fetch_optional(&mut *tx)
        .await?
        .is_some();
    sqlx::query(
        "INSERT INTO campaigns (id, name, description, starts_at, ends_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, description = excluded.description,
           starts_at = excluded.starts_at, ends_at = excluded.ends_at, updated_at = excluded.updated_at",
    )
    .bind(&campaign.id)
    .bind(&campaign.name)
    .bind(&campaign.description)
    .bind(to_ms(campaign.starts_at))
    .bind(campaign.ends_at.map(to_ms))
    .bind(st.now_ms())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    let status = if existed { StatusCode::OK } else { StatusCode::CREATED };
    Ok((status, Json(campaign)))
}

type Row = (String, String, String, i64, Option<i64>);

/// `GET /v1/campaigns?cursor=&limit=`: the campaigns not over at the server's now
/// (running, or still to come), by start.
pub async fn list(State(st): State<AppState>, params: Params) -> ApiResult<Json<CampaignPage>> {
    let limit = params.limit(100, st.config.max_page_size)?;
    let (after_start, after_id) = match params.get("cursor") {
        Some(c) => {
            let p = decode_cursor(c, 2)?;
            (p[0].parse::<i64>().map_err(|_| ApiError::bad_query("bad cursor"))?, p[1].clone())
        }
        None => (i64::MIN, String::new()),
    };
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT id, name, description, starts_at, ends_at FROM campaigns
          WHERE (ends_at IS NULL OR ends_at > ?1) AND (starts_at, id) > (?2, ?3)
          ORDER BY starts_at, id LIMIT ?4",
    )
    .bind(st.now_ms())
    .bind(after_start)
    .bind(&after_id)
    .bind(limit + 1)
    .fetch_all(&st.db.reader)
    .await?;
    let more = rows.len() as i64 > limit;
    let items: Vec<Campaign> = rows
        .into_iter()
        .take(limit as usize)
        .map(|(id, name, description, starts_at, ends_at)| Campaign {
            id,
            name,
            description,
            starts_at: from_ms(starts_at),
            ends_at: ends_at.map(from_ms),
        })
        .collect();
    let next_cursor =
        if more { items.last().map(|c| encode_cursor(&[&to_ms(c.starts_at).to_string(), &c.id])) } else { None };
    Ok(Json(CampaignPage { items, next_cursor }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn campaign_ids_are_lowercase_words_with_dashes() {
        assert!(is_campaign_id("noel-2026"));
        for bad in ["", "Noel", "noël", "noel 2026", "noel_2026", &"a".repeat(65)] {
            assert!(!is_campaign_id(bad), "{bad}");
        }
    }
}
