//! Staff accounts: create, change (role, offices, e-mail, active), set a new
//! password. Disabling or a new password ends the account's sessions. Only a
//! platform administrator touches a platform administrator's account.

use chrono::NaiveDateTime;
use serde_json::{json, Value};

use super::{invalid, text, Admin};
use crate::domain::accounts;
use crate::domain::ids::OfficeId;
use crate::domain::permissions::Role;
use crate::domain::validate::Email;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::store::users::{self, NewUser, User, UserUpdate};
use crate::store::{catalog, DbConn};

fn platform_only() -> AppError {
    AppError::Forbidden {
        code: ErrorCode::Forbidden,
        message: "only a platform administrator changes a platform administrator's account".into(),
    }
}

/// What the audit log keeps of an account (never its password).
fn audited(u: &User) -> Value {
    json!({
        "username": u.row.username,
        "display_name": u.row.display_name,
        "role": u.row.role,
        "active": u.row.active,
        "email": u.row.email,
        "offices": u.offices.iter().map(|(_, code)| code).collect::<Vec<_>>(),
    })
}

/// An e-mail as typed for the field `email`.
fn email(value: &str) -> AppResult<String> {
    Email::parse("email", value)
        .map(Email::into_string)
        .map_err(|e| AppError::Validation(vec![e]))
}

/// A new account; the password is hashed by the caller (slow, outside the
/// transaction).
pub struct UserInput {
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: Role,
    /// Office codes (required for `office`).
    pub offices: Vec<String>,
    pub email: Option<String>,
}

pub fn create(conn: &mut DbConn, who: &Admin, input: UserInput) -> AppResult<User> {
    if input.role == Role::Platform && !who.platform {
        return Err(platform_only());
    }
    accounts::check_username(&input.username).map_err(invalid)?;
    let display_name = text("display_name", &input.display_name, 120)?;
    accounts::check_offices(input.role, !input.offices.is_empty()).map_err(invalid)?;
    let new = NewUser {
        username: input.username,
        display_name,
        password_hash: input.password_hash,
        role: input.role,
        office_ids: office_ids(conn, &who.municipality, &input.offices)?,
        municipality_id: who.municipality.clone(),
        email: input
            .email
            .filter(|e| !e.trim().is_empty())
            .map(|e| email(&e))
            .transpose()?,
    };
    let user = insert(conn, &new, who.at())?;
    who.record(
        conn,
        "user.created",
        &user.row.username,
        None,
        Some(audited(&user)),
    )?;
    Ok(user)
}

/// What changes about an account (`None`: leave it; an empty e-mail removes it).
#[derive(Default)]
pub struct UserChanges {
    pub display_name: Option<String>,
    pub role: Option<Role>,
    pub offices: Option<Vec<String>>,
    pub active: Option<bool>,
    pub password_hash: Option<String>,
    pub email: Option<String>,
}

/// The comune's account with that id, if `who` may change it.
fn changeable(conn: &mut DbConn, who: &Admin, id: &str) -> AppResult<User> {
    let user = users::by_id(conn, id)?
        .filter(|u| u.row.municipality_id == who.municipality)
        .ok_or_else(|| AppError::not_found(ErrorCode::UserNotFound, "no such user"))?;
    if user.row.role == Role::Platform && !who.platform {
        return Err(platform_only());
    }
    Ok(user)
}

pub fn update(conn: &mut DbConn, who: &Admin, id: &str, c: UserChanges) -> AppResult<User> {
    if c.role == Some(Role::Platform) && !who.platform {
        return Err(platform_only());
    }
    let password_changed = c.password_hash.is_some();
    let display_name = c
        .display_name
        .map(|n| text("display_name", &n, 120))
        .transpose()?;
    let email = match c.email {
        None => None,
        Some(e) if e.trim().is_empty() => Some(None),
        Some(e) => Some(Some(email(&e)?)),
    };
    let existing = changeable(conn, who, id)?;
    let has_offices = c
        .offices
        .as_ref()
        .map_or(!existing.offices.is_empty(), |c| !c.is_empty());
    accounts::check_offices(c.role.unwrap_or(existing.row.role), has_offices).map_err(invalid)?;
    let update = UserUpdate {
        display_name,
        role: c.role,
        office_ids: c
            .offices
            .as_ref()
            .map(|codes| office_ids(conn, &who.municipality, codes))
            .transpose()?,
        active: c.active,
        password_hash: c.password_hash,
        email,
    };
    let user = users::update(conn, id, &update, who.at())?;
    let mut after = audited(&user);
    after["password_changed"] = password_changed.into();
    who.record(
        conn,
        "user.updated",
        &user.row.username,
        Some(audited(&existing)),
        Some(after),
    )?;
    Ok(user)
}

/// A new password (hashed by the caller); the account's sessions end.
pub fn set_password(conn: &mut DbConn, who: &Admin, id: &str, hash: String) -> AppResult<User> {
    let user = changeable(conn, who, id)?;
    let update = UserUpdate {
        password_hash: Some(hash),
        ..Default::default()
    };
    let user = users::update(conn, &user.row.id, &update, who.at())?;
    who.record(conn, "user.password_reset", &user.row.username, None, None)?;
    Ok(user)
}

/// Creates an account whose username is free (a 409 `username_taken` if
/// not): the one way an account is made, by an administrator or for a new
/// comune's first.
pub(crate) fn insert(conn: &mut DbConn, new: &NewUser, now: NaiveDateTime) -> AppResult<User> {
    if users::by_username(conn, &new.username)?.is_some() {
        return Err(AppError::conflict(
            ErrorCode::UsernameTaken,
            format!("the username {} is taken", new.username),
        ));
    }
    Ok(users::create(conn, new, now)?)
}

/// The ids of the comune's offices `codes`, or a field error naming the
/// first that is not one of them.
fn office_ids(
    conn: &mut DbConn,
    municipality_id: &str,
    codes: &[String],
) -> AppResult<Vec<OfficeId>> {
    let found = catalog::offices_by_codes(conn, municipality_id, codes)?;
    codes
        .iter()
        .map(|code| {
            found
                .iter()
                .find(|o| &o.code == code)
                .map(|o| o.id.clone())
                .ok_or_else(|| {
                    AppError::field(
                        "offices",
                        ErrorCode::UnknownOffice,
                        format!("no office `{code}` in this municipality"),
                    )
                })
        })
        .collect()
}
