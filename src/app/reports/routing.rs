//! Where a report goes and by when: routing a point with the comune's zones,
//! the take-in deadline on its calendar, the console's preview of both, and
//! the two ways a report moves once filed — a status change and a
//! re-routing. Each decision is the domain's; this module gathers what the
//! decision needs and hands the store what to write.

use chrono::{DateTime, Utc};

use crate::domain::calendar::{Calendar, DeadlineMode};
use crate::domain::ids::OfficeId;
use crate::domain::publication;
use crate::domain::report::{self, check_transition, Actor};
use crate::domain::routing::{self, RouteDecision};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::notify::templates;
use crate::store::catalog::{self, CategoryRow};
use crate::store::municipalities::{self, MunicipalitySummary};
use crate::store::reports::{self, ReportRow, Rerouting, Transition};
use crate::store::DbConn;

/// Routes a report of `category` at a point, with the comune's zones.
pub fn route(
    conn: &mut DbConn,
    municipality_id: &str,
    category: &CategoryRow,
    lat: f64,
    lon: f64,
) -> AppResult<RouteDecision> {
    let rule = catalog::category_route(conn, category)?;
    let zones = catalog::zones(conn, municipality_id)?;
    Ok(routing::route(&rule, lat, lon, &zones))
}

/// The take-in deadline of a report of `category` whose clock starts at
/// `start`, and the deadline mode it ran in.
pub fn take_in_deadline(
    calendar: &Calendar,
    municipality: &MunicipalitySummary,
    category: &CategoryRow,
    start: DateTime<Utc>,
) -> (DateTime<Utc>, DeadlineMode) {
    let category_mode = category
        .deadline_mode
        .as_deref()
        .and_then(|m| m.parse::<DeadlineMode>().ok());
    calendar.take_in_deadline(
        start,
        category.take_in_sla_hours,
        category_mode,
        municipality.deadline_mode(),
    )
}

/// Where a report of `category` filed at the point now would go, and its
/// take-in deadline: the console's "where does this point go?".
pub fn preview(
    conn: &mut DbConn,
    municipality: &MunicipalitySummary,
    category: &CategoryRow,
    lat: f64,
    lon: f64,
    now: DateTime<Utc>,
) -> AppResult<(RouteDecision, DateTime<Utc>, DeadlineMode)> {
    let decision = route(conn, &municipality.id, category, lat, lon)?;
    let calendar = municipalities::calendar(conn, &municipality.id)?;
    let (due, mode) = take_in_deadline(&calendar, municipality, category, now);
    Ok((decision, due, mode))
}

fn changed_meanwhile() -> AppError {
    AppError::conflict(
        ErrorCode::ConcurrentUpdate,
        "the report changed meanwhile, please reload",
    )
}

/// Moves `current` (read in this transaction) to `t.to` if the workflow
/// allows it; a 409 if not, or if another transaction moved it first.
pub fn change_status(
    conn: &mut DbConn,
    current: &ReportRow,
    t: &Transition,
) -> AppResult<ReportRow> {
    check_transition(current.status, t.to)?;
    reports::apply_transition(conn, current, t)?.ok_or_else(changed_meanwhile)
}

/// A re-routing as decided by a supervisor (or an office's deactivation).
pub struct Reroute<'a> {
    /// A new category; otherwise the report keeps its own.
    pub category: Option<&'a CategoryRow>,
    /// An explicit office; otherwise routing decides for the (new) category.
    pub office_id: Option<OfficeId>,
    pub reason: String,
    pub actor: Actor,
    pub now: DateTime<Utc>,
}

/// Re-routes `current` (read in this transaction): new category and/or
/// office, back to `new` with a fresh take-in deadline (the new office gets
/// its full time, from now), both offices recorded on the timeline.
pub fn reroute(conn: &mut DbConn, current: &ReportRow, r: Reroute<'_>) -> AppResult<ReportRow> {
    if !report::may_be_rerouted(current.status) {
        return Err(AppError::conflict(
            ErrorCode::CannotReassign,
            format!("a {} report cannot be re-routed", current.status),
        ));
    }
    let old_category =
        catalog::categories_by_ids(conn, std::slice::from_ref(&current.category_id))?
            .pop()
            .ok_or_else(|| AppError::internal("report without category"))?;
    let category = r.category.cloned().unwrap_or_else(|| old_category.clone());
    let municipality = municipalities::find(conn, &current.municipality_id)?
        .ok_or_else(|| AppError::internal("report without municipality"))?;
    let (office_id, matched) = match r.office_id {
        Some(office) => (Some(office), serde_json::json!({"rule": "supervisor"})),
        None => {
            let decision = route(conn, &municipality.id, &category, current.lat, current.lon)?;
            (
                decision.office_id,
                serde_json::to_value(&decision.rule).unwrap_or_default(),
            )
        }
    };
    let calendar = municipalities::calendar(conn, &municipality.id)?;
    let (due, mode) = take_in_deadline(&calendar, &municipality, &category, r.now);
    let recategorised = category.id != old_category.id;
    let publication = if recategorised {
        let policy = publication::effective(municipality.publication(), category.publication());
        publication::on_recategorised(current.publication, policy)
    } else {
        current.publication
    };
    let rerouting = Rerouting {
        category_message: recategorised
            .then(|| templates::category_changed_event(&old_category.name_it, &category.name_it)),
        expected_resolution: report::expected_resolution(
            crate::store::utc(current.received_at),
            category.resolution_target_days,
        ),
        from_category: &old_category,
        category: &category,
        office_id,
        matched,
        due,
        mode,
        publication,
        reason: r.reason,
        actor: r.actor,
        now: r.now,
    };
    reports::reroute(conn, current, &rerouting)?.ok_or_else(changed_meanwhile)
}
