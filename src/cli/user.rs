//! `segnala user …`: staff accounts.

use clap::Subcommand;

use segnala::app::admin::users::{self as admin_users, UserChanges, UserInput};
use segnala::app::admin::Admin;
use segnala::config::Config;
use segnala::error::{AppError, AppResult, ErrorCode};
use segnala::store::users;

#[derive(Subcommand)]
pub enum UserCmd {
    /// Add a staff account; the password is read from SEGNALA_NEW_PASSWORD or stdin.
    Add {
        #[arg(long)]
        username: String,
        #[arg(long)]
        name: String,
        /// `urp`, `office`, `supervisor`, `admin` or `platform`.
        #[arg(long)]
        role: String,
        #[arg(long)]
        municipality: String,
        /// Office codes (for `office`), comma-separated.
        #[arg(long, value_delimiter = ',')]
        offices: Vec<String>,
        /// Email (supervisors receive escalations there).
        #[arg(long)]
        email: Option<String>,
    },
    /// Set a new password (read from SEGNALA_NEW_PASSWORD or stdin); ends existing sessions.
    Passwd {
        #[arg(long)]
        username: String,
    },
    /// Disable an account; ends existing sessions.
    Disable {
        #[arg(long)]
        username: String,
    },
    /// Enable a disabled account.
    Enable {
        #[arg(long)]
        username: String,
    },
    List {
        #[arg(long)]
        municipality: String,
    },
}

fn new_password() -> AppResult<String> {
    if let Ok(p) = std::env::var("SEGNALA_NEW_PASSWORD") {
        return Ok(p);
    }
    eprint!("new password: ");
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .map_err(AppError::internal)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

pub fn run(cmd: UserCmd, config: &Config) -> AppResult<()> {
    let store = super::open(config)?;
    // The account, and its comune's administrator at the shell.
    let find = |username: &str| -> AppResult<(users::User, Admin)> {
        let user = store
            .read(|c| Ok(users::by_username(c, username)?))?
            .ok_or_else(|| {
                AppError::not_found(ErrorCode::UserNotFound, format!("no user {username}"))
            })?;
        let who = Admin::cli(&user.row.municipality_id);
        Ok((user, who))
    };
    match cmd {
        UserCmd::Add {
            username,
            name,
            role,
            municipality,
            offices,
            email,
        } => {
            let role = role.parse().map_err(|_| {
                AppError::field(
                    "role",
                    ErrorCode::InvalidRole,
                    "role is urp, office, supervisor, admin or platform",
                )
            })?;
            let password_hash = segnala::auth::hash_password(&new_password()?)?;
            let who = Admin::cli(&municipality);
            let input = UserInput {
                username,
                display_name: name,
                password_hash,
                role,
                offices,
                email,
            };
            let user = store.write(|c| {
                segnala::store::municipalities::find(c, &municipality)?.ok_or_else(|| {
                    AppError::not_found(
                        ErrorCode::MunicipalityNotFound,
                        format!("no municipality {municipality}"),
                    )
                })?;
                admin_users::create(c, &who, input)
            })?;
            println!("user {} ({}) added", user.row.username, user.row.role);
        }
        UserCmd::Passwd { username } => {
            let (user, who) = find(&username)?;
            let hash = segnala::auth::hash_password(&new_password()?)?;
            store.write(|c| admin_users::set_password(c, &who, &user.row.id, hash))?;
            println!("password changed for {username}; existing sessions ended");
        }
        UserCmd::Disable { username } => set_active(&store, find(&username)?, false)?,
        UserCmd::Enable { username } => set_active(&store, find(&username)?, true)?,
        UserCmd::List { municipality } => {
            for u in store.read(|c| Ok(users::list(c, &municipality)?))? {
                let offices: Vec<_> = u.offices.iter().map(|(_, code)| code.as_str()).collect();
                println!(
                    "{:20} {:11} {:8} {}",
                    u.row.username,
                    u.row.role,
                    if u.row.active { "active" } else { "disabled" },
                    offices.join(",")
                );
            }
        }
    }
    Ok(())
}

fn set_active(
    store: &segnala::store::Store,
    (user, who): (users::User, Admin),
    active: bool,
) -> AppResult<()> {
    let changes = UserChanges {
        active: Some(active),
        ..Default::default()
    };
    store.write(|c| admin_users::update(c, &who, &user.row.id, changes))?;
    let username = &user.row.username;
    if active {
        println!("{username} enabled");
    } else {
        println!("{username} disabled; existing sessions ended");
    }
    Ok(())
}
