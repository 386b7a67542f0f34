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

/// The answers every operation of a kind can give, added where a handler's
/// own list does not already name them (its description is more precise):
/// 401 where a bearer token is required, 400 where a query string is parsed,
/// 404 where the path names a resource, and the body errors where a JSON
/// body is read (see `json_error` and `query_error` in `http`).
struct CommonResponses;

impl utoipa::Modify for CommonResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::path::ParameterIn;
        for (path, item) in openapi.paths.paths.iter_mut() {
            // Open311 answers errors as `[{code, description}]` in the
            // requested format.
            let open311 = path.starts_with("/open311/");
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for operation in operations.into_iter().flatten() {
                let params = operation.parameters.as_deref().unwrap_or_default();
                let has = |place: ParameterIn| params.iter().any(|p| p.parameter_in == place);
                let mut add = Vec::new();
                match token(operation) {
                    Token::Required => {
                        add.push(("401", "No valid bearer token"));
                        if !EVERY_ROLE.contains(&path.as_str()) {
                            add.push(("403", "The caller's role may not do this (`forbidden`)"));
                        }
                    }
                    Token::Optional => {
                        add.push(("401", "A bearer token was sent but is not valid"))
                    }
                    Token::None => {}
                }
                if has(ParameterIn::Query) {
                    add.push((
                        "400",
                        "A query parameter is malformed (`invalid_query` or a more precise code)",
                    ));
                }
                if has(ParameterIn::Path) {
                    add.push((
                        "404",
                        "No such resource (`not_found` or a more precise code)",
                    ));
                }
                let json_body = operation
                    .request_body
                    .as_ref()
                    .is_some_and(|body| body.content.contains_key("application/json"));
                if json_body {
                    add.push(("400", "The body is not JSON (`malformed_json`)"));
                    add.push(("413", "The body is too large (`payload_too_large`)"));
                    add.push((
                        "415",
                        "The body is not `application/json` (`unsupported_media_type`)",
                    ));
                    add.push(("422", "The body does not have the expected shape (`invalid_body`) or a field is invalid"));
                }
                for (status, description) in add {
                    operation
                        .responses
                        .responses
                        .entry(status.to_string())
                        .or_insert_with(|| error_response(description, !open311));
                }
            }
        }
    }
}

/// Staff paths every role may use (no 403).
const EVERY_ROLE: &[&str] = &["/api/v1/auth/me", "/api/v1/offices"];

enum Token {
    Required,
    /// Anyone may call it; staff send their token (a wrong one is refused).
    Optional,
    None,
}

fn token(operation: &utoipa::openapi::path::Operation) -> Token {
    let requirements = operation.security.as_deref().unwrap_or_default();
    let named = |r: &utoipa::openapi::security::SecurityRequirement| {
        serde_json::to_value(r).is_ok_and(|v| v.get("bearer").is_some())
    };
    match requirements.iter().filter(|r| named(r)).count() {
        0 => Token::None,
        n if n == requirements.len() => Token::Required,
        _ => Token::Optional,
    }
}

fn error_response(
    description: &str,
    envelope: bool,
) -> utoipa::openapi::RefOr<utoipa::openapi::Response> {
    use utoipa::openapi::{Content, Ref, ResponseBuilder};
    let response = ResponseBuilder::new().description(description);
    let response = if envelope {
        response.content(
            "application/json",
            Content::new(Some(Ref::from_schema_name("ErrorEnvelope"))),
        )
    } else {
        response
    };
    response.build().into()
}

/// The free-text fields of request bodies, `(schema, property)`: each is
/// checked with `validate::optional_text` or `required_text`, so the
/// document gives each the characters those accept (and, when required, that
/// it is not blank).
const FREE_TEXT: &[(&str, &str)] = &[
    ("CreateReportRequest", "title"),
    ("CreateReportRequest", "description"),
    ("CreateReportRequest", "address"),
    ("ReporterInput", "name"),
    ("CitizenAction", "message"),
    ("Information", "message"),
    ("ReopenRequest", "message"),
    ("RatingRequest", "comment"),
    ("FeedbackRequest", "detail"),
    ("NoteRequest", "text"),
    ("TransitionRequest", "public_message"),
    ("TransitionRequest", "internal_note"),
    ("ReassignRequest", "reason"),
    ("ModerationRequest", "public_title"),
    ("ModerationRequest", "public_description"),
    ("ModerationRequest", "reason"),
    ("AttemptRequest", "note"),
    ("HolidayRequest", "name"),
    ("CreateUserRequest", "display_name"),
    ("UpdateUserRequest", "display_name"),
    ("CalendarUpdate", "urp_address"),
    ("MessageTemplate", "label"),
    ("MessageTemplate", "text_it"),
    ("MessageTemplate", "text_en"),
    ("CreateOfficeRequest", "name"),
    ("UpdateOfficeRequest", "name"),
    ("IssueKeyRequest", "name"),
    ("CreateCategoryRequest", "name_it"),
    ("CreateCategoryRequest", "name_en"),
    ("CategoryUpdate", "name_it"),
    ("CategoryUpdate", "name_en"),
    ("QuestionDef", "description"),
    ("QuestionChoice", "key"),
    ("QuestionChoice", "name"),
    ("CreateZoneRequest", "name"),
    ("FirstAdmin", "display_name"),
];

/// The e-mail and phone fields of request bodies, `(schema, property)`: an
/// empty value means none (or, in a change, clears it).
const EMAILS: &[(&str, &str)] = &[
    ("AddComuneRequest", "urp_email"),
    ("ReporterInput", "email"),
    ("CreateOfficeRequest", "email"),
    ("UpdateOfficeRequest", "email"),
];
const PHONES: &[(&str, &str)] = &[
    ("ReporterInput", "phone"),
    ("CreateOfficeRequest", "phone"),
    ("UpdateOfficeRequest", "phone"),
];

/// Optional fields of [`FREE_TEXT`] that may not be blank when given.
const NOT_BLANK_WHEN_GIVEN: &[(&str, &str)] = &[
    ("UpdateUserRequest", "display_name"),
    ("UpdateOfficeRequest", "name"),
    ("CategoryUpdate", "name_it"),
    ("CategoryUpdate", "name_en"),
];

/// States [`FREE_TEXT`]'s character rules, and the shapes of [`EMAILS`]
/// and [`PHONES`], in the document.
struct TextRules;

impl utoipa::Modify for TextRules {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use crate::domain::validate::{
            EMAIL_PATTERN, PHONE_PATTERN, REQUIRED_TEXT_PATTERN, TEXT_PATTERN,
        };
        let Some(components) = openapi.components.as_mut() else {
            return;
        };
        let patterned = FREE_TEXT
            .iter()
            .map(|field| (field, None))
            .chain(EMAILS.iter().map(|field| (field, Some(EMAIL_PATTERN))))
            .chain(PHONES.iter().map(|field| (field, Some(PHONE_PATTERN))));
        let or_empty = |pattern: &str| format!("^$|{pattern}");
        for ((schema, property), fixed) in patterned {
            let Some(utoipa::openapi::RefOr::T(utoipa::openapi::Schema::Object(object))) =
                components.schemas.get_mut(*schema)
            else {
                panic!("the document has no object schema {schema}");
            };
            let required = object.required.iter().any(|r| r == property)
                || NOT_BLANK_WHEN_GIVEN.contains(&(schema, property));
            let Some(utoipa::openapi::RefOr::T(utoipa::openapi::Schema::Object(field))) =
                object.properties.get_mut(*property)
            else {
                panic!("{schema}.{property} is not a plain field");
            };
            let text = if required {
                REQUIRED_TEXT_PATTERN
            } else {
                TEXT_PATTERN
            };
            field.pattern = Some(fixed.map_or(text.to_string(), or_empty));
        }
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
        admin::reset_password,
        super::admin_offices::list,
        super::admin_offices::create,
        super::admin_offices::update,
        super::admin_offices::rotate_secret,
        super::admin_offices::deactivate,
        super::admin_routing::list_categories,
        super::admin_routing::create_category,
        super::admin_routing::update_category,
        super::admin_routing::list_zones,
        super::admin_routing::create_zone,
        super::admin_routing::delete_zone,
        super::admin_routing::preview,
        super::platform::list,
        super::platform::search,
        super::platform::add,
        super::audit::list,
        super::audit::list_keys,
        super::audit::issue_key,
        super::audit::revoke_key,
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
    modifiers(&BearerAuth, &CommonResponses, &TextRules),
    tags(
        (name = "territory", description = "Served municipalities and their categories"),
        (name = "reports", description = "Filing and following reports"),
        (name = "staff", description = "URP, office and supervisor work (Bearer token)"),
        (name = "admin", description = "Running the comune: staff accounts, offices, API keys, the calendar, the audit log (admin)"),
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

/// The methods the document declares for a concrete request path, as an
/// `Allow` value (`"GET, POST"`), or `None` when it names no such path: what
/// a 405 answers to an undeclared method.
pub fn allowed_methods(path: &str) -> Option<&'static str> {
    static TABLE: std::sync::LazyLock<Vec<(regex::Regex, String)>> =
        std::sync::LazyLock::new(|| {
            ApiDoc::openapi()
                .paths
                .paths
                .iter()
                .map(|(template, item)| (template_regex(template), declared(item)))
                .collect()
        });
    TABLE
        .iter()
        .find(|(pattern, _)| pattern.is_match(path))
        .map(|(_, allow)| allow.as_str())
}

/// `/a/{id}.{format}` → `^/a/[^/]+\.[^/]+$`.
fn template_regex(template: &str) -> regex::Regex {
    let mut pattern = String::from("^");
    for (i, piece) in template.split(['{', '}']).enumerate() {
        // Even pieces are literal text, odd ones parameter names.
        if i % 2 == 0 {
            pattern.push_str(&regex::escape(piece));
        } else {
            pattern.push_str("[^/]+");
        }
    }
    pattern.push('$');
    regex::Regex::new(&pattern).expect("a path template makes a valid pattern")
}

fn declared(item: &utoipa::openapi::PathItem) -> String {
    [
        ("GET", &item.get),
        ("POST", &item.post),
        ("PUT", &item.put),
        ("PATCH", &item.patch),
        ("DELETE", &item.delete),
    ]
    .iter()
    .filter(|(_, operation)| operation.is_some())
    .map(|(method, _)| *method)
    .collect::<Vec<_>>()
    .join(", ")
}

#[cfg(test)]
mod tests {
    use super::allowed_methods;

    #[test]
    fn the_allowed_methods_of_a_path_come_from_the_document() {
        assert_eq!(allowed_methods("/api/v1/reports"), Some("GET, POST"));
        assert_eq!(
            allowed_methods("/api/v1/reports/PI-2026-000001"),
            Some("GET")
        );
        assert_eq!(allowed_methods("/api/v1/admin/users/7"), Some("PATCH"));
        assert_eq!(allowed_methods("/open311/v2/requests/12.xml"), Some("GET"));
        assert_eq!(allowed_methods("/open311/v2/discovery.json"), Some("GET"));
        // Parameters never span a slash, and unknown paths are not guessed at.
        assert_eq!(allowed_methods("/api/v1/reports/a/b"), None);
        assert_eq!(allowed_methods("/api/v1/nothing"), None);
        assert_eq!(allowed_methods("/api/v1/reports/"), None);
    }
}
