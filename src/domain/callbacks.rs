//! The phone-callback queue's rules: a citizen with no e-mail is told of a
//! fix, a refusal or a delay by a call from the URP, which logs every try.

string_enum! {
    /// What came of one call.
    Outcome { Reached = "reached", NoAnswer = "no_answer", WrongNumber = "wrong_number" }
}

string_enum! {
    /// Where a callback is: waiting for a call, done (the citizen was
    /// told), or given up (a wrong number, or too many calls unanswered).
    CallbackState { Open = "open", Done = "done", Unreachable = "unreachable" }
}

/// The state a callback is in after its `attempts`-th call (this one
/// counted) ended with `outcome`: reaching the citizen closes it as done; a
/// wrong number, or `max_failed` calls without an answer, as unreachable.
pub fn after_attempt(outcome: Outcome, attempts: i32, max_failed: i32) -> CallbackState {
    match outcome {
        Outcome::Reached => CallbackState::Done,
        Outcome::WrongNumber => CallbackState::Unreachable,
        Outcome::NoAnswer if attempts >= max_failed => CallbackState::Unreachable,
        Outcome::NoAnswer => CallbackState::Open,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reached_citizen_closes_the_callback_at_any_try() {
        for attempts in 1..=5 {
            assert_eq!(
                after_attempt(Outcome::Reached, attempts, 3),
                CallbackState::Done
            );
        }
    }

    #[test]
    fn a_wrong_number_gives_up_at_once() {
        assert_eq!(
            after_attempt(Outcome::WrongNumber, 1, 3),
            CallbackState::Unreachable
        );
    }

    #[test]
    fn unanswered_calls_give_up_at_the_limit_and_not_before() {
        assert_eq!(after_attempt(Outcome::NoAnswer, 1, 3), CallbackState::Open);
        assert_eq!(after_attempt(Outcome::NoAnswer, 2, 3), CallbackState::Open);
        assert_eq!(
            after_attempt(Outcome::NoAnswer, 3, 3),
            CallbackState::Unreachable
        );
        assert_eq!(
            after_attempt(Outcome::NoAnswer, 1, 1),
            CallbackState::Unreachable
        );
    }
}
