//! Typed async client of the protocol (feature `client`).
//!
//! Retries are the caller's business: every write that mutates state takes an
//! `Idempotency-Key` from the caller, who must reuse it when retrying the same
//! write, and errors expose the problem details and `Retry-After`.

use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde::de::DeserializeOwned;

use crate::admin::{CreateShopRequest, ExpireResult, IssueTokenRequest, ModerationRequest, PairingCode, ShopCreated};
use crate::auth::{PairRequest, RotatedToken, Scope, TokenGrant};
use crate::campaigns::{Campaign, CampaignCreate, CampaignPage};
use crate::catalog::{CatalogBatchRequest, CatalogBatchResponse, ContentPage, ModerationStatus, StatePage};
use crate::events::{Event, EventsPage};
use crate::me::Me;
use crate::media::{MediaCheckRequest, MediaCheckResponse, MediaObject};
use crate::orders::{Order, OrderStatus, OrdersPage, TransitionRequest};
use crate::problem::Problem;
use crate::sse::SseParser;
use crate::stock::{StockBatchRequest, StockBatchResponse};
use crate::storefront::{CustomerCancelRequest, PlaceOrderRequest, StorefrontPage};
use crate::transfer::{Activity, ByteMeter, SlicedBody, Transfer, watched};
use crate::{IDEMPOTENCY_KEY_HEADER, IDEMPOTENT_REPLAYED_HEADER};

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server answered with problem details.
    #[error("{problem}")]
    Api {
        problem: Box<Problem>,
        /// From `Retry-After` (429, 503): wait at least this long before retrying.
        retry_after: Option<Duration>,
    },
    #[error("transport error: {0}")]
    Transport(#[from] reqwest::Error),
    /// A response that is not what the protocol promises (bad JSON, stream cut...).
    #[error("protocol error (HTTP {status}): {message}")]
    Protocol { status: u16, message: String },
    /// No byte moved for `idle` (see [`crate::transfer`]): the line is presumed dead.
    #[error("no byte moved for {} s: connection presumed dead", idle.as_secs())]
    Stalled { idle: Duration },
}

impl ClientError {
    pub fn problem(&self) -> Option<&Problem> {
        match self {
            ClientError::Api { problem, .. } => Some(problem),
            _ => None,
        }
    }

    pub fn code(&self) -> Option<&str> {
        self.problem().map(|p| p.code.as_str())
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            ClientError::Api { problem, .. } => Some(problem.status),
            ClientError::Transport(e) => e.status().map(|s| s.as_u16()),
            ClientError::Protocol { status, .. } => Some(*status),
            ClientError::Stalled { .. } => None,
        }
    }

    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            ClientError::Api { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// Worth retrying with the same idempotency key (network trouble, 409 in
    /// flight, 429, 5xx). Conflicts and validation errors are not.
    pub fn is_retryable(&self) -> bool {
        match self {
            ClientError::Transport(_) | ClientError::Stalled { .. } => true,
            ClientError::Api { problem, .. } => {
                problem.status == 429
                    || problem.status >= 500
                    || problem.code == crate::problem::codes::IDEMPOTENCY_IN_FLIGHT
            }
            ClientError::Protocol { .. } => false,
        }
    }

    /// The line failed (unreachable, cut, silent) rather than the server answering.
    pub fn is_network(&self) -> bool {
        matches!(self, ClientError::Transport(_) | ClientError::Stalled { .. })
    }
}

pub type Result<T> = std::result::Result<T, ClientError>;

/// Result of an idempotent write.
#[derive(Debug, Clone, PartialEq)]
pub struct Idempotent<T> {
    pub value: T,
    /// The server replayed the stored response of an earlier identical request.
    pub replayed: bool,
}

/// Filters of `GET /v1/orders`.
#[derive(Debug, Clone, Default)]
pub struct OrdersQuery {
    pub updated_since: Option<chrono::DateTime<chrono::Utc>>,
    pub status: Option<OrderStatus>,
    pub cursor: Option<String>,
    pub limit: Option<u32>,
}

#[derive(Debug, Clone)]
struct Base {
    http: reqwest::Client,
    url: String,
    transfer: Transfer,
}

/// A whole answer: status, headers and body, read under the transfer's watchdog.
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl Base {
    fn new(http: reqwest::Client, url: impl Into<String>) -> Self {
        let mut url = url.into();
        while url.ends_with('/') {
            url.pop();
        }
        Self { http, url, transfer: Transfer::default() }
    }

    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.http.request(method, format!("{}{}", self.url, path))
    }

    /// One exchange under [`Transfer`]: the request body handed out in slices (each
    /// one proof that the line moves, and counted), then the whole answer read; the
    /// exchange fails with [`ClientError::Stalled`] only when nothing moved for
    /// `transfer.idle`, however long a slow but moving upload takes.
    async fn exchange(&self, rb: RequestBuilder) -> Result<Answer> {
        let (http, req) = rb.build_split();
        let mut req = req?;
        let activity = Activity::new();
        if let Some(bytes) = req.body().and_then(|b| b.as_bytes()).map(Bytes::copy_from_slice) {
            let sliced = SlicedBody::new(bytes, activity.clone(), self.transfer.meter.clone());
            *req.body_mut() = Some(reqwest::Body::wrap(sliced));
        }
        let exchange = async {
            let resp = http.execute(req).await?;
            let (status, headers) = (resp.status(), resp.headers().clone());
            Ok(Answer { status, headers, body: resp.bytes().await? })
        };
        watched(self.transfer.idle, &activity, exchange, |idle| ClientError::Stalled { idle }).await
    }

    async fn send<T: DeserializeOwned>(&self, rb: RequestBuilder) -> Result<T> {
        let a = self.exchange(rb).await?;
        if !a.status.is_success() {
            return Err(a.into_error());
        }
        a.decode()
    }

    async fn send_idempotent<T: DeserializeOwned>(&self, rb: RequestBuilder, key: &str) -> Result<Idempotent<T>> {
        let a = self.exchange(rb.header(IDEMPOTENCY_KEY_HEADER, key)).await?;
        if !a.status.is_success() {
            return Err(a.into_error());
        }
        let replayed = a.headers.get(IDEMPOTENT_REPLAYED_HEADER).is_some_and(|v| v.as_bytes() == b"true");
        Ok(Idempotent { value: a.decode()?, replayed })
    }
}

fn parse_retry_after(headers: &HeaderMap) -> Option<Duration> {
    let v = headers.get(RETRY_AFTER)?.to_str().ok()?;
    v.trim().parse::<u64>().ok().map(Duration::from_secs)
}

async fn error_from(resp: Response) -> ClientError {
    let (status, headers) = (resp.status(), resp.headers().clone());
    match resp.bytes().await {
        Ok(body) => Answer { status, headers, body }.into_error(),
        Err(e) => ClientError::Transport(e),
    }
}

impl Answer {
    fn into_error(self) -> ClientError {
        let status = self.status.as_u16();
        let retry_after = parse_retry_after(&self.headers);
        problem_error(status, retry_after, &self.body)
    }

    fn decode<T: DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_slice(&self.body).map_err(|e| ClientError::Protocol {
            status: self.status.as_u16(),
            message: format!("cannot decode body: {e}"),
        })
    }
}

fn problem_error(status: u16, retry_after: Option<Duration>, body: &[u8]) -> ClientError {
    match serde_json::from_slice::<Problem>(body) {
        Ok(mut problem) => {
            if problem.status == 0 {
                problem.status = status;
            }
            ClientError::Api { problem: Box::new(problem), retry_after }
        }
        Err(_) => ClientError::Api {
            problem: Box::new(
                Problem::new(status, "http_error", format!("HTTP {status}"))
                    .with_detail(String::from_utf8_lossy(body).chars().take(500).collect::<String>()),
            ),
            retry_after,
        },
    }
}

/// Merchant API client, authenticated by one shop token.
#[derive(Debug, Clone)]
pub struct Client {
    base: Base,
    token: String,
}

impl Client {
    pub fn new(base_url: impl Into<String>, token: impl Into<String>) -> Self {
        Self::with_http(reqwest::Client::new(), base_url, token)
    }

    /// Share one connection pool (and its timeouts/proxy settings) between clients.
    pub fn with_http(http: reqwest::Client, base_url: impl Into<String>, token: impl Into<String>) -> Self {
        Self { base: Base::new(http, base_url), token: token.into() }
    }

    pub fn token(&self) -> &str {
        &self.token
    }

    /// Fail a request only when no byte moved for `idle` (see [`crate::transfer`]),
    /// never because a slow line makes it long.
    pub fn with_idle_timeout(mut self, idle: Option<Duration>) -> Self {
        self.base.transfer.idle = idle;
        self
    }

    /// A client whose request bodies report each slice sent to `meter` (an upload's
    /// progress); the connection pool is shared with `self`.
    pub fn metered(&self, meter: ByteMeter) -> Self {
        let mut c = self.clone();
        c.base.transfer.meter = Some(meter);
        c
    }

    pub fn set_token(&mut self, token: impl Into<String>) {
        self.token = token.into();
    }

    fn req(&self, method: Method, path: &str) -> RequestBuilder {
        self.base.request(method, path).bearer_auth(&self.token)
    }

    /// `POST /v1/auth/pair` (no token needed).
    pub async fn pair(base_url: &str, req: &PairRequest) -> Result<TokenGrant> {
        let base = Base::new(reqwest::Client::new(), base_url);
        base.send(base.request(Method::POST, "/v1/auth/pair").json(req)).await
    }

    pub async fn me(&self) -> Result<Me> {
        self.base.send(self.req(Method::GET, "/v1/me")).await
    }

    /// `POST /v1/auth/rotate`. Does not switch this client to the new token: store
    /// it durably first, then call [`Client::set_token`].
    pub async fn rotate_token(&self) -> Result<RotatedToken> {
        self.base.send(self.req(Method::POST, "/v1/auth/rotate")).await
    }

    /// Returns the hashes the server is missing.
    pub async fn media_check(&self, sha256: &[String]) -> Result<Vec<String>> {
        Ok(self.media_check_detailed(sha256).await?.missing)
    }

    /// The hashes the server is missing, and how far their uploads in progress are.
    pub async fn media_check_detailed(&self, sha256: &[String]) -> Result<MediaCheckResponse> {
        let body = MediaCheckRequest { sha256: sha256.to_vec() };
        self.base.send(self.req(Method::POST, "/v1/media/check").json(&body)).await
    }

    /// Upload one photo; `created` is false when the server already had it.
    pub async fn media_put(&self, sha256: &str, content_type: &str, bytes: Vec<u8>) -> Result<(MediaObject, bool)> {
        let rb = self
            .req(Method::PUT, &format!("/v1/media/{sha256}"))
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(bytes);
        let a = self.base.exchange(rb).await?;
        if !a.status.is_success() {
            return Err(a.into_error());
        }
        Ok((a.decode()?, a.status == StatusCode::CREATED))
    }

    // ---- Resumable uploads and reading photos back -------------------------------
    // `/v1/media/{sha256}/upload` lets a photo cross a line that drops connections a
    // piece at a time: the server keeps every byte it received, and tells where to
    // resume. `GET /v1/media…` reads back what the server holds.

    /// `GET /v1/media/{sha256}/upload`: how many bytes of this photo the server holds
    /// (`complete` once it is stored). `Ok(None)` when it holds none (`404
    /// upload_not_found`): start at offset 0.
    pub async fn media_upload_status(&self, sha256: &str) -> Result<Option<crate::media::UploadStatus>> {
        match self.base.send(self.req(Method::GET, &format!("/v1/media/{sha256}/upload"))).await {
            Ok(status) => Ok(Some(status)),
            Err(e) if e.code() == Some(crate::problem::codes::UPLOAD_NOT_FOUND) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `PATCH /v1/media/{sha256}/upload` with `body` = the photo's bytes from `offset`
    /// (any number of them, up to the end; `length` is the whole photo's size). Returns
    /// where the upload stands afterwards: `complete` once the server stored the photo.
    /// A `409 upload_offset_mismatch` (the server holds another offset, e.g. an earlier
    /// attempt got further than the caller knew) is not an error: the answer carries the
    /// server's offset, `complete: false`, to resume from.
    pub async fn media_upload(
        &self,
        sha256: &str,
        media_type: &str,
        length: u64,
        offset: u64,
        body: Vec<u8>,
    ) -> Result<crate::media::UploadStatus> {
        let rb = self.media_upload_request(sha256, media_type, length, offset).body(body);
        let a = self.base.exchange(rb).await?;
        if a.status.is_success() {
            return a.decode();
        }
        let server_offset = a
            .headers
            .get(crate::media::UPLOAD_OFFSET_HEADER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        let err = a.into_error();
        match server_offset {
            Some(offset) if err.code() == Some(crate::problem::codes::UPLOAD_OFFSET_MISMATCH) => {
                Ok(crate::media::UploadStatus {
                    sha256: sha256.to_owned(),
                    offset,
                    length,
                    content_type: media_type.to_owned(),
                    complete: false,
                })
            }
            _ => Err(err),
        }
    }

    /// The request of [`Client::media_upload`], all but its body (the one place it is built).
    fn media_upload_request(&self, sha256: &str, media_type: &str, length: u64, offset: u64) -> RequestBuilder {
        self.req(Method::PATCH, &format!("/v1/media/{sha256}/upload"))
            .header(reqwest::header::CONTENT_TYPE, crate::media::UPLOAD_CONTENT_TYPE)
            .header(crate::media::UPLOAD_OFFSET_HEADER, offset)
            .header(crate::media::UPLOAD_LENGTH_HEADER, length)
            .header(crate::media::UPLOAD_MEDIA_TYPE_HEADER, media_type)
    }

    /// `GET /v1/media/{sha256}`: the stored photo, as (content type, bytes).
    pub async fn media_get(&self, sha256: &str) -> Result<(String, Vec<u8>)> {
        let a = self.base.exchange(self.req(Method::GET, &format!("/v1/media/{sha256}"))).await?;
        if !a.status.is_success() {
            return Err(a.into_error());
        }
        let content_type =
            a.headers.get(reqwest::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        Ok((content_type, a.body.to_vec()))
    }

    /// `GET /v1/media`: every photo the server holds for the shop, by sha256.
    pub async fn media_list(
        &self,
        cursor: Option<&str>,
        limit: Option<u32>,
    ) -> Result<crate::Page<crate::media::MediaListItem>> {
        let mut q: Vec<(&str, String)> = Vec::new();
        if let Some(c) = cursor {
            q.push(("cursor", c.to_owned()));
        }
        if let Some(l) = limit {
            q.push(("limit", l.to_string()));
        }
        self.base.send(self.req(Method::GET, "/v1/media").query(&q)).await
    }

    // ---- End of resumable uploads and reading photos back ------------------------

    pub async fn catalog_batch(
        &self,
        idempotency_key: &str,
        req: &CatalogBatchRequest,
    ) -> Result<Idempotent<CatalogBatchResponse>> {
        self.base.send_idempotent(self.req(Method::POST, "/v1/catalog/batch").json(req), idempotency_key).await
    }

    pub async fn catalog_state(&self, cursor: Option<&str>, limit: Option<u32>) -> Result<StatePage> {
        let mut q: Vec<(&str, String)> = Vec::new();
        if let Some(c) = cursor {
            q.push(("cursor", c.to_owned()));
        }
        if let Some(l) = limit {
            q.push(("limit", l.to_string()));
        }
        self.base.send(self.req(Method::GET, "/v1/catalog/state").query(&q)).await
    }

    /// `GET /v1/catalog/content`: every live category and product with its data.
    pub async fn catalog_content(&self, cursor: Option<&str>, limit: Option<u32>) -> Result<ContentPage> {
        let mut q: Vec<(&str, String)> = Vec::new();
        if let Some(c) = cursor {
            q.push(("cursor", c.to_owned()));
        }
        if let Some(l) = limit {
            q.push(("limit", l.to_string()));
        }
        self.base.send(self.req(Method::GET, "/v1/catalog/content").query(&q)).await
    }

    /// `GET /v1/campaigns` (MSP/1.1): the marketplace's campaigns not over yet, by start,
    /// every page of them in one (`next_cursor` absent). An MSP/1.0 server answers
    /// `404 route_not_found` (check `Me::protocol_version` first).
    pub async fn campaigns(&self) -> Result<CampaignPage> {
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut q: Vec<(&str, String)> = Vec::new();
            if let Some(c) = &cursor {
                q.push(("cursor", c.clone()));
            }
            let page: CampaignPage = self.base.send(self.req(Method::GET, "/v1/campaigns").query(&q)).await?;
            items.extend(page.items);
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => return Ok(CampaignPage { items, next_cursor: None }),
            }
        }
    }

    pub async fn stock_batch(
        &self,
        idempotency_key: &str,
        req: &StockBatchRequest,
    ) -> Result<Idempotent<StockBatchResponse>> {
        self.base.send_idempotent(self.req(Method::POST, "/v1/stock/batch").json(req), idempotency_key).await
    }

    /// Long-poll: returns at once if events after `after` exist, else waits up to
    /// `wait` for one.
    pub async fn events(&self, after: i64, wait: Option<Duration>, limit: Option<u32>) -> Result<EventsPage> {
        let mut q: Vec<(&str, String)> = vec![("after", after.to_string())];
        if let Some(w) = wait {
            q.push(("wait", w.as_secs().to_string()));
        }
        if let Some(l) = limit {
            q.push(("limit", l.to_string()));
        }
        self.base.send(self.req(Method::GET, "/v1/events").query(&q)).await
    }

    /// Open the SSE stream, resuming after `last_event_id` when given.
    pub async fn event_stream(&self, last_event_id: Option<i64>) -> Result<EventStream> {
        let mut rb = self.req(Method::GET, "/v1/events/stream").header(reqwest::header::ACCEPT, "text/event-stream");
        if let Some(id) = last_event_id {
            rb = rb.header("Last-Event-ID", id.to_string());
        }
        let resp = rb.send().await?;
        if !resp.status().is_success() {
            return Err(error_from(resp).await);
        }
        Ok(EventStream {
            resp,
            parser: SseParser::new(),
            queue: std::collections::VecDeque::new(),
            last_seq: last_event_id,
            idle_timeout: None,
        })
    }

    pub async fn orders(&self, query: &OrdersQuery) -> Result<OrdersPage> {
        let mut q: Vec<(&str, String)> = Vec::new();
        if let Some(t) = query.updated_since {
            q.push(("updated_since", t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)));
        }
        if let Some(s) = query.status {
            q.push(("status", s.as_str().to_owned()));
        }
        if let Some(c) = &query.cursor {
            q.push(("cursor", c.clone()));
        }
        if let Some(l) = query.limit {
            q.push(("limit", l.to_string()));
        }
        self.base.send(self.req(Method::GET, "/v1/orders").query(&q)).await
    }

    pub async fn order(&self, id: &str) -> Result<Order> {
        self.base.send(self.req(Method::GET, &format!("/v1/orders/{id}"))).await
    }

    pub async fn transition(
        &self,
        order_id: &str,
        idempotency_key: &str,
        req: &TransitionRequest,
    ) -> Result<Idempotent<Order>> {
        self.base
            .send_idempotent(
                self.req(Method::POST, &format!("/v1/orders/{order_id}/transitions")).json(req),
                idempotency_key,
            )
            .await
    }
}

/// An open SSE connection. Heartbeat comments are swallowed; on `None` or an
/// error, reconnect with [`EventStream::last_seq`] to resume without loss.
#[derive(Debug)]
pub struct EventStream {
    resp: Response,
    parser: SseParser,
    queue: std::collections::VecDeque<Event>,
    last_seq: Option<i64>,
    idle_timeout: Option<Duration>,
}

impl EventStream {
    /// Fail [`EventStream::next`] when no byte at all (event or heartbeat comment)
    /// arrived for this long. A connection left half-open (the PC slept, a router
    /// forgot it) never ends by itself; the server's heartbeats make silence a sign.
    pub fn set_idle_timeout(&mut self, idle: Option<Duration>) {
        self.idle_timeout = idle;
    }

    /// Seq of the last event handed out (or the resume point).
    pub fn last_seq(&self) -> Option<i64> {
        self.last_seq
    }

    /// Next event; `Ok(None)` when the server closed the stream.
    pub async fn next(&mut self) -> Result<Option<Event>> {
        loop {
            if let Some(ev) = self.queue.pop_front() {
                self.last_seq = Some(ev.seq);
                return Ok(Some(ev));
            }
            let chunk = match self.idle_timeout {
                None => self.resp.chunk().await?,
                Some(idle) => {
                    tokio::time::timeout(idle, self.resp.chunk()).await.map_err(|_| ClientError::Protocol {
                        status: 200,
                        message: format!(
                            "no event nor heartbeat for {} ms: connection presumed dead",
                            idle.as_millis()
                        ),
                    })??
                }
            };
            let Some(chunk) = chunk else {
                return Ok(None);
            };
            for msg in self.parser.feed(&chunk) {
                let ev: Event = serde_json::from_str(&msg.data)
                    .map_err(|e| ClientError::Protocol { status: 200, message: format!("bad event data: {e}") })?;
                self.queue.push_back(ev);
            }
        }
    }
}

/// Public storefront of the reference server (customers and the simulator).
#[derive(Debug, Clone)]
pub struct StorefrontClient {
    base: Base,
}

impl StorefrontClient {
    pub fn new(base_url: impl Into<String>) -> Self {
        Self { base: Base::new(reqwest::Client::new(), base_url) }
    }

    pub async fn products(&self, shop_id: &str, cursor: Option<&str>) -> Result<StorefrontPage> {
        let mut rb = self.base.request(Method::GET, &format!("/storefront/v1/shops/{shop_id}/products"));
        if let Some(c) = cursor {
            rb = rb.query(&[("cursor", c)]);
        }
        self.base.send(rb).await
    }

    pub async fn place_order(&self, shop_id: &str, req: &PlaceOrderRequest) -> Result<Order> {
        self.base
            .send(self.base.request(Method::POST, &format!("/storefront/v1/shops/{shop_id}/orders")).json(req))
            .await
    }

    pub async fn cancel_order(&self, order_id: &str, req: &CustomerCancelRequest) -> Result<Order> {
        self.base
            .send(self.base.request(Method::POST, &format!("/storefront/v1/orders/{order_id}/cancel")).json(req))
            .await
    }
}

/// Marketplace administration (reference server only).
#[derive(Debug, Clone)]
pub struct AdminClient {
    base: Base,
    token: String,
}

impl AdminClient {
    pub fn new(base_url: impl Into<String>, admin_token: impl Into<String>) -> Self {
        Self { base: Base::new(reqwest::Client::new(), base_url), token: admin_token.into() }
    }

    fn req(&self, method: Method, path: &str) -> RequestBuilder {
        self.base.request(method, path).bearer_auth(&self.token)
    }

    pub async fn create_shop(&self, name: &str) -> Result<ShopCreated> {
        self.base
            .send(self.req(Method::POST, "/admin/v1/shops").json(&CreateShopRequest { name: name.to_owned() }))
            .await
    }

    pub async fn pairing_code(&self, shop_id: &str) -> Result<PairingCode> {
        self.base.send(self.req(Method::POST, &format!("/admin/v1/shops/{shop_id}/pairing-codes"))).await
    }

    pub async fn issue_token(&self, shop_id: &str, scopes: &[Scope]) -> Result<TokenGrant> {
        self.base
            .send(
                self.req(Method::POST, &format!("/admin/v1/shops/{shop_id}/tokens"))
                    .json(&IssueTokenRequest { scopes: scopes.to_vec() }),
            )
            .await
    }

    pub async fn moderate(
        &self,
        shop_id: &str,
        external_id: &str,
        status: ModerationStatus,
        reason: Option<&str>,
    ) -> Result<serde_json::Value> {
        let body = ModerationRequest { status, reason: reason.map(str::to_owned) };
        self.base
            .send(
                self.req(Method::POST, &format!("/admin/v1/shops/{shop_id}/products/{external_id}/moderation"))
                    .json(&body),
            )
            .await
    }

    /// `POST /admin/v1/campaigns` (MSP/1.1): announce a campaign, or replace the one
    /// with the same id. Returns it as stored (instants to the millisecond).
    pub async fn create_campaign(&self, campaign: &CampaignCreate) -> Result<Campaign> {
        self.base.send(self.req(Method::POST, "/admin/v1/campaigns").json(campaign)).await
    }

    /// Expire the orders whose deadline has passed (the server also does it on its own).
    pub async fn expire_orders(&self) -> Result<ExpireResult> {
        self.base.send(self.req(Method::POST, "/admin/v1/orders/expire")).await
    }

    /// Delete now the photos unreferenced for longer than the grace period and the
    /// abandoned partial uploads (the server also does it on its own).
    pub async fn media_sweep(&self) -> Result<crate::admin::MediaSweepResult> {
        self.base.send(self.req(Method::POST, "/admin/v1/media/sweep")).await
    }
}
