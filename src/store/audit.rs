//! The administrative audit log: one row per change, written in the
//! transaction of the change it records.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::Value;

use super::schema::admin_audit;
use super::StoreResult;
use super::{new_id, DbConn};
use crate::domain::ids::MunicipalityId;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = admin_audit)]
pub struct AuditRow {
    pub id: String,
    pub municipality_id: MunicipalityId,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub created_at: NaiveDateTime,
}

/// One change: `action` such as `office.updated`, `target` the code or id it
/// touched, the state `before` and `after` it (`None` when there was none).
pub struct Change<'a> {
    pub municipality_id: &'a str,
    pub actor: &'a str,
    pub action: &'a str,
    pub target: &'a str,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

pub fn record(conn: &mut DbConn, change: Change<'_>, now: NaiveDateTime) -> StoreResult<()> {
    diesel::insert_into(admin_audit::table)
        .values(&AuditRow {
            id: new_id(),
            municipality_id: change.municipality_id.into(),
            actor: change.actor.to_string(),
            action: change.action.to_string(),
            target: change.target.to_string(),
            before: change.before.map(|v| v.to_string()),
            after: change.after.map(|v| v.to_string()),
            created_at: now,
        })
        .execute(conn)?;
    Ok(())
}

/// The comune's changes, newest first, after the cursor `(created_at, id)`.
pub fn recent(
    conn: &mut DbConn,
    municipality_id: &str,
    after: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> StoreResult<Vec<AuditRow>> {
    let mut q = admin_audit::table
        .filter(admin_audit::municipality_id.eq(municipality_id))
        .into_boxed();
    if let Some((at, id)) = after {
        q = q.filter(
            admin_audit::created_at
                .lt(at)
                .or(admin_audit::created_at.eq(at).and(admin_audit::id.lt(id))),
        );
    }
    Ok(
        q.order((admin_audit::created_at.desc(), admin_audit::id.desc()))
            .limit(limit)
            .select(AuditRow::as_select())
            .load(conn)?,
    )
}
