//! Offices: create, change (webhook included), rotate the webhook's secret,
//! deactivate handing their work to another office.

use serde_json::{json, Value};

use super::{invalid, Admin};
use crate::app::reports::routing::{reroute, Reroute};
use crate::domain::catalog as rules;
use crate::domain::validate::{Email, Phone};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::notify::templates;
use crate::store::catalog::{self, NewOffice, OfficeChanges, OfficeLoad, OfficeRow};
use crate::store::reports;
use crate::store::DbConn;

/// What the audit log keeps of an office (never the webhook secret).
fn audited(o: &OfficeRow) -> Value {
    json!({
        "code": o.code, "name": o.name, "kind": o.kind, "email": o.email,
        "phone": o.phone, "webhook_url": o.webhook_url, "active": o.active,
    })
}

/// The comune's office with that code, or 404.
pub fn find(conn: &mut DbConn, municipality: &str, code: &str) -> AppResult<OfficeRow> {
    catalog::office_by_code(conn, municipality, code)?.ok_or_else(|| {
        AppError::not_found(
            ErrorCode::OfficeNotFound,
            format!("no office `{code}` here"),
        )
    })
}

/// An e-mail and a phone as given (empty: none), checked.
fn contact(
    email: Option<&str>,
    phone: Option<&str>,
) -> AppResult<(Option<String>, Option<String>)> {
    let email = email
        .filter(|e| !e.trim().is_empty())
        .map(|e| Email::parse("email", e).map(Email::into_string))
        .map(|r| r.map_err(|e| AppError::Validation(vec![e])))
        .transpose()?;
    let phone = phone
        .filter(|p| !p.trim().is_empty())
        .map(|p| Phone::parse("phone", p).map(Phone::into_string))
        .map(|r| r.map_err(|e| AppError::Validation(vec![e])))
        .transpose()?;
    Ok((email, phone))
}

fn new_secret() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 24];
    rand::thread_rng().fill_bytes(&mut bytes);
    format!("whsec_{}", hex::encode(bytes))
}

/// A new office, as typed.
pub struct OfficeInput {
    pub code: String,
    pub name: String,
    /// `internal` or `company`.
    pub kind: String,
    pub email: Option<String>,
    pub phone: Option<String>,
}

pub fn create(conn: &mut DbConn, who: &Admin, input: OfficeInput) -> AppResult<OfficeRow> {
    let name = super::text("name", &input.name, 200)?;
    let (email, phone) = contact(input.email.as_deref(), input.phone.as_deref())?;
    let new = NewOffice {
        municipality_id: who.municipality.clone(),
        code: input.code,
        name,
        kind: input.kind,
        email,
        phone,
    };
    rules::check_code(&new.code).map_err(invalid)?;
    rules::office_kind(&new.kind).map_err(invalid)?;
    if catalog::office_by_code(conn, &who.municipality, &new.code)?.is_some() {
        return Err(AppError::conflict(
            ErrorCode::OfficeExists,
            format!("office `{}` already exists", new.code),
        ));
    }
    let office = catalog::insert_office(conn, &new, who.at())?;
    who.record(
        conn,
        "office.created",
        &office.code,
        None,
        Some(audited(&office)),
    )?;
    Ok(office)
}

/// Where an office's system receives its reports.
pub enum Webhook {
    Remove,
    /// A first URL gets a new secret unless one is given; a new URL keeps
    /// the secret the office has.
    Url {
        url: String,
        secret: Option<String>,
    },
}

/// What changes about an office (`None`: leave it; an empty email or phone
/// clears it).
#[derive(Default)]
pub struct OfficeUpdate {
    pub name: Option<String>,
    pub kind: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub webhook: Option<Webhook>,
}

/// The office after a change, with the secret made for its webhook (to be
/// shown this once).
pub struct Changed {
    pub office: OfficeRow,
    pub load: OfficeLoad,
    pub new_secret: Option<String>,
}

pub fn update(conn: &mut DbConn, who: &Admin, code: &str, u: OfficeUpdate) -> AppResult<Changed> {
    let name = u
        .name
        .as_deref()
        .map(|n| super::text("name", n, 200))
        .transpose()?;
    let (email, phone) = contact(u.email.as_deref(), u.phone.as_deref())?;
    let changes = OfficeChanges {
        name,
        kind: u.kind,
        email: u.email.map(|_| email),
        phone: u.phone.map(|_| phone),
    };
    let before = find(conn, &who.municipality, code)?;
    let mut new_secret_made = None;
    match u.webhook {
        None => {}
        Some(Webhook::Remove) => catalog::set_webhook(conn, &before.id, None)?,
        Some(Webhook::Url { url, secret }) => {
            let url = url.trim();
            let secret = match secret.or_else(|| before.webhook_secret.clone()) {
                Some(s) => s,
                None => {
                    let s = new_secret();
                    new_secret_made = Some(s.clone());
                    s
                }
            };
            rules::check_webhook(url, &secret).map_err(invalid)?;
            catalog::set_webhook(conn, &before.id, Some((url, &secret)))?;
        }
    }
    if let Some(kind) = &changes.kind {
        rules::office_kind(kind).map_err(invalid)?;
    }
    // Reads the row back, webhook included.
    let office = catalog::update_office(conn, &before.id, &changes)?;
    who.record(
        conn,
        "office.updated",
        &office.code,
        Some(audited(&before)),
        Some(audited(&office)),
    )?;
    let load = catalog::office_load(conn, &office.id)?;
    Ok(Changed {
        office,
        load,
        new_secret: new_secret_made,
    })
}

/// A new secret for the office's webhook; the old one stops working.
pub fn rotate_secret(conn: &mut DbConn, who: &Admin, code: &str) -> AppResult<Changed> {
    let office = find(conn, &who.municipality, code)?;
    let Some(url) = office.webhook_url.clone() else {
        return Err(AppError::conflict(
            ErrorCode::NoWebhook,
            "the office has no webhook: set `webhook_url` first",
        ));
    };
    let secret = new_secret();
    catalog::set_webhook(conn, &office.id, Some((&url, &secret)))?;
    who.record(
        conn,
        "office.webhook_secret_rotated",
        &office.code,
        None,
        None,
    )?;
    let load = catalog::office_load(conn, &office.id)?;
    Ok(Changed {
        office,
        load,
        new_secret: Some(secret),
    })
}

/// What a deactivation did.
pub struct Deactivated {
    pub office: OfficeRow,
    /// What was handed to `move_to` (nothing when nothing depended on it).
    pub moved: OfficeLoad,
    pub move_to: Option<String>,
}

/// Hands what `office` has over to `target`: its open reports go back to
/// `new` there (their new office hears of each), its categories and zones
/// route there.
fn hand_over(
    conn: &mut DbConn,
    who: &Admin,
    office: &OfficeRow,
    target: &OfficeRow,
    links: &crate::notify::plan::Links,
) -> AppResult<()> {
    let ids = catalog::open_report_ids(conn, &office.id)?;
    for report in reports::by_ids(conn, &ids)? {
        let updated = reroute(
            conn,
            &report,
            Reroute {
                category: None,
                office_id: Some(target.id.clone()),
                reason: templates::office_deactivated(&office.name),
                actor: who.actor.clone(),
                now: who.now,
            },
        )?;
        crate::notify::plan::assigned(conn, &updated, links)?;
    }
    Ok(catalog::move_routing(conn, &office.id, &target.id)?)
}

/// Deactivates an office. When open reports, categories or zones depend on
/// it, `move_to` (another active office) takes them over: its open reports go
/// back to `new` there with a fresh deadline, and their citizens are told.
pub fn deactivate(
    conn: &mut DbConn,
    who: &Admin,
    code: &str,
    move_to: Option<&str>,
    links: &crate::notify::plan::Links,
) -> AppResult<Deactivated> {
    let m = &who.municipality;
    let office = find(conn, m, code)?;
    if !office.active {
        return Err(AppError::conflict(
            ErrorCode::OfficeInactive,
            format!("office `{code}` is already inactive"),
        ));
    }
    let load = catalog::office_load(conn, &office.id)?;
    let target = match move_to {
        None => None,
        Some(to) => Some(
            catalog::office_by_code(conn, m, to)?
                .filter(|t| t.active && t.id != office.id)
                .ok_or_else(|| {
                    AppError::field(
                        "move_to",
                        ErrorCode::UnknownOffice,
                        format!("`{to}` is not another active office here"),
                    )
                })?,
        ),
    };
    let in_use = load != OfficeLoad::default();
    if in_use && target.is_none() {
        return Err(AppError::Conflict {
            code: ErrorCode::OfficeInUse,
            message: format!(
                "{} open reports, {} categories and {} zones depend on `{code}`: say which office takes them over (`move_to`)",
                load.open_reports, load.categories, load.zones
            ),
            details: Some(json!(load)),
        });
    }
    // Nothing to hand over: a `move_to` is not needed.
    let moved_to = match target.filter(|_| in_use) {
        None => None,
        Some(target) => {
            hand_over(conn, who, &office, &target, links)?;
            Some(target.code)
        }
    };
    catalog::set_office_active(conn, &office.id, false)?;
    let moved = if moved_to.is_some() {
        load
    } else {
        OfficeLoad::default()
    };
    who.record(
        conn,
        "office.deactivated",
        &office.code,
        Some(audited(&office)),
        Some(json!({"active": false, "move_to": moved_to, "moved": moved})),
    )?;
    Ok(Deactivated {
        office: OfficeRow {
            active: false,
            ..office
        },
        moved,
        move_to: moved_to,
    })
}
