//! Who may do what: one pure function, `decide(actor, action, scope)`.
//!
//! Office staff see and act only on the reports routed to their offices:
//! another office's report is `Hidden` (a 404, which does not confirm that it
//! exists), never `Forbidden`. URP operators see every report of their
//! municipality and file on behalf of citizens, but do not move office
//! workflows. Supervisors act on everything in their municipality. Admins
//! manage users and configuration, not reports. A platform administrator
//! (a province or region hosting many comuni) is an admin of their own comune
//! who also adds comuni and their first administrator. Nobody sees another
//! municipality's reports.

use std::fmt;
use std::str::FromStr;

use super::ids::{MunicipalityId, OfficeId};
use super::report::UnknownValue;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Urp,
    Office,
    Supervisor,
    Admin,
    Platform,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Urp,
        Role::Office,
        Role::Supervisor,
        Role::Admin,
        Role::Platform,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Urp => "urp",
            Role::Office => "office",
            Role::Supervisor => "supervisor",
            Role::Admin => "admin",
            Role::Platform => "platform",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, UnknownValue> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownValue(s.into()))
    }
}

/// A signed-in staff member, as permissions see them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffActor {
    pub user_id: String,
    pub role: Role,
    pub municipality_id: MunicipalityId,
    pub office_ids: Vec<OfficeId>,
    /// Another system acting with an API key (an external office's own
    /// system): it works its office's reports but never sees citizens'
    /// personal data.
    pub integration: bool,
}

/// What is being attempted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// See a report (staff view, internal notes included).
    ViewReport,
    /// See the citizen's name, email and phone.
    ViewPersonalData,
    /// File a report on behalf of a citizen (counter, phone, email).
    CreateOnBehalf,
    /// Move the report through the office workflow.
    Transition,
    /// Add an internal note.
    AddNote,
    /// Change category and/or office.
    Reassign,
    /// Mark as a duplicate of another report.
    MarkDuplicate,
    /// Triage and escalation inboxes, office statistics.
    Supervise,
    /// Work the phone-callback queue.
    WorkCallbacks,
    /// Users, offices, categories, calendars.
    Administer,
    /// Publish or hide a report and its photos, write its public text.
    Moderate,
    /// Add comuni and their first administrator (any comune: the platform).
    ManagePlatform,
}

impl Action {
    pub const ALL: [Action; 12] = [
        Action::ViewReport,
        Action::ViewPersonalData,
        Action::CreateOnBehalf,
        Action::Transition,
        Action::AddNote,
        Action::Reassign,
        Action::MarkDuplicate,
        Action::Supervise,
        Action::WorkCallbacks,
        Action::Administer,
        Action::Moderate,
        Action::ManagePlatform,
    ];
}

/// Where the action applies: a municipality, and for a report its office.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scope<'a> {
    pub municipality_id: &'a str,
    /// The office the report is routed to (`None` for actions on no report,
    /// or for a report waiting in triage).
    pub office_id: Option<&'a str>,
    /// Whether the scope is a report (visibility rules apply) or not.
    pub is_report: bool,
}

impl<'a> Scope<'a> {
    pub fn report(municipality_id: &'a str, office_id: Option<&'a str>) -> Self {
        Self {
            municipality_id,
            office_id,
            is_report: true,
        }
    }
    pub fn municipality(municipality_id: &'a str) -> Self {
        Self {
            municipality_id,
            office_id: None,
            is_report: false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// Answer as if it did not exist (404).
    Hidden,
    /// The actor may see it but not do this (403).
    Forbidden,
}

/// The permission rule.
pub fn decide(actor: &StaffActor, action: Action, scope: Scope<'_>) -> Decision {
    use Action::*;
    let deny = if scope.is_report {
        Decision::Hidden
    } else {
        Decision::Forbidden
    };
    // The platform is above the comuni: only its administrators, wherever.
    if action == ManagePlatform {
        return if actor.role == Role::Platform && !actor.integration {
            Decision::Allow
        } else {
            Decision::Forbidden
        };
    }
    if actor.municipality_id != scope.municipality_id {
        return deny;
    }
    // An integration sees what its role sees, but never personal data.
    if actor.integration && action == ViewPersonalData {
        return match by_role(actor, ViewReport, scope) {
            Decision::Allow => Decision::Forbidden,
            other => other,
        };
    }
    by_role(actor, action, scope)
}

/// The role rules, within the actor's own municipality.
fn by_role(actor: &StaffActor, action: Action, scope: Scope<'_>) -> Decision {
    use Action::*;
    match actor.role {
        Role::Supervisor => match action {
            Administer => Decision::Forbidden,
            _ => Decision::Allow,
        },
        Role::Urp => match action {
            ViewReport | ViewPersonalData | CreateOnBehalf | AddNote | WorkCallbacks => {
                Decision::Allow
            }
            Transition | Reassign | MarkDuplicate | Supervise | Administer | Moderate
            | ManagePlatform => Decision::Forbidden,
        },
        Role::Office => {
            let own = scope
                .office_id
                .is_some_and(|o| actor.office_ids.iter().any(|mine| mine == o));
            match action {
                ViewReport | ViewPersonalData | Transition | AddNote | Moderate
                    if scope.is_report && !own =>
                {
                    Decision::Hidden
                }
                ViewReport | ViewPersonalData | Transition | AddNote | Moderate
                    if scope.is_report =>
                {
                    Decision::Allow
                }
                _ if scope.is_report && !own => Decision::Hidden,
                _ => Decision::Forbidden,
            }
        }
        Role::Admin | Role::Platform => match action {
            Administer => Decision::Allow,
            _ if scope.is_report => Decision::Hidden,
            _ => Decision::Forbidden,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Decision::{Allow as A, Forbidden as F, Hidden as H};

    const PISA: &str = "050026";
    const FIRENZE: &str = "048017";

    fn actor(role: Role) -> StaffActor {
        StaffActor {
            user_id: "u".into(),
            role,
            municipality_id: PISA.into(),
            office_ids: vec!["strade".into()],
            integration: false,
        }
    }

    /// With the platform column: only platform administrators, anywhere.
    fn with_platform(role: Role, first: [Decision; 11]) -> [Decision; 12] {
        let mut all = [F; 12];
        all[..11].copy_from_slice(&first);
        all[11] = if role == Role::Platform { A } else { F };
        all
    }

    /// Expected decisions on a report, columns in `Action::ALL` order:
    /// View, Personal, Create, Transition, Note, Reassign, Duplicate, Supervise, Callbacks, Administer, Moderate, ManagePlatform.
    fn expected_on_report(role: Role, own_office: bool, own_municipality: bool) -> [Decision; 12] {
        if !own_municipality {
            return with_platform(role, [H; 11]);
        }
        let first = match (role, own_office) {
            (Role::Office, true) => [A, A, F, A, A, F, F, F, F, F, A],
            (Role::Office, false) => [H; 11],
            (Role::Urp, _) => [A, A, A, F, A, F, F, F, A, F, F],
            (Role::Supervisor, _) => [A, A, A, A, A, A, A, A, A, F, A],
            (Role::Admin | Role::Platform, _) => [H, H, H, H, H, H, H, H, H, A, H],
        };
        with_platform(role, first)
    }

    /// Expected decisions on municipality-wide actions (no report).
    fn expected_on_municipality(role: Role, own_municipality: bool) -> [Decision; 12] {
        if !own_municipality {
            return with_platform(role, [F; 11]);
        }
        let first = match role {
            Role::Office => [F; 11],
            Role::Urp => [A, A, A, F, A, F, F, F, A, F, F],
            Role::Supervisor => [A, A, A, A, A, A, A, A, A, F, A],
            Role::Admin | Role::Platform => [F, F, F, F, F, F, F, F, F, A, F],
        };
        with_platform(role, first)
    }

    #[test]
    fn the_full_role_table() {
        let mut checked = 0;
        for role in Role::ALL {
            for own_office in [true, false] {
                for own_municipality in [true, false] {
                    let municipality = if own_municipality { PISA } else { FIRENZE };
                    let office = if own_office { "strade" } else { "verde" };
                    let want = expected_on_report(role, own_office, own_municipality);
                    for (i, action) in Action::ALL.into_iter().enumerate() {
                        let got = decide(
                            &actor(role),
                            action,
                            Scope::report(municipality, Some(office)),
                        );
                        assert_eq!(got, want[i], "{role} {action:?} own_office={own_office} own_municipality={own_municipality}");
                        checked += 1;
                    }
                }
            }
            for own_municipality in [true, false] {
                let municipality = if own_municipality { PISA } else { FIRENZE };
                let want = expected_on_municipality(role, own_municipality);
                for (i, action) in Action::ALL.into_iter().enumerate() {
                    let got = decide(&actor(role), action, Scope::municipality(municipality));
                    assert_eq!(
                        got, want[i],
                        "{role} {action:?} (municipality) own={own_municipality}"
                    );
                    checked += 1;
                }
            }
        }
        // 5 roles × 12 actions × (2 offices × 2 municipalities + 2 municipality-wide)
        assert_eq!(checked, 360);
    }

    #[test]
    fn integrations_work_their_office_without_personal_data() {
        let mut a = actor(Role::Office);
        a.integration = true;
        let own = Scope::report(PISA, Some("strade"));
        assert_eq!(decide(&a, Action::Transition, own), Decision::Allow);
        assert_eq!(decide(&a, Action::ViewReport, own), Decision::Allow);
        assert_eq!(
            decide(&a, Action::ViewPersonalData, own),
            Decision::Forbidden
        );
        assert_eq!(
            decide(
                &a,
                Action::ViewPersonalData,
                Scope::report(PISA, Some("verde"))
            ),
            Decision::Hidden
        );
    }

    #[test]
    fn an_office_never_sees_reports_waiting_in_triage() {
        let d = decide(
            &actor(Role::Office),
            Action::ViewReport,
            Scope::report(PISA, None),
        );
        assert_eq!(d, Decision::Hidden);
    }

    #[test]
    fn staff_of_several_offices_see_each() {
        let mut a = actor(Role::Office);
        a.office_ids.push("verde".into());
        assert_eq!(
            decide(&a, Action::Transition, Scope::report(PISA, Some("verde"))),
            Decision::Allow
        );
    }
}
