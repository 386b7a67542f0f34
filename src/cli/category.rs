//! `segnala category …`: a comune's categories.

use clap::Subcommand;

use segnala::app::admin::catalog::{self, CategoryInput, CategoryUpdate};
use segnala::app::admin::Admin;
use segnala::config::Config;
use segnala::domain::publication::Policy;
use segnala::error::{AppError, AppResult, ErrorCode};

#[derive(Subcommand)]
pub enum CategoryCmd {
    Add {
        #[arg(long)]
        municipality: String,
        #[arg(long)]
        code: String,
        #[arg(long)]
        name_it: String,
        #[arg(long)]
        name_en: String,
        #[arg(long)]
        parent: Option<String>,
        /// Default office code.
        #[arg(long)]
        office: Option<String>,
        #[arg(long)]
        sla_hours: Option<i32>,
        #[arg(long)]
        target_days: Option<i32>,
        /// "Altro / non so": the supervisor checks it.
        #[arg(long)]
        triage: bool,
        /// `immediate`, `after_review` or `never` (default: the comune's policy).
        #[arg(long)]
        publication: Option<String>,
    },
    /// Change a category; `--active false` stops new reports in it (a
    /// category that reports use is never deleted).
    Update {
        #[arg(long)]
        municipality: String,
        #[arg(long)]
        code: String,
        #[arg(long)]
        name_it: Option<String>,
        #[arg(long)]
        name_en: Option<String>,
        #[arg(long)]
        office: Option<String>,
        #[arg(long)]
        sla_hours: Option<i32>,
        #[arg(long)]
        target_days: Option<i32>,
        #[arg(long)]
        triage: Option<bool>,
        #[arg(long)]
        active: Option<bool>,
        /// `immediate`, `after_review`, `never`, or `comune` for the comune's policy.
        #[arg(long)]
        publication: Option<String>,
    },
    List {
        #[arg(long)]
        municipality: String,
    },
}

fn policy(value: &str) -> AppResult<Policy> {
    value.parse().map_err(|_| {
        AppError::field(
            "publication",
            ErrorCode::InvalidPublication,
            "use immediate, after_review or never",
        )
    })
}

pub fn run(cmd: CategoryCmd, config: &Config) -> AppResult<()> {
    let store = super::open(config)?;
    match cmd {
        CategoryCmd::Add {
            municipality,
            code,
            name_it,
            name_en,
            parent,
            office,
            sla_hours,
            target_days,
            triage,
            publication,
        } => {
            let who = Admin::cli(&municipality);
            let input = CategoryInput {
                code,
                name_it,
                name_en,
                parent,
                office,
                take_in_sla_hours: sla_hours,
                resolution_target_days: target_days,
                triage,
                publication: publication.as_deref().map(policy).transpose()?,
            };
            let c = store.write(|c| catalog::create_category(c, &who, input))?;
            println!("category {} added", c.code);
        }
        CategoryCmd::Update {
            municipality,
            code,
            name_it,
            name_en,
            office,
            sla_hours,
            target_days,
            triage,
            active,
            publication,
        } => {
            let who = Admin::cli(&municipality);
            let update = CategoryUpdate {
                name_it,
                name_en,
                office,
                take_in_sla_hours: sla_hours,
                resolution_target_days: target_days,
                triage,
                active,
                publication: publication.map(|p| (p != "comune").then_some(p)),
                ..Default::default()
            };
            store.write(|c| catalog::update_category(c, &who, &code, update))?;
            println!("category {code} updated");
        }
        CategoryCmd::List { municipality } => {
            let rows =
                store.read(|c| Ok(segnala::store::catalog::all_categories(c, &municipality)?))?;
            for r in &rows {
                let parent = r
                    .parent_id
                    .as_ref()
                    .and_then(|id| rows.iter().find(|p| &p.id == id))
                    .map_or("-", |p| p.code.as_str());
                println!(
                    "{:24} parent={:16} sla={:>3}h active={:3} triage={:3} {}",
                    r.code,
                    parent,
                    r.take_in_sla_hours,
                    super::yes(r.active),
                    super::yes(r.triage),
                    r.name_it
                );
            }
        }
    }
    Ok(())
}
