//! `segnala apikey …`: keys for integrations (Open311 clients, external offices).

use clap::Subcommand;

use segnala::app::admin::{keys, Admin};
use segnala::config::Config;
use segnala::error::{AppError, AppResult, ErrorCode};
use segnala::store::api_keys;

#[derive(Subcommand)]
pub enum ApikeyCmd {
    /// Issue a key (printed once; only its hash is stored).
    Add {
        #[arg(long)]
        municipality: String,
        #[arg(long)]
        name: String,
        /// The office it answers for (an external office's own system).
        #[arg(long)]
        office: Option<String>,
    },
    /// Revoke a key by id.
    Revoke { id: String },
    List {
        #[arg(long)]
        municipality: String,
    },
}

pub fn run(cmd: ApikeyCmd, config: &Config) -> AppResult<()> {
    let store = super::open(config)?;
    match cmd {
        ApikeyCmd::Add {
            municipality,
            name,
            office,
        } => {
            let who = Admin::cli(&municipality);
            let (id, key) = store.write(|c| keys::issue(c, &who, &name, office))?;
            println!("API key {id} for {name}: {key}\n(shown once: store it now)");
        }
        ApikeyCmd::Revoke { id } => {
            let municipality = store
                .read(|c| Ok(api_keys::municipality_of(c, &id)?))?
                .ok_or_else(|| {
                    AppError::not_found(ErrorCode::ApiKeyNotFound, format!("no key {id}"))
                })?;
            let who = Admin::cli(&municipality);
            store.write(|c| keys::revoke(c, &who, &id))?;
            println!("{id} revoked");
        }
        ApikeyCmd::List { municipality } => {
            for k in store.read(|c| Ok(api_keys::list(c, &municipality)?))? {
                let state = if k.revoked_at.is_some() {
                    "revoked"
                } else {
                    "active"
                };
                println!("{}  {:24} office={:?} {state}", k.id, k.name, k.office_id);
            }
        }
    }
    Ok(())
}
