//! API keys for integrations (issued once, listed, revoked) and the
//! notifications that could not be delivered (queued again on request).

use serde_json::json;

use super::{given, text, Admin};
use crate::error::{AppError, AppResult};
use crate::store::{api_keys, outbox, reports, DbConn};

/// Issues a key named `name` (for the office `office`, when it answers for
/// one); returns its id and the key itself, to be shown this once.
pub fn issue(
    conn: &mut DbConn,
    who: &Admin,
    name: &str,
    office: Option<String>,
) -> AppResult<(String, String)> {
    let name = text("name", name, 120)?;
    let office = given(office);
    let (id, key) = api_keys::issue(conn, &who.municipality, &name, office.as_deref(), who.at())?;
    who.record(
        conn,
        "api_key.issued",
        &id,
        None,
        Some(json!({"name": name, "office": office})),
    )?;
    Ok((id, key))
}

/// Revokes one of the comune's active keys: it stops working at once.
pub fn revoke(conn: &mut DbConn, who: &Admin, id: &str) -> AppResult<()> {
    let key = api_keys::list(conn, &who.municipality)?
        .into_iter()
        .find(|k| k.id == id && k.revoked_at.is_none())
        .ok_or_else(|| AppError::not_found("api_key_not_found", "no active key with that id"))?;
    api_keys::revoke(conn, &key.id, who.at())?;
    who.record(
        conn,
        "api_key.revoked",
        &key.id,
        Some(json!({"name": key.name})),
        None,
    )
}

/// Queues a dead notification about one of the comune's reports again.
pub fn retry_notification(conn: &mut DbConn, who: &Admin, id: &str) -> AppResult<()> {
    let row = outbox::find(conn, id)?;
    let report = match row.and_then(|r| r.report_id) {
        Some(rid) => reports::by_ids(conn, &[rid])?.pop(),
        None => None,
    };
    if report.is_none_or(|r| r.municipality_id != who.municipality) {
        return Err(AppError::not_found(
            "outbox_row_not_found",
            "no dead notification with that id",
        ));
    }
    outbox::retry(conn, id, who.at())?;
    who.record(conn, "notification.retried", id, None, None)
}
