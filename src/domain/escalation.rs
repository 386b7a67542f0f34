//! The escalation ladder. A report still `new` past its take-in deadline
//! goes up one level (the supervisor hears of it); when the comune's policy
//! has a second level, it fires a given number of working hours after the
//! deadline if the report is still not taken in. There is no third.

/// When the levels fire.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    /// Level 2 this many SLA hours (on the municipal calendar) after the
    /// take-in deadline; `None`: only level 1.
    pub level2_after_hours: Option<u32>,
}

/// How many reports a sweep escalated, per level.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Outcome {
    pub level1: usize,
    pub level2: usize,
}

impl Outcome {
    pub fn total(&self) -> usize {
        self.level1 + self.level2
    }

    /// Counts one escalation to `level`.
    pub fn add(&mut self, level: i32) {
        if level == 1 {
            self.level1 += 1;
        } else {
            self.level2 += 1;
        }
    }
}

/// What escalating a report now does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    /// The level the report reaches.
    pub level: i32,
    /// Working hours after the take-in deadline when the next level is due;
    /// `None`: this is the last.
    pub next_after_hours: Option<u32>,
}

/// The step of a report at `level` (0: never escalated), under a policy
/// whose second level comes `level2_after_hours` after the deadline.
pub fn next_step(level: i32, level2_after_hours: Option<u32>) -> Step {
    let level = level + 1;
    Step {
        level,
        next_after_hours: if level == 1 { level2_after_hours } else { None },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_escalation_schedules_the_second_and_the_second_nothing() {
        assert_eq!(
            next_step(0, Some(8)),
            Step {
                level: 1,
                next_after_hours: Some(8)
            }
        );
        assert_eq!(
            next_step(1, Some(8)),
            Step {
                level: 2,
                next_after_hours: None
            }
        );
        assert_eq!(next_step(0, None).next_after_hours, None, "one level only");
    }
}
