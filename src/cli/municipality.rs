//! `segnala municipality …`: the comuni served, their boundaries and holidays.

use std::path::{Path, PathBuf};

use chrono::{NaiveDate, NaiveDateTime, Utc};
use clap::Subcommand;

use segnala::app::admin::calendar::{self as admin_calendar, HolidayInput};
use segnala::app::admin::Admin;
use segnala::comuni::NewComune;
use segnala::config::Config;
use segnala::error::{AppError, AppResult, ErrorCode};
use segnala::store::{municipalities, naive, Store};

#[derive(Subcommand)]
pub enum MunicipalityCmd {
    /// Serve a comune (or update its boundary), by ISTAT code: from the
    /// national boundaries shipped with segnala, or from `--geojson FILE`.
    #[command(alias = "import")]
    Add {
        #[arg(long)]
        istat: String,
        /// A GeoJSON file with a newer boundary (default: the national file).
        #[arg(long)]
        geojson: Option<PathBuf>,
        #[arg(long)]
        name: Option<String>,
        /// Prefix of report codes (default: the province acronym, or the cadastral code if taken).
        #[arg(long)]
        prefix: Option<String>,
        /// Also add the starter catalogue (standard categories and offices),
        /// so that the comune takes reports at once.
        #[arg(long)]
        starter: bool,
        /// The URP's email, for the starter's URP office and the citizen pages.
        #[arg(long)]
        urp_email: Option<String>,
    },
    /// Find a comune's ISTAT code by name in the national boundaries.
    Search { query: String },
    /// List served municipalities.
    List,
    /// Add a municipal holiday or closure (`--reopened`: a national holiday
    /// that is worked; `--every-year`: the same day every year).
    Holiday {
        #[arg(long)]
        istat: String,
        #[arg(long)]
        date: NaiveDate,
        #[arg(long)]
        name: String,
        #[arg(long)]
        reopened: bool,
        /// The same day and month every year (the patron saint).
        #[arg(long)]
        every_year: bool,
        /// Remove the date (or, with --every-year, the yearly holiday) instead.
        #[arg(long)]
        remove: bool,
    },
}

pub fn run(cmd: MunicipalityCmd, config: &Config) -> AppResult<()> {
    let now = naive(Utc::now());
    let store = super::open(config)?;
    match cmd {
        MunicipalityCmd::Add {
            geojson,
            istat,
            name,
            prefix,
            starter,
            urp_email,
        } => {
            let comune = NewComune {
                istat,
                name,
                prefix,
                urp_email,
                starter,
            };
            add(&store, geojson.as_deref(), comune, now)
        }
        MunicipalityCmd::Search { query } => search(&query),
        MunicipalityCmd::List => {
            for m in store.read(|c| Ok(municipalities::list(c)?))? {
                println!("{}  {:4}  {}", m.id, m.code_prefix, m.name);
            }
            Ok(())
        }
        MunicipalityCmd::Holiday {
            istat,
            date,
            name,
            reopened,
            every_year,
            remove,
        } => store.write(|conn| {
            municipalities::find(conn, &istat)?.ok_or_else(|| {
                AppError::not_found(
                    ErrorCode::MunicipalityNotFound,
                    format!("no municipality {istat}"),
                )
            })?;
            let who = Admin::cli(&istat);
            if remove {
                admin_calendar::remove_holiday(conn, &who, date, every_year)
            } else {
                let holiday = HolidayInput {
                    date,
                    name,
                    reopened,
                    every_year,
                };
                admin_calendar::add_holiday(conn, &who, holiday)
            }
        }),
    }
}

/// The URP's address, as the comune's pages will show it.
fn valid_urp_email(e: &str) -> AppResult<String> {
    segnala::domain::validate::Email::parse("urp_email", e)
        .map(|e| e.into_string())
        .map_err(|e| AppError::bad_request(ErrorCode::InvalidEmail, e.message))
}

/// Serves `comune` within its boundary from `geojson` (default: the
/// national file, whose attribution is then printed), and says what was added.
fn add(
    store: &Store,
    geojson: Option<&Path>,
    mut comune: NewComune,
    now: NaiveDateTime,
) -> AppResult<()> {
    let doc = match geojson {
        Some(path) => super::read_json(path)?,
        None => segnala::boundaries::national()?,
    };
    comune.urp_email = comune
        .urp_email
        .as_deref()
        .map(valid_urp_email)
        .transpose()?;
    let served = store.write(|conn| segnala::comuni::serve(conn, &doc, comune, now))?;
    drop(doc);
    let (m, added) = (served.municipality, served.catalogue);
    println!(
        "{} {} ({}) served (codes {}-YYYY-NNNNNN)",
        m.id,
        m.name,
        served.province.as_deref().unwrap_or("-"),
        m.code_prefix
    );
    if let Some((offices, categories)) = added {
        println!("starter catalogue: {offices} offices, {categories} categories");
    }
    if geojson.is_none() {
        println!("{}", segnala::boundaries::ATTRIBUTION);
    }
    Ok(())
}

/// The comuni whose name matches `query` in the national boundaries (the
/// first 50).
fn search(query: &str) -> AppResult<()> {
    let found = segnala::boundaries::search(&segnala::boundaries::national()?, query);
    if found.is_empty() {
        println!("no comune matches `{query}`");
    }
    for e in found.iter().take(50) {
        println!("{}  {:<40} {}  {}", e.istat, e.name, e.province, e.region);
    }
    if found.len() > 50 {
        println!("… and {} more: be more precise", found.len() - 50);
    }
    Ok(())
}
