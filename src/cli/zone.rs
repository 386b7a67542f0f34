//! `segnala zone …`: routing zones (a polygon sends a category's reports,
//! or all, to an office).

use std::path::PathBuf;

use clap::Subcommand;

use segnala::app::admin::catalog::{self, ZoneInput};
use segnala::app::admin::Admin;
use segnala::config::Config;
use segnala::error::AppResult;

#[derive(Subcommand)]
pub enum ZoneCmd {
    Add {
        #[arg(long)]
        municipality: String,
        #[arg(long)]
        name: String,
        /// A GeoJSON Polygon/MultiPolygon, Feature, or FeatureCollection (first feature).
        #[arg(long)]
        geojson: PathBuf,
        /// Only for this category (default: every category).
        #[arg(long)]
        category: Option<String>,
        #[arg(long)]
        office: String,
        #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
        priority: i32,
    },
    List {
        #[arg(long)]
        municipality: String,
    },
    /// Remove a zone by id: routing falls back to the categories' offices there.
    Remove {
        #[arg(long)]
        municipality: String,
        #[arg(long)]
        id: String,
    },
}

pub fn run(cmd: ZoneCmd, config: &Config) -> AppResult<()> {
    let store = super::open(config)?;
    match cmd {
        ZoneCmd::Add {
            municipality,
            name,
            geojson,
            category,
            office,
            priority,
        } => {
            let who = Admin::cli(&municipality);
            let input = ZoneInput {
                name,
                geometry: super::read_json(&geojson)?,
                office,
                category,
                priority: Some(priority),
            };
            let zone = store.write(|c| catalog::create_zone(c, &who, input))?;
            println!("zone {} added", zone.id);
        }
        ZoneCmd::List { municipality } => {
            let offices =
                store.read(|c| Ok(segnala::store::catalog::list_offices(c, &municipality)?))?;
            for z in store.read(|c| Ok(segnala::store::catalog::zone_rows(c, &municipality)?))? {
                let office = offices
                    .iter()
                    .find(|o| o.id == z.office_id)
                    .map_or("?", |o| o.code.as_str());
                println!(
                    "{}  priority={:<5} office={:16} {}",
                    z.id, z.priority, office, z.name
                );
            }
        }
        ZoneCmd::Remove { municipality, id } => {
            let who = Admin::cli(&municipality);
            let zone = store.write(|c| catalog::delete_zone(c, &who, &id))?;
            println!("zone {} ({}) removed", zone.id, zone.name);
        }
    }
    Ok(())
}
