//! Open311 GeoReport v2 at `/open311/v2`, in JSON and XML (format by suffix).
//!
//! Status mapping (internal → Open311):
//!
//! | internal                                          | Open311  |
//! |---------------------------------------------------|----------|
//! | `new`, `taken_in`, `in_progress`, `not_competent` | `open`   |
//! | `resolved`, `closed`, `rejected`                  | `closed` |
//!
//! `service_request_id` is the public code; `status_notes` the latest public
//! message; `agency_responsible` the office's name; `expected_datetime` the
//! category's resolution target; datetimes carry the Italian offset. No
//! personal data ever leaves here. Errors are arrays of `{code, description}`
//! (`errors/error` in XML) in the format the URL asked for.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Duration, FixedOffset, Utc};
use futures_util::StreamExt;
use serde_json::{json, Value};

use super::AppState;
use crate::app::reports::{filing, Filed, Filing};
use crate::domain::attributes;
use crate::domain::ids::CategoryId;
use crate::domain::publication::{public_address, public_text};
use crate::domain::report::{
    validate_new_report, Actor, ActorKind, Filer, ReportDraft, Status, ValidReport,
};
use crate::error::{AppError, ErrorCode};
use crate::store::{api_keys, attachments, catalog, events, municipalities, reports, utc, DbConn};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Format {
    Json,
    Xml,
}

impl Format {
    fn parse(s: &str) -> Option<Self> {
        match s {
            "json" => Some(Format::Json),
            "xml" => Some(Format::Xml),
            _ => None,
        }
    }
}

/// An Open311 error: HTTP status, and `{code, description}` in the body.
#[derive(Debug)]
pub struct O311Error {
    status: StatusCode,
    description: String,
}

fn err(status: u16, description: impl Into<String>) -> O311Error {
    O311Error {
        status: StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
        description: description.into(),
    }
}

impl From<AppError> for O311Error {
    fn from(e: AppError) -> Self {
        use actix_web::ResponseError;
        let status = e.status_code();
        let description = match &e {
            AppError::Validation(fields) => fields
                .iter()
                .map(|f| format!("{}: {}", f.field, f.message))
                .collect::<Vec<_>>()
                .join("; "),
            AppError::Internal(cause) => {
                tracing::error!(error.cause = %cause, "open311 request failed");
                "internal error".into()
            }
            // The cause stays in the log.
            AppError::Unavailable(_) | AppError::StorageFull(_) => e.public_message(),
            other => other.to_string(),
        };
        // Open311 clients know 400, 403, 404 (and 5xx): map the rest onto them.
        let status = match status.as_u16() {
            401 | 403 => StatusCode::FORBIDDEN,
            404 => StatusCode::NOT_FOUND,
            s if s >= 500 => status,
            _ => StatusCode::BAD_REQUEST,
        };
        O311Error {
            status,
            description,
        }
    }
}

impl From<actix_web::error::BlockingError> for O311Error {
    fn from(e: actix_web::error::BlockingError) -> Self {
        AppError::from(e).into()
    }
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

/// Writes a JSON value as plain XML: objects become child elements, arrays
/// repeat `item` (the element name of their members), null becomes empty.
fn to_xml(out: &mut String, name: &str, value: &Value, item: &dyn Fn(&str) -> &'static str) {
    match value {
        Value::Null => {
            let _ = write!(out, "<{name}/>");
        }
        Value::Object(map) => {
            let _ = write!(out, "<{name}>");
            for (k, v) in map {
                to_xml(out, k, v, item);
            }
            let _ = write!(out, "</{name}>");
        }
        Value::Array(items) => {
            let _ = write!(out, "<{name}>");
            for v in items {
                to_xml(out, item(name), v, item);
            }
            let _ = write!(out, "</{name}>");
        }
        Value::String(s) => {
            let _ = write!(out, "<{name}>{}</{name}>", xml_escape(s));
        }
        other => {
            let _ = write!(out, "<{name}>{other}</{name}>");
        }
    }
}

/// The element name of the members of each list.
fn member(list: &str) -> &'static str {
    match list {
        "services" => "service",
        "service_requests" => "request",
        "errors" => "error",
        "attributes" => "attribute",
        "values" => "value",
        "endpoints" => "endpoint",
        "formats" => "format",
        _ => "item",
    }
}

fn respond(format: Format, status: StatusCode, root: &str, body: &Value) -> HttpResponse {
    match format {
        Format::Json => HttpResponse::build(status)
            .content_type("application/json; charset=utf-8")
            .json(body),
        Format::Xml => {
            let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>");
            to_xml(&mut out, root, body, &member);
            HttpResponse::build(status)
                .content_type("text/xml; charset=utf-8")
                .body(out)
        }
    }
}

fn error_response(format: Format, e: O311Error) -> HttpResponse {
    let body = json!([{"code": e.status.as_u16(), "description": e.description}]);
    respond(format, e.status, "errors", &body)
}

type Params = HashMap<String, Vec<String>>;

fn first<'a>(p: &'a Params, key: &str) -> Option<&'a str> {
    p.get(key)
        .and_then(|v| v.first())
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
}

fn query_params(req: &HttpRequest) -> Params {
    let mut p: Params = HashMap::new();
    for (k, v) in
        serde_urlencoded::from_str::<Vec<(String, String)>>(req.query_string()).unwrap_or_default()
    {
        p.entry(k).or_default().push(v);
    }
    p
}

/// The comune a call is about: `jurisdiction_id` (an ISTAT code; empty means
/// absent), required when several are served.
async fn jurisdiction(
    state: &AppState,
    p: &Params,
) -> Result<municipalities::MunicipalitySummary, O311Error> {
    use municipalities::Chosen;
    let wanted = first(p, "jurisdiction_id").map(str::to_string);
    match state
        .read(move |c| Ok(municipalities::choose(c, wanted.as_deref())?))
        .await?
    {
        Chosen::One(m) => Ok(m),
        Chosen::NotServed(id) => Err(err(404, format!("jurisdiction_id {id} is not served here"))),
        Chosen::NoneServed => Err(err(404, "no jurisdiction is served here yet")),
        Chosen::Ambiguous => Err(err(
            400,
            "jurisdiction_id is required: this server serves several municipalities (ISTAT codes)",
        )),
    }
}

fn base_url(state: &AppState) -> String {
    state
        .config
        .public_base_url
        .trim_end_matches('/')
        .to_string()
}

fn rome(t: DateTime<Utc>) -> String {
    t.with_timezone(&chrono_tz::Europe::Rome)
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

fn open311_status(status: Status) -> &'static str {
    if status.is_open() {
        "open"
    } else {
        "closed"
    }
}

/// Builds the public Open311 view of reports.
fn requests_json(
    conn: &mut DbConn,
    rows: Vec<reports::ReportRow>,
    base: &str,
) -> crate::error::AppResult<Value> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let categories = crate::app::reports::categories_of(conn, rows.iter().map(|r| &r.category_id))?;
    let offices = crate::app::reports::offices_of(conn, &rows)?;
    let notes = events::latest_public_messages(conn, &ids)?;
    let photos = attachments::first_images(conn, &ids)?;
    let items = rows
        .iter()
        .map(|r| {
            // A report the public does not see is only its id and status.
            if !r.is_public() {
                return json!({
                    "service_request_id": r.code,
                    "status": open311_status(r.status),
                });
            }
            let category = categories.get(&r.category_id);
            json!({
                "service_request_id": r.code,
                "status": open311_status(r.status),
                "status_notes": notes.get(&r.id),
                "service_name": category.map(|c| c.name_it.clone()),
                "service_code": category.map(|c| c.code.clone()).unwrap_or_default(),
                "description": public_text(&r.description, r.public_description.as_deref()),
                "agency_responsible": r.office_id.as_ref().and_then(|o| offices.get(o)).map(|o| &o.name),
                "service_notice": Value::Null,
                "requested_datetime": rome(utc(r.created_at)),
                "updated_datetime": rome(utc(r.updated_at)),
                "expected_datetime": r.expected_resolution_at.map(|t| rome(utc(t))),
                "address": public_address(r.address.as_deref()),
                "address_id": Value::Null,
                "zipcode": Value::Null,
                "lat": r.lat,
                "long": r.lon,
                "media_url": photos.get(&r.id).map(|a| format!("{base}/api/v1/attachments/{}", a.id)).or_else(|| r.media_url.clone()),
            })
        })
        .collect();
    Ok(Value::Array(items))
}

async fn discovery(state: web::Data<AppState>, format: Format) -> Result<HttpResponse, O311Error> {
    let base = base_url(&state);
    let body = json!({
        "changeset": "2026-11-27T00:00:00+01:00",
        "contact": format!("{base}/ — Ufficio Relazioni con il Pubblico"),
        "key_service": format!("API keys are issued by the municipality's administrators ({base})"),
        "endpoints": [{
            "specification": "http://wiki.open311.org/GeoReport_v2",
            "url": format!("{base}/open311/v2"),
            "changeset": "2026-11-27T00:00:00+01:00",
            "type": "production",
            "formats": ["application/json", "text/xml"],
        }],
    });
    Ok(respond(format, StatusCode::OK, "discovery", &body))
}

async fn services(
    state: web::Data<AppState>,
    p: Params,
    format: Format,
) -> Result<HttpResponse, O311Error> {
    let m = jurisdiction(&state, &p).await?;
    let body = state
        .read_public(move |c| {
            let cats = catalog::public_categories(c, &m.id)?;
            let ids: Vec<CategoryId> = cats.iter().map(|c| c.id.clone()).collect();
            let with_attributes: std::collections::HashSet<CategoryId> =
                catalog::attributes_of(c, &ids)?.into_iter().map(|a| a.category_id).collect();
            let names: HashMap<CategoryId, String> = cats.iter().map(|c| (c.id.clone(), c.name_it.clone())).collect();
            let parents: std::collections::HashSet<CategoryId> = cats.iter().filter_map(|c| c.parent_id.clone()).collect();
            Ok(Value::Array(
                cats.iter()
                    .filter(|c| !parents.contains(&c.id))
                    .map(|c| {
                        json!({
                            "service_code": c.code,
                            "service_name": c.name_it,
                            "description": c.description_it.clone().unwrap_or_else(|| format!("{} / {}", c.name_it, c.name_en)),
                            "metadata": with_attributes.contains(&c.id),
                            "type": "realtime",
                            "keywords": c.code.replace('-', ", "),
                            "group": c.parent_id.as_ref().and_then(|p| names.get(p)).cloned().unwrap_or_else(|| c.name_it.clone()),
                        })
                    })
                    .collect(),
            ))
        })
        .await?;
    Ok(respond(format, StatusCode::OK, "services", &body))
}

async fn service_definition(
    state: web::Data<AppState>,
    p: Params,
    code: String,
    format: Format,
) -> Result<HttpResponse, O311Error> {
    let m = jurisdiction(&state, &p).await?;
    let body = state
        .read_public(move |c| {
            let cat = catalog::category_by_code(c, &m.id, &code)?
                .filter(|c| c.active && c.public)
                .ok_or_else(|| AppError::not_found(ErrorCode::ServiceNotFound, format!("no service {code}")))?;
            let attrs = catalog::attributes_of(c, std::slice::from_ref(&cat.id))?;
            Ok(json!({
                "service_code": cat.code,
                "attributes": attrs.iter().map(|a| {
                    let def = a.def();
                    let mut v = json!({
                        "variable": true,
                        "code": a.code,
                        "datatype": a.datatype,
                        "required": a.required,
                        "datatype_description": a.datatype_description,
                        "order": a.sort_order + 1,
                        "description": a.description,
                    });
                    if !def.values.is_empty() {
                        v["values"] = Value::Array(def.values.iter().map(|(k, n)| json!({"key": k, "name": n})).collect());
                    }
                    v
                }).collect::<Vec<_>>(),
            }))
        })
        .await?;
    Ok(respond(format, StatusCode::OK, "service_definition", &body))
}

/// `2026-01-01T00:00:00Z`, `…+01:00`, and the `+` that arrives as a space.
pub(crate) fn parse_date(name: &str, s: &str) -> Result<DateTime<Utc>, O311Error> {
    let parsed = parse_any_date(name, s)?;
    // Far-off years would overflow date arithmetic: keep to a sane range.
    if !(1970..=9999).contains(&chrono::Datelike::year(&parsed)) {
        return Err(err(400, format!("{name} must be between 1970 and 9999")));
    }
    Ok(parsed)
}

fn parse_any_date(name: &str, s: &str) -> Result<DateTime<Utc>, O311Error> {
    let fixed = s.trim().replace(' ', "+");
    DateTime::<FixedOffset>::parse_from_rfc3339(&fixed)
        .map(|t| t.with_timezone(&Utc))
        .or_else(|_| {
            chrono::NaiveDate::parse_from_str(&fixed, "%Y-%m-%d")
                .map(|d| d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc())
        })
        .map_err(|_| {
            err(
                400,
                format!("{name} must be a W3C date-time such as 2026-01-01T00:00:00Z"),
            )
        })
}

async fn list_requests(
    state: web::Data<AppState>,
    p: Params,
    format: Format,
) -> Result<HttpResponse, O311Error> {
    let m = jurisdiction(&state, &p).await?;
    let base = base_url(&state);
    let ids = comma_list(&p, "service_request_id");
    let codes = comma_list(&p, "service_code");
    let statuses = comma_list(&p, "status")
        .map(internal_statuses)
        .transpose()?;
    let (start, end) = requested_period(&p, Utc::now(), ids.is_some())?;
    let body = state
        .read_public(move |c| {
            let rows = match &ids {
                Some(ids) => reports::by_codes(c, &m.id, ids)?,
                None => {
                    let category_ids = match &codes {
                        None => None,
                        Some(codes) => Some(
                            catalog::public_categories(c, &m.id)?
                                .into_iter()
                                .filter(|c| codes.contains(&c.code))
                                .map(|c| c.id)
                                .collect(),
                        ),
                    };
                    reports::requested_between(
                        c,
                        &m.id,
                        crate::store::naive(start),
                        crate::store::naive(end),
                        category_ids,
                        statuses.clone(),
                        1000,
                    )?
                }
            };
            requests_json(c, rows, &base)
        })
        .await?;
    Ok(respond(format, StatusCode::OK, "service_requests", &body))
}

/// The values of parameter `k` as a comma-separated list (blanks dropped).
fn comma_list(p: &Params, k: &str) -> Option<Vec<String>> {
    first(p, k).map(|v| {
        v.split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
    })
}

/// The internal statuses that Open311's `open` and `closed` stand for.
fn internal_statuses(list: Vec<String>) -> Result<Vec<String>, O311Error> {
    let mut out = Vec::new();
    for s in list {
        let internal: &[&str] = match s.as_str() {
            "open" => &["new", "taken_in", "in_progress", "not_competent"],
            "closed" => &["resolved", "closed", "rejected"],
            other => return Err(err(400, format!("status `{other}`: use open or closed"))),
        };
        out.extend(internal.iter().map(|s| s.to_string()));
    }
    Ok(out)
}

/// `start_date` and `end_date`, the one missing 90 days from the other
/// (both: the last 90 days); at most 90 days apart unless the requests are
/// asked for by id.
fn requested_period(
    p: &Params,
    now: DateTime<Utc>,
    by_id: bool,
) -> Result<(DateTime<Utc>, DateTime<Utc>), O311Error> {
    let end = first(p, "end_date")
        .map(|s| parse_date("end_date", s))
        .transpose()?;
    let start = first(p, "start_date")
        .map(|s| parse_date("start_date", s))
        .transpose()?;
    let (start, end) = match (start, end) {
        (Some(s), Some(e)) => (s, e),
        (Some(s), None) => (s, (s + Duration::days(90)).min(now.max(s))),
        (None, Some(e)) => (e - Duration::days(90), e),
        (None, None) => (now - Duration::days(90), now),
    };
    if end < start {
        return Err(err(400, "end_date is before start_date"));
    }
    if !by_id && end - start > Duration::days(90) {
        return Err(err(400, "start_date and end_date may span at most 90 days"));
    }
    Ok((start, end))
}

/// The request with this id in the call's jurisdiction, or a 404.
async fn existing(
    state: &AppState,
    p: &Params,
    id: &str,
) -> Result<Vec<reports::ReportRow>, O311Error> {
    let m = jurisdiction(state, p).await?;
    let code = id.to_string();
    let lookup = move |c: &mut crate::store::DbConn| {
        Ok(reports::by_codes(c, &m.id, std::slice::from_ref(&code))?)
    };
    let mut rows = state.read_public(lookup.clone()).await?;
    if rows.is_empty() {
        // Posted a moment ago, and not on the replica yet.
        rows = state.read(lookup).await?;
    }
    if rows.is_empty() {
        return Err(err(404, format!("no service request {id}")));
    }
    Ok(rows)
}

async fn one_request(
    state: web::Data<AppState>,
    p: Params,
    id: String,
    format: Format,
) -> Result<HttpResponse, O311Error> {
    let rows = existing(&state, &p, &id).await?;
    let base = base_url(&state);
    let body = state.read(move |c| requests_json(c, rows, &base)).await?;
    Ok(respond(format, StatusCode::OK, "service_requests", &body))
}

async fn token(
    state: web::Data<AppState>,
    p: Params,
    token: String,
    format: Format,
) -> Result<HttpResponse, O311Error> {
    // Requests are created synchronously: the token is the request's id.
    existing(&state, &p, &token).await?;
    Ok(respond(
        format,
        StatusCode::OK,
        "service_requests",
        &json!([{"service_request_id": token, "token": token}]),
    ))
}

/// The most a POST body may hold, and the most parts a multipart one may have.
const BODY_LIMIT: usize = 64 * 1024;
const MAX_PARTS: usize = 64;

/// Checks an API key (a read): the key's row, or 403.
async fn verified_key(
    state: &web::Data<AppState>,
    key: &str,
) -> Result<crate::store::api_keys::ApiKeyRow, O311Error> {
    let key = key.to_string();
    state
        .read(move |c| Ok(api_keys::find_active(c, &key)?))
        .await?
        .ok_or_else(|| err(403, "invalid api_key"))
}

/// Reads a POST body: form-encoded, or multipart (text parts only), and
/// checks the API key. In a multipart body the key comes first (in the query
/// string, or as the first part), and is checked before any other part is
/// kept; parts are at most 64, the body at most 64 KiB.
async fn form_params(
    state: &web::Data<AppState>,
    req: &HttpRequest,
    mut payload: web::Payload,
) -> Result<(Params, crate::store::api_keys::ApiKeyRow), O311Error> {
    let mut p = query_params(req);
    let content_type = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if content_type.starts_with("multipart/form-data") {
        let mut api = match first(&p, "api_key") {
            Some(k) => Some(verified_key(state, k).await?),
            None => None,
        };
        // Framing counts too: a part header that never ends is cut off.
        let mut multipart = actix_multipart::Multipart::new(
            req.headers(),
            super::params::limited(payload, BODY_LIMIT + 16 * 1024),
        );
        let (mut total, mut parts) = (0usize, 0usize);
        while let Some(field) = multipart.next().await {
            let mut field =
                field.map_err(|e| err(400, format!("malformed multipart body: {e}")))?;
            parts += 1;
            if parts > MAX_PARTS {
                return Err(err(400, format!("a request has at most {MAX_PARTS} parts")));
            }
            let name = field.name().unwrap_or_default().to_string();
            if api.is_none() && name != "api_key" {
                return Err(err(
                    403,
                    "api_key is required, in the query string or as the first part of a multipart body",
                ));
            }
            let mut bytes = Vec::new();
            while let Some(chunk) = field.next().await {
                let chunk =
                    chunk.map_err(|e| err(400, format!("malformed multipart body: {e}")))?;
                total += chunk.len();
                if total > BODY_LIMIT {
                    return Err(err(400, "the request body is too large"));
                }
                bytes.extend_from_slice(&chunk);
            }
            // Parts may carry no charset: take them as UTF-8.
            let value = String::from_utf8_lossy(&bytes).into_owned();
            if api.is_none() {
                api = Some(verified_key(state, &value).await?);
            }
            p.entry(name).or_default().push(value);
        }
        let api = api.ok_or_else(|| err(403, "api_key is required to create a service request"))?;
        return Ok((p, api));
    }
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| err(400, format!("cannot read the body: {e}")))?;
        if body.len() + chunk.len() > BODY_LIMIT {
            return Err(err(400, "the request body is too large"));
        }
        body.extend_from_slice(&chunk);
    }
    for (k, v) in serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body)
        .map_err(|e| err(400, format!("malformed form body: {e}")))?
    {
        p.entry(k).or_default().push(v);
    }
    let key = first(&p, "api_key")
        .ok_or_else(|| err(403, "api_key is required to create a service request"))?
        .to_string();
    let api = verified_key(state, &key).await?;
    Ok((p, api))
}

/// The report an Open311 POST describes (`service_code`, `lat`/`long`,
/// `description`, the citizen's name and contacts), its media link and its
/// answers to the service's questions (`attribute[code]`), in the order the
/// fields are checked.
#[allow(clippy::type_complexity)]
fn draft_from(
    p: &Params,
) -> Result<(ReportDraft, Option<String>, BTreeMap<String, Vec<String>>), O311Error> {
    let code = first(p, "service_code")
        .ok_or_else(|| err(400, "service_code is required"))?
        .to_string();
    let (lat, lon) = location(p)?;
    let description = first(p, "description").map(str::to_string);
    if description
        .as_ref()
        .is_some_and(|d| d.chars().count() > 4000)
    {
        return Err(err(400, "description is longer than 4000 characters"));
    }
    let name = [first(p, "first_name"), first(p, "last_name")]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let media_url = media_url(p)?;
    let draft = ReportDraft {
        category: code.clone(),
        title: None,
        description: description.or_else(|| Some(format!("Segnalazione Open311 ({code})"))),
        lat,
        lon,
        address: first(p, "address_string").map(str::to_string),
        reporter_name: (!name.is_empty()).then_some(name),
        reporter_email: first(p, "email").map(str::to_string),
        reporter_phone: first(p, "phone").map(str::to_string),
        contact: None,
        language: Some("it".into()),
        channel: None,
        received_at: None,
    };
    Ok((draft, media_url, attribute_answers(p)))
}

/// `lat` and `long`: required, as no geocoder places an address here.
fn location(p: &Params) -> Result<(f64, f64), O311Error> {
    match (first(p, "lat"), first(p, "long")) {
        (Some(lat), Some(lon)) => Ok((
            lat.parse::<f64>().map_err(|_| err(400, "lat must be a number"))?,
            lon.parse::<f64>().map_err(|_| err(400, "long must be a number"))?,
        )),
        (None, None) if first(p, "address_string").is_some() || first(p, "address_id").is_some() => {
            Err(err(400, "no geocoder is configured here: send lat and long (address_string alone cannot be placed)"))
        }
        _ => Err(err(400, "a location is required: lat and long")),
    }
}

/// `media_url`, if sent: an http(s) URL of printable ASCII (a URL has no
/// spaces or control characters, which the form decoding would have turned
/// into real ones), at most 2,000 bytes.
fn media_url(p: &Params) -> Result<Option<String>, O311Error> {
    match first(p, "media_url") {
        Some(u)
            if (u.starts_with("https://") || u.starts_with("http://"))
                && u.len() <= 2000
                && u.bytes().all(|b| b.is_ascii_graphic()) =>
        {
            Ok(Some(u.to_string()))
        }
        Some(_) => Err(err(400, "media_url must be an http(s) URL")),
        None => Ok(None),
    }
}

/// The answers to the service's questions: `attribute[code]` (or
/// `attribute[code][]` for several values).
fn attribute_answers(p: &Params) -> BTreeMap<String, Vec<String>> {
    let mut answers: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (k, values) in p {
        if let Some(code) = k
            .strip_prefix("attribute[")
            .and_then(|r| r.strip_suffix(']').or_else(|| r.strip_suffix("][]")))
        {
            answers
                .entry(code.trim_end_matches(']').to_string())
                .or_default()
                .extend(values.iter().cloned());
        }
    }
    answers
}

async fn create_request(
    state: web::Data<AppState>,
    (p, api): (Params, crate::store::api_keys::ApiKeyRow),
    format: Format,
) -> Result<HttpResponse, O311Error> {
    let m = jurisdiction(&state, &p).await?;
    if api.municipality_id != m.id {
        return Err(err(403, "this api_key is not valid for this jurisdiction"));
    }
    let (draft, media_url, answers) = draft_from(&p)?;
    let now = Utc::now();
    let valid =
        validate_new_report(&draft, Filer::Integration, now).map_err(AppError::Validation)?;
    let (token, token_hash) = reports::new_tracking_token();
    let st = state.clone();
    let links = state.config.links();
    // Reads first, on a read connection; the write only writes (see
    // `app::reports::filing`).
    let (prepared, checked, valid) = state
        .read(move |c| {
            let checked = place_and_answers(&st, c, &m.id, &valid, &answers)?;
            let prepared = filing::prepare(&st.catalog, c, &m.id, &valid)?;
            Ok((prepared, checked, valid))
        })
        .await?;
    let filing = Filing {
        token_hash,
        token,
        entered_by: None,
        actor: Actor {
            kind: ActorKind::Integration,
            id: Some(api.id.clone()),
        },
        now,
        attributes: (!checked.is_empty()).then_some(Value::Object(checked)),
        media_url,
    };
    let filed = state
        .write_batched(move |c, held| filing::write(c, held, prepared, &valid, filing, &links))
        .await?;
    crate::metrics::METRICS.report_created("open311");
    tracing::info!(report.code = %filed.report.code, api_key = %api.name, "report created through Open311");
    Ok(respond(
        format,
        StatusCode::CREATED,
        "service_requests",
        &created_json(&filed),
    ))
}

/// Checks that the point is in the jurisdiction `municipality_id` and the
/// service offered there, and the answers to the service's questions;
/// returns the answers to store.
fn place_and_answers(
    st: &AppState,
    c: &mut DbConn,
    municipality_id: &str,
    valid: &ValidReport,
    answers: &BTreeMap<String, Vec<String>>,
) -> crate::error::AppResult<serde_json::Map<String, Value>> {
    let place = crate::app::reports::locate(&st.territory, c, valid.lat, valid.lon)?;
    if place.id != municipality_id {
        return Err(AppError::unprocessable(
            ErrorCode::OutsideTerritory,
            format!("the point is in {}, not in this jurisdiction", place.name),
        ));
    }
    let category =
        catalog::category_by_code(c, municipality_id, &valid.category)?.ok_or_else(|| {
            AppError::bad_request(
                ErrorCode::UnknownService,
                format!("service_code {} is not offered here", valid.category),
            )
        })?;
    let defs: Vec<_> = catalog::attributes_of(c, std::slice::from_ref(&category.id))?
        .iter()
        .map(|a| a.def())
        .collect();
    attributes::validate(&defs, answers).map_err(|e| AppError::Validation(vec![e]))
}

/// The answer to a filing: the request's id, and a notice of who takes it
/// in charge, by when.
fn created_json(filed: &Filed) -> Value {
    let due = filed
        .report
        .take_in_due_at
        .map(|d| crate::notify::plan::format_when(utc(d), "it"))
        .unwrap_or_default();
    json!([{
        "service_request_id": filed.report.code,
        "service_notice": format!("Segnalazione ricevuta: {} la prenderà in carico entro {due}.", filed.office.as_ref().map(|o| o.name.as_str()).unwrap_or("il Comune")),
        "account_id": Value::Null,
    }])
}

/// Every Open311 route: dispatches on the path, always answering in the
/// requested format.
pub async fn dispatch(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let path = req.match_info().query("tail").to_string();
    let (stem, format) = match path.rsplit_once('.') {
        Some((stem, ext)) => match Format::parse(ext) {
            Some(f) => (stem.to_string(), f),
            None => {
                return error_response(
                    Format::Json,
                    err(404, format!("unknown format `{ext}`: use .json or .xml")),
                )
            }
        },
        None => return error_response(Format::Json, err(404, "add .json or .xml to the path")),
    };
    let segments: Vec<&str> = stem.split('/').filter(|s| !s.is_empty()).collect();
    use actix_web::http::Method;
    let (get, post) = (req.method() == Method::GET, req.method() == Method::POST);
    let result = match (segments.as_slice(), (get, post)) {
        (["discovery"], (true, _)) => discovery(state, format).await,
        (["services"], (true, _)) => services(state, query_params(&req), format).await,
        (["services", code], (true, _)) => {
            service_definition(state, query_params(&req), code.to_string(), format).await
        }
        (["requests"], (true, _)) => list_requests(state, query_params(&req), format).await,
        (["requests"], (_, true)) => match form_params(&state, &req, payload).await {
            Ok(p) => create_request(state, p, format).await,
            Err(e) => Err(e),
        },
        (["requests", id], (true, _)) => {
            one_request(state, query_params(&req), id.to_string(), format).await
        }
        (["tokens", t], (true, _)) => token(state, query_params(&req), t.to_string(), format).await,
        _ => match super::openapi::allowed_methods(req.path()) {
            Some(allow) => {
                let message = format!("{} is not allowed here: use {allow}", req.method());
                let mut res = error_response(format, err(405, message));
                res.headers_mut().insert(
                    actix_web::http::header::ALLOW,
                    actix_web::http::header::HeaderValue::from_static(allow),
                );
                return res;
            }
            None => Err(err(
                404,
                format!("no such Open311 resource: {}", req.path()),
            )),
        },
    };
    result.unwrap_or_else(|e| error_response(format, e))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    // Every method: `dispatch` answers the undeclared ones 405 in the
    // requested format.
    cfg.route("/open311/v2/{tail:.*}", web::route().to(dispatch));
}

/// OpenAPI entries for the Open311 routes (all served by [`dispatch`]).
pub mod doc {
    #![allow(dead_code)]

    /// Discovery: endpoint, specification, formats, contact.
    #[utoipa::path(get, path = "/open311/v2/discovery.{format}", tag = "open311",
        params(("format" = String, Path, pattern = "^(json|xml)$", description = "json or xml")),
        responses((status = 200, description = "Discovery document")))]
    pub fn discovery() {}

    /// The services (categories) of a jurisdiction.
    #[utoipa::path(get, path = "/open311/v2/services.{format}", tag = "open311",
        params(("format" = String, Path, pattern = "^(json|xml)$", description = "json or xml"), ("jurisdiction_id" = Option<String>, Query, description = "ISTAT code; required when several comuni are served")),
        responses((status = 200, description = "Array of services"), (status = 400, description = "jurisdiction_id missing"), (status = 404, description = "Unknown jurisdiction")))]
    pub fn services() {}

    /// A service definition: its extra questions (attributes).
    #[utoipa::path(get, path = "/open311/v2/services/{service_code}.{format}", tag = "open311",
        params(("service_code" = String, Path), ("format" = String, Path, pattern = "^(json|xml)$", description = "json or xml"), ("jurisdiction_id" = Option<String>, Query)),
        responses((status = 200, description = "Service definition"), (status = 404, description = "Unknown service")))]
    pub fn service_definition() {}

    /// Service requests: by id (comma list), or by service code, dates (at most 90 days) and status.
    #[utoipa::path(get, path = "/open311/v2/requests.{format}", tag = "open311",
        params(("format" = String, Path, pattern = "^(json|xml)$", description = "json or xml"), ("jurisdiction_id" = Option<String>, Query), ("service_request_id" = Option<String>, Query),
            ("service_code" = Option<String>, Query), ("start_date" = Option<String>, Query, pattern = "^([0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2}))?)?$", description = "W3C date-time or date; empty: none"), ("end_date" = Option<String>, Query, pattern = "^([0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2}))?)?$", description = "W3C date-time or date; empty: none"), ("status" = Option<String>, Query, pattern = "^(open|closed)?$", description = "open or closed (empty: both)")),
        responses((status = 200, description = "Array of service requests (at most 1000, newest first)"), (status = 400, description = "Bad dates or a range over 90 days")))]
    pub fn requests() {}

    /// Create a service request (form-encoded or multipart; `api_key` required).
    #[utoipa::path(post, path = "/open311/v2/requests.{format}", tag = "open311",
        params(("format" = String, Path, pattern = "^(json|xml)$", description = "json or xml")),
        request_body(content = String, content_type = "application/x-www-form-urlencoded",
            description = "api_key, jurisdiction_id, service_code, lat, long, description, email, phone, first_name, last_name, media_url, attribute[code]"),
        responses((status = 201, description = "[{service_request_id, service_notice}]"), (status = 400, description = "Missing or invalid fields"), (status = 403, description = "Missing or invalid api_key")))]
    pub fn create() {}

    /// One service request.
    #[utoipa::path(get, path = "/open311/v2/requests/{service_request_id}.{format}", tag = "open311",
        params(("service_request_id" = String, Path), ("format" = String, Path, pattern = "^(json|xml)$", description = "json or xml"), ("jurisdiction_id" = Option<String>, Query)),
        responses((status = 200, description = "A one-element array"), (status = 404, description = "Unknown id")))]
    pub fn request() {}

    /// The service request id for a token (requests are created synchronously: the token is the id).
    #[utoipa::path(get, path = "/open311/v2/tokens/{token}.{format}", tag = "open311",
        params(("token" = String, Path), ("format" = String, Path, pattern = "^(json|xml)$", description = "json or xml"), ("jurisdiction_id" = Option<String>, Query)),
        responses((status = 200, description = "[{service_request_id, token}]"), (status = 404, description = "Unknown token")))]
    pub fn token() {}
}
