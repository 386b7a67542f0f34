//! What a staff account must be: a username of a plain shape, and, for
//! office staff, at least one office (their reports are their offices').

use super::codes::ErrorCode;
use super::permissions::Role;
use super::validate::FieldError;

/// A username: 3-64 letters, digits, `.`, `-`, `_` or `@` (an e-mail address
/// may be one).
pub fn check_username(username: &str) -> Result<(), FieldError> {
    let ok = (3..=64).contains(&username.len())
        && username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '@'));
    if ok {
        Ok(())
    } else {
        Err(FieldError::new(
            "username",
            ErrorCode::InvalidUsername,
            "usernames are 3-64 letters, digits, `.`, `-`, `_` or `@`",
        ))
    }
}

/// Office staff see and work their offices' reports: without one they
/// would see nothing.
pub fn check_offices(role: Role, has_offices: bool) -> Result<(), FieldError> {
    if role == Role::Office && !has_offices {
        return Err(FieldError::new(
            "offices",
            ErrorCode::Required,
            "office staff belong to at least one office",
        ));
    }
    Ok(())
}

/// Whether a change to an account ends its sessions (the tokens issued
/// before stop working at once): a new password, the account disabled, or a
/// role other than `current`.
pub fn ends_sessions(
    new_password: bool,
    active: Option<bool>,
    role: Option<Role>,
    current: Role,
) -> bool {
    new_password || active == Some(false) || role.is_some_and(|r| r != current)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_username_is_plain_and_of_reasonable_length() {
        for good in ["urp1", "mario.rossi", "m-rossi_2", "mario@comune.pisa.it"] {
            assert!(check_username(good).is_ok(), "{good}");
        }
        let long = "a".repeat(65);
        for bad in ["ab", "mario rossi", "màrio", "a/b", long.as_str()] {
            assert_eq!(
                check_username(bad).unwrap_err().code,
                ErrorCode::InvalidUsername,
                "{bad}"
            );
        }
    }

    #[test]
    fn a_password_a_disabling_or_a_new_role_ends_sessions_and_nothing_else_does() {
        let office = Role::Office;
        assert!(ends_sessions(true, None, None, office));
        assert!(ends_sessions(false, Some(false), None, office));
        assert!(ends_sessions(false, None, Some(Role::Supervisor), office));
        assert!(
            !ends_sessions(false, None, Some(Role::Office), office),
            "the same role"
        );
        assert!(
            !ends_sessions(false, Some(true), None, office),
            "enabled again"
        );
        assert!(!ends_sessions(false, None, None, office));
    }

    #[test]
    fn only_office_staff_need_an_office() {
        assert_eq!(
            check_offices(Role::Office, false).unwrap_err().field,
            "offices"
        );
        assert!(check_offices(Role::Office, true).is_ok());
        for role in [Role::Urp, Role::Supervisor, Role::Admin, Role::Platform] {
            assert!(check_offices(role, false).is_ok());
        }
    }
}
