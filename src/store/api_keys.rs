//! API keys for integrations: Open311 clients and external offices' own
//! systems. Stored as SHA-256 hashes; shown once; revocable.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use rand::RngCore;

use super::schema::api_keys;
use super::StoreResult;
use super::{new_id, DbConn};
use crate::domain::ids::{MunicipalityId, OfficeId};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = api_keys)]
pub struct ApiKeyRow {
    pub id: String,
    pub name: String,
    pub key_hash: String,
    pub municipality_id: MunicipalityId,
    pub office_id: Option<OfficeId>,
    pub created_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
}

fn hash(key: &str) -> String {
    super::reports::hash_token(key)
}

/// Issues a key (answering for the office `office_id`, if given); returns
/// `(id, key)`. The key is not stored.
pub fn issue(
    conn: &mut DbConn,
    municipality_id: &str,
    name: &str,
    office_id: Option<&str>,
    now: NaiveDateTime,
) -> StoreResult<(String, String)> {
    let mut bytes = [0u8; 24];
    rand::thread_rng().fill_bytes(&mut bytes);
    let key = format!("sk_{}", hex::encode(bytes));
    let id = new_id();
    diesel::insert_into(api_keys::table)
        .values((
            api_keys::id.eq(&id),
            api_keys::name.eq(name),
            api_keys::key_hash.eq(hash(&key)),
            api_keys::municipality_id.eq(municipality_id),
            api_keys::office_id.eq(office_id),
            api_keys::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok((id, key))
}

/// The active key matching `key`, if any.
pub fn find_active(conn: &mut DbConn, key: &str) -> StoreResult<Option<ApiKeyRow>> {
    Ok(api_keys::table
        .filter(api_keys::key_hash.eq(hash(key)))
        .filter(api_keys::revoked_at.is_null())
        .select(ApiKeyRow::as_select())
        .first(conn)
        .optional()?)
}

/// Revokes a key; whether it was active.
pub fn revoke(conn: &mut DbConn, id: &str, now: NaiveDateTime) -> StoreResult<bool> {
    let n = diesel::update(
        api_keys::table
            .find(id)
            .filter(api_keys::revoked_at.is_null()),
    )
    .set(api_keys::revoked_at.eq(Some(now)))
    .execute(conn)?;
    Ok(n == 1)
}

/// The comune a key belongs to.
pub fn municipality_of(conn: &mut DbConn, id: &str) -> StoreResult<Option<String>> {
    if !super::could_match(id) {
        return Ok(None);
    }
    Ok(api_keys::table
        .find(id)
        .select(api_keys::municipality_id)
        .first(conn)
        .optional()?)
}

pub fn list(conn: &mut DbConn, municipality_id: &str) -> StoreResult<Vec<ApiKeyRow>> {
    Ok(api_keys::table
        .filter(api_keys::municipality_id.eq(municipality_id))
        .order(api_keys::created_at)
        .select(ApiKeyRow::as_select())
        .load(conn)?)
}
