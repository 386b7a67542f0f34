//! The comune's catalogue and routing: categories (created, changed,
//! deactivated — never deleted, reports use them) and routing zones.

use serde_json::{json, Value};

use super::{given, invalid, text, Admin};
use crate::domain::attributes::{self, AttributeDef};
use crate::domain::calendar::DeadlineMode;
use crate::domain::catalog as rules;
use crate::domain::ids::{CategoryId, OfficeId};
use crate::domain::publication::{effective, Policy};
use crate::domain::templates::{self, MessageTemplate};
use crate::domain::territory;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::store::catalog::{self, CategoryChanges, CategoryRow, NewCategory, NewZone, ZoneRow};
use crate::store::{moderation, municipalities, DbConn};

/// A new category, as typed.
#[derive(Default)]
pub struct CategoryInput {
    pub code: String,
    pub name_it: String,
    pub name_en: String,
    pub parent: Option<String>,
    pub office: Option<String>,
    pub take_in_sla_hours: Option<i32>,
    pub resolution_target_days: Option<i32>,
    pub triage: bool,
    pub publication: Option<Policy>,
}

pub fn create_category(
    conn: &mut DbConn,
    who: &Admin,
    input: CategoryInput,
) -> AppResult<CategoryRow> {
    let (parent_code, office_code) = (given(input.parent), given(input.office));
    let new = NewCategory {
        municipality_id: who.municipality.clone(),
        code: input.code,
        name_it: text("name_it", &input.name_it, 120)?,
        name_en: text("name_en", &input.name_en, 120)?,
        take_in_sla_hours: input.take_in_sla_hours,
        resolution_target_days: input.resolution_target_days,
        triage: input.triage,
        publication: input.publication,
        ..Default::default()
    };
    rules::check_code(&new.code).map_err(invalid)?;
    rules::check_targets(new.take_in_sla_hours, new.resolution_target_days).map_err(invalid)?;
    if catalog::category_by_code(conn, &who.municipality, &new.code)?.is_some() {
        return Err(AppError::conflict(
            ErrorCode::CategoryExists,
            format!("category `{}` already exists", new.code),
        ));
    }
    let new = NewCategory {
        parent_id: parent_code
            .as_deref()
            .map(|code| parent_id(conn, &who.municipality, code))
            .transpose()?,
        default_office_id: office_code
            .as_deref()
            .map(|code| active_office_id(conn, &who.municipality, code))
            .transpose()?,
        ..new
    };
    let row = catalog::insert_category(conn, &new, who.at())?;
    who.record(
        conn,
        "category.created",
        &row.code,
        None,
        Some(json!({
            "name_it": row.name_it, "parent": parent_code, "office": office_code,
            "take_in_sla_hours": row.take_in_sla_hours, "resolution_target_days": row.resolution_target_days,
            "triage": row.triage, "publication": row.publication_policy,
        })),
    )?;
    Ok(row)
}

/// What changes about a category (`None`: leave it; `Some(None)`: back to
/// the comune's default).
#[derive(Default)]
pub struct CategoryUpdate {
    pub name_it: Option<String>,
    pub name_en: Option<String>,
    pub triage: Option<bool>,
    pub take_in_sla_hours: Option<i32>,
    pub resolution_target_days: Option<i32>,
    /// `working_days`, `business_hours`, `calendar`.
    pub deadline_mode: Option<Option<String>>,
    pub active: Option<bool>,
    /// Default office code.
    pub office: Option<String>,
    pub message_templates: Option<Vec<MessageTemplate>>,
    /// `immediate`, `after_review`, `never`.
    pub publication: Option<Option<String>>,
    /// Replaces the extra questions.
    pub questions: Option<Vec<AttributeDef>>,
}

/// What the audit log keeps of a category.
fn audited(c: &CategoryRow, questions: &[AttributeDef]) -> Value {
    json!({
        "code": c.code,
        "name_it": c.name_it,
        "name_en": c.name_en,
        "default_office_id": c.default_office_id,
        "take_in_sla_hours": c.take_in_sla_hours,
        "resolution_target_days": c.resolution_target_days,
        "deadline_mode": c.deadline_mode,
        "triage": c.triage,
        "active": c.active,
        "publication": c.publication_policy,
        "message_templates": c.message_templates,
        "questions": questions.iter().map(|q| json!({
            "code": q.code, "datatype": q.datatype, "required": q.required,
            "description": q.description, "values": q.values,
        })).collect::<Vec<_>>(),
    })
}

fn questions_of(conn: &mut DbConn, category_id: &str) -> AppResult<Vec<AttributeDef>> {
    Ok(catalog::attributes_of(conn, &[category_id.into()])?
        .iter()
        .map(|a| a.def())
        .collect())
}

pub fn update_category(
    conn: &mut DbConn,
    who: &Admin,
    code: &str,
    u: CategoryUpdate,
) -> AppResult<()> {
    let m = &who.municipality;
    let templates = check_update(&u)?;
    let name_it = u.name_it.map(|n| text("name_it", &n, 120)).transpose()?;
    let name_en = u.name_en.map(|n| text("name_en", &n, 120)).transpose()?;
    let category = catalog::category_by_code(conn, m, code)?.ok_or_else(|| {
        AppError::not_found(ErrorCode::CategoryNotFound, format!("no category `{code}`"))
    })?;
    let old_questions = questions_of(conn, &category.id)?;
    if let Some(q) = &u.questions {
        attributes::check_replacement(&old_questions, q)
            .map_err(|e| AppError::Validation(vec![e]))?;
    }
    rules::check_targets(u.take_in_sla_hours, u.resolution_target_days).map_err(invalid)?;
    let before = audited(&category, &old_questions);
    let office_id = match &u.office {
        None => None,
        Some(o) => Some(
            catalog::office_by_code(conn, m, o)?
                .filter(|o| o.active)
                .ok_or_else(|| {
                    let message = format!("no active office `{o}`");
                    AppError::field("office", ErrorCode::UnknownOffice, message)
                })?
                .id,
        ),
    };
    // The category's own policy after the change, if the change sets one.
    let own_policy: Option<Option<Policy>> = u
        .publication
        .as_ref()
        .map(|p| p.as_deref().map(Policy::stored));
    catalog::update_category(
        conn,
        &category.id,
        &CategoryChanges {
            name_it,
            name_en,
            triage: u.triage,
            take_in_sla_hours: u.take_in_sla_hours,
            resolution_target_days: u.resolution_target_days,
            deadline_mode: u.deadline_mode,
            active: u.active,
            default_office_id: office_id,
            message_templates: templates,
            publication: u.publication,
        },
    )?;
    if let Some(q) = &u.questions {
        catalog::replace_attributes(conn, &category.id, q)?;
    }
    // Into `never`, its reports are withheld; out of it, they wait for a review.
    if let Some(own) = own_policy {
        let policy = effective(municipalities::publication_policy(conn, m)?, own);
        moderation::apply_policy(conn, std::slice::from_ref(&category.id), policy)?;
    }
    let after = catalog::category_by_code(conn, m, code)?
        .ok_or_else(|| AppError::internal("the category went away"))?;
    let after = audited(&after, &questions_of(conn, &category.id)?);
    who.record(conn, "category.updated", code, Some(before), Some(after))
}

/// The checks of a category change that need nothing stored: its deadline
/// mode, its publication policy, its message templates (returned, checked)
/// and its questions' definitions.
fn check_update(u: &CategoryUpdate) -> AppResult<Option<Vec<MessageTemplate>>> {
    if let Some(Some(mode)) = &u.deadline_mode {
        mode.parse::<DeadlineMode>().map_err(|e| {
            AppError::field(
                "deadline_mode",
                ErrorCode::InvalidDeadlineMode,
                e.to_string(),
            )
        })?;
    }
    if let Some(Some(policy)) = &u.publication {
        policy.parse::<Policy>().map_err(|_| {
            AppError::field(
                "publication",
                ErrorCode::InvalidPublication,
                "use immediate, after_review, never, or null for the comune's policy",
            )
        })?;
    }
    let templates = u
        .message_templates
        .clone()
        .map(templates::validate)
        .transpose()
        .map_err(|e| AppError::Validation(vec![e]))?;
    if let Some(q) = &u.questions {
        attributes::check_definitions(q).map_err(|e| AppError::Validation(vec![e]))?;
    }
    Ok(templates)
}

/// A routing zone, as drawn or uploaded.
pub struct ZoneInput {
    pub name: String,
    /// A GeoJSON Polygon or MultiPolygon, or a Feature or FeatureCollection
    /// holding one (its first feature), as drawing tools and GIS exports give it.
    pub geometry: Value,
    pub office: String,
    pub category: Option<String>,
    pub priority: Option<i32>,
}

/// The geometry inside a Feature or a FeatureCollection's first feature.
fn bare_geometry(doc: Value) -> Value {
    match doc.get("type").and_then(Value::as_str) {
        Some("FeatureCollection") => doc
            .pointer("/features/0/geometry")
            .cloned()
            .unwrap_or(Value::Null),
        Some("Feature") => doc.get("geometry").cloned().unwrap_or(Value::Null),
        _ => doc,
    }
}

pub fn create_zone(conn: &mut DbConn, who: &Admin, input: ZoneInput) -> AppResult<ZoneRow> {
    let priority = input.priority.unwrap_or(0);
    if !(-1000..=1000).contains(&priority) {
        return Err(AppError::field(
            "priority",
            ErrorCode::OutOfRange,
            "priority is -1000 to 1000",
        ));
    }
    let name = text("name", &input.name, 120)?;
    let geometry = bare_geometry(input.geometry);
    territory::parse_geometry(&geometry)
        .map_err(|e| AppError::unprocessable(ErrorCode::InvalidGeometry, e.to_string()))?;
    let office = catalog::office_by_code(conn, &who.municipality, &input.office)?
        .ok_or_else(|| unknown("office", ErrorCode::UnknownOffice, &input.office))?;
    let category_code = given(input.category);
    let category_id = match &category_code {
        None => None,
        Some(code) => Some(
            catalog::category_by_code(conn, &who.municipality, code)?
                .ok_or_else(|| unknown("category", ErrorCode::UnknownCategory, code))?
                .id,
        ),
    };
    let new = NewZone {
        municipality_id: who.municipality.clone(),
        name,
        geometry,
        category_id,
        office_id: office.id,
        priority,
    };
    let id = catalog::insert_zone(conn, &new, who.at())?;
    let row = catalog::zone_row(conn, &who.municipality, &id)?
        .ok_or_else(|| AppError::internal("the new zone went away"))?;
    who.record(
        conn,
        "zone.created",
        &row.name,
        None,
        Some(json!({"id": row.id, "office": input.office, "category": category_code, "priority": row.priority})),
    )?;
    Ok(row)
}

pub fn delete_zone(conn: &mut DbConn, who: &Admin, id: &str) -> AppResult<ZoneRow> {
    let zone = catalog::delete_zone(conn, &who.municipality, id)?
        .ok_or_else(|| AppError::not_found(ErrorCode::ZoneNotFound, "no such zone here"))?;
    who.record(
        conn,
        "zone.deleted",
        &zone.name,
        Some(json!({"id": zone.id, "priority": zone.priority})),
        None,
    )?;
    Ok(zone)
}

fn unknown(field: &'static str, code: ErrorCode, what: &str) -> AppError {
    let kind = if code == ErrorCode::UnknownCategory {
        "category"
    } else {
        "office"
    };
    AppError::field(field, code, format!("no {kind} `{what}`"))
}

/// The id of the comune's top-level category `code`, for a new category's
/// parent: categories have two levels.
fn parent_id(conn: &mut DbConn, municipality_id: &str, code: &str) -> AppResult<CategoryId> {
    let parent = catalog::category_by_code(conn, municipality_id, code)?
        .ok_or_else(|| unknown("parent", ErrorCode::UnknownCategory, code))?;
    if parent.parent_id.is_some() {
        return Err(AppError::field(
            "parent",
            ErrorCode::TooDeep,
            "categories have two levels: the parent must be top-level",
        ));
    }
    Ok(parent.id)
}

/// The id of the comune's active office `code`.
fn active_office_id(conn: &mut DbConn, municipality_id: &str, code: &str) -> AppResult<OfficeId> {
    Ok(catalog::office_by_code(conn, municipality_id, code)?
        .filter(|o| o.active)
        .ok_or_else(|| unknown("office", ErrorCode::UnknownOffice, code))?
        .id)
}
