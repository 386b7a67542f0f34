//! The municipal calendar and the arithmetic of deadlines.
//!
//! A deadline is "SLA hours counted on the calendar": in `working_days` mode the
//! hours elapse only on working days (whole local days), in `business_hours` mode
//! only within office hours, in `calendar` mode always. Time is counted as real
//! elapsed time (UTC), so a day with a DST change counts 23 or 25 hours; local
//! times that do not exist (spring forward) map to the end of the gap, ambiguous
//! ones (fall back) to their earlier instant.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use chrono::{
    DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone,
    Timelike, Utc,
};
use chrono_tz::Tz;

use super::holidays::is_national_holiday;

/// How SLA hours elapse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeadlineMode {
    WorkingDays,
    BusinessHours,
    Calendar,
}

impl DeadlineMode {
    pub const ALL: [DeadlineMode; 3] = [Self::WorkingDays, Self::BusinessHours, Self::Calendar];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::WorkingDays => "working_days",
            Self::BusinessHours => "business_hours",
            Self::Calendar => "calendar",
        }
    }
}

impl fmt::Display for DeadlineMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for DeadlineMode {
    type Err = CalendarError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|m| m.as_str() == s)
            .ok_or_else(|| CalendarError(format!("unknown deadline mode `{s}`")))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct CalendarError(pub String);

/// A municipality's working calendar.
#[derive(Debug, Clone)]
pub struct Calendar {
    tz: Tz,
    /// Monday first, as chrono's `num_days_from_monday`.
    working_weekdays: [bool; 7],
    office_hours: Vec<(NaiveTime, NaiveTime)>,
    /// Municipal holidays and extra closures.
    closures: BTreeSet<NaiveDate>,
    /// Municipal holidays every year, as (month, day).
    annual: BTreeSet<(u32, u32)>,
    /// National holidays that are working days here after all (a change in the law).
    reopened: BTreeSet<NaiveDate>,
}

impl Calendar {
    /// Builds a calendar; at least one working weekday and valid office hours are required.
    pub fn new(
        tz: Tz,
        working_weekdays: [bool; 7],
        office_hours: Vec<(NaiveTime, NaiveTime)>,
    ) -> Result<Self, CalendarError> {
        if !working_weekdays.iter().any(|w| *w) {
            return Err(CalendarError(
                "at least one working weekday is required".into(),
            ));
        }
        if office_hours.is_empty() {
            return Err(CalendarError(
                "at least one office-hours range is required".into(),
            ));
        }
        let mut sorted = office_hours.clone();
        sorted.sort();
        for (i, (start, end)) in sorted.iter().enumerate() {
            if start >= end {
                return Err(CalendarError(format!(
                    "office hours {start}-{end}: start must precede end"
                )));
            }
            if i > 0 && sorted[i - 1].1 > *start {
                return Err(CalendarError("office-hours ranges overlap".into()));
            }
        }
        Ok(Self {
            tz,
            working_weekdays,
            office_hours: sorted,
            closures: BTreeSet::new(),
            annual: BTreeSet::new(),
            reopened: BTreeSet::new(),
        })
    }

    /// Europe/Rome, Monday to Friday, 09:00–13:15 and 14:15–17:00.
    pub fn italian_default() -> Self {
        Self::new(
            chrono_tz::Europe::Rome,
            [true, true, true, true, true, false, false],
            parse_office_hours("09:00-13:15,14:15-17:00").expect("valid default hours"),
        )
        .expect("valid default calendar")
    }

    pub fn with_closures(mut self, dates: impl IntoIterator<Item = NaiveDate>) -> Self {
        self.closures.extend(dates);
        self
    }

    /// Holidays on the same (month, day) every year.
    pub fn with_annual(mut self, days: impl IntoIterator<Item = (u32, u32)>) -> Self {
        self.annual.extend(days);
        self
    }

    pub fn with_reopened(mut self, dates: impl IntoIterator<Item = NaiveDate>) -> Self {
        self.reopened.extend(dates);
        self
    }

    pub fn timezone(&self) -> Tz {
        self.tz
    }

    pub fn is_holiday(&self, date: NaiveDate) -> bool {
        self.closures.contains(&date)
            || self.annual.contains(&(date.month(), date.day()))
            || (is_national_holiday(date) && !self.reopened.contains(&date))
    }

    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        self.working_weekdays[date.weekday().num_days_from_monday() as usize]
            && !self.is_holiday(date)
    }

    /// The instant `hours` SLA hours after `start`.
    pub fn deadline(&self, start: DateTime<Utc>, hours: u32, mode: DeadlineMode) -> DateTime<Utc> {
        self.counted_intervals(start, hours, mode)
            .last()
            .map(|(_, end)| *end)
            .unwrap_or(start)
    }

    /// A report's take-in deadline: `sla_hours` from `start` in the
    /// category's deadline mode if it has one, else the comune's. Returns the
    /// mode used too (the timeline records it).
    pub fn take_in_deadline(
        &self,
        start: DateTime<Utc>,
        sla_hours: i32,
        category_mode: Option<DeadlineMode>,
        comune_mode: DeadlineMode,
    ) -> (DateTime<Utc>, DeadlineMode) {
        let mode = category_mode.unwrap_or(comune_mode);
        (self.deadline(start, sla_hours.max(0) as u32, mode), mode)
    }

    /// The intervals of real time that count towards a deadline of `hours` from
    /// `start`, in order; their total length is exactly `hours`.
    pub fn counted_intervals(
        &self,
        start: DateTime<Utc>,
        hours: u32,
        mode: DeadlineMode,
    ) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
        let mut remaining = Duration::hours(i64::from(hours));
        if remaining.is_zero() {
            return Vec::new();
        }
        if mode == DeadlineMode::Calendar {
            return vec![(start, start + remaining)];
        }
        let mut intervals = Vec::new();
        let mut date = start.with_timezone(&self.tz).date_naive();
        // A valid calendar has a working day in every week; ten years is a safe bound.
        for _ in 0..3660 {
            if self.is_working_day(date) {
                for (span_start, span_end) in self.day_spans(date, mode) {
                    let from = span_start.max(start);
                    if span_end <= from {
                        continue;
                    }
                    let available = span_end - from;
                    if remaining <= available {
                        intervals.push((from, from + remaining));
                        return intervals;
                    }
                    intervals.push((from, span_end));
                    remaining -= available;
                }
            }
            date = date.succ_opt().expect("date within chrono's range");
        }
        intervals.push((start, start + remaining));
        intervals
    }

    /// The spans of a day that count, as UTC instants.
    fn day_spans(
        &self,
        date: NaiveDate,
        mode: DeadlineMode,
    ) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
        match mode {
            DeadlineMode::BusinessHours => self
                .office_hours
                .iter()
                .map(|(s, e)| {
                    (
                        self.local_to_utc(date.and_time(*s)),
                        self.local_to_utc(date.and_time(*e)),
                    )
                })
                .collect(),
            _ => {
                let next = date.succ_opt().expect("date within chrono's range");
                vec![(
                    self.local_to_utc(date.and_time(NaiveTime::MIN)),
                    self.local_to_utc(next.and_time(NaiveTime::MIN)),
                )]
            }
        }
    }

    /// Local wall time to an instant: ambiguous times take the earlier instant,
    /// non-existent ones the end of the gap.
    pub fn local_to_utc(&self, local: NaiveDateTime) -> DateTime<Utc> {
        match self.tz.from_local_datetime(&local) {
            LocalResult::Single(t) => t.with_timezone(&Utc),
            LocalResult::Ambiguous(earlier, _) => earlier.with_timezone(&Utc),
            LocalResult::None => {
                // Step minute by minute (from the whole minute) to the first local
                // time that exists: that is the end of the gap.
                let mut probe = local
                    .date()
                    .and_hms_opt(local.hour(), local.minute(), 0)
                    .unwrap_or(local);
                for _ in 0..(4 * 60) {
                    probe += Duration::minutes(1);
                    if let Some(t) = self.tz.from_local_datetime(&probe).earliest() {
                        return t.with_timezone(&Utc);
                    }
                }
                Utc.from_utc_datetime(&local)
            }
        }
    }
}

/// Parses `"09:00-13:15,14:15-17:00"`.
pub fn parse_office_hours(s: &str) -> Result<Vec<(NaiveTime, NaiveTime)>, CalendarError> {
    s.split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| {
            let (a, b) = part.split_once('-').ok_or_else(|| {
                CalendarError(format!("office hours `{part}`: expected HH:MM-HH:MM"))
            })?;
            let parse = |t: &str| {
                let t = t.trim();
                NaiveTime::parse_from_str(t, "%H:%M").map_err(|_| {
                    CalendarError(format!("office hours `{part}`: `{t}` is not HH:MM"))
                })
            };
            Ok((parse(a)?, parse(b)?))
        })
        .collect()
}

/// Formats office hours back to `"09:00-13:15,14:15-17:00"`.
pub fn format_office_hours(hours: &[(NaiveTime, NaiveTime)]) -> String {
    hours
        .iter()
        .map(|(a, b)| format!("{}-{}", a.format("%H:%M"), b.format("%H:%M")))
        .collect::<Vec<_>>()
        .join(",")
}

/// Parses ISO weekday numbers `"1,2,3,4,5"` (1 = Monday … 7 = Sunday).
/// The ISO numbers (1 = Monday) of the days marked in `days` (Monday first).
pub fn iso_weekdays(days: &[bool; 7]) -> Vec<u32> {
    (1..=7).filter(|d| days[(*d - 1) as usize]).collect()
}

pub fn parse_weekdays(s: &str) -> Result<[bool; 7], CalendarError> {
    let mut days = [false; 7];
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let n: usize = part
            .parse()
            .ok()
            .filter(|n| (1..=7).contains(n))
            .ok_or_else(|| {
                CalendarError(format!(
                    "weekday `{part}`: expected 1 (Monday) to 7 (Sunday)"
                ))
            })?;
        days[n - 1] = true;
    }
    Ok(days)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn an_annual_holiday_holds_in_every_year_and_a_dated_closure_only_once() {
        let cal = Calendar::italian_default()
            .with_annual([(6, 17)])
            .with_closures([NaiveDate::from_ymd_opt(2027, 3, 2).unwrap()]);
        for year in [2026, 2031, 2050, 2100] {
            let day = NaiveDate::from_ymd_opt(year, 6, 17).unwrap();
            assert!(cal.is_holiday(day), "{day}");
        }
        assert!(cal.is_holiday(NaiveDate::from_ymd_opt(2027, 3, 2).unwrap()));
        assert!(!cal.is_holiday(NaiveDate::from_ymd_opt(2028, 3, 2).unwrap()));
        // Wednesday 17 June 2037: the deadline of a report filed the evening
        // before skips it, in 2037 as in 2026.
        let filed = rome(2037, 6, 16, 17, 30);
        let due = cal.deadline(filed, 24, DeadlineMode::WorkingDays);
        assert_eq!(due, rome(2037, 6, 18, 17, 30), "the 17th does not count");
        let without = Calendar::italian_default().deadline(filed, 24, DeadlineMode::WorkingDays);
        assert_eq!(without, rome(2037, 6, 17, 17, 30));
        // 29 February is a holiday only in leap years.
        let leap = Calendar::italian_default().with_annual([(2, 29)]);
        assert!(leap.is_holiday(NaiveDate::from_ymd_opt(2028, 2, 29).unwrap()));
        assert!(!leap.is_holiday(NaiveDate::from_ymd_opt(2027, 2, 28).unwrap()));
    }

    fn rome(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        let cal = Calendar::italian_default();
        cal.local_to_utc(
            NaiveDate::from_ymd_opt(y, m, d)
                .unwrap()
                .and_hms_opt(h, min, 0)
                .unwrap(),
        )
    }

    fn pisa() -> Calendar {
        Calendar::italian_default().with_closures([NaiveDate::from_ymd_opt(2026, 6, 17).unwrap()])
    }

    fn milano() -> Calendar {
        Calendar::italian_default().with_closures([NaiveDate::from_ymd_opt(2026, 12, 7).unwrap()])
    }

    #[test]
    fn the_categorys_deadline_mode_wins_over_the_comunes_and_a_negative_sla_is_none() {
        let start = rome(2026, 12, 4, 16, 0);
        let cal = pisa();
        let (due, mode) = cal.take_in_deadline(start, 24, None, DeadlineMode::WorkingDays);
        assert_eq!(
            (due, mode),
            (rome(2026, 12, 7, 16, 0), DeadlineMode::WorkingDays)
        );
        let (due, mode) = cal.take_in_deadline(
            start,
            24,
            Some(DeadlineMode::Calendar),
            DeadlineMode::WorkingDays,
        );
        assert_eq!(
            (due, mode),
            (rome(2026, 12, 5, 16, 0), DeadlineMode::Calendar)
        );
        let (due, _) = cal.take_in_deadline(start, -5, None, DeadlineMode::Calendar);
        assert_eq!(due, start);
    }

    #[test]
    fn friday_afternoon_plus_24h_is_monday_afternoon() {
        let due = pisa().deadline(rome(2026, 12, 4, 16, 0), 24, DeadlineMode::WorkingDays);
        assert_eq!(due, rome(2026, 12, 7, 16, 0));
    }

    #[test]
    fn the_immacolata_is_skipped() {
        let due = pisa().deadline(rome(2026, 12, 7, 10, 0), 24, DeadlineMode::WorkingDays);
        assert_eq!(due, rome(2026, 12, 9, 10, 0));
    }

    #[test]
    fn milano_also_skips_sant_ambrogio() {
        let due = milano().deadline(rome(2026, 12, 4, 16, 0), 24, DeadlineMode::WorkingDays);
        // Mon 7 (Sant'Ambrogio) and Tue 8 (Immacolata) are both closed.
        assert_eq!(due, rome(2026, 12, 9, 16, 0));
    }

    #[test]
    fn pisa_skips_san_ranieri() {
        // Tuesday 16 June 2026 11:00 + 24 h: the 17th is San Ranieri.
        let due = pisa().deadline(rome(2026, 6, 16, 11, 0), 24, DeadlineMode::WorkingDays);
        assert_eq!(due, rome(2026, 6, 18, 11, 0));
    }

    #[test]
    fn thursday_before_easter_2027() {
        // Thu 25 March 09:00 + 24 h → Fri 26 09:00; + 48 h → Tue 30 09:00 (Easter Monday 29).
        let cal = pisa();
        assert_eq!(
            cal.deadline(rome(2027, 3, 25, 9, 0), 24, DeadlineMode::WorkingDays),
            rome(2027, 3, 26, 9, 0)
        );
        assert_eq!(
            cal.deadline(rome(2027, 3, 25, 9, 0), 48, DeadlineMode::WorkingDays),
            rome(2027, 3, 30, 9, 0)
        );
    }

    #[test]
    fn across_dst_changes() {
        let cal = pisa();
        // Fri 23 Oct 2026 12:00 CEST + 24 h → Mon 26 Oct 12:00 CET (DST ends Sunday 25).
        let due = cal.deadline(rome(2026, 10, 23, 12, 0), 24, DeadlineMode::WorkingDays);
        assert_eq!(due, rome(2026, 10, 26, 12, 0));
        assert_eq!(due.hour(), 11, "12:00 CET is 11:00 UTC");
        // Fri 26 Mar 2027 12:00 CET + 24 h → Mon 29 is Easter Monday → Tue 30 12:00 CEST.
        let due = cal.deadline(rome(2027, 3, 26, 12, 0), 24, DeadlineMode::WorkingDays);
        assert_eq!(due, rome(2027, 3, 30, 12, 0));
        assert_eq!(due.hour(), 10, "12:00 CEST is 10:00 UTC");
        // Calendar mode counts real hours across the change.
        let due = cal.deadline(rome(2026, 10, 24, 12, 0), 24, DeadlineMode::Calendar);
        assert_eq!(due, rome(2026, 10, 25, 11, 0));
    }

    #[test]
    fn a_seven_day_calendar_counts_the_dst_sunday_as_real_hours() {
        let cal = Calendar::new(
            chrono_tz::Europe::Rome,
            [true; 7],
            parse_office_hours("09:00-17:00").unwrap(),
        )
        .unwrap();
        // Sunday 25 October 2026 has 25 hours.
        let due = cal.deadline(rome(2026, 10, 25, 0, 0), 25, DeadlineMode::WorkingDays);
        assert_eq!(due, rome(2026, 10, 26, 0, 0));
    }

    #[test]
    fn nonexistent_local_time_maps_to_the_end_of_the_gap() {
        let cal = pisa();
        let t = cal.local_to_utc(
            NaiveDate::from_ymd_opt(2027, 3, 28)
                .unwrap()
                .and_hms_opt(2, 30, 0)
                .unwrap(),
        );
        assert_eq!(t, rome(2027, 3, 28, 3, 0));
        let amb = cal.local_to_utc(
            NaiveDate::from_ymd_opt(2026, 10, 25)
                .unwrap()
                .and_hms_opt(2, 30, 0)
                .unwrap(),
        );
        assert_eq!(amb.hour(), 0, "the earlier 02:30 is CEST, 00:30 UTC");
    }

    #[test]
    fn business_hours_with_pisa_split_hours() {
        let cal = pisa();
        // Office hours give 7 h a day (4.25 h + 2.75 h); Tue 8 Dec is a holiday.
        let due = cal.deadline(rome(2026, 12, 4, 16, 0), 8, DeadlineMode::BusinessHours);
        // 1 h Friday + 4.25 h Monday morning = 5.25 h; 2.75 h more from 14:15 → 17:00.
        assert_eq!(due, rome(2026, 12, 7, 17, 0));
        let due = cal.deadline(rome(2026, 12, 4, 16, 0), 24, DeadlineMode::BusinessHours);
        // Fri 1 + Mon 7 + Wed 7 = 15; Thu 7 → 22; Fri 11: 2 h from 09:00 → 11:00.
        assert_eq!(due, rome(2026, 12, 11, 11, 0));
        // Starting during lunch counts from 14:15.
        let due = cal.deadline(rome(2026, 12, 9, 13, 30), 1, DeadlineMode::BusinessHours);
        assert_eq!(due, rome(2026, 12, 9, 15, 15));
    }

    #[test]
    fn a_report_on_saturday_starts_counting_on_monday() {
        let due = pisa().deadline(rome(2026, 12, 5, 10, 0), 24, DeadlineMode::WorkingDays);
        // Counting starts Monday 00:00; 24 hours later is the end of Monday.
        assert_eq!(due, rome(2026, 12, 8, 0, 0));
    }

    #[test]
    fn parse_and_validate() {
        assert!(parse_office_hours("09:00-13:15,14:15-17:00").is_ok());
        assert!(parse_office_hours("9-13").is_err());
        assert!(Calendar::new(
            chrono_tz::Europe::Rome,
            [false; 7],
            parse_office_hours("09:00-10:00").unwrap()
        )
        .is_err());
        assert!(Calendar::new(
            chrono_tz::Europe::Rome,
            [true; 7],
            parse_office_hours("09:00-12:00,11:00-13:00").unwrap()
        )
        .is_err());
        assert_eq!(
            parse_weekdays("1,2,3,4,5,6").unwrap(),
            [true, true, true, true, true, true, false]
        );
        assert!(parse_weekdays("0").is_err());
        assert_eq!(
            "business_hours".parse::<DeadlineMode>().unwrap(),
            DeadlineMode::BusinessHours
        );
    }

    fn any_start() -> impl Strategy<Value = DateTime<Utc>> {
        // 2025-01-01 .. 2029-01-01
        (1_735_689_600i64..1_861_920_000i64).prop_map(|s| Utc.timestamp_opt(s, 0).unwrap())
    }

    fn any_mode() -> impl Strategy<Value = DeadlineMode> {
        prop_oneof![
            Just(DeadlineMode::WorkingDays),
            Just(DeadlineMode::BusinessHours),
            Just(DeadlineMode::Calendar)
        ]
    }

    proptest! {
        #[test]
        fn deadline_is_never_before_start(start in any_start(), hours in 0u32..200, mode in any_mode()) {
            prop_assert!(pisa().deadline(start, hours, mode) >= start);
        }

        #[test]
        fn more_hours_never_give_an_earlier_deadline(start in any_start(), a in 0u32..150, extra in 0u32..50, mode in any_mode()) {
            let cal = milano();
            prop_assert!(cal.deadline(start, a + extra, mode) >= cal.deadline(start, a, mode));
        }

        #[test]
        fn counted_time_lies_only_on_working_time(start in any_start(), hours in 1u32..120, business in any::<bool>()) {
            let cal = pisa();
            let mode = if business { DeadlineMode::BusinessHours } else { DeadlineMode::WorkingDays };
            let intervals = cal.counted_intervals(start, hours, mode);
            let total: Duration = intervals.iter().map(|(a, b)| *b - *a).sum();
            prop_assert_eq!(total, Duration::hours(i64::from(hours)));
            for (a, b) in intervals {
                prop_assert!(a >= start && b > a);
                // Sample each interval's ends and midpoint.
                for t in [a, a + (b - a) / 2, b - Duration::seconds(1)] {
                    let local = t.with_timezone(&cal.timezone());
                    prop_assert!(cal.is_working_day(local.date_naive()), "{t} is not on a working day");
                    if business {
                        let time = local.time();
                        prop_assert!(cal.office_hours.iter().any(|(s, e)| time >= *s && time < *e), "{t} outside office hours");
                    }
                }
            }
        }
    }
}
