//! Answers to the national model's page feedback, and their summary per page
//! for supervisors. The table keeps no address and no session: one row per answer.

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::page_feedback;
use super::DbConn;
use super::StoreResult;
use crate::domain::feedback::{Answer, PageFeedback};

pub fn insert(conn: &mut DbConn, f: &PageFeedback, now: NaiveDateTime) -> StoreResult<()> {
    diesel::insert_into(page_feedback::table)
        .values((
            page_feedback::page.eq(f.page),
            page_feedback::rating.eq(f.rating),
            page_feedback::answer.eq(f.answer.map(Answer::as_str)),
            page_feedback::detail.eq(f.detail.as_deref()),
            page_feedback::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Drops the free text of answers given before `before`; returns how many.
pub fn erase_details(conn: &mut DbConn, before: NaiveDateTime) -> StoreResult<usize> {
    Ok(diesel::update(
        page_feedback::table
            .filter(page_feedback::created_at.lt(before))
            .filter(page_feedback::detail.is_not_null()),
    )
    .set(page_feedback::detail.eq(None::<String>))
    .execute(conn)?)
}

/// One page's answers in a period.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PageSummary {
    pub count: i64,
    /// Answers per star, 1 to 5.
    pub histogram: [i64; 5],
    /// How often each answer was chosen.
    pub answers: BTreeMap<&'static str, i64>,
    /// The latest details written, newest first (at most `max_details`).
    pub details: Vec<(NaiveDateTime, i32, String)>,
}

impl PageSummary {
    pub fn average(&self) -> Option<f64> {
        let sum: i64 = self
            .histogram
            .iter()
            .enumerate()
            .map(|(i, n)| (i as i64 + 1) * n)
            .sum();
        (self.count > 0).then(|| (sum as f64 / self.count as f64 * 10.0).round() / 10.0)
    }
}

/// Per page (route template), the answers given in `[from, to)`.
pub fn summary(
    conn: &mut DbConn,
    from: NaiveDateTime,
    to: NaiveDateTime,
    max_details: usize,
) -> StoreResult<BTreeMap<String, PageSummary>> {
    type Row = (String, i32, Option<String>, Option<String>, NaiveDateTime);
    let rows: Vec<Row> = page_feedback::table
        .filter(page_feedback::created_at.ge(from))
        .filter(page_feedback::created_at.lt(to))
        .order(page_feedback::created_at.desc())
        .select((
            page_feedback::page,
            page_feedback::rating,
            page_feedback::answer,
            page_feedback::detail,
            page_feedback::created_at,
        ))
        .load(conn)?;
    let mut pages: BTreeMap<String, PageSummary> = BTreeMap::new();
    for (page, rating, answer, detail, at) in rows {
        let s = pages.entry(page).or_default();
        s.count += 1;
        if let Some(slot) = s.histogram.get_mut((rating - 1) as usize) {
            *slot += 1;
        }
        if let Some(a) = answer.as_deref().and_then(|a| a.parse::<Answer>().ok()) {
            *s.answers.entry(a.as_str()).or_default() += 1;
        }
        if let Some(d) = detail {
            if s.details.len() < max_details {
                s.details.push((at, rating, d));
            }
        }
    }
    Ok(pages)
}
