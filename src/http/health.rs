//! Operations: `/healthz` (the process answers), `/readyz` (and its database
//! does), `/metrics` (Prometheus text format), and the request span.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::{get, web, HttpMessage, HttpResponse};
use tracing::Span;
use tracing_actix_web::RootSpanBuilder;

use super::AppState;
use crate::error::AppResult;

/// The request's id: the caller's `X-Request-Id` when it is a plain token
/// (a proxy's or load balancer's), otherwise a new one. It is in every log
/// record of the request, in the `X-Request-Id` answer header and in the
/// error envelope of 5xx answers.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

tokio::task_local! {
    static REQUEST_ID: String;
}

impl RequestId {
    fn of(request: &ServiceRequest) -> Self {
        let given = request
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .filter(|v| {
                (1..=64).contains(&v.len())
                    && v.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
            });
        Self(given.map_or_else(|| uuid::Uuid::new_v4().simple().to_string(), str::to_string))
    }

    /// The id of the request being served on this task, if any.
    pub fn current() -> Option<String> {
        REQUEST_ID.try_with(Clone::clone).ok()
    }

    /// Runs `fut` with this id as the task's current one.
    pub async fn scope<F: std::future::Future>(self, fut: F) -> F::Output {
        REQUEST_ID.scope(self.0, fut).await
    }
}

/// The request span records the method, the path (never the query string: it
/// may carry a citizen's tracking token), the route template, the request id,
/// the status and, where the route names one, the report's public code.
pub struct PathOnlySpan;

impl RootSpanBuilder for PathOnlySpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let id = RequestId::of(request);
        let span = tracing::info_span!(
            "http.request",
            request_id = %id.0,
            http.method = %request.method(),
            http.path = %request.path(),
            http.route = tracing::field::Empty,
            http.status_code = tracing::field::Empty,
            report.code = tracing::field::Empty,
        );
        request.extensions_mut().insert(id);
        span
    }

    fn on_request_end<B: MessageBody>(
        span: Span,
        outcome: &Result<ServiceResponse<B>, actix_web::Error>,
    ) {
        let status = match outcome {
            Ok(r) => {
                let req = r.request();
                if let Some(route) = req.match_pattern() {
                    span.record("http.route", route.as_str());
                }
                if let Some(code) = req.match_info().get("code") {
                    span.record("report.code", code);
                }
                r.status().as_u16()
            }
            Err(e) => e.as_response_error().status_code().as_u16(),
        };
        span.record("http.status_code", status);
    }
}

#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, description = "The process is up")))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok\n")
}

#[utoipa::path(
    get,
    path = "/readyz",
    tag = "operations",
    responses((status = 200, description = "The database answers"), (status = 503, description = "It does not", body = crate::error::ErrorEnvelope))
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let store = state.store.clone();
    web::block(move || store.ping())
        .await?
        .map_err(|e| crate::error::AppError::Unavailable(e.to_string()))?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain")
        .body("ready\n"))
}

#[utoipa::path(get, path = "/metrics", tag = "operations", responses((status = 200, description = "Prometheus text format")))]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let state = state.into_inner();
    let text = web::block(move || {
        crate::metrics::METRICS.render(
            &state.store,
            &state.ops_snapshot,
            std::time::Duration::from_secs(5),
        )
    })
    .await??;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(text))
}
