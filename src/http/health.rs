//! Operations: `/healthz` (the process answers), `/readyz` (and its database
//! does), `/metrics` (Prometheus text format), and the request span.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::{get, web, HttpResponse};
use tracing::Span;
use tracing_actix_web::RootSpanBuilder;

use super::AppState;
use crate::error::AppResult;

/// Counters kept in-process (each instance exposes its own; Prometheus sums them).
#[derive(Default)]
pub struct Metrics {
    by_class: [AtomicU64; 5],
    duration_micros: AtomicU64,
    requests: AtomicU64,
    reports_created: AtomicU64,
}

impl Metrics {
    pub fn observe(&self, status: u16, elapsed: Duration) {
        let class = usize::from((status / 100).clamp(1, 5)) - 1;
        self.by_class[class].fetch_add(1, Ordering::Relaxed);
        self.requests.fetch_add(1, Ordering::Relaxed);
        self.duration_micros
            .fetch_add(elapsed.as_micros() as u64, Ordering::Relaxed);
    }

    pub fn report_created(&self) {
        self.reports_created.fetch_add(1, Ordering::Relaxed);
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        out.push_str("# HELP segnala_http_requests_total HTTP requests served, by status class.\n");
        out.push_str("# TYPE segnala_http_requests_total counter\n");
        for (i, counter) in self.by_class.iter().enumerate() {
            out.push_str(&format!(
                "segnala_http_requests_total{{class=\"{}xx\"}} {}\n",
                i + 1,
                counter.load(Ordering::Relaxed)
            ));
        }
        out.push_str(
            "# HELP segnala_http_request_duration_seconds Time spent serving HTTP requests.\n",
        );
        out.push_str("# TYPE segnala_http_request_duration_seconds summary\n");
        out.push_str(&format!(
            "segnala_http_request_duration_seconds_sum {}\n",
            self.duration_micros.load(Ordering::Relaxed) as f64 / 1e6
        ));
        out.push_str(&format!(
            "segnala_http_request_duration_seconds_count {}\n",
            self.requests.load(Ordering::Relaxed)
        ));
        out.push_str("# HELP segnala_reports_created_total Reports filed through this instance.\n");
        out.push_str("# TYPE segnala_reports_created_total counter\n");
        out.push_str(&format!(
            "segnala_reports_created_total {}\n",
            self.reports_created.load(Ordering::Relaxed)
        ));
        out
    }
}

/// The request span records the method and the path only: query strings may
/// carry a citizen's tracking token and never reach the logs.
pub struct PathOnlySpan;

impl RootSpanBuilder for PathOnlySpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        tracing::info_span!(
            "http.request",
            http.method = %request.method(),
            http.path = %request.path(),
            http.status_code = tracing::field::Empty,
        )
    }

    fn on_request_end<B: MessageBody>(
        span: Span,
        outcome: &Result<ServiceResponse<B>, actix_web::Error>,
    ) {
        let status = match outcome {
            Ok(r) => r.status().as_u16(),
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
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(state.metrics.render())
}
