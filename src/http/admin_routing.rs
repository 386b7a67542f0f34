//! Routing from the console: new categories, the routing zones (a polygon
//! that sends a category's reports, or all, to an office), and "where does
//! this point go?" — `GET /api/v1/admin/routing/preview`, which answers with
//! the comune, category, office and deadline a report filed there now would
//! get. Changes are in the audit log.

use actix_web::{delete, get, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::{IntoParams, ToSchema};

use super::auth::Staff;
use super::dto::{CategoryRef, OfficeRef};
use super::AppState;
use crate::domain::permissions::Action;
use crate::domain::publication::Policy;
use crate::domain::validate;
use crate::error::{AppError, AppResult};
use crate::store::audit::{self, Change};
use crate::store::catalog::{self, NewCategory, NewZone, ZoneRow};
use crate::store::{municipalities, naive, reports, DbConn};

fn text(field: &'static str, value: &str, max: usize) -> AppResult<String> {
    validate::required_text(field, Some(value), max).map_err(|e| AppError::Validation(vec![e]))
}

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
    staff.require_here(Action::Administer)?;
    let b = body.into_inner();
    let new = NewCategory {
        municipality_id: staff.actor.municipality_id.clone(),
        code: b.code,
        name_it: text("name_it", &b.name_it, 120)?,
        name_en: text("name_en", &b.name_en, 120)?,
        parent_code: b.parent.filter(|p| !p.is_empty()),
        default_office_code: b.office.filter(|o| !o.is_empty()),
        take_in_sla_hours: b.take_in_sla_hours,
        resolution_target_days: b.resolution_target_days,
        triage: b.triage,
        publication: b.publication,
        ..Default::default()
    };
    let actor = staff.name();
    let row = state
        .write(move |c| {
            let now = naive(Utc::now());
            let row = catalog::insert_category(c, &new, now)?;
            audit::record(
                c,
                Change {
                    municipality_id: &new.municipality_id,
                    actor: &actor,
                    action: "category.created",
                    target: &row.code,
                    before: None,
                    after: Some(json!({
                        "name_it": row.name_it, "parent": new.parent_code, "office": new.default_office_code,
                        "take_in_sla_hours": row.take_in_sla_hours, "resolution_target_days": row.resolution_target_days,
                        "triage": row.triage, "publication": row.publication_policy,
                    })),
                },
                now,
            )?;
            Ok(row)
        })
        .await?;
    Ok(HttpResponse::Created().json(CategoryRef::from(&row)))
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
    let category_ids: Vec<String> = rows.iter().filter_map(|z| z.category_id.clone()).collect();
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
    if staff.require_here(Action::Administer).is_err() {
        staff.require_here(Action::Supervise)?;
    }
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
    staff.require_here(Action::Administer)?;
    let b = body.into_inner();
    // A Feature's geometry, as Leaflet's drawing tools and GIS exports give it.
    let geometry = match b.geometry.get("type").and_then(Value::as_str) {
        Some("Feature") => b.geometry["geometry"].clone(),
        _ => b.geometry,
    };
    let priority = b.priority.unwrap_or(0);
    if !(-1000..=1000).contains(&priority) {
        return Err(AppError::field(
            "priority",
            "out_of_range",
            "priority is -1000 to 1000",
        ));
    }
    let new = NewZone {
        municipality_id: staff.actor.municipality_id.clone(),
        name: text("name", &b.name, 120)?,
        geometry,
        category_code: b.category.filter(|c| !c.is_empty()),
        office_code: b.office,
        priority,
    };
    let actor = staff.name();
    let view = state
        .write(move |c| {
            let now = naive(Utc::now());
            let id = catalog::insert_zone(c, &new, now)?;
            let m = &new.municipality_id;
            let row = catalog::zone_rows(c, m)?
                .into_iter()
                .find(|z| z.id == id)
                .ok_or_else(|| AppError::internal("the new zone went away"))?;
            let view = zone_views(c, m, vec![row])?.remove(0);
            audit::record(
                c,
                Change {
                    municipality_id: m,
                    actor: &actor,
                    action: "zone.created",
                    target: &view.name,
                    before: None,
                    after: Some(json!({"id": view.id, "office": view.office, "category": view.category, "priority": view.priority})),
                },
                now,
            )?;
            Ok(view)
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
    staff.require_here(Action::Administer)?;
    let (m, actor, id) = (
        staff.actor.municipality_id.clone(),
        staff.name(),
        id.into_inner(),
    );
    state
        .write(move |c| {
            let zone = catalog::delete_zone(c, &m, &id)?
                .ok_or_else(|| AppError::not_found("zone_not_found", "no such zone here"))?;
            audit::record(
                c,
                Change {
                    municipality_id: &m,
                    actor: &actor,
                    action: "zone.deleted",
                    target: &zone.name,
                    before: Some(json!({"id": zone.id, "priority": zone.priority})),
                    after: None,
                },
                naive(Utc::now()),
            )
        })
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
    if staff.require_here(Action::Administer).is_err() {
        staff.require_here(Action::Supervise)?;
    }
    let q = q.into_inner();
    validate::coordinates(q.lat, q.lon).map_err(|e| AppError::Validation(vec![e]))?;
    let m = staff.actor.municipality_id.clone();
    let territory = state.clone();
    let body = state
        .read(move |c| {
            let located = super::reports::locate(&territory, c, q.lat, q.lon)?;
            if located.id != m {
                return Err(AppError::unprocessable(
                    "outside_your_comune",
                    format!("the point is in {}, not in your comune", located.name),
                ));
            }
            let municipality = municipalities::find(c, &m)?
                .ok_or_else(|| AppError::internal("the caller's comune went away"))?;
            let category = catalog::category_by_code(c, &m, &q.category)?.ok_or_else(|| {
                AppError::not_found(
                    "category_not_found",
                    format!("no category `{}` here", q.category),
                )
            })?;
            let parent = match &category.parent_id {
                None => None,
                Some(id) => catalog::categories_by_ids(c, std::slice::from_ref(id))?.pop(),
            };
            let (decision, due, mode) =
                reports::preview_route(c, &municipality, &category, q.lat, q.lon, Utc::now())?;
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
