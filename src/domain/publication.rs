//! What the public may see of a report: the comune's publication policy (per
//! category where it says so), the state of a report and of each photo, and
//! the moderation decisions staff take on them.

use super::masking::mask;
use super::report::EventKind;

string_enum! {
    /// How a comune (or one of its categories) publishes what citizens file.
    Policy {
        /// The text is public at once (masked); photos after a review.
        Immediate = "immediate",
        /// Nothing is public until a staff member publishes it.
        AfterReview = "after_review",
        /// Never public: no page, no map point, only the code and status.
        Never = "never",
    }
}

string_enum! {
    /// Whether a report is public.
    ReportPublication {
        Published = "published",
        /// Waiting for a staff member's review.
        Pending = "pending",
        /// Hidden by a staff member.
        Hidden = "hidden",
        /// Its category is never published.
        Withheld = "withheld",
    }
}

string_enum! {
    /// Whether a photo is public (documents never are).
    PhotoPublication {
        Pending = "pending",
        Published = "published",
        Hidden = "hidden",
    }
}

string_enum! {
    /// A moderation decision on a report or a photo.
    Decision { Publish = "publish", Hide = "hide" }
}

impl Policy {
    /// A stored policy; an unreadable value counts as `after_review`, the
    /// cautious reading.
    pub fn stored(s: &str) -> Self {
        s.parse().unwrap_or(Policy::AfterReview)
    }
}

/// The policy that applies to a category: its own, or else the comune's.
pub fn effective(municipality: Policy, category: Option<Policy>) -> Policy {
    category.unwrap_or(municipality)
}

/// The state of a report when it is filed.
pub fn on_filing(policy: Policy) -> ReportPublication {
    match policy {
        Policy::Immediate => ReportPublication::Published,
        Policy::AfterReview => ReportPublication::Pending,
        Policy::Never => ReportPublication::Withheld,
    }
}

/// The state of a new photo: staff's own photos (of the fix, say) are
/// public at once; a citizen's wait for a review under every policy.
pub fn photo_on_upload(by_staff: bool) -> PhotoPublication {
    if by_staff {
        PhotoPublication::Published
    } else {
        PhotoPublication::Pending
    }
}

/// The state of a report moved to a category with `policy`: into a category
/// that is never published it is withheld; out of one, it waits for a review
/// (it was never reviewed for the public); otherwise it stays as it was.
pub fn on_recategorised(current: ReportPublication, policy: Policy) -> ReportPublication {
    match (current, policy) {
        (_, Policy::Never) => ReportPublication::Withheld,
        (ReportPublication::Withheld, _) => ReportPublication::Pending,
        (state, _) => state,
    }
}

/// A decision that the category's policy does not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("reports of this category are never published")]
pub struct NeverPublished;

/// The state after a staff member's decision on the report.
pub fn decide(
    current: ReportPublication,
    policy: Policy,
    decision: Decision,
) -> Result<ReportPublication, NeverPublished> {
    match decision {
        Decision::Publish if policy == Policy::Never || current == ReportPublication::Withheld => {
            Err(NeverPublished)
        }
        Decision::Publish => Ok(ReportPublication::Published),
        Decision::Hide if current == ReportPublication::Withheld => Ok(current),
        Decision::Hide => Ok(ReportPublication::Hidden),
    }
}

/// The state after a staff member's decision on a photo.
pub fn decide_photo(decision: Decision) -> PhotoPublication {
    match decision {
        Decision::Publish => PhotoPublication::Published,
        Decision::Hide => PhotoPublication::Hidden,
    }
}

/// The timeline event that records a report's new state.
pub fn event_for(state: ReportPublication) -> EventKind {
    match state {
        ReportPublication::Published => EventKind::Published,
        _ => EventKind::Hidden,
    }
}

/// A report's address as the public reads it (masked).
pub fn public_address(address: Option<&str>) -> Option<String> {
    address.map(|a| mask(a).into_owned())
}

/// A report's text as the public reads it: staff's edited version if there
/// is one, else the citizen's, with personal values masked.
pub fn public_text(original: &str, edited: Option<&str>) -> String {
    mask(edited.unwrap_or(original)).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use Decision::*;
    use ReportPublication as R;

    #[test]
    fn a_category_overrides_its_comune() {
        assert_eq!(effective(Policy::Immediate, None), Policy::Immediate);
        assert_eq!(
            effective(Policy::Immediate, Some(Policy::Never)),
            Policy::Never
        );
        assert_eq!(
            effective(Policy::AfterReview, Some(Policy::Immediate)),
            Policy::Immediate
        );
    }

    #[test]
    fn filing_follows_the_policy() {
        assert_eq!(on_filing(Policy::Immediate), R::Published);
        assert_eq!(on_filing(Policy::AfterReview), R::Pending);
        assert_eq!(on_filing(Policy::Never), R::Withheld);
        assert_eq!(photo_on_upload(false), PhotoPublication::Pending);
        assert_eq!(photo_on_upload(true), PhotoPublication::Published);
    }

    #[test]
    fn decisions() {
        for state in [R::Published, R::Pending, R::Hidden] {
            assert_eq!(
                decide(state, Policy::AfterReview, Publish),
                Ok(R::Published)
            );
            assert_eq!(decide(state, Policy::Immediate, Hide), Ok(R::Hidden));
        }
        assert_eq!(
            decide(R::Withheld, Policy::Never, Publish),
            Err(NeverPublished)
        );
        assert_eq!(
            decide(R::Pending, Policy::Never, Publish),
            Err(NeverPublished)
        );
        assert_eq!(decide(R::Withheld, Policy::Never, Hide), Ok(R::Withheld));
        assert_eq!(decide_photo(Publish), PhotoPublication::Published);
        assert_eq!(decide_photo(Hide), PhotoPublication::Hidden);
    }

    #[test]
    fn recategorising() {
        assert_eq!(on_recategorised(R::Published, Policy::Never), R::Withheld);
        assert_eq!(on_recategorised(R::Withheld, Policy::Immediate), R::Pending);
        assert_eq!(
            on_recategorised(R::Withheld, Policy::AfterReview),
            R::Pending
        );
        assert_eq!(on_recategorised(R::Hidden, Policy::Immediate), R::Hidden);
        assert_eq!(
            on_recategorised(R::Published, Policy::AfterReview),
            R::Published
        );
    }

    #[test]
    fn stored_values() {
        assert_eq!(Policy::stored("never"), Policy::Never);
        assert_eq!(Policy::stored("sometimes"), Policy::AfterReview);
        assert_eq!(event_for(R::Published), EventKind::Published);
        assert_eq!(event_for(R::Withheld), EventKind::Hidden);
        assert_eq!(
            public_address(Some("tel 3331234567")).as_deref(),
            Some("tel [dato nascosto]")
        );
    }

    #[test]
    fn public_text_prefers_the_edit_and_masks_both() {
        assert_eq!(
            public_text("chiamate 3331234567", None),
            "chiamate [dato nascosto]"
        );
        assert_eq!(
            public_text("chiamate 3331234567", Some("Buca in via Roma")),
            "Buca in via Roma"
        );
        assert_eq!(
            public_text("x", Some("scrivete a a@b.it")),
            "scrivete a [dato nascosto]"
        );
    }
}
