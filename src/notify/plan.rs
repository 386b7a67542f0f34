//! What each change tells whom, written to the outbox (or the callback queue)
//! inside the change's own transaction.

use chrono::{DateTime, Datelike, Timelike, Utc};
use serde_json::json;

use super::deliver::{EmailPayload, WebhookPayload};
use super::templates::{render, status_label};
use crate::domain::calendar::DeadlineMode;
use crate::domain::report::{ContactPreference, Status};
use crate::error::{AppError, AppResult};
use crate::store::catalog::{self, OfficeRow};
use crate::store::reports::ReportRow;
use crate::store::{callbacks, municipalities, naive, outbox, users, utc, DbConn};

/// Where links point.
#[derive(Debug, Clone)]
pub struct Links {
    pub base_url: String,
}

impl Links {
    fn report(&self, code: &str, token: Option<&str>) -> String {
        let base = self.base_url.trim_end_matches('/');
        match token {
            Some(t) => format!("{base}/segnalazioni/{code}?token={t}"),
            None => format!("{base}/segnalazioni/{code}"),
        }
    }
    fn staff(&self, code: &str) -> String {
        format!(
            "{}/staff/segnalazioni/{code}",
            self.base_url.trim_end_matches('/')
        )
    }
}

/// "lunedì 7 dicembre 2026, 16:00" / "Monday 7 December 2026, 16:00", in Italy's time.
pub fn format_when(t: DateTime<Utc>, lang: &str) -> String {
    let local = t.with_timezone(&chrono_tz::Europe::Rome);
    const GIORNI: [&str; 7] = [
        "lunedì",
        "martedì",
        "mercoledì",
        "giovedì",
        "venerdì",
        "sabato",
        "domenica",
    ];
    const MESI: [&str; 12] = [
        "gennaio",
        "febbraio",
        "marzo",
        "aprile",
        "maggio",
        "giugno",
        "luglio",
        "agosto",
        "settembre",
        "ottobre",
        "novembre",
        "dicembre",
    ];
    const DAYS: [&str; 7] = [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ];
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let wd = local.weekday().num_days_from_monday() as usize;
    let m = local.month0() as usize;
    let (days, months) = if lang == "en" {
        (DAYS, MONTHS)
    } else {
        (GIORNI, MESI)
    };
    format!(
        "{} {} {} {}, {:02}:{:02}",
        days[wd],
        local.day(),
        months[m],
        local.year(),
        local.hour(),
        local.minute()
    )
}

/// What a notification says of a report besides the report itself.
pub struct Facts {
    category: String,
    office: Option<OfficeRow>,
    municipality: String,
}

impl Facts {
    /// The facts from rows the caller holds (a filing has just read them: no
    /// need to read them again); a row missing says nothing.
    pub fn known(
        r: &ReportRow,
        category: Option<&crate::store::catalog::CategoryRow>,
        office: Option<&OfficeRow>,
        municipality: Option<&crate::store::municipalities::MunicipalitySummary>,
    ) -> Self {
        Self {
            category: category
                .map(|c| c.name(r.language.as_str()).to_string())
                .unwrap_or_default(),
            office: office.cloned(),
            municipality: municipality
                .map(|m| format!("Comune di {}", m.name))
                .unwrap_or_default(),
        }
    }
}

fn facts(conn: &mut DbConn, r: &ReportRow) -> AppResult<Facts> {
    let category = catalog::categories_by_ids(conn, std::slice::from_ref(&r.category_id))?.pop();
    let office = match &r.office_id {
        Some(id) => catalog::offices_by_ids(conn, std::slice::from_ref(id))?.pop(),
        None => None,
    };
    let municipality = municipalities::find(conn, &r.municipality_id)?;
    Ok(Facts::known(
        r,
        category.as_ref(),
        office.as_ref(),
        municipality.as_ref(),
    ))
}

fn stamp(r: &ReportRow) -> i64 {
    r.updated_at.and_utc().timestamp_micros()
}

fn email(
    conn: &mut DbConn,
    r: &ReportRow,
    key: String,
    to: &str,
    kind: &str,
    lang: &str,
    ctx: serde_json::Value,
) -> AppResult<()> {
    let rendered = render(kind, lang, &ctx)
        .map_err(|e| AppError::internal(format!("template {kind}: {e}")))?;
    let payload = EmailPayload {
        report: Some(r.code.clone()),
        to: to.to_string(),
        subject: rendered.subject,
        text: rendered.text,
        html: rendered.html,
        message_id: super::message_id(&key),
    };
    enqueue(conn, r, "email", &key, &payload)
}

/// Tells the report's office's own system of `event`, if it has one.
fn webhook(
    conn: &mut DbConn,
    r: &ReportRow,
    office: Option<&OfficeRow>,
    event: &str,
    links: &Links,
) -> AppResult<()> {
    let Some(office) = office.filter(|o| o.webhook_url.is_some()) else {
        return Ok(());
    };
    let body = json!({
        "event": event,
        "occurred_at": utc(r.updated_at),
        "report": {
            "code": r.code,
            "status": r.status,
            "category_id": r.category_id,
            "title": r.title,
            "description": r.description,
            "lat": r.lat,
            "lon": r.lon,
            "address": r.address,
            "office": office.code,
            "take_in_due_at": r.take_in_due_at.map(utc),
            "url": links.report(&r.code, None),
        }
    });
    let payload = WebhookPayload {
        office_id: office.id.clone(),
        body,
    };
    let key = format!("{}:{event}:{}:webhook:{}", r.code, stamp(r), office.id);
    enqueue(conn, r, "webhook", &key, &payload)
}

/// Puts a message about `r` in the outbox, as of the report's last change.
fn enqueue(
    conn: &mut DbConn,
    r: &ReportRow,
    kind: &str,
    key: &str,
    payload: &impl serde::Serialize,
) -> AppResult<()> {
    let payload = serde_json::to_value(payload).map_err(AppError::internal)?;
    outbox::enqueue(conn, kind, key, &payload, Some(r.id), r.updated_at)?;
    Ok(())
}

fn citizen_email(r: &ReportRow) -> Option<&str> {
    (r.contact_preference == ContactPreference::Email)
        .then_some(r.reporter_email.as_deref())
        .flatten()
}

/// A report was filed: the citizen gets the code and the personal link; the
/// office's system gets the report.
pub fn created(
    conn: &mut DbConn,
    r: &ReportRow,
    f: &Facts,
    token: &str,
    links: &Links,
) -> AppResult<()> {
    if let Some(to) = citizen_email(r) {
        let due = r
            .take_in_due_at
            .map(|d| format_when(utc(d), r.language.as_str()))
            .unwrap_or_default();
        let ctx = json!({
            "code": r.code, "title": r.title, "category": f.category,
            "office": f.office.as_ref().map(|o| o.name.clone()).unwrap_or_else(|| "Ufficio Relazioni con il Pubblico".into()),
            "due": due, "link": links.report(&r.code, Some(token)), "municipality": f.municipality,
        });
        email(
            conn,
            r,
            format!("{}:created:email", r.code),
            to,
            "received",
            r.language.as_str(),
            ctx,
        )?;
    }
    webhook(conn, r, f.office.as_ref(), "report.created", links)
}

/// A report changed status or got a public message. The citizen with an email
/// hears of it; the citizen with only a phone is called back when it is
/// resolved, rejected, or cannot be fixed soon; the office's system is told.
pub fn changed(
    conn: &mut DbConn,
    r: &ReportRow,
    to: Status,
    message: Option<&str>,
    cannot_fix_soon: bool,
    links: &Links,
) -> AppResult<()> {
    let f = facts(conn, r)?;
    if let Some(address) = citizen_email(r) {
        let ctx = json!({
            "code": r.code, "title": r.title, "category": f.category,
            "office": f.office.as_ref().map(|o| o.name.clone()).unwrap_or_default(),
            "status": status_label(to.as_str(), r.language.as_str()), "message": message,
            "link": links.report(&r.code, None), "municipality": f.municipality,
        });
        email(
            conn,
            r,
            format!("{}:{}:{}:email", r.code, to, stamp(r)),
            address,
            "update",
            r.language.as_str(),
            ctx,
        )?;
    }
    let phone_only = r.contact_preference == ContactPreference::Phone && r.reporter_phone.is_some();
    let reason = match to {
        Status::Resolved => Some("resolved"),
        Status::Rejected => Some("rejected"),
        _ if cannot_fix_soon => Some("cannot_fix_soon"),
        _ => None,
    };
    if let (true, Some(reason)) = (phone_only, reason) {
        let calendar = municipalities::calendar(conn, &r.municipality_id)?;
        let due = calendar.deadline(utc(r.updated_at), 24, DeadlineMode::WorkingDays);
        callbacks::open(
            conn,
            r.id,
            &r.municipality_id,
            reason,
            message,
            naive(due),
            r.updated_at,
        )?;
    }
    webhook(conn, r, f.office.as_ref(), "report.status_changed", links)
}

/// A report was routed to a (new) office: its system is told.
pub fn assigned(conn: &mut DbConn, r: &ReportRow, links: &Links) -> AppResult<()> {
    let f = facts(conn, r)?;
    webhook(conn, r, f.office.as_ref(), "report.assigned", links)
}

/// A report (or a callback) is overdue: every supervisor with an email is told.
pub fn escalated(
    conn: &mut DbConn,
    r: &ReportRow,
    level: i32,
    what: &str,
    links: &Links,
) -> AppResult<()> {
    let f = facts(conn, r)?;
    for sup in users::supervisors(conn, &r.municipality_id)? {
        let Some(to) = sup.email.as_deref() else {
            continue;
        };
        let ctx = json!({
            "code": r.code, "title": r.title, "category": f.category, "level": level,
            "office": f.office.as_ref().map(|o| o.name.clone()).unwrap_or_else(|| "nessun ufficio (triage)".into()),
            "due": r.take_in_due_at.map(|d| format_when(utc(d), "it")).unwrap_or_default(),
            "link": links.staff(&r.code),
        });
        email(
            conn,
            r,
            format!("{}:{what}:{level}:supervisor:{}", r.code, sup.id),
            to,
            "escalation",
            "it",
            ctx,
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_naturally() {
        let t: DateTime<Utc> = "2026-12-07T15:00:00Z".parse().unwrap();
        assert_eq!(format_when(t, "it"), "lunedì 7 dicembre 2026, 16:00");
        assert_eq!(format_when(t, "en"), "Monday 7 December 2026, 16:00");
    }
}
