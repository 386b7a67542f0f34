//! The citizen's one-question rating of the service ("Quanto è stato facile
//! usare questo servizio?"), one per report, summarised for supervisors.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::ratings;
use super::DbConn;
use super::StoreResult;

/// Records (or replaces) the rating of a report.
pub fn set(
    conn: &mut DbConn,
    report_id: i64,
    municipality_id: &str,
    score: i32,
    comment: Option<&str>,
    now: NaiveDateTime,
) -> StoreResult<()> {
    diesel::delete(ratings::table.find(report_id)).execute(conn)?;
    diesel::insert_into(ratings::table)
        .values((
            ratings::report_id.eq(report_id),
            ratings::municipality_id.eq(municipality_id),
            ratings::score.eq(score),
            ratings::comment.eq(comment),
            ratings::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// `(count, average, count per score 1..=5)` of the ratings given in `[from, to)`.
pub fn summary(
    conn: &mut DbConn,
    municipality_id: &str,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> StoreResult<(i64, Option<f64>, [i64; 5])> {
    let scores: Vec<i32> = ratings::table
        .filter(ratings::municipality_id.eq(municipality_id))
        .filter(ratings::created_at.ge(from))
        .filter(ratings::created_at.lt(to))
        .select(ratings::score)
        .load(conn)?;
    let mut histogram = [0i64; 5];
    for s in &scores {
        if let Some(slot) = histogram.get_mut((*s - 1) as usize) {
            *slot += 1;
        }
    }
    let count = scores.len() as i64;
    let average = (count > 0).then(|| {
        (scores.iter().map(|s| f64::from(*s)).sum::<f64>() / count as f64 * 10.0).round() / 10.0
    });
    Ok((count, average, histogram))
}
