//! A starter catalogue for a new comune: a standard Italian category tree
//! and a default set of offices, so that it takes reports the minute it is
//! added (`segnala municipality add --istat … --starter`). The comune then
//! renames, re-routes and adds to it as it likes.

use std::collections::HashMap;

use chrono::NaiveDateTime;

use crate::domain::ids::{CategoryId, OfficeId};
use crate::domain::publication::Policy;
use crate::error::{AppError, AppResult};
use crate::store::catalog::{self, NewCategory, NewOffice};
use crate::store::DbConn;

/// `(code, name, kind)`.
pub const OFFICES: &[(&str, &str, &str)] = &[
    ("urp", "Ufficio Relazioni con il Pubblico", "internal"),
    (
        "lavori-pubblici",
        "Lavori pubblici e manutenzioni",
        "internal",
    ),
    ("ambiente", "Ambiente, verde e rifiuti", "internal"),
    ("polizia-locale", "Polizia locale", "internal"),
];

/// `(code, parent, name_it, name_en, office, take-in hours, resolution days, triage)`.
pub type CategorySpec = (
    &'static str,
    Option<&'static str>,
    &'static str,
    &'static str,
    Option<&'static str>,
    i32,
    i32,
    bool,
);

pub const CATEGORIES: &[CategorySpec] = &[
    (
        "strade",
        None,
        "Strade e marciapiedi",
        "Roads and pavements",
        Some("lavori-pubblici"),
        24,
        30,
        false,
    ),
    (
        "buche",
        Some("strade"),
        "Buche e dissesti stradali",
        "Potholes and damaged roads",
        Some("lavori-pubblici"),
        24,
        15,
        false,
    ),
    (
        "marciapiedi",
        Some("strade"),
        "Marciapiedi e barriere architettoniche",
        "Pavements and barriers",
        Some("lavori-pubblici"),
        24,
        30,
        false,
    ),
    (
        "illuminazione",
        None,
        "Illuminazione pubblica",
        "Street lighting",
        Some("lavori-pubblici"),
        24,
        10,
        false,
    ),
    (
        "lampioni",
        Some("illuminazione"),
        "Lampione spento o danneggiato",
        "Street light out or damaged",
        Some("lavori-pubblici"),
        24,
        10,
        false,
    ),
    (
        "verde",
        None,
        "Verde pubblico",
        "Parks and trees",
        Some("ambiente"),
        24,
        30,
        false,
    ),
    (
        "alberi",
        Some("verde"),
        "Alberi e rami pericolanti",
        "Dangerous trees and branches",
        Some("ambiente"),
        24,
        7,
        false,
    ),
    (
        "parchi",
        Some("verde"),
        "Parchi, aiuole e giochi",
        "Parks, flowerbeds and playgrounds",
        Some("ambiente"),
        24,
        30,
        false,
    ),
    (
        "rifiuti",
        None,
        "Rifiuti e pulizia",
        "Waste and cleaning",
        Some("ambiente"),
        24,
        7,
        false,
    ),
    (
        "rifiuti-abbandonati",
        Some("rifiuti"),
        "Rifiuti abbandonati",
        "Dumped waste",
        Some("ambiente"),
        24,
        7,
        false,
    ),
    (
        "cassonetti",
        Some("rifiuti"),
        "Cassonetti pieni o danneggiati",
        "Full or damaged bins",
        Some("ambiente"),
        24,
        5,
        false,
    ),
    (
        "acqua",
        None,
        "Acqua e fognature",
        "Water and drains",
        Some("lavori-pubblici"),
        24,
        15,
        false,
    ),
    (
        "perdite",
        Some("acqua"),
        "Perdite d'acqua",
        "Water leaks",
        Some("lavori-pubblici"),
        24,
        7,
        false,
    ),
    (
        "tombini",
        Some("acqua"),
        "Tombini e caditoie ostruiti",
        "Blocked drains",
        Some("lavori-pubblici"),
        24,
        15,
        false,
    ),
    (
        "segnaletica",
        None,
        "Segnaletica stradale",
        "Road signs and markings",
        Some("polizia-locale"),
        24,
        30,
        false,
    ),
    (
        "cartelli",
        Some("segnaletica"),
        "Cartelli e semafori",
        "Signs and traffic lights",
        Some("polizia-locale"),
        24,
        15,
        false,
    ),
    (
        "animali",
        None,
        "Animali",
        "Animals",
        Some("polizia-locale"),
        24,
        7,
        false,
    ),
    (
        "animali-randagi",
        Some("animali"),
        "Animali randagi o feriti",
        "Stray or injured animals",
        Some("polizia-locale"),
        24,
        3,
        false,
    ),
    (
        "degrado",
        None,
        "Degrado urbano",
        "Urban decay",
        Some("polizia-locale"),
        24,
        30,
        false,
    ),
    (
        "graffiti",
        Some("degrado"),
        "Scritte e graffiti",
        "Graffiti",
        Some("ambiente"),
        24,
        30,
        false,
    ),
    (
        "veicoli-abbandonati",
        Some("degrado"),
        "Veicoli abbandonati",
        "Abandoned vehicles",
        Some("polizia-locale"),
        24,
        30,
        false,
    ),
    ("altro", None, "Altro", "Other", None, 24, 30, true),
];

/// Categories published otherwise than the comune's default (`immediate`:
/// text at once, photos after a review). Animals (bites, owners, injured
/// pets) are never public; abandoned vehicles and graffiti name plates and
/// people, so a person reads them first.
pub const PUBLICATION: &[(&str, Policy)] = &[
    ("animali-randagi", Policy::Never),
    ("veicoli-abbandonati", Policy::AfterReview),
    ("graffiti", Policy::AfterReview),
];

/// Adds the starter offices (with the URP's email and phone when known) and
/// categories to `municipality_id`; returns how many of each.
pub fn install(
    conn: &mut DbConn,
    municipality_id: &str,
    urp_email: Option<&str>,
    now: NaiveDateTime,
) -> AppResult<(usize, usize)> {
    let offices = OFFICES.iter().map(|(code, name, kind)| OfficeSpec {
        code,
        name,
        kind,
        email: (*code == "urp").then_some(urp_email).flatten(),
        phone: None,
    });
    add_offices(conn, municipality_id, offices, now)?;
    add_categories(conn, municipality_id, CATEGORIES, now)?;
    set_publication(conn, municipality_id, PUBLICATION)?;
    Ok((OFFICES.len(), CATEGORIES.len()))
}

/// An office to add: its code, name, kind and contacts.
pub struct OfficeSpec<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub kind: &'a str,
    pub email: Option<&'a str>,
    pub phone: Option<&'a str>,
}

/// Adds offices to `municipality_id`.
pub fn add_offices<'a>(
    conn: &mut DbConn,
    municipality_id: &str,
    offices: impl IntoIterator<Item = OfficeSpec<'a>>,
    now: NaiveDateTime,
) -> AppResult<()> {
    for o in offices {
        catalog::insert_office(
            conn,
            &NewOffice {
                municipality_id: municipality_id.into(),
                code: o.code.into(),
                name: o.name.into(),
                kind: o.kind.into(),
                email: o.email.map(Into::into),
                phone: o.phone.map(Into::into),
            },
            now,
        )?;
    }
    Ok(())
}

/// Adds a category tree (parents before children), triage categories last.
pub fn add_categories(
    conn: &mut DbConn,
    municipality_id: &str,
    categories: &[CategorySpec],
    now: NaiveDateTime,
) -> AppResult<()> {
    let offices: HashMap<String, OfficeId> = catalog::list_offices(conn, municipality_id)?
        .into_iter()
        .map(|o| (o.code, o.id))
        .collect();
    let mut ids: HashMap<&str, CategoryId> = HashMap::new();
    let known = |map: &HashMap<_, OfficeId>, what: &str, code: &str| -> AppResult<OfficeId> {
        map.get(code)
            .cloned()
            .ok_or_else(|| AppError::internal(format!("starter catalogue: no {what} `{code}`")))
    };
    for (i, (code, parent, it, en, office, sla, days, triage)) in categories.iter().enumerate() {
        let parent_id = parent
            .map(|p| {
                ids.get(p).cloned().ok_or_else(|| {
                    AppError::internal(format!("starter catalogue: no category `{p}`"))
                })
            })
            .transpose()?;
        let default_office_id = office.map(|o| known(&offices, "office", o)).transpose()?;
        let row = catalog::insert_category(
            conn,
            &NewCategory {
                municipality_id: municipality_id.into(),
                code: (*code).into(),
                name_it: (*it).into(),
                name_en: (*en).into(),
                parent_id,
                default_office_id,
                take_in_sla_hours: Some(*sla),
                resolution_target_days: Some(*days),
                triage: *triage,
                sort_order: if *triage { 1000 } else { i as i32 },
                ..Default::default()
            },
            now,
        )?;
        ids.insert(*code, row.id);
    }
    Ok(())
}

/// Gives these categories their own publication policy.
pub fn set_publication(
    conn: &mut DbConn,
    municipality_id: &str,
    policies: &[(&str, Policy)],
) -> AppResult<()> {
    for (code, policy) in policies {
        let category =
            catalog::category_by_code(conn, municipality_id, code)?.ok_or_else(|| {
                crate::error::AppError::internal(format!("no category {code} to publish"))
            })?;
        catalog::update_category(
            conn,
            &category.id,
            &catalog::CategoryChanges {
                publication: Some(Some(policy.as_str().to_string())),
                ..Default::default()
            },
        )?;
    }
    Ok(())
}
