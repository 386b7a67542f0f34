//! `segnala demo`: a ready-to-try Pisa, with real boundary, offices (one a
//! municipal company), two-level categories and a routing zone. Idempotent.
//!
//! The boundary is ISTAT's, via openpolis/geojson-italy (CC-BY 4.0,
//! "ISTAT, openpolis").

use chrono::{NaiveDateTime, Utc};
use serde_json::{json, Value};

use crate::domain::publication::Policy;
use crate::domain::report::Status;
use crate::domain::territory::{pick_feature, Boundary};
use crate::error::{AppError, AppResult};
use crate::store::catalog::{self, NewZone};
use crate::store::municipalities::{self, ImportedMunicipality, MunicipalitySummary};
use crate::store::{naive, DbConn, Store};

pub const PISA_ISTAT: &str = "050026";
const PISA_BOUNDARY: &str = include_str!("pisa-050026.geojson");

/// What the demo contains, for printing.
pub struct DemoSummary {
    pub created: bool,
    pub municipality: String,
    pub offices: Vec<(String, String)>,
    pub categories: usize,
}

/// `(code, name, kind, email)`
const OFFICES: &[(&str, &str, &str, &str)] = &[
    (
        "manutenzioni",
        "Manutenzione strade e infrastrutture",
        "internal",
        "manutenzioni@comune.pisa.example",
    ),
    (
        "illuminazione",
        "Illuminazione pubblica",
        "internal",
        "illuminazione@comune.pisa.example",
    ),
    (
        "verde",
        "Verde pubblico e tutela animali",
        "internal",
        "verde@comune.pisa.example",
    ),
    (
        "polizia-locale",
        "Polizia Locale",
        "internal",
        "polizialocale@comune.pisa.example",
    ),
    (
        "igiene-urbana",
        "Società igiene urbana (partecipata)",
        "company",
        "segnalazioni@igieneurbana.example",
    ),
    (
        "ente-parco",
        "Ente Parco San Rossore",
        "company",
        "parco@sanrossore.example",
    ),
    (
        "urp",
        "Ufficio Relazioni con il Pubblico",
        "internal",
        "urp@comune.pisa.example",
    ),
];

const CATEGORIES: &[crate::starter::CategorySpec] = &[
    (
        "strade",
        None,
        "Strade e marciapiedi",
        "Roads and pavements",
        Some("manutenzioni"),
        24,
        30,
        false,
    ),
    (
        "buche",
        Some("strade"),
        "Buche e dissesti stradali",
        "Potholes and road damage",
        Some("manutenzioni"),
        24,
        20,
        false,
    ),
    (
        "marciapiedi",
        Some("strade"),
        "Marciapiedi danneggiati",
        "Damaged pavements",
        Some("manutenzioni"),
        24,
        30,
        false,
    ),
    (
        "illuminazione",
        None,
        "Illuminazione pubblica",
        "Street lighting",
        Some("illuminazione"),
        24,
        10,
        false,
    ),
    (
        "rifiuti",
        None,
        "Rifiuti e pulizia",
        "Waste and cleaning",
        Some("igiene-urbana"),
        24,
        7,
        false,
    ),
    (
        "rifiuti-abbandonati",
        Some("rifiuti"),
        "Rifiuti abbandonati",
        "Abandoned waste",
        None,
        24,
        5,
        false,
    ),
    (
        "cassonetti",
        Some("rifiuti"),
        "Cassonetti pieni o danneggiati",
        "Full or damaged bins",
        None,
        24,
        5,
        false,
    ),
    (
        "verde",
        None,
        "Verde pubblico (alberi, aiuole, parchi)",
        "Public green (trees, flower beds, parks)",
        Some("verde"),
        24,
        30,
        false,
    ),
    (
        "segnaletica",
        None,
        "Segnaletica stradale",
        "Road signs",
        Some("polizia-locale"),
        24,
        15,
        false,
    ),
    (
        "arredo-urbano",
        None,
        "Arredo urbano (panchine, giochi, fontanelle)",
        "Street furniture (benches, playgrounds, fountains)",
        Some("manutenzioni"),
        24,
        30,
        false,
    ),
    (
        "animali",
        None,
        "Animali (randagi, carcasse, infestazioni)",
        "Animals (strays, carcasses, pests)",
        Some("verde"),
        24,
        7,
        false,
    ),
    (
        "graffiti",
        None,
        "Graffiti e atti vandalici",
        "Graffiti and vandalism",
        Some("manutenzioni"),
        24,
        45,
        false,
    ),
    (
        "altro",
        None,
        "Altro / non so",
        "Other / not sure",
        Some("urp"),
        24,
        30,
        true,
    ),
];

/// Imports Pisa with its offices, categories, San Ranieri and a routing zone,
/// unless it is already there.
pub fn setup(store: &Store) -> AppResult<DemoSummary> {
    let doc: Value = serde_json::from_str(PISA_BOUNDARY).map_err(AppError::internal)?;
    let picked = pick_feature(&doc, PISA_ISTAT).map_err(AppError::internal)?;
    let now = naive(Utc::now());
    store.write(|conn| {
        if let Some(summary) = already_there(conn)? {
            return Ok(summary);
        }
        let m = add_pisa(conn, picked.geometry.clone(), now)?;
        add_offices(conn, &m.id, now)?;
        crate::starter::add_categories(conn, &m.id, CATEGORIES, now)?;
        // The three publication policies: most categories public at once
        // (photos after a review), dumped waste after a review, animals never.
        crate::starter::set_publication(
            conn,
            &m.id,
            &[
                ("rifiuti-abbandonati", Policy::AfterReview),
                ("animali", Policy::Never),
            ],
        )?;
        add_pothole_question(conn, &m.id)?;
        add_message_templates(conn, &m.id)?;
        add_san_rossore(conn, &m.id, now)?;
        Ok(DemoSummary {
            created: true,
            municipality: m.name,
            offices: OFFICES
                .iter()
                .map(|(c, n, _, _)| ((*c).into(), (*n).into()))
                .collect(),
            categories: CATEGORIES.len(),
        })
    })
}

/// What the demo has, if Pisa is there with its offices already.
fn already_there(conn: &mut DbConn) -> AppResult<Option<DemoSummary>> {
    let Some(m) = municipalities::find(conn, PISA_ISTAT)? else {
        return Ok(None);
    };
    let offices = catalog::list_offices(conn, &m.id)?;
    if offices.is_empty() {
        return Ok(None);
    }
    Ok(Some(DemoSummary {
        created: false,
        municipality: m.name,
        offices: offices.into_iter().map(|o| (o.code, o.name)).collect(),
        categories: catalog::public_categories(conn, PISA_ISTAT)?.len(),
    }))
}

/// Pisa within its boundary, with its URP's contacts and its patron saint.
fn add_pisa(
    conn: &mut DbConn,
    geometry: Value,
    now: NaiveDateTime,
) -> AppResult<MunicipalitySummary> {
    let m = municipalities::upsert(
        conn,
        &ImportedMunicipality {
            id: PISA_ISTAT.into(),
            name: "Pisa".into(),
            code_prefix: "PI".into(),
            boundary: Boundary::parse(&geometry).map_err(crate::error::AppError::internal)?,
        },
        now,
    )?;
    // The URP's contacts, shown on every citizen page (example values).
    let mut calendar = municipalities::calendar_settings(conn, &m.id)?;
    calendar.urp_phone = Some("+39 050 910111".into());
    calendar.urp_email = Some("urp@comune.pisa.example".into());
    calendar.urp_address = Some("Lungarno Galilei 43, 56125 Pisa".into());
    municipalities::set_calendar_settings(conn, &m.id, &calendar, now)?;
    municipalities::set_annual_holiday(conn, &m.id, 6, 17, "San Ranieri, patrono di Pisa")?;
    Ok(m)
}

fn add_offices(conn: &mut DbConn, municipality_id: &str, now: NaiveDateTime) -> AppResult<()> {
    let offices = OFFICES
        .iter()
        .map(|(code, name, kind, email)| crate::starter::OfficeSpec {
            code,
            name,
            kind,
            email: Some(email),
            phone: Some("+39050910111"),
        });
    crate::starter::add_offices(conn, municipality_id, offices, now)
}

/// Potholes ask whether they endanger traffic (an Open311 attribute).
fn add_pothole_question(conn: &mut DbConn, municipality_id: &str) -> AppResult<()> {
    let Some(buche) = catalog::category_by_code(conn, municipality_id, "buche")? else {
        return Ok(());
    };
    Ok(catalog::add_attribute(
        conn,
        &buche.id,
        &crate::domain::attributes::AttributeDef {
            code: "pericolo".into(),
            datatype: "singlevaluelist".into(),
            required: false,
            description: "È un pericolo per la circolazione?".into(),
            values: vec![("si".into(), "Sì".into()), ("no".into(), "No".into())],
        },
        0,
    )?)
}

/// Public-message templates staff pick from when changing a status.
fn add_message_templates(conn: &mut DbConn, municipality_id: &str) -> AppResult<()> {
    for (code, templates) in TEMPLATES {
        let Some(category) = catalog::category_by_code(conn, municipality_id, code)? else {
            continue;
        };
        let templates = templates
            .iter()
            .map(
                |(status, label, it, en)| crate::domain::templates::MessageTemplate {
                    status: *status,
                    label: (*label).into(),
                    text_it: (*it).into(),
                    text_en: (*en).into(),
                },
            )
            .collect();
        catalog::update_category(
            conn,
            &category.id,
            &catalog::CategoryChanges {
                message_templates: Some(templates),
                ..Default::default()
            },
        )?;
    }
    Ok(())
}

/// The San Rossore estate: its green is the park authority's.
fn add_san_rossore(conn: &mut DbConn, municipality_id: &str, now: NaiveDateTime) -> AppResult<()> {
    let verde = catalog::category_by_code(conn, municipality_id, "verde")?.map(|c| c.id);
    let parco = catalog::office_by_code(conn, municipality_id, "ente-parco")?.map(|o| o.id);
    catalog::insert_zone(
        conn,
        &NewZone {
            municipality_id: municipality_id.into(),
            name: "Tenuta di San Rossore".into(),
            geometry: json!({"type": "Polygon", "coordinates": [[
                [10.275, 43.695], [10.345, 43.695], [10.345, 43.745], [10.275, 43.745], [10.275, 43.695]
            ]]}),
            category_id: Some(demo_id(verde)?),
            office_id: demo_id(parco)?,
            priority: 0,
        },
        now,
    )?;
    Ok(())
}

/// `(username, display name, role, office codes)` of the demo accounts.
type Template = (Status, &'static str, &'static str, &'static str);
const TEMPLATES: &[(&str, &[Template])] = &[
    (
        "buche",
        &[
            (
                Status::TakenIn,
                "Sopralluogo",
                "Abbiamo preso in carico la segnalazione. Una squadra farà un sopralluogo entro 3 giorni lavorativi e metterà in sicurezza la buca.",
                "We have taken your report in charge. A crew will inspect the pothole within 3 working days and make it safe.",
            ),
            (
                Status::InProgress,
                "Intervento programmato",
                "L'intervento di riparazione è programmato. Nel frattempo la buca è segnalata con una transenna.",
                "The repair is scheduled. Meanwhile the pothole is marked with a barrier.",
            ),
            (
                Status::Resolved,
                "Buca riparata",
                "La buca è stata riparata. Se il problema persiste, puoi riaprire la segnalazione.",
                "The pothole has been repaired. If the problem persists, you can reopen the report.",
            ),
            (
                Status::Rejected,
                "Strada privata",
                "La strada indicata è privata: la manutenzione spetta ai proprietari.",
                "The road is private: its upkeep is up to the owners.",
            ),
        ],
    ),
    (
        "rifiuti-abbandonati",
        &[
            (
                Status::TakenIn,
                "Rimozione",
                "Abbiamo chiesto la rimozione dei rifiuti al gestore del servizio, che interviene di norma entro 2 giorni lavorativi.",
                "We have asked the waste company to remove the waste; it usually does so within 2 working days.",
            ),
            (
                Status::Resolved,
                "Rifiuti rimossi",
                "I rifiuti sono stati rimossi. Grazie per la segnalazione.",
                "The waste has been removed. Thank you for your report.",
            ),
        ],
    ),
];

const ACCOUNTS: &[(&str, &str, crate::domain::permissions::Role, &[&str])] = &[
    (
        "urp",
        "Operatore URP",
        crate::domain::permissions::Role::Urp,
        &[],
    ),
    (
        "ufficio-strade",
        "Ufficio Manutenzione strade",
        crate::domain::permissions::Role::Office,
        &["manutenzioni"],
    ),
    (
        "ufficio-verde",
        "Ufficio Verde pubblico",
        crate::domain::permissions::Role::Office,
        &["verde"],
    ),
    (
        "supervisore",
        "Referente segnalazioni",
        crate::domain::permissions::Role::Supervisor,
        &[],
    ),
    (
        "admin",
        "Amministratore tecnico",
        crate::domain::permissions::Role::Admin,
        &[],
    ),
    (
        "piattaforma",
        "Amministratore di piattaforma",
        crate::domain::permissions::Role::Platform,
        &[],
    ),
];

/// Creates one demo account per role (random passwords, kept with mode 0600 in
/// `data_dir/demo-accounts.txt` so that `scripts/run` can print them again) and
/// returns `(username, password, role)`.
pub fn setup_accounts(
    store: &Store,
    data_dir: &std::path::Path,
) -> AppResult<Vec<(String, String, String)>> {
    use crate::store::users::{self, NewUser};
    let file = data_dir.join("demo-accounts.txt");
    let mut known: Vec<(String, String, String)> = std::fs::read_to_string(&file)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let mut parts = l.split('\t');
            Some((
                parts.next()?.to_string(),
                parts.next()?.to_string(),
                parts.next()?.to_string(),
            ))
        })
        .collect();
    let now = naive(Utc::now());
    for (username, name, role, offices) in ACCOUNTS {
        if let Some(existing) = store.read(|c| Ok(users::by_username(c, username)?))? {
            // Earlier versions gave demo accounts guessable passwords
            // (`torre-arno-1234`): replace any such one that is still known.
            let weak = known
                .iter()
                .any(|(u, p, _)| u == username && !is_generated(p));
            if weak {
                let password = random_password();
                let update = users::UserUpdate {
                    password_hash: Some(crate::auth::hash_password(&password)?),
                    ..Default::default()
                };
                store.write(|c| Ok(users::update(c, &existing.row.id, &update, now)?))?;
                for entry in known.iter_mut().filter(|(u, _, _)| u == username) {
                    entry.1 = password.clone();
                }
            }
            continue;
        }
        let password = random_password();
        let hash = crate::auth::hash_password(&password)?;
        store.write(|c| {
            let office_ids = offices
                .iter()
                .map(|o| demo_id(catalog::office_by_code(c, PISA_ISTAT, o)?.map(|o| o.id)))
                .collect::<AppResult<_>>()?;
            Ok(users::create(
                c,
                &NewUser {
                    username: (*username).into(),
                    display_name: (*name).into(),
                    password_hash: hash,
                    role: *role,
                    municipality_id: PISA_ISTAT.into(),
                    office_ids,
                    email: Some(format!("{username}@comune.pisa.example")),
                },
                now,
            )?)
        })?;
        known.retain(|(u, _, _)| u != username);
        known.push(((*username).into(), password, role.as_str().into()));
    }
    let text: String = known
        .iter()
        .map(|(u, p, r)| format!("{u}\t{p}\t{r}\n"))
        .collect();
    std::fs::create_dir_all(data_dir).map_err(AppError::internal)?;
    crate::auth::write_private(&file, &text).map_err(AppError::internal)?;
    Ok(known)
}

use crate::auth::{random_password, PASSWORD_ALPHABET, PASSWORD_CHARS};

/// Whether a password has the shape [`random_password`] gives.
fn is_generated(password: &str) -> bool {
    password.len() == PASSWORD_CHARS + 2
        && password.split('-').count() == PASSWORD_CHARS / 6
        && password
            .split('-')
            .all(|g| g.len() == 6 && g.bytes().all(|b| PASSWORD_ALPHABET.contains(&b)))
}

/// The id of a row the demo set up itself.
fn demo_id<T>(id: Option<T>) -> AppResult<T> {
    id.ok_or_else(|| crate::error::AppError::internal("the demo's own catalogue is incomplete"))
}

#[cfg(test)]
mod password_tests {
    use super::*;

    #[test]
    fn demo_passwords_have_at_least_80_bits() {
        let bits = PASSWORD_CHARS as f64 * (PASSWORD_ALPHABET.len() as f64).log2();
        assert!(bits >= 80.0, "{bits} bits");
        let mut alphabet = PASSWORD_ALPHABET.to_vec();
        alphabet.sort_unstable();
        alphabet.dedup();
        assert_eq!(
            alphabet.len(),
            PASSWORD_ALPHABET.len(),
            "no repeated symbols"
        );
        let a = random_password();
        assert_eq!(a.len(), PASSWORD_CHARS + 2);
        assert!(a.split('-').all(|g| g.len() == 6));
        assert_ne!(a, random_password());
        assert!(is_generated(&a));
        assert!(!is_generated("torre-arno-1234"));
    }
}
