//! The HTTP layer: thin handlers (one module per resource, one function per
//! action) that parse, call the domain and the store, and shape responses.

pub mod admin;
pub mod admin_offices;
pub mod admin_routing;
pub mod attachments;
pub mod audit;
pub mod auth;
pub mod calendar;
pub mod callbacks;
pub mod categories;
pub mod client_addr;
pub mod dto;
pub mod feedback;
pub mod gates;
pub mod health;
pub mod moderation;
pub mod municipalities;
pub mod offices;
pub mod open311;
pub mod openapi;
pub mod params;
pub mod platform;
pub mod reports;
pub mod staff;
pub mod stats;
pub mod web;

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::{Server, Service};
use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::{web as aweb, App, HttpMessage, HttpRequest, HttpServer};
use tracing_actix_web::TracingLogger;

use crate::config::Config;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::store::municipalities::TerritoryCache;
use crate::store::{DbConn, Store};

/// Largest JSON body accepted (a report description is at most 4000 characters).
pub const JSON_LIMIT: usize = 64 * 1024;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub territory: Arc<TerritoryCache>,
    /// What filings read of the catalog (`app::reports::filing`).
    pub catalog: Arc<crate::app::reports::filing::FilingCatalog>,
    pub config: Arc<Config>,
    pub keys: Arc<crate::auth::Keys>,
    /// The database gauges of `/metrics`, cached between scrapes.
    pub ops_snapshot: Arc<crate::metrics::SnapshotCache>,
    pub gates: gates::Gates,
    pub clients: Arc<client_addr::ClientAddresses>,
}

impl AppState {
    pub fn new(store: Store, config: Config) -> AppResult<Self> {
        Ok(Self {
            store,
            territory: Arc::new(TerritoryCache::default()),
            catalog: Arc::new(crate::app::reports::filing::filing_catalog()),
            keys: Arc::new(crate::auth::Keys::from_config(&config)?),
            clients: Arc::new(config.client_addresses().map_err(AppError::internal)?),
            config: Arc::new(config),
            gates: gates::Gates::default(),
            ops_snapshot: Default::default(),
        })
    }

    /// Runs a read on the blocking pool.
    pub async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut DbConn) -> AppResult<T> + Send + 'static,
    ) -> AppResult<T> {
        let store = self.store.clone();
        aweb::block(move || store.read(f)).await?
    }

    /// Runs a public read on the blocking pool: on the read replica when
    /// there is one and it is up to date (see `store::replica`). Only for
    /// what anyone may see; `f` may run twice.
    pub async fn read_public<T: Send + 'static>(
        &self,
        f: impl Fn(&mut DbConn) -> AppResult<T> + Send + 'static,
    ) -> AppResult<T> {
        let store = self.store.clone();
        aweb::block(move || store.read_public(f)).await?
    }

    /// Runs a write that may share its transaction with others (intake) on
    /// the blocking pool: see `store::batch`.
    pub async fn write_batched<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut DbConn, &mut crate::store::batch::Held) -> AppResult<T> + Send + 'static,
    ) -> AppResult<T> {
        let store = self.store.clone();
        aweb::block(move || store.write_batched(f)).await?
    }

    /// Runs a write transaction on the blocking pool.
    pub async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut DbConn) -> AppResult<T> + Send + 'static,
    ) -> AppResult<T> {
        let store = self.store.clone();
        aweb::block(move || store.write(f)).await?
    }
}

fn json_error(err: JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    let app = match &err {
        JsonPayloadError::OverflowKnownLength { .. } | JsonPayloadError::Overflow { .. } => {
            AppError::PayloadTooLarge {
                code: ErrorCode::PayloadTooLarge,
                message: format!("the request body is larger than {} KiB", JSON_LIMIT / 1024),
            }
        }
        JsonPayloadError::ContentType => AppError::UnsupportedMediaType {
            code: ErrorCode::UnsupportedMediaType,
            message: "send the body as application/json".into(),
        },
        // `"\ud800"` alone is well-formed JSON syntax for a character no text
        // may hold (XML cannot carry it): refused like other such characters.
        // (serde_json says "lone leading surrogate", or "unexpected end of hex
        // escape" when a high surrogate is followed by anything but `\u`.)
        JsonPayloadError::Deserialize(e)
            if ["surrogate", "unexpected end of hex escape"]
                .iter()
                .any(|m| e.to_string().contains(m)) =>
        {
            AppError::Unprocessable {
                code: ErrorCode::InvalidCharacters,
                message: "the body contains an unpaired surrogate (\\ud800-\\udfff), which no text may hold".into(),
                details: None,
            }
        }
        JsonPayloadError::Deserialize(e) if e.is_data() => AppError::Unprocessable {
            code: ErrorCode::InvalidBody,
            message: format!("the body does not match the expected shape: {e}"),
            details: None,
        },
        JsonPayloadError::Deserialize(e) => {
            AppError::bad_request(ErrorCode::MalformedJson, format!("the body is not valid JSON: {e}"))
        }
        other => AppError::bad_request(ErrorCode::MalformedBody, other.to_string()),
    };
    app.into()
}

fn query_error(err: QueryPayloadError, _req: &HttpRequest) -> actix_web::Error {
    AppError::bad_request(
        ErrorCode::InvalidQuery,
        format!("invalid query string: {err}"),
    )
    .into()
}

fn path_error(err: PathError, _req: &HttpRequest) -> actix_web::Error {
    AppError::not_found(ErrorCode::NotFound, format!("no such resource: {err}")).into()
}

async fn not_found(
    state: aweb::Data<AppState>,
    req: HttpRequest,
) -> AppResult<actix_web::HttpResponse> {
    if let Some(page) = web::not_found_page(&state, &req).await {
        return Ok(page);
    }
    let allow = openapi::allowed_methods(req.path());
    if let Some(allow) = allow.filter(|a| !a.split(", ").any(|m| m == req.method().as_str())) {
        return Err(AppError::MethodNotAllowed {
            method: req.method().to_string(),
            allow: allow.to_string(),
        });
    }
    Err(AppError::not_found(
        ErrorCode::NotFound,
        format!("no route for {} {}", req.method(), req.path()),
    ))
}

/// Registers every route and extractor configuration.
// Long on purpose: the route table reads best whole, in the order actix matches it.
pub fn configure(cfg: &mut aweb::ServiceConfig) {
    cfg.app_data(
        aweb::JsonConfig::default()
            .limit(JSON_LIMIT)
            .error_handler(json_error),
    )
    .app_data(aweb::QueryConfig::default().error_handler(query_error))
    .app_data(aweb::PathConfig::default().error_handler(path_error))
    .service(
        aweb::scope("/api/v1")
            .service(auth::login)
            .service(auth::me)
            .service(municipalities::list)
            .service(web::site)
            .service(stats::public)
            .service(categories::list)
            .service(reports::list::list)
            .service(reports::nearby::nearby)
            .service(reports::clusters::clusters)
            .service(reports::create::create)
            .service(reports::read::read)
            .service(reports::citizen::reopen)
            .service(reports::citizen::confirm)
            .service(reports::citizen::receipt)
            .service(reports::citizen::rating)
            .service(reports::citizen::information)
            .service(feedback::create)
            .service(reports::workflow::transition)
            .service(reports::workflow::note)
            .service(moderation::moderate)
            .service(reports::workflow::reassign)
            .service(reports::workflow::duplicate)
            .service(offices::list)
            .service(staff::queue)
            .service(staff::triage)
            .service(staff::escalations)
            .service(callbacks::list)
            .service(callbacks::attempt)
            .service(admin::dead_notifications)
            .service(admin::retry_notification)
            .service(calendar::get_calendar)
            .service(calendar::put_calendar)
            .service(calendar::add_holiday)
            .service(calendar::remove_holiday)
            .service(staff::detail)
            .service(moderation::queue)
            .service(stats::offices)
            .service(admin::list_users)
            .service(admin::create_user)
            .service(admin::update_user)
            .service(admin::reset_password)
            .service(admin_offices::list)
            .service(admin_offices::create)
            .service(admin_offices::update)
            .service(admin_offices::rotate_secret)
            .service(admin_offices::deactivate)
            .service(admin_routing::list_categories)
            .service(admin_routing::create_category)
            .service(admin_routing::update_category)
            .service(admin_routing::list_zones)
            .service(admin_routing::create_zone)
            .service(admin_routing::delete_zone)
            .service(admin_routing::preview)
            .service(platform::list)
            .service(platform::search)
            .service(platform::add)
            .service(audit::list)
            .service(audit::list_keys)
            .service(audit::issue_key)
            .service(audit::revoke_key)
            .service(attachments::upload)
            .service(attachments::download),
    )
    .service(health::healthz)
    .service(health::readyz)
    .service(health::metrics)
    .configure(open311::configure)
    .configure(openapi::configure)
    .configure(web::configure)
    .default_service(aweb::to(not_found));
}

/// Builds the server on an already-bound listener (port 0 in tests).
pub fn server(state: AppState, listener: TcpListener, workers: usize) -> std::io::Result<Server> {
    let data = aweb::Data::new(state);
    let mut server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .wrap_fn(|req, srv| {
                let started = std::time::Instant::now();
                // By route template, never the raw path: no codes or ids as labels.
                let route = req.match_pattern().unwrap_or_else(|| "unmatched".into());
                let method = req.method().clone();
                let id = req.extensions().get::<health::RequestId>().cloned();
                let fut = srv.call(req);
                async move {
                    let mut res = match &id {
                        Some(id) => id.clone().scope(fut).await,
                        None => fut.await,
                    };
                    let status = match &res {
                        Ok(r) => r.status().as_u16(),
                        Err(e) => e.as_response_error().status_code().as_u16(),
                    };
                    crate::metrics::METRICS.http(
                        &route,
                        method.as_str(),
                        status,
                        started.elapsed(),
                    );
                    if let (Ok(r), Some(id)) = (&mut res, id) {
                        if let Ok(v) = actix_web::http::header::HeaderValue::from_str(&id.0) {
                            r.headers_mut().insert(
                                actix_web::http::header::HeaderName::from_static("x-request-id"),
                                v,
                            );
                        }
                    }
                    res
                }
            })
            .wrap(TracingLogger::<health::PathOnlySpan>::new())
            // Some 311 clients double the slash after the endpoint (…/v2//requests.xml).
            .wrap(actix_web::middleware::NormalizePath::new(
                actix_web::middleware::TrailingSlash::MergeOnly,
            ))
            .configure(configure)
    });
    if workers > 0 {
        server = server.workers(workers);
    }
    Ok(server.listen(listener)?.run())
}
