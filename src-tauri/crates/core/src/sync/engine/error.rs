//! Why a sync did not complete: [`SyncError`], its IPC form, and the protocol
//! client's errors mapped to it (never with the request, hence never the token).

use std::time::Duration;

use comptoir_protocol::client::ClientError;

/// Why a sync did not complete. The messages are French and never contain the token.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("Comptoir n'est pas connecté à une place de marché : lancez d'abord la connexion")]
    NotConnected,
    #[error("Adresse de la place de marché invalide : {0}")]
    BadUrl(String),
    /// The server could not be reached or is overloaded; retry after `retry_in`.
    #[error("Place de marché injoignable ({message}) : nouvel essai dans {} s", retry_in.as_secs())]
    Offline { message: String, retry_in: Duration },
    #[error("La place de marché a refusé la demande : {0}")]
    Refused(String),
    #[error("Jeton refusé par la place de marché : reconnectez Comptoir avec un nouveau code d'appairage")]
    Unauthorized,
    #[error(transparent)]
    Keychain(#[from] crate::sync::credentials::KeychainError),
    #[error(transparent)]
    Core(#[from] crate::Error),
}

/// Sync failures cross IPC like every other error: `{code, message}`, the message
/// French and free of the token.
impl From<SyncError> for crate::ErrorPayload {
    fn from(e: SyncError) -> Self {
        match e {
            SyncError::Core(e) => e.into(),
            other => crate::ErrorPayload { code: other.code(), message: other.to_string(), fields: vec![] },
        }
    }
}

impl SyncError {
    pub fn code(&self) -> crate::ErrorCode {
        use crate::ErrorCode as C;
        match self {
            SyncError::NotConnected => C::SyncNotConnected,
            SyncError::BadUrl(_) => C::SyncBadUrl,
            SyncError::Offline { .. } => C::SyncOffline,
            SyncError::Refused(_) => C::SyncRefused,
            SyncError::Unauthorized => C::SyncUnauthorized,
            SyncError::Keychain(_) => C::Keychain,
            SyncError::Core(e) => e.code(),
        }
    }
}

/// Maps a client error to ours; never includes the request (hence never the token).
pub(crate) fn api_error(e: &ClientError) -> SyncError {
    match e {
        ClientError::Transport(t) => SyncError::Offline {
            message: if t.is_timeout() { "délai dépassé".to_owned() } else { "connexion impossible".to_owned() },
            retry_in: Duration::ZERO,
        },
        ClientError::Stalled { idle } => SyncError::Offline {
            message: format!("la connexion ne répond plus depuis {} s", idle.as_secs()),
            retry_in: Duration::ZERO,
        },
        ClientError::Api { problem, retry_after } => {
            if problem.status == 401 {
                SyncError::Unauthorized
            } else if e.is_retryable() {
                SyncError::Offline {
                    message: format!("HTTP {} {}", problem.status, problem.code),
                    retry_in: retry_after.unwrap_or_default(),
                }
            } else {
                SyncError::Refused(format!("{} ({})", problem.title, problem.code))
            }
        }
        ClientError::Protocol { status, message } => SyncError::Refused(format!("HTTP {status} : {message}")),
    }
}
