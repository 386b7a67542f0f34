//! One error type for the whole service and its one JSON envelope:
//! `{"error": {"code": "...", "message": "...", "details": ...}}`.
//!
//! Codes are stable and machine-readable; a 500 never leaks internal detail (the
//! cause is logged once, here, where it becomes a response).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use serde_json::Value;

use crate::domain::report::TransitionNotAllowed;
use crate::domain::validate::FieldError;

pub use crate::domain::codes::ErrorCode;

pub type AppResult<T> = Result<T, AppError>;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// 400: the request could not be understood (malformed JSON, bad query string).
    #[error("{message}")]
    BadRequest { code: ErrorCode, message: String },
    /// 422: understood, but some fields are invalid.
    #[error("some fields are invalid")]
    Validation(Vec<FieldError>),
    /// 422: a business rule refuses the request.
    #[error("{message}")]
    Unprocessable {
        code: ErrorCode,
        message: String,
        details: Option<Value>,
    },
    #[error("{message}")]
    NotFound { code: ErrorCode, message: String },
    #[error("{message}")]
    Unauthorized { code: ErrorCode, message: String },
    #[error("{message}")]
    Forbidden { code: ErrorCode, message: String },
    #[error("{message}")]
    Conflict {
        code: ErrorCode,
        message: String,
        details: Option<Value>,
    },
    #[error("{message}")]
    PayloadTooLarge { code: ErrorCode, message: String },
    /// 408: the client took too long to send the request.
    #[error("{message}")]
    TimedOut { code: ErrorCode, message: String },
    #[error("{message}")]
    UnsupportedMediaType { code: ErrorCode, message: String },
    /// 405, with `Allow`: the path exists, the method does not.
    #[error("{method} is not allowed here: use {allow}")]
    MethodNotAllowed { method: String, allow: String },
    /// 429, with `Retry-After`.
    #[error("{message}")]
    RateLimited {
        code: ErrorCode,
        message: String,
        retry_after: i64,
    },
    /// 503, with `Retry-After`: this kind of work is at capacity right now
    /// (image decoding, password checks); the rest of the service is up.
    #[error("{message}")]
    Busy {
        code: ErrorCode,
        message: String,
        retry_after: i64,
    },
    /// 503, with `Retry-After`: the database does not answer (down,
    /// restarting, unreachable); nothing was changed.
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// 507, with `Retry-After`: the disk holding the database or the files
    /// is full; nothing was changed.
    #[error("storage full: {0}")]
    StorageFull(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    pub fn bad_request(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::BadRequest {
            code,
            message: message.into(),
        }
    }
    pub fn unprocessable(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::Unprocessable {
            code,
            message: message.into(),
            details: None,
        }
    }
    pub fn not_found(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::NotFound {
            code,
            message: message.into(),
        }
    }
    pub fn conflict(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::Conflict {
            code,
            message: message.into(),
            details: None,
        }
    }
    pub fn field(field: &'static str, code: ErrorCode, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, code, message)])
    }
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        Self::Internal(cause.to_string())
    }

    /// The stable machine-readable code.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::BadRequest { code, .. }
            | Self::Unprocessable { code, .. }
            | Self::NotFound { code, .. }
            | Self::Unauthorized { code, .. }
            | Self::Forbidden { code, .. }
            | Self::Conflict { code, .. }
            | Self::PayloadTooLarge { code, .. }
            | Self::TimedOut { code, .. }
            | Self::UnsupportedMediaType { code, .. }
            | Self::RateLimited { code, .. }
            | Self::Busy { code, .. } => *code,
            Self::Validation(_) => ErrorCode::ValidationFailed,
            Self::MethodNotAllowed { .. } => ErrorCode::MethodNotAllowed,
            Self::Unavailable(_) => ErrorCode::ServiceUnavailable,
            Self::StorageFull(_) => ErrorCode::StorageFull,
            Self::Internal(_) => ErrorCode::InternalError,
        }
    }

    fn details(&self) -> Option<Value> {
        match self {
            Self::Validation(fields) => Some(Value::Array(
                fields
                    .iter()
                    .map(|f| serde_json::json!({"field": f.field, "code": f.code, "message": f.message}))
                    .collect(),
            )),
            Self::Unprocessable { details, .. } | Self::Conflict { details, .. } => details.clone(),
            _ => None,
        }
    }

    pub(crate) fn public_message(&self) -> String {
        match self {
            Self::Validation(fields) => match fields.as_slice() {
                [one] => one.message.clone(),
                _ => "some fields are invalid".to_string(),
            },
            Self::Unavailable(_) => {
                "the service is temporarily unavailable, please retry".to_string()
            }
            Self::StorageFull(_) => {
                "the server has no space left to store this: nothing was saved, please retry later"
                    .to_string()
            }
            Self::Internal(_) => "an internal error occurred".to_string(),
            other => other.to_string(),
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorEnvelope {
    pub error: ErrorBody,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Stable machine-readable code, e.g. `report_not_found`.
    pub code: ErrorCode,
    /// Human-readable explanation.
    pub message: String,
    /// Extra structure: for `validation_failed`, the list of `{field, code, message}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<Value>,
    /// On 5xx answers: the request's id, as in the logs and the
    /// `X-Request-Id` header, for the operator.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Self::Validation(_) | Self::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::NotFound { .. } => StatusCode::NOT_FOUND,
            Self::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            Self::Forbidden { .. } => StatusCode::FORBIDDEN,
            Self::Conflict { .. } => StatusCode::CONFLICT,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::TimedOut { .. } => StatusCode::REQUEST_TIMEOUT,
            Self::UnsupportedMediaType { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) | Self::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Self::StorageFull(_) => StatusCode::INSUFFICIENT_STORAGE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            Self::Internal(cause) => tracing::error!(error.cause = %cause, "request failed"),
            Self::Unavailable(cause) => tracing::warn!(error.cause = %cause, "service unavailable"),
            Self::StorageFull(cause) => tracing::error!(error.cause = %cause, "storage full"),
            _ => {}
        }
        let mut response = HttpResponse::build(self.status_code());
        match self {
            Self::RateLimited { retry_after, .. } | Self::Busy { retry_after, .. } => {
                response.insert_header(("Retry-After", retry_after.to_string()));
            }
            Self::Unavailable(_) => {
                response.insert_header(("Retry-After", UNAVAILABLE_RETRY_AFTER.to_string()));
            }
            Self::StorageFull(_) => {
                response.insert_header(("Retry-After", STORAGE_FULL_RETRY_AFTER.to_string()));
            }
            Self::Unauthorized { .. } => {
                response.insert_header(("WWW-Authenticate", "Bearer"));
            }
            Self::MethodNotAllowed { allow, .. } => {
                response.insert_header(("Allow", allow.as_str()));
            }
            _ => {}
        }
        response.json(ErrorEnvelope {
            error: ErrorBody {
                code: self.code(),
                // A message may echo what was sent (a shape error): never an address.
                message: crate::domain::privacy::redact_emails(&self.public_message()),
                details: self.details(),
                request_id: self
                    .status_code()
                    .is_server_error()
                    .then(crate::http::health::RequestId::current)
                    .flatten(),
            },
        })
    }
}

/// Seconds a client is asked to wait when the database does not answer.
pub const UNAVAILABLE_RETRY_AFTER: i64 = 5;
/// Seconds a client is asked to wait when the disk is full.
pub const STORAGE_FULL_RETRY_AFTER: i64 = 60;

/// Whether a database message says the disk is full: SQLite's `SQLITE_FULL`,
/// PostgreSQL's `could not extend file …: No space left on device`.
fn says_disk_full(message: &str) -> bool {
    message.contains("database or disk is full") || message.contains("No space left on device")
}

/// Whether a database message says the server went away or is not accepting
/// work: a restart, a failover, a lost connection.
fn says_unavailable(message: &str) -> bool {
    [
        "terminating connection",
        "server closed the connection",
        "connection to server",
        "the database system is",
        "no connection to the server",
        "could not receive data from server",
        "could not send data to server",
        "SSL connection has been closed",
        "cannot execute",
        // Two transactions of different instances waited on each other, or
        // could not be serialised: nothing was written; a retry succeeds.
        "deadlock detected",
        "could not serialize access",
    ]
    .iter()
    .any(|m| message.contains(m))
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match e {
            // Two requests racing for the same unique value: the loser is told, not a 500.
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => Self::conflict(
                ErrorCode::AlreadyExists,
                "that already exists (it was just created by another request)",
            ),
            Error::DatabaseError(DatabaseErrorKind::ClosedConnection, info) => {
                Self::Unavailable(format!("database connection lost: {}", info.message()))
            }
            Error::DatabaseError(_, ref info) if says_disk_full(info.message()) => {
                Self::StorageFull(format!("database: {}", info.message()))
            }
            Error::DatabaseError(_, ref info) if says_unavailable(info.message()) => {
                Self::Unavailable(format!("database: {}", info.message()))
            }
            // A NUL character in a value that reached a query unchecked (a
            // code looked up, say): PostgreSQL's text cannot hold it. The
            // client's input, so a 422, not a 500.
            Error::DatabaseError(_, ref info) if says_bad_encoding(info.message()) => {
                Self::Unprocessable {
                    code: ErrorCode::InvalidCharacters,
                    message: "the request holds a character no text may hold (U+0000)".into(),
                    details: None,
                }
            }
            Error::BrokenTransactionManager => {
                Self::Unavailable("database: the connection broke mid-transaction".into())
            }
            // A stored value the code cannot read (a status no variant
            // names, say): the cause names it, for the log.
            Error::DeserializationError(cause) => {
                Self::Internal(format!("database: a stored value cannot be read: {cause}"))
            }
            e => Self::Internal(format!("database: {e}")),
        }
    }
}

/// PostgreSQL refusing a NUL in text ("invalid byte sequence for encoding
/// \"UTF8\": 0x00").
fn says_bad_encoding(message: &str) -> bool {
    message.contains("invalid byte sequence") || message.contains("0x00")
}

impl AppError {
    /// A failed write of a file under the data directory: a full disk is a
    /// 507, anything else an internal error.
    pub fn from_io(what: impl std::fmt::Display, e: std::io::Error) -> Self {
        match e.raw_os_error() {
            Some(libc::ENOSPC) | Some(libc::EDQUOT) => Self::StorageFull(format!("{what}: {e}")),
            _ => Self::internal(format!("{what}: {e}")),
        }
    }
}

impl From<crate::store::StoreError> for AppError {
    fn from(e: crate::store::StoreError) -> Self {
        use crate::store::StoreError;
        match e {
            StoreError::Db(e) => e.into(),
            StoreError::Pool(e) => e.into(),
            StoreError::Unavailable(why) => Self::Unavailable(why),
            StoreError::Io { what, source } => Self::from_io(what, source),
            StoreError::Internal(why) => Self::Internal(why),
        }
    }
}

impl From<diesel::r2d2::PoolError> for AppError {
    fn from(e: diesel::r2d2::PoolError) -> Self {
        Self::Unavailable(format!("database pool: {e}"))
    }
}

impl From<TransitionNotAllowed> for AppError {
    fn from(e: TransitionNotAllowed) -> Self {
        Self::Conflict {
            code: ErrorCode::TransitionNotAllowed,
            message: e.to_string(),
            details: Some(serde_json::json!({"from": e.from, "to": e.to})),
        }
    }
}

impl From<actix_web::error::BlockingError> for AppError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        Self::Internal(format!("blocking task: {e}"))
    }
}
