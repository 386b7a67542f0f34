//! The OpenAPI 3.1 document, generated from the handlers, committed as
//! `api-spec/openapi.json` (a test fails when it drifts), and served with
//! interactive docs at `/api/docs/`.

use actix_web::{web, HttpResponse};
use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

use super::{
    admin, attachments, auth, calendar, callbacks, categories, health, moderation, municipalities,
    offices, open311, reports, staff, stats,
};

/// Staff endpoints take `Authorization: Bearer <JWT>` from `/api/v1/auth/login`.
struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "segnala",
        description = "Citizens' reports for Italian municipalities: intake, territorial routing, the 24-working-hour take-in rule, notifications. Errors always use the envelope `{\"error\": {\"code\", \"message\", \"details\"}}`.",
        license(name = "MIT")
    ),
    paths(
        municipalities::list,
        crate::http::web::site,
        stats::public,
        categories::list,
        reports::create::create,
        reports::read::read,
        reports::list::list,
        reports::nearby::nearby,
        reports::clusters::clusters,
        reports::citizen::confirm,
        reports::citizen::reopen,
        reports::citizen::receipt,
        reports::citizen::rating,
        crate::http::feedback::create,
        reports::citizen::information,
        attachments::upload,
        attachments::download,
        auth::login,
        auth::me,
        offices::list,
        staff::queue,
        staff::triage,
        staff::escalations,
        callbacks::list,
        callbacks::attempt,
        admin::dead_notifications,
        admin::retry_notification,
        calendar::get_calendar,
        calendar::put_calendar,
        calendar::add_holiday,
        calendar::remove_holiday,
        calendar::update_category,
        staff::detail,
        moderation::queue,
        reports::workflow::transition,
        reports::workflow::note,
        moderation::moderate,
        reports::workflow::reassign,
        reports::workflow::duplicate,
        stats::offices,
        admin::list_users,
        admin::create_user,
        admin::update_user,
        open311::doc::discovery,
        open311::doc::services,
        open311::doc::service_definition,
        open311::doc::requests,
        open311::doc::create,
        open311::doc::request,
        open311::doc::token,
        health::healthz,
        health::readyz,
        health::metrics,
    ),
    components(schemas(crate::error::ErrorEnvelope, crate::error::ErrorBody)),
    modifiers(&BearerAuth),
    tags(
        (name = "territory", description = "Served municipalities and their categories"),
        (name = "reports", description = "Filing and following reports"),
        (name = "staff", description = "URP, office and supervisor work (Bearer token)"),
        (name = "admin", description = "Staff accounts (admin)"),
        (name = "open311", description = "Open311 GeoReport v2 (JSON and XML; errors as [{code, description}])"),
        (name = "operations", description = "Health and metrics"),
    )
)]
pub struct ApiDoc;

/// The document as committed in `api-spec/openapi.json`.
pub fn document() -> String {
    let mut json = ApiDoc::openapi()
        .to_pretty_json()
        .expect("the OpenAPI document serialises");
    json.push('\n');
    json
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(SwaggerUi::new("/api/docs/{_:.*}").url("/api/openapi.json", ApiDoc::openapi()))
        .route(
            "/api/docs",
            web::get().to(|| async {
                HttpResponse::PermanentRedirect()
                    .insert_header(("Location", "/api/docs/"))
                    .finish()
            }),
        );
}
