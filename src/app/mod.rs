//! The application layer: one function per use case, called by the REST
//! handlers, the CLI and the jobs alike. Each takes the connection inside
//! the caller's transaction, who acts and when, and does validation → store
//! → audit (or notification plan). Parsing requests and shaping answers stay
//! with the callers; SQL stays in `store`.

pub mod admin;
pub mod attachments;
pub mod callbacks;
pub mod moderation;
pub mod platform;
pub mod reports;
pub mod sweeper;

use crate::domain::permissions::{decide, Action, Decision, Scope, StaffActor};
use crate::error::{AppError, AppResult, ErrorCode};

/// Checks a permission: what the actor may not even know of is 404
/// (`not_found_code`), what they may see but not do is 403.
pub fn permit(
    actor: &StaffActor,
    action: Action,
    scope: Scope<'_>,
    not_found_code: ErrorCode,
) -> AppResult<()> {
    match decide(actor, action, scope) {
        Decision::Allow => Ok(()),
        Decision::Hidden => Err(AppError::not_found(not_found_code, "not found")),
        Decision::Forbidden => Err(AppError::Forbidden {
            code: ErrorCode::Forbidden,
            message: format!("a {} cannot do this", actor.role),
        }),
    }
}
