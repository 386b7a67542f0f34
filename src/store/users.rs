//! Staff accounts: role, municipality, offices, password hash, the token
//! version that invalidates issued tokens, and the per-account lockout.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{offices, user_offices, users};
use super::{new_id, DbConn};
use super::{StoreError, StoreResult};
use crate::domain::accounts;
use crate::domain::ids::{MunicipalityId, OfficeId};
use crate::domain::permissions::{Role, StaffActor};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: Role,
    pub municipality_id: MunicipalityId,
    pub active: bool,
    pub token_version: i32,
    pub failed_logins: i32,
    pub locked_until: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub email: Option<String>,
}

/// A user with their offices.
#[derive(Debug, Clone)]
pub struct User {
    pub row: UserRow,
    /// `(id, code)` of each office.
    pub offices: Vec<(OfficeId, String)>,
}

impl User {
    pub fn actor(&self) -> StaffActor {
        StaffActor {
            user_id: self.row.id.clone(),
            role: self.row.role,
            municipality_id: self.row.municipality_id.clone(),
            office_ids: self.offices.iter().map(|(id, _)| id.clone()).collect(),
            integration: false,
        }
    }
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: Role,
    pub municipality_id: MunicipalityId,
    /// The ids of the offices the account works for.
    pub office_ids: Vec<OfficeId>,
    /// Where escalations reach a supervisor.
    pub email: Option<String>,
}

pub fn create(conn: &mut DbConn, u: &NewUser, now: NaiveDateTime) -> StoreResult<User> {
    let id = new_id();
    diesel::insert_into(users::table)
        .values((
            users::id.eq(&id),
            users::username.eq(&u.username),
            users::display_name.eq(u.display_name.trim()),
            users::password_hash.eq(&u.password_hash),
            users::role.eq(u.role.as_str()),
            users::municipality_id.eq(&u.municipality_id),
            users::active.eq(true),
            users::token_version.eq(0),
            users::failed_logins.eq(0),
            users::created_at.eq(now),
            users::updated_at.eq(now),
            users::email.eq(&u.email),
        ))
        .execute(conn)?;
    set_offices(conn, &id, &u.office_ids)?;
    by_id(conn, &id)?.ok_or_else(|| StoreError::internal("user vanished after insert"))
}

fn set_offices(conn: &mut DbConn, user_id: &str, office_ids: &[OfficeId]) -> StoreResult<()> {
    diesel::delete(user_offices::table.filter(user_offices::user_id.eq(user_id))).execute(conn)?;
    for office in office_ids {
        diesel::insert_into(user_offices::table)
            .values((
                user_offices::user_id.eq(user_id),
                user_offices::office_id.eq(office),
            ))
            .execute(conn)?;
    }
    Ok(())
}

fn with_offices(conn: &mut DbConn, row: UserRow) -> StoreResult<User> {
    let offices: Vec<(OfficeId, String)> = user_offices::table
        .inner_join(offices::table.on(offices::id.eq(user_offices::office_id)))
        .filter(user_offices::user_id.eq(&row.id))
        .select((offices::id, offices::code))
        .order(offices::code)
        .load(conn)?;
    Ok(User { row, offices })
}

pub fn by_id(conn: &mut DbConn, id: &str) -> StoreResult<Option<User>> {
    if !super::could_match(id) {
        return Ok(None);
    }
    match users::table
        .find(id)
        .select(UserRow::as_select())
        .first(conn)
        .optional()?
    {
        Some(row) => Ok(Some(with_offices(conn, row)?)),
        None => Ok(None),
    }
}

pub fn by_username(conn: &mut DbConn, username: &str) -> StoreResult<Option<User>> {
    if !super::could_match(username) {
        return Ok(None);
    }
    match users::table
        .filter(users::username.eq(username))
        .select(UserRow::as_select())
        .first(conn)
        .optional()?
    {
        Some(row) => Ok(Some(with_offices(conn, row)?)),
        None => Ok(None),
    }
}

pub fn list(conn: &mut DbConn, municipality_id: &str) -> StoreResult<Vec<User>> {
    let rows: Vec<UserRow> = users::table
        .filter(users::municipality_id.eq(municipality_id))
        .order(users::username)
        .select(UserRow::as_select())
        .load(conn)?;
    rows.into_iter().map(|r| with_offices(conn, r)).collect()
}

/// What an update may change; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct UserUpdate {
    pub display_name: Option<String>,
    pub role: Option<Role>,
    /// The ids of the offices the account works for.
    pub office_ids: Option<Vec<OfficeId>>,
    pub active: Option<bool>,
    pub password_hash: Option<String>,
    /// `Some(None)` clears it.
    pub email: Option<Option<String>>,
}

/// Applies an update to an account that exists. A change that ends the
/// account's sessions ([`accounts::ends_sessions`]) bumps the token version,
/// so tokens issued before stop working at once.
pub fn update(
    conn: &mut DbConn,
    id: &str,
    u: &UserUpdate,
    now: NaiveDateTime,
) -> StoreResult<User> {
    let user = by_id(conn, id)?.ok_or_else(|| StoreError::internal(format!("no user {id}")))?;
    let invalidate =
        accounts::ends_sessions(u.password_hash.is_some(), u.active, u.role, user.row.role);
    if let Some(name) = &u.display_name {
        diesel::update(users::table.find(id))
            .set(users::display_name.eq(name.trim()))
            .execute(conn)?;
    }
    if let Some(role) = u.role {
        diesel::update(users::table.find(id))
            .set(users::role.eq(role.as_str()))
            .execute(conn)?;
    }
    if let Some(active) = u.active {
        diesel::update(users::table.find(id))
            .set(users::active.eq(active))
            .execute(conn)?;
    }
    if let Some(hash) = &u.password_hash {
        diesel::update(users::table.find(id))
            .set((
                users::password_hash.eq(hash),
                users::failed_logins.eq(0),
                users::locked_until.eq(None::<NaiveDateTime>),
            ))
            .execute(conn)?;
    }
    if let Some(email) = &u.email {
        diesel::update(users::table.find(id))
            .set(users::email.eq(email))
            .execute(conn)?;
    }
    if let Some(ids) = &u.office_ids {
        set_offices(conn, id, ids)?;
    }
    let version = if invalidate {
        user.row.token_version + 1
    } else {
        user.row.token_version
    };
    diesel::update(users::table.find(id))
        .set((users::token_version.eq(version), users::updated_at.eq(now)))
        .execute(conn)?;
    by_id(conn, id)?.ok_or_else(|| StoreError::internal("user vanished after update"))
}

/// The supervisors of a municipality (escalation and triage notices).
pub fn supervisors(conn: &mut DbConn, municipality_id: &str) -> StoreResult<Vec<UserRow>> {
    Ok(users::table
        .filter(users::municipality_id.eq(municipality_id))
        .filter(users::role.eq(Role::Supervisor.as_str()))
        .filter(users::active.eq(true))
        .select(UserRow::as_select())
        .load(conn)?)
}
