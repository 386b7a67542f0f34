//! `segnala office …`: a comune's offices.

use clap::Subcommand;

use segnala::app::admin::offices::{self, OfficeInput, OfficeUpdate, Webhook};
use segnala::app::admin::Admin;
use segnala::config::Config;
use segnala::error::AppResult;
use segnala::notify::plan::Links;
use segnala::store::{catalog, Store};

#[derive(Subcommand)]
pub enum OfficeCmd {
    Add {
        #[arg(long)]
        municipality: String,
        #[arg(long)]
        code: String,
        #[arg(long)]
        name: String,
        /// `internal` or `company`.
        #[arg(long, default_value = "internal")]
        kind: String,
        #[arg(long)]
        email: Option<String>,
        #[arg(long)]
        phone: Option<String>,
    },
    /// Rename an office, change its kind or contacts (an empty value clears a contact).
    Update {
        #[arg(long)]
        municipality: String,
        #[arg(long)]
        code: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        kind: Option<String>,
        #[arg(long)]
        email: Option<String>,
        #[arg(long)]
        phone: Option<String>,
    },
    List {
        #[arg(long)]
        municipality: String,
    },
    /// Send the office's report events to its own system (signed with a
    /// secret: the one given, the one it has, or a new one printed once).
    Webhook {
        #[arg(long)]
        municipality: String,
        #[arg(long)]
        code: String,
        /// Omit to remove the webhook.
        #[arg(long)]
        url: Option<String>,
        #[arg(long)]
        secret: Option<String>,
    },
    /// A new webhook secret, printed once; the old one stops working.
    RotateSecret {
        #[arg(long)]
        municipality: String,
        #[arg(long)]
        code: String,
    },
    /// Deactivate an office; `--move-to` takes over its open reports,
    /// categories and zones (required when it has any).
    Deactivate {
        #[arg(long)]
        municipality: String,
        #[arg(long)]
        code: String,
        #[arg(long)]
        move_to: Option<String>,
    },
}

pub fn run(cmd: OfficeCmd, config: &Config) -> AppResult<()> {
    let store = super::open(config)?;
    match cmd {
        OfficeCmd::Add {
            municipality,
            code,
            name,
            kind,
            email,
            phone,
        } => {
            let who = Admin::cli(&municipality);
            let input = OfficeInput {
                code,
                name,
                kind,
                email,
                phone,
            };
            let o = store.write(|c| offices::create(c, &who, input))?;
            println!("office {} added", o.code);
        }
        OfficeCmd::Update {
            municipality,
            code,
            name,
            kind,
            email,
            phone,
        } => {
            let who = Admin::cli(&municipality);
            let update = OfficeUpdate {
                name,
                kind,
                email,
                phone,
                webhook: None,
            };
            let changed = store.write(|c| offices::update(c, &who, &code, update))?;
            println!("office {} updated", changed.office.code);
        }
        OfficeCmd::List { municipality } => {
            for o in store.read(|c| Ok(catalog::list_offices(c, &municipality)?))? {
                let state = if o.active { "active" } else { "inactive" };
                println!("{:16} {:8} {:8} {}", o.code, o.kind, state, o.name);
            }
        }
        OfficeCmd::Webhook {
            municipality,
            code,
            url,
            secret,
        } => set_webhook(&store, &Admin::cli(&municipality), &code, url, secret)?,
        OfficeCmd::RotateSecret { municipality, code } => {
            let who = Admin::cli(&municipality);
            let changed = store.write(|c| offices::rotate_secret(c, &who, &code))?;
            let secret = changed.new_secret.unwrap_or_default();
            println!("new secret for {code}: {secret}\n(shown once; the old one no longer works)");
        }
        OfficeCmd::Deactivate {
            municipality,
            code,
            move_to,
        } => deactivate(
            &store,
            &Admin::cli(&municipality),
            &code,
            move_to.as_deref(),
            &config.links(),
        )?,
    }
    Ok(())
}

/// Sends the office's report events to `url` (none: no longer anywhere),
/// signed with `secret`, the one it has, or a new one printed once.
fn set_webhook(
    store: &Store,
    who: &Admin,
    code: &str,
    url: Option<String>,
    secret: Option<String>,
) -> AppResult<()> {
    let removed = url.is_none();
    let update = OfficeUpdate {
        webhook: Some(match url {
            None => Webhook::Remove,
            Some(url) => Webhook::Url { url, secret },
        }),
        ..Default::default()
    };
    let changed = store.write(|c| offices::update(c, who, code, update))?;
    if removed {
        println!("webhook of {code} removed");
    } else {
        println!("webhook of {code} set");
    }
    if let Some(s) = changed.new_secret {
        println!("secret: {s}\n(shown once: give it to the office's system now)");
    }
    Ok(())
}

/// Deactivates the office, its open reports, categories and zones going
/// to the office `move_to`, and says what moved.
fn deactivate(
    store: &Store,
    who: &Admin,
    code: &str,
    move_to: Option<&str>,
    links: &Links,
) -> AppResult<()> {
    let done = store.write(|c| offices::deactivate(c, who, code, move_to, links))?;
    match done.move_to {
        Some(to) => println!(
            "office {code} deactivated: {} open reports, {} categories and {} zones moved to {to}",
            done.moved.open_reports, done.moved.categories, done.moved.zones
        ),
        None => println!("office {code} deactivated"),
    }
    Ok(())
}
