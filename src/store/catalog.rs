//! A municipality's catalogue: its offices, its categories (two levels) and its
//! routing zones.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{categories, offices, routing_zones};
use super::{new_id, DbConn};
use super::{StoreError, StoreResult};
use crate::domain::ids::{CategoryId, MunicipalityId, OfficeId};
use crate::domain::publication::Policy;
use crate::domain::routing::{CategoryRoute, Zone};
use crate::domain::territory;

/// Offices and categories are found the same way: by code within their
/// comune (a code no row could have is not looked up), or by ids.
macro_rules! catalogue_lookups {
    ($table:ident, $row:ty, $id:ty, $by_code:ident, $by_ids:ident) => {
        #[doc = concat!("The comune's `", stringify!($table), "` row with this code, if any.")]
        pub fn $by_code(
            conn: &mut DbConn,
            municipality_id: &str,
            code: &str,
        ) -> StoreResult<Option<$row>> {
            if !super::could_match(code) {
                return Ok(None);
            }
            Ok($table::table
                .filter($table::municipality_id.eq(municipality_id))
                .filter($table::code.eq(code))
                .select(<$row>::as_select())
                .first(conn)
                .optional()?)
        }

        #[doc = concat!("The `", stringify!($table), "` rows with these ids (those that exist).")]
        pub fn $by_ids(conn: &mut DbConn, ids: &[$id]) -> StoreResult<Vec<$row>> {
            Ok($table::table
                .filter($table::id.eq_any(ids))
                .select(<$row>::as_select())
                .load(conn)?)
        }
    };
}

catalogue_lookups!(offices, OfficeRow, OfficeId, office_by_code, offices_by_ids);
catalogue_lookups!(
    categories,
    CategoryRow,
    CategoryId,
    category_by_code,
    categories_by_ids
);

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = offices)]
pub struct OfficeRow {
    pub id: OfficeId,
    pub municipality_id: MunicipalityId,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub webhook_url: Option<String>,
    pub webhook_secret: Option<String>,
    pub active: bool,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone)]
pub struct NewOffice {
    pub municipality_id: MunicipalityId,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// The comune's offices among `codes` (those that exist).
pub fn offices_by_codes(
    conn: &mut DbConn,
    municipality_id: &str,
    codes: &[String],
) -> StoreResult<Vec<OfficeRow>> {
    Ok(offices::table
        .filter(offices::municipality_id.eq(municipality_id))
        .filter(offices::code.eq_any(codes))
        .select(OfficeRow::as_select())
        .load(conn)?)
}

pub fn insert_office(
    conn: &mut DbConn,
    o: &NewOffice,
    now: NaiveDateTime,
) -> StoreResult<OfficeRow> {
    let row = OfficeRow {
        id: new_id().into(),
        municipality_id: o.municipality_id.clone(),
        code: o.code.clone(),
        name: o.name.clone(),
        kind: o.kind.clone(),
        email: o.email.clone(),
        phone: o.phone.clone(),
        webhook_url: None,
        webhook_secret: None,
        active: true,
        created_at: now,
    };
    diesel::insert_into(offices::table)
        .values(&row)
        .execute(conn)?;
    Ok(row)
}

pub fn list_offices(conn: &mut DbConn, municipality_id: &str) -> StoreResult<Vec<OfficeRow>> {
    Ok(offices::table
        .filter(offices::municipality_id.eq(municipality_id))
        .order(offices::name)
        .select(OfficeRow::as_select())
        .load(conn)?)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = categories)]
pub struct CategoryRow {
    pub id: CategoryId,
    pub municipality_id: MunicipalityId,
    pub code: String,
    pub name_it: String,
    pub name_en: String,
    pub description_it: Option<String>,
    pub description_en: Option<String>,
    pub parent_id: Option<CategoryId>,
    pub default_office_id: Option<OfficeId>,
    pub take_in_sla_hours: i32,
    pub resolution_target_days: i32,
    pub deadline_mode: Option<String>,
    pub triage: bool,
    pub active: bool,
    pub public: bool,
    pub sort_order: i32,
    pub created_at: NaiveDateTime,
    /// JSON list of [`crate::domain::templates::MessageTemplate`].
    pub message_templates: Option<String>,
    /// Overrides the comune's publication policy (`immediate`,
    /// `after_review`, `never`).
    pub publication_policy: Option<String>,
}

impl CategoryRow {
    /// The category's public-message templates (none if unset or unreadable).
    pub fn templates(&self) -> Vec<crate::domain::templates::MessageTemplate> {
        self.message_templates
            .as_deref()
            .and_then(|t| serde_json::from_str(t).ok())
            .unwrap_or_default()
    }

    /// The category's own publication policy, if it has one.
    pub fn publication(&self) -> Option<Policy> {
        self.publication_policy
            .as_deref()
            .and_then(|p| p.parse().ok())
    }

    pub fn name(&self, language: &str) -> &str {
        if language == "en" {
            &self.name_en
        } else {
            &self.name_it
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct NewCategory {
    pub municipality_id: MunicipalityId,
    pub code: String,
    pub name_it: String,
    pub name_en: String,
    pub description_it: Option<String>,
    pub description_en: Option<String>,
    pub parent_id: Option<CategoryId>,
    pub default_office_id: Option<OfficeId>,
    pub take_in_sla_hours: Option<i32>,
    pub resolution_target_days: Option<i32>,
    pub triage: bool,
    pub sort_order: i32,
    pub publication: Option<Policy>,
}

pub fn insert_category(
    conn: &mut DbConn,
    c: &NewCategory,
    now: NaiveDateTime,
) -> StoreResult<CategoryRow> {
    let sla = c.take_in_sla_hours.unwrap_or(24);
    let target = c.resolution_target_days.unwrap_or(30);
    let row = CategoryRow {
        id: new_id().into(),
        municipality_id: c.municipality_id.clone(),
        code: c.code.clone(),
        name_it: c.name_it.clone(),
        name_en: c.name_en.clone(),
        description_it: c.description_it.clone(),
        description_en: c.description_en.clone(),
        parent_id: c.parent_id.clone(),
        default_office_id: c.default_office_id.clone(),
        take_in_sla_hours: sla,
        resolution_target_days: target,
        deadline_mode: None,
        triage: c.triage,
        active: true,
        public: true,
        sort_order: c.sort_order,
        created_at: now,
        message_templates: None,
        publication_policy: c.publication.map(|p| p.as_str().to_string()),
    };
    diesel::insert_into(categories::table)
        .values(&row)
        .execute(conn)?;
    Ok(row)
}

/// Whether any municipality has a category with this code.
pub fn category_code_exists(conn: &mut DbConn, code: &str) -> StoreResult<bool> {
    Ok(diesel::select(diesel::dsl::exists(
        categories::table.filter(categories::code.eq(code)),
    ))
    .get_result(conn)?)
}

/// The categories a citizen may pick, parents first, in display order.
pub fn public_categories(
    conn: &mut DbConn,
    municipality_id: &str,
) -> StoreResult<Vec<CategoryRow>> {
    Ok(categories::table
        .filter(categories::municipality_id.eq(municipality_id))
        .filter(categories::active.eq(true))
        .filter(categories::public.eq(true))
        .order((categories::sort_order, categories::name_it))
        .select(CategoryRow::as_select())
        .load(conn)?)
}

/// Every category of the comune, active or not, in display order.
pub fn all_categories(conn: &mut DbConn, municipality_id: &str) -> StoreResult<Vec<CategoryRow>> {
    Ok(categories::table
        .filter(categories::municipality_id.eq(municipality_id))
        .order((categories::sort_order, categories::name_it))
        .select(CategoryRow::as_select())
        .load(conn)?)
}

/// The comune's open reports per category id (categories with none are absent).
pub fn open_reports_by_category(
    conn: &mut DbConn,
    municipality_id: &str,
) -> StoreResult<Vec<(CategoryId, i64)>> {
    use super::schema::reports;
    let open = crate::domain::report::Status::OPEN.map(|s| s.as_str());
    Ok(reports::table
        .filter(reports::municipality_id.eq(municipality_id))
        .filter(reports::status.eq_any(open))
        .group_by(reports::category_id)
        .select((reports::category_id, diesel::dsl::count_star()))
        .load(conn)?)
}

/// Whether the category groups others (then a report must pick one of those).
pub fn has_children(conn: &mut DbConn, category_id: &str) -> StoreResult<bool> {
    Ok(diesel::select(diesel::dsl::exists(
        categories::table
            .filter(categories::parent_id.eq(category_id))
            .filter(categories::active.eq(true)),
    ))
    .get_result(conn)?)
}

/// The category as routing needs it (with its parent's default office).
pub fn category_route(conn: &mut DbConn, category: &CategoryRow) -> StoreResult<CategoryRoute> {
    let parent_default_office_id = match &category.parent_id {
        None => None,
        Some(parent) => categories::table
            .find(parent)
            .select(categories::default_office_id)
            .first::<Option<OfficeId>>(conn)
            .optional()?
            .flatten(),
    };
    Ok(CategoryRoute {
        id: category.id.clone(),
        parent_id: category.parent_id.clone(),
        default_office_id: category.default_office_id.clone(),
        parent_default_office_id,
    })
}

#[derive(Debug, Clone)]
pub struct NewZone {
    pub municipality_id: MunicipalityId,
    pub name: String,
    pub geometry: serde_json::Value,
    pub category_id: Option<CategoryId>,
    pub office_id: OfficeId,
    pub priority: i32,
}

pub fn insert_zone(conn: &mut DbConn, z: &NewZone, now: NaiveDateTime) -> StoreResult<String> {
    let id = new_id();
    diesel::insert_into(routing_zones::table)
        .values((
            routing_zones::id.eq(&id),
            routing_zones::municipality_id.eq(&z.municipality_id),
            routing_zones::name.eq(&z.name),
            routing_zones::boundary.eq(z.geometry.to_string()),
            routing_zones::category_id.eq(&z.category_id),
            routing_zones::office_id.eq(&z.office_id),
            routing_zones::priority.eq(z.priority),
            routing_zones::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(id)
}

/// The municipality's routing zones, parsed for the routing function.
pub fn zones(conn: &mut DbConn, municipality_id: &str) -> StoreResult<Vec<Zone>> {
    let rows: Vec<(String, String, String, Option<CategoryId>, OfficeId, i32)> =
        routing_zones::table
            .filter(routing_zones::municipality_id.eq(municipality_id))
            .select((
                routing_zones::id,
                routing_zones::name,
                routing_zones::boundary,
                routing_zones::category_id,
                routing_zones::office_id,
                routing_zones::priority,
            ))
            .load(conn)?;
    rows.into_iter()
        .map(|(id, name, boundary, category_id, office_id, priority)| {
            let value: serde_json::Value = serde_json::from_str(&boundary)
                .map_err(|e| StoreError::internal(format!("zone {id}: {e}")))?;
            let shape = territory::parse_geometry(&value)
                .map_err(|e| StoreError::internal(format!("zone {id}: {e}")))?;
            Ok(Zone {
                id,
                name,
                shape,
                category_id,
                office_id,
                priority,
            })
        })
        .collect()
}

/// Ids of the categories with these codes, in any municipality.
pub fn category_ids_by_codes(conn: &mut DbConn, codes: &[String]) -> StoreResult<Vec<CategoryId>> {
    let codes: Vec<&String> = codes.iter().filter(|c| super::could_match(c)).collect();
    Ok(categories::table
        .filter(categories::code.eq_any(codes))
        .select(categories::id)
        .load(conn)?)
}

/// Changes to a category; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct CategoryChanges {
    /// Already validated.
    pub name_it: Option<String>,
    pub name_en: Option<String>,
    pub triage: Option<bool>,
    pub take_in_sla_hours: Option<i32>,
    pub resolution_target_days: Option<i32>,
    /// `Some(None)`: back to the municipality's default mode.
    pub deadline_mode: Option<Option<String>>,
    pub active: Option<bool>,
    pub default_office_id: Option<OfficeId>,
    /// Already validated.
    pub message_templates: Option<Vec<crate::domain::templates::MessageTemplate>>,
    /// Already validated; `Some(None)`: back to the comune's policy.
    pub publication: Option<Option<String>>,
}

/// The columns a [`CategoryChanges`] sets (a `None` field is left out).
#[derive(AsChangeset)]
#[diesel(table_name = categories)]
struct CategoryChangeset<'a> {
    name_it: Option<&'a str>,
    name_en: Option<&'a str>,
    triage: Option<bool>,
    take_in_sla_hours: Option<i32>,
    resolution_target_days: Option<i32>,
    deadline_mode: Option<Option<&'a str>>,
    publication_policy: Option<Option<&'a str>>,
    active: Option<bool>,
    default_office_id: Option<Option<&'a OfficeId>>,
    message_templates: Option<Option<String>>,
}

/// Writes the changes to a category in one statement.
pub fn update_category(conn: &mut DbConn, id: &str, c: &CategoryChanges) -> StoreResult<()> {
    let changes = CategoryChangeset {
        name_it: c.name_it.as_deref(),
        name_en: c.name_en.as_deref(),
        triage: c.triage,
        take_in_sla_hours: c.take_in_sla_hours,
        resolution_target_days: c.resolution_target_days,
        deadline_mode: c.deadline_mode.as_ref().map(Option::as_deref),
        publication_policy: c.publication.as_ref().map(Option::as_deref),
        active: c.active,
        default_office_id: c.default_office_id.as_ref().map(Some),
        message_templates: c
            .message_templates
            .as_ref()
            .map(|t| serde_json::to_string(t).map(Some))
            .transpose()
            .map_err(StoreError::internal)?,
    };
    match diesel::update(categories::table.find(id))
        .set(&changes)
        .execute(conn)
    {
        // Nothing to change: nothing to write.
        Err(diesel::result::Error::QueryBuilderError(e))
            if e.is::<diesel::result::EmptyChangeset>() =>
        {
            Ok(())
        }
        done => Ok(done.map(drop)?),
    }
}

/// Sets (or, with `None`, removes) an office's webhook.
pub fn set_webhook(
    conn: &mut DbConn,
    office_id: &str,
    webhook: Option<(&str, &str)>,
) -> StoreResult<()> {
    diesel::update(offices::table.find(office_id))
        .set((
            offices::webhook_url.eq(webhook.map(|(u, _)| u.to_string())),
            offices::webhook_secret.eq(webhook.map(|(_, s)| s.to_string())),
        ))
        .execute(conn)?;
    Ok(())
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = super::schema::category_attributes)]
pub struct AttributeRow {
    pub id: String,
    pub category_id: CategoryId,
    pub code: String,
    pub datatype: String,
    pub required: bool,
    pub description: String,
    pub datatype_description: Option<String>,
    pub sort_order: i32,
    pub value_list: Option<String>,
}

impl AttributeRow {
    pub fn def(&self) -> crate::domain::attributes::AttributeDef {
        let values: Vec<serde_json::Value> = self
            .value_list
            .as_deref()
            .and_then(|v| serde_json::from_str(v).ok())
            .unwrap_or_default();
        crate::domain::attributes::AttributeDef {
            code: self.code.clone(),
            datatype: self.datatype.clone(),
            required: self.required,
            description: self.description.clone(),
            values: values
                .iter()
                .filter_map(|v| {
                    Some((
                        v.get("key")?.as_str()?.to_string(),
                        v.get("name")?.as_str()?.to_string(),
                    ))
                })
                .collect(),
        }
    }
}

/// Adds an extra question to a category.
pub fn add_attribute(
    conn: &mut DbConn,
    category_id: &str,
    def: &crate::domain::attributes::AttributeDef,
    order: i32,
) -> StoreResult<()> {
    use super::schema::category_attributes as ca;
    let values = (!def.values.is_empty()).then(|| {
        serde_json::json!(def
            .values
            .iter()
            .map(|(k, n)| serde_json::json!({"key": k, "name": n}))
            .collect::<Vec<_>>())
        .to_string()
    });
    diesel::insert_into(ca::table)
        .values((
            ca::id.eq(new_id()),
            ca::category_id.eq(category_id),
            ca::code.eq(&def.code),
            ca::datatype.eq(&def.datatype),
            ca::required.eq(def.required),
            ca::description.eq(&def.description),
            ca::sort_order.eq(order),
            ca::value_list.eq(values),
        ))
        .execute(conn)?;
    Ok(())
}

/// Replaces a category's extra questions (already checked) with `defs`, in
/// that order. Answers already given stay with their reports.
pub fn replace_attributes(
    conn: &mut DbConn,
    category_id: &str,
    defs: &[crate::domain::attributes::AttributeDef],
) -> StoreResult<()> {
    use super::schema::category_attributes as ca;
    diesel::delete(ca::table.filter(ca::category_id.eq(category_id))).execute(conn)?;
    for (i, def) in defs.iter().enumerate() {
        add_attribute(conn, category_id, def, i as i32)?;
    }
    Ok(())
}

/// The extra questions of these categories, in order.
pub fn attributes_of(
    conn: &mut DbConn,
    category_ids: &[CategoryId],
) -> StoreResult<Vec<AttributeRow>> {
    use super::schema::category_attributes as ca;
    Ok(ca::table
        .filter(ca::category_id.eq_any(category_ids))
        .order((ca::category_id, ca::sort_order, ca::code))
        .select(AttributeRow::as_select())
        .load(conn)?)
}

/// What an administrator may change about an office (`None`: leave it;
/// `Some(None)`: clear it).
#[derive(Debug, Clone, Default)]
pub struct OfficeChanges {
    pub name: Option<String>,
    pub kind: Option<String>,
    pub email: Option<Option<String>>,
    pub phone: Option<Option<String>>,
}

pub fn update_office(conn: &mut DbConn, id: &str, c: &OfficeChanges) -> StoreResult<OfficeRow> {
    if let Some(name) = &c.name {
        diesel::update(offices::table.find(id))
            .set(offices::name.eq(name))
            .execute(conn)?;
    }
    if let Some(kind) = &c.kind {
        diesel::update(offices::table.find(id))
            .set(offices::kind.eq(kind))
            .execute(conn)?;
    }
    if let Some(email) = &c.email {
        diesel::update(offices::table.find(id))
            .set(offices::email.eq(email))
            .execute(conn)?;
    }
    if let Some(phone) = &c.phone {
        diesel::update(offices::table.find(id))
            .set(offices::phone.eq(phone))
            .execute(conn)?;
    }
    Ok(offices::table
        .find(id)
        .select(OfficeRow::as_select())
        .first(conn)?)
}

/// What depends on an office: its open reports, the categories it handles
/// by default and the routing zones that send reports to it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct OfficeLoad {
    pub open_reports: i64,
    pub categories: i64,
    pub zones: i64,
}

pub fn office_load(conn: &mut DbConn, office_id: &str) -> StoreResult<OfficeLoad> {
    use super::schema::reports;
    let open = crate::domain::report::Status::OPEN.map(|s| s.as_str());
    Ok(OfficeLoad {
        open_reports: reports::table
            .filter(reports::office_id.eq(office_id))
            .filter(reports::status.eq_any(open))
            .count()
            .get_result(conn)?,
        categories: categories::table
            .filter(categories::default_office_id.eq(office_id))
            .filter(categories::active.eq(true))
            .count()
            .get_result(conn)?,
        zones: routing_zones::table
            .filter(routing_zones::office_id.eq(office_id))
            .count()
            .get_result(conn)?,
    })
}

/// The ids of an office's open reports, oldest first.
pub fn open_report_ids(conn: &mut DbConn, office_id: &str) -> StoreResult<Vec<i64>> {
    use super::schema::reports;
    let open = crate::domain::report::Status::OPEN.map(|s| s.as_str());
    Ok(reports::table
        .filter(reports::office_id.eq(office_id))
        .filter(reports::status.eq_any(open))
        .order(reports::id)
        .select(reports::id)
        .load(conn)?)
}

/// Hands an office's categories and routing zones to another office.
pub fn move_routing(conn: &mut DbConn, from: &str, to: &str) -> StoreResult<()> {
    diesel::update(categories::table.filter(categories::default_office_id.eq(from)))
        .set(categories::default_office_id.eq(to))
        .execute(conn)?;
    diesel::update(routing_zones::table.filter(routing_zones::office_id.eq(from)))
        .set(routing_zones::office_id.eq(to))
        .execute(conn)?;
    Ok(())
}

pub fn set_office_active(conn: &mut DbConn, id: &str, active: bool) -> StoreResult<()> {
    diesel::update(offices::table.find(id))
        .set(offices::active.eq(active))
        .execute(conn)?;
    Ok(())
}

/// A routing zone as stored: its boundary is GeoJSON text.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = routing_zones)]
pub struct ZoneRow {
    pub id: String,
    pub name: String,
    pub boundary: String,
    pub category_id: Option<CategoryId>,
    pub office_id: OfficeId,
    pub priority: i32,
}

pub fn zone_rows(conn: &mut DbConn, municipality_id: &str) -> StoreResult<Vec<ZoneRow>> {
    Ok(routing_zones::table
        .filter(routing_zones::municipality_id.eq(municipality_id))
        .order((routing_zones::priority.desc(), routing_zones::name))
        .select(ZoneRow::as_select())
        .load(conn)?)
}

/// Deletes a zone of the municipality; `None` when there is no such zone.
/// The comune's zone `id`, if there is one.
pub fn zone_row(
    conn: &mut DbConn,
    municipality_id: &str,
    id: &str,
) -> StoreResult<Option<ZoneRow>> {
    if !super::could_match(id) {
        return Ok(None);
    }
    Ok(routing_zones::table
        .filter(routing_zones::municipality_id.eq(municipality_id))
        .filter(routing_zones::id.eq(id))
        .select(ZoneRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn delete_zone(
    conn: &mut DbConn,
    municipality_id: &str,
    id: &str,
) -> StoreResult<Option<ZoneRow>> {
    let Some(zone) = zone_row(conn, municipality_id, id)? else {
        return Ok(None);
    };
    diesel::delete(routing_zones::table.find(id)).execute(conn)?;
    Ok(Some(zone))
}
