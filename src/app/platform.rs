//! What a platform administrator does: serve a new comune, with its first
//! administrator, recorded in the new comune's audit log.

use chrono::NaiveDateTime;
use serde_json::{json, Value};

use crate::comuni::{self, NewComune, Served};
use crate::domain::accounts;
use crate::domain::permissions::Role;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::store::audit::{self, Change};
use crate::store::users::{NewUser, User};
use crate::store::{municipalities, DbConn};

/// The new comune's first administrator (the password hashed by the caller).
pub struct AdminAccount {
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
}

/// Serves `comune` (boundary from `doc`) with its first administrator;
/// `actor` (a platform administrator) is who the audit log names. Refused if
/// the comune is already served.
pub fn serve_comune(
    conn: &mut DbConn,
    actor: &str,
    doc: &Value,
    comune: NewComune,
    admin: AdminAccount,
    now: NaiveDateTime,
) -> AppResult<(Served, User)> {
    accounts::check_username(&admin.username)
        .map_err(|e| AppError::Validation(vec![e.named("admin.username")]))?;
    if municipalities::find(conn, &comune.istat)?.is_some() {
        return Err(AppError::conflict(
            ErrorCode::MunicipalityExists,
            format!("{} is already served", comune.istat),
        ));
    }
    let served = comuni::serve(conn, doc, comune, now)?;
    let m = &served.municipality;
    let user = super::admin::users::insert(
        conn,
        &NewUser {
            username: admin.username,
            display_name: admin.display_name,
            password_hash: admin.password_hash,
            role: Role::Admin,
            municipality_id: m.id.clone().into(),
            office_ids: Vec::new(),
            email: None,
        },
        now,
    )?;
    audit::record(
        conn,
        Change {
            municipality_id: &m.id,
            actor,
            action: "municipality.created",
            target: &m.id,
            before: None,
            after: Some(json!({
                "name": m.name, "code_prefix": m.code_prefix,
                "starter": served.catalogue.is_some(), "admin": user.row.username,
            })),
        },
        now,
    )?;
    Ok((served, user))
}
