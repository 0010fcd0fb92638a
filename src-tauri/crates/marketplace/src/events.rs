//! The per-shop event log and its delivery by SSE and long-poll.
//!
//! Events are appended inside the transaction of the write that causes them;
//! after commit the writer publishes the new seq on a per-shop `watch` channel,
//! which is all waiters sleep on (no polling).

use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::sync::Mutex;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::{Extension, Json};
use chrono::{DateTime, Utc};
use comptoir_protocol::auth::Scope;
use comptoir_protocol::events::{Event, EventType, EventsPage};
use comptoir_protocol::problem::codes;
use futures_util::Stream;
use serde::Serialize;
use sqlx::{SqliteConnection, SqlitePool};
use tokio::sync::watch;

use crate::auth::Auth;
use crate::clock::{from_ms, to_ms};
use crate::error::{ApiError, ApiResult};
use crate::extract::Params;
use crate::{AppState, Effects};

#[derive(Default)]
pub struct EventHub {
    shops: Mutex<HashMap<String, watch::Sender<i64>>>,
}

impl EventHub {
    pub fn subscribe(&self, shop_id: &str) -> watch::Receiver<i64> {
        let mut shops = self.shops.lock().unwrap_or_else(|e| e.into_inner());
        shops.entry(shop_id.to_owned()).or_insert_with(|| watch::channel(0).0).subscribe()
    }

    pub fn publish(&self, shop_id: &str, seq: i64) {
        let shops = self.shops.lock().unwrap_or_else(|e| e.into_inner());
        // No entry means nobody ever listened: they will read the log when they do.
        if let Some(tx) = shops.get(shop_id) {
            tx.send_if_modified(|v| {
                let newer = seq > *v;
                if newer {
                    *v = seq;
                }
                newer
            });
        }
    }
}

/// Append to the shop's log inside the caller's transaction.
pub async fn append<T: Serialize>(
    conn: &mut SqliteConnection,
    fx: &mut Effects,
    shop_id: &str,
    event_type: EventType,
    at: DateTime<Utc>,
    data: &T,
) -> ApiResult<i64> {
    let seq: i64 = sqlx::query_scalar("UPDATE shops SET event_seq = event_seq + 1 WHERE id = ? RETURNING event_seq")
        .bind(shop_id)
        .fetch_one(&mut *conn)
        .await?;
    sqlx::query("INSERT INTO events (shop_id, seq, type, at, data) VALUES (?, ?, ?, ?, ?)")
        .bind(shop_id)
        .bind(seq)
        .bind(event_type.as_str())
        .bind(to_ms(at))
        .bind(serde_json::to_string(data)?)
        .execute(&mut *conn)
        .await?;
    fx.events.push((shop_id.to_owned(), seq));
    Ok(seq)
}

pub async fn read_after(pool: &SqlitePool, shop_id: &str, after: i64, limit: i64) -> ApiResult<Vec<Event>> {
    let rows: Vec<(i64, String, i64, String)> =
        sqlx::query_as("SELECT seq, type, at, data FROM events WHERE shop_id = ? AND seq > ? ORDER BY seq LIMIT ?")
            .bind(shop_id)
            .bind(after)
            .bind(limit)
            .fetch_all(pool)
            .await?;
    rows.into_iter()
        .map(|(seq, ty, at, data)| {
            Ok(Event {
                seq,
                event_type: serde_json::from_value(serde_json::Value::String(ty))?,
                at: from_ms(at),
                data: serde_json::from_str(&data)?,
            })
        })
        .collect()
}

/// `GET /v1/events?after=&wait=&limit=` (long-poll).
pub async fn poll(
    State(st): State<AppState>,
    Extension(auth): Extension<Auth>,
    params: Params,
) -> ApiResult<Json<EventsPage>> {
    auth.require(Scope::OrdersRead)?;
    let after = params.int_min("after", 0)?.unwrap_or(0);
    let max_wait = st.config.long_poll_max_wait.as_secs() as i64;
    // Longer than the server's maximum is shortened to it (`/v1/me` tells it), never refused.
    let wait = params.int_min("wait", 0)?.unwrap_or(0).min(max_wait);
    let limit = params.limit(100, st.config.max_page_size)?;
    let mut rx = st.hub.subscribe(&auth.shop_id);
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(wait as u64);
    loop {
        // Mark the current value seen *before* reading, so a commit landing
        // between the read and the wait still wakes us.
        rx.borrow_and_update();
        let mut events = read_after(&st.db.reader, &auth.shop_id, after, limit + 1).await?;
        let has_more = events.len() as i64 > limit;
        events.truncate(limit as usize);
        if !events.is_empty() || wait == 0 {
            let last_seq = events.last().map_or(after, |e| e.seq);
            return Ok(Json(EventsPage { events, last_seq, has_more }));
        }
        match tokio::time::timeout_at(deadline, rx.changed()).await {
            Ok(Ok(())) => continue,
            _ => {
                return Ok(Json(EventsPage { events, last_seq: after, has_more: false }));
            }
        }
    }
}

struct StreamState {
    st: AppState,
    shop_id: String,
    rx: watch::Receiver<i64>,
    after: i64,
    buf: VecDeque<Event>,
}

fn to_sse(ev: &Event) -> SseEvent {
    SseEvent::default()
        .id(ev.seq.to_string())
        .event(ev.event_type.as_str())
        .data(serde_json::to_string(ev).unwrap_or_default())
}

/// `GET /v1/events/stream` (SSE). Resumes after `Last-Event-ID` (or `after=`).
pub async fn stream(
    State(st): State<AppState>,
    Extension(auth): Extension<Auth>,
    headers: HeaderMap,
    params: Params,
) -> ApiResult<Sse<impl Stream<Item = Result<SseEvent, Infallible>>>> {
    auth.require(Scope::OrdersRead)?;
    // `after=` is checked even when the header wins over it.
    let after_param = params.int_min("after", 0)?.unwrap_or(0);
    let after = match headers.get("last-event-id") {
        Some(v) => v.to_str().ok().and_then(|s| s.trim().parse::<i64>().ok()).filter(|s| *s >= 0).ok_or_else(|| {
            ApiError::new(StatusCode::BAD_REQUEST, codes::MALFORMED_REQUEST, "Last-Event-ID must be an event seq")
        })?,
        None => after_param,
    };
    let heartbeat = st.config.sse_heartbeat;
    let state = StreamState {
        rx: st.hub.subscribe(&auth.shop_id),
        st,
        shop_id: auth.shop_id,
        after: after.max(0),
        buf: VecDeque::new(),
    };
    let events = futures_util::stream::unfold(state, |mut s| async move {
        loop {
            if let Some(ev) = s.buf.pop_front() {
                s.after = ev.seq;
                return Some((Ok(to_sse(&ev)), s));
            }
            s.rx.borrow_and_update();
            match read_after(&s.st.db.reader, &s.shop_id, s.after, 100).await {
                Ok(evs) if !evs.is_empty() => {
                    s.buf.extend(evs);
                    continue;
                }
                Ok(_) => {}
                // Ending the stream makes the client reconnect with its Last-Event-ID.
                Err(_) => return None,
            }
            if s.rx.changed().await.is_err() {
                return None;
            }
        }
    });
    Ok(Sse::new(events).keep_alive(KeepAlive::new().interval(heartbeat).text("heartbeat")))
}
