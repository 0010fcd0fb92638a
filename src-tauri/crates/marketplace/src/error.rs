//! `ApiError`: every failure leaves the server as `application/problem+json`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use comptoir_protocol::problem::codes;
use comptoir_protocol::{PROBLEM_CONTENT_TYPE, Problem};

tokio::task_local! {
    /// Set by the request-id middleware for the whole handling of one request.
    pub static REQUEST_ID: String;
}

pub fn current_request_id() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

#[derive(Debug)]
pub struct ApiError {
    // Boxed: errors travel through every `Result` of the server, keep them small.
    pub problem: Box<Problem>,
    pub headers: Vec<(header::HeaderName, HeaderValue)>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(status: StatusCode, code: &str, title: impl Into<String>) -> Self {
        Self { problem: Box::new(Problem::new(status.as_u16(), code, title)), headers: Vec::new() }
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.problem.detail = Some(detail.into());
        self
    }

    pub fn field(mut self, pointer: impl Into<String>, detail: impl Into<String>) -> Self {
        self.problem.errors.push(comptoir_protocol::FieldError { pointer: pointer.into(), detail: detail.into() });
        self
    }

    pub fn header(mut self, name: header::HeaderName, value: impl ToString) -> Self {
        if let Ok(v) = HeaderValue::from_str(&value.to_string()) {
            self.headers.push((name, v));
        }
        self
    }

    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    pub fn validation(pointer: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, codes::VALIDATION_FAILED, "The request is invalid")
            .field(pointer, detail)
    }

    pub fn bad_query(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, codes::MALFORMED_REQUEST, "Invalid query parameter").detail(detail)
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, codes::NOT_FOUND, format!("{what} not found"))
    }

    pub fn unauthorized(detail: &str) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, codes::UNAUTHORIZED, "Missing or invalid bearer token")
            .detail(detail)
            .header(header::WWW_AUTHENTICATE, "Bearer realm=\"comptoir\"")
    }

    pub fn internal(err: impl std::fmt::Display) -> Self {
        // Details stay in the server log; clients only get the request id to quote.
        eprintln!("internal error [{}]: {err}", current_request_id().unwrap_or_default());
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, codes::INTERNAL, "Internal server error")
    }

    /// The problem with the current request id filled in.
    pub fn finished_problem(&self) -> Problem {
        let mut p = (*self.problem).clone();
        if p.request_id.is_none() {
            p.request_id = current_request_id();
        }
        p
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        Self::internal(e)
    }
}

impl From<serde_json::Error> for ApiError {
    fn from(e: serde_json::Error) -> Self {
        Self::internal(e)
    }
}

pub fn problem_response(status: StatusCode, body: String) -> Response {
    let mut resp = (status, body).into_response();
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_CONTENT_TYPE));
    resp
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = serde_json::to_string(&self.finished_problem()).unwrap_or_default();
        let mut resp = problem_response(status, body);
        for (k, v) in self.headers {
            resp.headers_mut().append(k, v);
        }
        resp
    }
}
