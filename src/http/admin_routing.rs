//! Routing from the console: new categories, the routing zones (a polygon
//! that sends a category's reports, or all, to an office), and "where does
//! this point go?" — `GET /api/v1/admin/routing/preview`, which answers with
//! the comune, category, office and deadline a report filed there now would
//! get. Changes are in the audit log.

use actix_web::{delete, get, patch, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use super::auth::Staff;
use super::dto::{CategoryRef, OfficeRef};
use super::AppState;
use crate::app::admin::catalog::{self as admin_catalog, CategoryInput, ZoneInput};
use crate::domain::attributes::AttributeDef;
use crate::domain::ids::{CategoryId, OfficeId};
use crate::domain::permissions::Action;
use crate::domain::publication::Policy;
use crate::domain::validate;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::store::catalog::{self, ZoneRow};
use crate::store::{municipalities, DbConn};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCategoryRequest {
    /// 1-64 lower-case letters, digits, `-` or `_`; unique in the comune.
    #[schema(pattern = "^[a-z0-9_-]{1,64}$")]
    pub code: String,
    #[schema(min_length = 1, max_length = 120)]
    pub name_it: String,
    #[schema(min_length = 1, max_length = 120)]
    pub name_en: String,
    /// A top-level category to file it under (two levels at most).
    pub parent: Option<String>,
    /// The office its reports go to, unless a zone says otherwise.
    pub office: Option<String>,
    /// Working hours to take a report in charge, 1-720 (default 24).
    #[schema(minimum = 1, maximum = 720)]
    #[serde(default, deserialize_with = "crate::http::dto::whole::option")]
    pub take_in_sla_hours: Option<i32>,
    /// Days to fix it, shown to the citizen, 1-3650 (default 30).
    #[schema(minimum = 1, maximum = 3650)]
    #[serde(default, deserialize_with = "crate::http::dto::whole::option")]
    pub resolution_target_days: Option<i32>,
    /// "Altro / non so": a supervisor checks the category of its reports.
    #[serde(default)]
    pub triage: bool,
    /// Publication of its reports; absent: the comune's policy.
    pub publication: Option<Policy>,
}

#[utoipa::path(
    post,
    path = "/api/v1/admin/categories",
    tag = "admin",
    security(("bearer" = [])),
    request_body = CreateCategoryRequest,
    responses(
        (status = 201, description = "Created; citizens can file in it at once", body = CategoryRef),
        (status = 403, description = "Not an admin", body = crate::error::ErrorEnvelope),
        (status = 409, description = "The code is taken (`category_exists`)", body = crate::error::ErrorEnvelope),
        (status = 422, description = "Invalid fields, an unknown parent or office, a parent that is itself a subcategory", body = crate::error::ErrorEnvelope),
    )
)]
#[post("/admin/categories")]
pub async fn create_category(
    state: web::Data<AppState>,
    staff: Staff,
    body: web::Json<CreateCategoryRequest>,
) -> AppResult<HttpResponse> {
    let who = staff.admin()?;
    let b = body.into_inner();
    let input = CategoryInput {
        code: b.code,
        name_it: b.name_it,
        name_en: b.name_en,
        parent: b.parent,
        office: b.office,
        take_in_sla_hours: b.take_in_sla_hours,
        resolution_target_days: b.resolution_target_days,
        triage: b.triage,
        publication: b.publication,
    };
    let row = state
        .write(move |c| admin_catalog::create_category(c, &who, input))
        .await?;
    Ok(HttpResponse::Created().json(CategoryRef::from(&row)))
}

/// A category as its administrator sees it: everything that can change,
/// and what depends on it.
#[derive(Serialize, ToSchema)]
pub struct AdminCategoryView {
    pub code: String,
    pub name_it: String,
    pub name_en: String,
    /// The group it belongs to, for a subcategory.
    pub parent: Option<String>,
    /// The office its reports go to unless a zone says otherwise.
    pub office: Option<String>,
    pub take_in_sla_hours: i32,
    pub resolution_target_days: i32,
    /// Null: the comune's mode.
    pub deadline_mode: Option<String>,
    pub triage: bool,
    pub active: bool,
    /// Null: the comune's policy.
    pub publication: Option<Policy>,
    pub message_templates: Vec<crate::domain::templates::MessageTemplate>,
    pub questions: Vec<QuestionDef>,
    /// Open reports filed in it now (a change of office or SLA reaches only
    /// reports routed from now on; the console says so before saving).
    pub open_reports: i64,
}

/// One extra question citizens and integrations answer when filing in the
/// category (an Open311 attribute).
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuestionDef {
    /// 1-64 lower-case letters, digits or `_`; unique in the category.
    #[schema(pattern = "^[a-z0-9_]{1,64}$")]
    pub code: String,
    #[schema(pattern = "^(string|number|datetime|text|singlevaluelist|multivaluelist)$")]
    pub datatype: String,
    #[serde(default)]
    pub required: bool,
    /// The question, as shown.
    #[schema(min_length = 1, max_length = 200)]
    pub description: String,
    /// The choices, for the list types (at least one; none for the others).
    #[serde(default)]
    pub values: Vec<QuestionChoice>,
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuestionChoice {
    #[schema(min_length = 1, max_length = 64)]
    pub key: String,
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
}

impl From<AttributeDef> for QuestionDef {
    fn from(d: AttributeDef) -> Self {
        Self {
            code: d.code,
            datatype: d.datatype,
            required: d.required,
            description: d.description,
            values: d
                .values
                .into_iter()
                .map(|(key, name)| QuestionChoice { key, name })
                .collect(),
        }
    }
}

impl From<QuestionDef> for AttributeDef {
    fn from(q: QuestionDef) -> Self {
        Self {
            code: q.code,
            datatype: q.datatype,
            required: q.required,
            description: q.description,
            values: q.values.into_iter().map(|c| (c.key, c.name)).collect(),
        }
    }
}

#[utoipa::path(
    get,
    path = "/api/v1/admin/categories",
    tag = "admin",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The comune's categories, active and not, groups before their subcategories", body = [AdminCategoryView]),
        (status = 403, description = "Neither an admin nor a supervisor", body = crate::error::ErrorEnvelope),
    )
)]
#[get("/admin/categories")]
pub async fn list_categories(state: web::Data<AppState>, staff: Staff) -> AppResult<HttpResponse> {
    staff.require_any_here(&[Action::Administer, Action::Supervise])?;
    let m = staff.actor.municipality_id.clone();
    let views = state
        .read(move |c| {
            let rows = catalog::all_categories(c, &m)?;
            let offices = catalog::list_offices(c, &m)?;
            let open = catalog::open_reports_by_category(c, &m)?;
            let ids: Vec<CategoryId> = rows.iter().map(|r| r.id.clone()).collect();
            let questions = catalog::attributes_of(c, &ids)?;
            let code_of = |id: &Option<CategoryId>| {
                id.as_ref()
                    .and_then(|id| rows.iter().find(|r| &r.id == id))
                    .map(|r| r.code.clone())
            };
            let office_of = |id: &Option<OfficeId>| {
                id.as_ref()
                    .and_then(|id| offices.iter().find(|o| &o.id == id))
                    .map(|o| o.code.clone())
            };
            let mut views: Vec<AdminCategoryView> = rows
                .iter()
                .map(|r| AdminCategoryView {
                    code: r.code.clone(),
                    name_it: r.name_it.clone(),
                    name_en: r.name_en.clone(),
                    parent: code_of(&r.parent_id),
                    office: office_of(&r.default_office_id),
                    take_in_sla_hours: r.take_in_sla_hours,
                    resolution_target_days: r.resolution_target_days,
                    deadline_mode: r.deadline_mode.clone(),
                    triage: r.triage,
                    active: r.active,
                    publication: r.publication_policy.as_deref().map(Policy::stored),
                    message_templates: r.templates(),
                    questions: questions
                        .iter()
                        .filter(|q| q.category_id == r.id)
                        .map(|q| q.def().into())
                        .collect(),
                    open_reports: open
                        .iter()
                        .find(|(id, _)| id == &r.id)
                        .map_or(0, |(_, n)| *n),
                })
                .collect();
            // Groups first, each followed by its subcategories.
            let rank = |v: &AdminCategoryView| {
                let group = v.parent.as_deref().unwrap_or(&v.code);
                let position = rows.iter().position(|r| r.code == group).unwrap_or(0);
                (position, v.parent.is_some())
            };
            views.sort_by_key(|v| rank(v));
            Ok(views)
        })
        .await?;
    Ok(HttpResponse::Ok().json(views))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CategoryUpdate {
    #[schema(min_length = 1, max_length = 120)]
    pub name_it: Option<String>,
    #[schema(min_length = 1, max_length = 120)]
    pub name_en: Option<String>,
    /// "Altro / non so": a supervisor checks the category of its reports.
    pub triage: Option<bool>,
    #[serde(default, deserialize_with = "crate::http::dto::whole::option")]
    #[schema(minimum = 1, maximum = 720)]
    pub take_in_sla_hours: Option<i32>,
    #[serde(default, deserialize_with = "crate::http::dto::whole::option")]
    #[schema(minimum = 1, maximum = 3650)]
    pub resolution_target_days: Option<i32>,
    /// `working_days`, `business_hours`, `calendar`, or null for the municipality's default.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub deadline_mode: Option<Option<String>>,
    /// False: citizens can no longer pick it (its reports stay as they are).
    pub active: Option<bool>,
    /// Default office code.
    pub office: Option<String>,
    /// Replaces the category's public-message templates.
    pub message_templates: Option<Vec<crate::domain::templates::MessageTemplate>>,
    /// `immediate`, `after_review`, `never`, or null for the comune's policy.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Policy>)]
    pub publication: Option<Option<String>>,
    /// Replaces the extra questions (answers already given stay with their reports).
    pub questions: Option<Vec<QuestionDef>>,
}

/// Absent → `None`; `null` → `Some(None)`; a value → `Some(Some(v))`.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

#[utoipa::path(
    patch,
    path = "/api/v1/admin/categories/{code}",
    tag = "admin",
    security(("bearer" = [])),
    params(("code" = String, Path, description = "Category code")),
    request_body = CategoryUpdate,
    responses((status = 200, description = "Updated"), (status = 404, description = "No such category", body = crate::error::ErrorEnvelope), (status = 422, description = "Invalid values", body = crate::error::ErrorEnvelope))
)]
#[patch("/admin/categories/{code}")]
pub async fn update_category(
    state: web::Data<AppState>,
    staff: Staff,
    code: web::Path<String>,
    body: web::Json<CategoryUpdate>,
) -> AppResult<HttpResponse> {
    let who = staff.admin()?;
    let b = body.into_inner();
    let update = admin_catalog::CategoryUpdate {
        name_it: b.name_it,
        name_en: b.name_en,
        triage: b.triage,
        take_in_sla_hours: b.take_in_sla_hours,
        resolution_target_days: b.resolution_target_days,
        deadline_mode: b.deadline_mode,
        active: b.active,
        office: b.office,
        message_templates: b.message_templates,
        publication: b.publication,
        questions: b
            .questions
            .map(|q| q.into_iter().map(AttributeDef::from).collect()),
    };
    let code = code.into_inner();
    state
        .write(move |c| admin_catalog::update_category(c, &who, &code, update))
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({"updated": true})))
}

#[derive(Serialize, ToSchema)]
pub struct ZoneView {
    pub id: String,
    pub name: String,
    /// The category it routes (its subcategories too); absent: every category.
    pub category: Option<String>,
    pub office: String,
    /// Among zones equally specific for a category, the higher wins.
    pub priority: i32,
    /// GeoJSON Polygon or MultiPolygon (WGS84).
    #[schema(value_type = Object)]
    pub geometry: Value,
}

fn zone_views(
    conn: &mut DbConn,
    municipality: &str,
    rows: Vec<ZoneRow>,
) -> AppResult<Vec<ZoneView>> {
    let offices = catalog::list_offices(conn, municipality)?;
    let category_ids: Vec<CategoryId> = rows.iter().filter_map(|z| z.category_id.clone()).collect();
    let categories = catalog::categories_by_ids(conn, &category_ids)?;
    rows.into_iter()
        .map(|z| {
            Ok(ZoneView {
                office: offices
                    .iter()
                    .find(|o| o.id == z.office_id)
                    .map(|o| o.code.clone())
                    .unwrap_or_default(),
                category: z
                    .category_id
                    .as_ref()
                    .and_then(|id| categories.iter().find(|c| &c.id == id))
                    .map(|c| c.code.clone()),
                geometry: serde_json::from_str(&z.boundary)
                    .map_err(|e| AppError::internal(format!("zone {}: {e}", z.id)))?,
                id: z.id,
                name: z.name,
                priority: z.priority,
            })
        })
        .collect()
}

#[utoipa::path(
    get,
    path = "/api/v1/admin/zones",
    tag = "admin",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The comune's routing zones, highest priority first", body = [ZoneView]),
        (status = 403, description = "Neither an admin nor a supervisor", body = crate::error::ErrorEnvelope),
    )
)]
#[get("/admin/zones")]
pub async fn list_zones(state: web::Data<AppState>, staff: Staff) -> AppResult<HttpResponse> {
    staff.require_any_here(&[Action::Administer, Action::Supervise])?;
    let m = staff.actor.municipality_id.clone();
    let views = state
        .read(move |c| {
            let rows = catalog::zone_rows(c, &m)?;
            zone_views(c, &m, rows)
        })
        .await?;
    Ok(HttpResponse::Ok().json(views))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateZoneRequest {
    #[schema(min_length = 1, max_length = 120)]
    pub name: String,
    /// A GeoJSON Polygon or MultiPolygon, or a Feature holding one (as a
    /// drawing tool or a GIS export gives it).
    #[schema(value_type = Object)]
    pub geometry: Value,
    /// The office its reports go to.
    pub office: String,
    /// Only this category (and its subcategories); absent: every category.
    pub category: Option<String>,
    #[serde(default, deserialize_with = "crate::http::dto::whole::option")]
    #[schema(minimum = -1000, maximum = 1000)]
    pub priority: Option<i32>,
}

#[utoipa::path(
    post,
    path = "/api/v1/admin/zones",
    tag = "admin",
    security(("bearer" = [])),
    request_body = CreateZoneRequest,
    responses(
        (status = 201, description = "Created: reports filed inside it from now on follow it", body = ZoneView),
        (status = 403, description = "Not an admin", body = crate::error::ErrorEnvelope),
        (status = 422, description = "Not a polygon (`invalid_geometry`), an unknown office or category", body = crate::error::ErrorEnvelope),
    )
)]
#[post("/admin/zones")]
pub async fn create_zone(
    state: web::Data<AppState>,
    staff: Staff,
    body: web::Json<CreateZoneRequest>,
) -> AppResult<HttpResponse> {
    let who = staff.admin()?;
    let b = body.into_inner();
    let input = ZoneInput {
        name: b.name,
        geometry: b.geometry,
        office: b.office,
        category: b.category,
        priority: b.priority,
    };
    let view = state
        .write(move |c| {
            let row = admin_catalog::create_zone(c, &who, input)?;
            Ok(zone_views(c, &who.municipality, vec![row])?.remove(0))
        })
        .await?;
    Ok(HttpResponse::Created().json(view))
}

#[utoipa::path(
    delete,
    path = "/api/v1/admin/zones/{id}",
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Zone id")),
    responses(
        (status = 204, description = "Deleted: routing falls back to the categories' offices there"),
        (status = 403, description = "Not an admin", body = crate::error::ErrorEnvelope),
        (status = 404, description = "No such zone here", body = crate::error::ErrorEnvelope),
    )
)]
#[delete("/admin/zones/{id}")]
pub async fn delete_zone(
    state: web::Data<AppState>,
    staff: Staff,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let who = staff.admin()?;
    let id = id.into_inner();
    state
        .write(move |c| admin_catalog::delete_zone(c, &who, &id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PreviewQuery {
    #[param(minimum = -90, maximum = 90)]
    pub lat: f64,
    #[param(minimum = -180, maximum = 180)]
    pub lon: f64,
    /// Category code.
    pub category: String,
}

#[derive(Serialize, ToSchema)]
pub struct RoutingPreview {
    /// ISTAT code and name of the comune of the point.
    pub municipality: String,
    pub municipality_name: String,
    pub category: CategoryRef,
    /// The category's group, for a subcategory.
    pub parent: Option<CategoryRef>,
    /// None: no office is competent and the report would wait in triage.
    pub office: Option<OfficeRef>,
    /// What decided: `zone` (with its name), `category_default`,
    /// `parent_category_default` or `unrouted`.
    #[schema(value_type = Object)]
    pub rule: Value,
    /// The take-in deadline of a report filed now.
    pub take_in_due_at: DateTime<Utc>,
    pub deadline_mode: String,
}

#[utoipa::path(
    get,
    path = "/api/v1/admin/routing/preview",
    tag = "admin",
    security(("bearer" = [])),
    params(PreviewQuery),
    responses(
        (status = 200, description = "Where a report of that category filed at the point now would go", body = RoutingPreview),
        (status = 403, description = "Neither an admin nor a supervisor", body = crate::error::ErrorEnvelope),
        (status = 404, description = "No such category here", body = crate::error::ErrorEnvelope),
        (status = 422, description = "The point is outside the caller's comune", body = crate::error::ErrorEnvelope),
    )
)]
#[get("/admin/routing/preview")]
pub async fn preview(
    state: web::Data<AppState>,
    staff: Staff,
    q: web::Query<PreviewQuery>,
) -> AppResult<HttpResponse> {
    staff.require_any_here(&[Action::Administer, Action::Supervise])?;
    let q = q.into_inner();
    validate::coordinates(q.lat, q.lon).map_err(|e| AppError::Validation(vec![e]))?;
    let m = staff.actor.municipality_id.clone();
    let territory = state.clone();
    let body = state
        .read(move |c| {
            let located = crate::app::reports::locate(&territory.territory, c, q.lat, q.lon)?;
            if located.id != m {
                return Err(AppError::unprocessable(
                    ErrorCode::OutsideYourComune,
                    format!("the point is in {}, not in your comune", located.name),
                ));
            }
            let municipality = municipalities::find(c, &m)?
                .ok_or_else(|| AppError::internal("the caller's comune went away"))?;
            let category = catalog::category_by_code(c, &m, &q.category)?.ok_or_else(|| {
                AppError::not_found(
                    ErrorCode::CategoryNotFound,
                    format!("no category `{}` here", q.category),
                )
            })?;
            let parent = match &category.parent_id {
                None => None,
                Some(id) => catalog::categories_by_ids(c, std::slice::from_ref(id))?.pop(),
            };
            let (decision, due, mode) = crate::app::reports::routing::preview(
                c,
                &municipality,
                &category,
                q.lat,
                q.lon,
                Utc::now(),
            )?;
            let office = match &decision.office_id {
                None => None,
                Some(id) => catalog::offices_by_ids(c, std::slice::from_ref(id))?.pop(),
            };
            Ok(RoutingPreview {
                municipality: municipality.id.clone(),
                municipality_name: located.name,
                category: CategoryRef::from(&category),
                parent: parent.as_ref().map(CategoryRef::from),
                office: office.as_ref().map(OfficeRef::from),
                rule: serde_json::to_value(&decision.rule).unwrap_or_default(),
                take_in_due_at: due,
                deadline_mode: mode.to_string(),
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(body))
}
