//! API keys for integrations: issued once, revoked.

use serde_json::json;

use super::{given, text, Admin};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::store::{api_keys, catalog, DbConn};

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
    let office_id = match &office {
        None => None,
        Some(code) => Some(
            catalog::office_by_code(conn, &who.municipality, code)?
                .ok_or_else(|| {
                    AppError::field(
                        "office",
                        ErrorCode::UnknownOffice,
                        format!("no office `{code}`"),
                    )
                })?
                .id,
        ),
    };
    let (id, key) = api_keys::issue(
        conn,
        &who.municipality,
        &name,
        office_id.as_deref(),
        who.at(),
    )?;
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
    let not_found = || AppError::not_found(ErrorCode::ApiKeyNotFound, "no active key with that id");
    let key = api_keys::list(conn, &who.municipality)?
        .into_iter()
        .find(|k| k.id == id && k.revoked_at.is_none())
        .ok_or_else(not_found)?;
    if !api_keys::revoke(conn, &key.id, who.at())? {
        return Err(not_found());
    }
    who.record(
        conn,
        "api_key.revoked",
        &key.id,
        Some(json!({"name": key.name})),
        None,
    )
}
