//! Office workload statistics ("is the maintenance office overloaded?"),
//! computed from plain facts about reports.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::ids::{CategoryId, OfficeId};
use super::report::Status;

/// What the statistics need of one report.
#[derive(Debug, Clone)]
pub struct ReportFacts {
    pub office_id: Option<OfficeId>,
    pub code: String,
    pub status: Status,
    pub received_at: DateTime<Utc>,
    pub taken_in_at: Option<DateTime<Utc>>,
    pub take_in_due_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct OfficeStats {
    /// Reports received in the period.
    pub received: u64,
    /// Of those, taken in charge.
    pub taken_in: u64,
    /// Taken in by their deadline.
    pub taken_in_within_deadline: u64,
    /// Share taken in by the deadline among those whose outcome is known
    /// (taken in, or still waiting past the deadline); `None` if none is.
    pub within_deadline_pct: Option<f64>,
    pub median_take_in_seconds: Option<i64>,
    pub p90_take_in_seconds: Option<i64>,
    /// Open now, whenever received.
    pub open_backlog: u64,
    /// Open now and still waiting past their take-in deadline.
    pub overdue_now: u64,
    /// The oldest open report: code and when it was received.
    pub oldest_open: Option<(String, DateTime<Utc>)>,
}

/// Nearest-rank percentile of sorted values.
pub fn percentile(sorted: &[i64], p: f64) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted.get(rank.min(sorted.len()) - 1).copied()
}

/// Statistics per office (`None`: reports waiting in triage, with no office).
pub fn by_office(
    received: &[ReportFacts],
    open: &[ReportFacts],
    now: DateTime<Utc>,
) -> BTreeMap<Option<OfficeId>, OfficeStats> {
    let mut out: BTreeMap<Option<OfficeId>, (OfficeStats, Vec<i64>, u64)> = BTreeMap::new();
    for r in received {
        let (s, durations, decided) = out.entry(r.office_id.clone()).or_default();
        s.received += 1;
        match (r.taken_in_at, r.take_in_due_at) {
            (Some(taken), due) => {
                s.taken_in += 1;
                *decided += 1;
                durations.push((taken - r.received_at).num_seconds().max(0));
                if due.is_none_or(|d| taken <= d) {
                    s.taken_in_within_deadline += 1;
                }
            }
            (None, Some(due)) if due < now && r.status == Status::New => *decided += 1,
            _ => {}
        }
    }
    for r in open {
        let (s, _, _) = out.entry(r.office_id.clone()).or_default();
        s.open_backlog += 1;
        if r.status == Status::New && r.take_in_due_at.is_some_and(|d| d < now) {
            s.overdue_now += 1;
        }
        if s.oldest_open
            .as_ref()
            .is_none_or(|(_, at)| r.received_at < *at)
        {
            s.oldest_open = Some((r.code.clone(), r.received_at));
        }
    }
    out.into_iter()
        .map(|(office, (mut s, mut durations, decided))| {
            durations.sort_unstable();
            s.median_take_in_seconds = percentile(&durations, 50.0);
            s.p90_take_in_seconds = percentile(&durations, 90.0);
            s.within_deadline_pct = (decided > 0).then(|| {
                (s.taken_in_within_deadline as f64 * 1000.0 / decided as f64).round() / 10.0
            });
            (office, s)
        })
        .collect()
}

/// Reports on the public map per category id, as `(total, open)`, from
/// counts per category and status: rejected reports are not on the map.
pub fn public_counts(
    rows: impl IntoIterator<Item = (CategoryId, Status, i64)>,
) -> BTreeMap<CategoryId, (i64, i64)> {
    let mut per: BTreeMap<CategoryId, (i64, i64)> = BTreeMap::new();
    for (category, status, n) in rows {
        if status == Status::Rejected {
            continue;
        }
        let e = per.entry(category).or_default();
        e.0 += n;
        if status.is_open() {
            e.1 += n;
        }
    }
    per
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn at(h: i64) -> DateTime<Utc> {
        "2026-12-01T08:00:00Z".parse::<DateTime<Utc>>().unwrap() + Duration::hours(h)
    }

    fn fact(
        office: &str,
        code: &str,
        status: Status,
        received: i64,
        taken: Option<i64>,
        due: i64,
    ) -> ReportFacts {
        ReportFacts {
            office_id: Some(office.into()),
            code: code.into(),
            status,
            received_at: at(received),
            taken_in_at: taken.map(at),
            take_in_due_at: Some(at(due)),
        }
    }

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let v: Vec<i64> = (1..=10).collect();
        assert_eq!(percentile(&v, 50.0), Some(5));
        assert_eq!(percentile(&v, 90.0), Some(9));
        assert_eq!(percentile(&[7], 90.0), Some(7));
        assert_eq!(percentile(&[], 50.0), None);
    }

    #[test]
    fn an_overloaded_office_shows() {
        let received = vec![
            fact("strade", "A", Status::TakenIn, 0, Some(2), 24), // on time, 2 h
            fact("strade", "B", Status::Resolved, 0, Some(30), 24), // late, 30 h
            fact("strade", "C", Status::New, 0, None, 24),        // overdue, not taken in
            fact("strade", "D", Status::New, 40, None, 64),       // still in time: unknown outcome
            fact("verde", "E", Status::TakenIn, 0, Some(1), 24),
        ];
        let open = vec![
            received[0].clone(),
            received[2].clone(),
            received[3].clone(),
            received[4].clone(),
        ];
        let stats = by_office(&received, &open, at(48));
        let strade = &stats[&Some(OfficeId::new("strade"))];
        assert_eq!(
            (
                strade.received,
                strade.taken_in,
                strade.taken_in_within_deadline
            ),
            (4, 2, 1)
        );
        assert_eq!(
            strade.within_deadline_pct,
            Some(33.3),
            "1 on time of 3 decided"
        );
        assert_eq!(strade.median_take_in_seconds, Some(2 * 3600));
        assert_eq!(strade.p90_take_in_seconds, Some(30 * 3600));
        assert_eq!((strade.open_backlog, strade.overdue_now), (3, 1));
        assert_eq!(
            strade.oldest_open.as_ref().map(|(c, _)| c.as_str()),
            Some("A")
        );
        let verde = &stats[&Some(OfficeId::new("verde"))];
        assert_eq!(verde.within_deadline_pct, Some(100.0));
    }

    #[test]
    fn public_counts_leave_rejected_reports_out() {
        let per = public_counts([
            (CategoryId::new("buche"), Status::New, 2),
            (CategoryId::new("buche"), Status::Resolved, 3),
            (CategoryId::new("buche"), Status::Rejected, 4),
            (CategoryId::new("graffiti"), Status::Rejected, 1),
        ]);
        assert_eq!(per.get("buche"), Some(&(5, 2)));
        assert_eq!(per.get("graffiti"), None);
    }
}
