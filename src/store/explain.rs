//! `EXPLAIN` for diesel queries, so that tests can check that the queries the
//! service really runs are served by indexes on both backends.

use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{Integer, Text};
use diesel::sqlite::Sqlite;
use diesel::{QueryResult, RunQueryDsl};

use super::DbConn;
use super::StoreResult;

/// `EXPLAIN QUERY PLAN <query>` on SQLite: rows of (id, parent, notused, detail).
pub struct ExplainSqlite<Q>(pub Q);
/// `EXPLAIN <query>` on PostgreSQL: one text column.
pub struct ExplainPg<Q>(pub Q);

impl<Q> QueryId for ExplainSqlite<Q> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}
impl<Q> QueryId for ExplainPg<Q> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}
impl<Q> Query for ExplainSqlite<Q> {
    type SqlType = (Integer, Integer, Integer, Text);
}
impl<Q> Query for ExplainPg<Q> {
    type SqlType = Text;
}
impl<Q: QueryFragment<Sqlite>> QueryFragment<Sqlite> for ExplainSqlite<Q> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        out.push_sql("EXPLAIN QUERY PLAN ");
        self.0.walk_ast(out.reborrow())
    }
}
impl<Q: QueryFragment<Pg>> QueryFragment<Pg> for ExplainPg<Q> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql("EXPLAIN ");
        self.0.walk_ast(out.reborrow())
    }
}
impl<Q, C> RunQueryDsl<C> for ExplainSqlite<Q> {}
impl<Q, C> RunQueryDsl<C> for ExplainPg<Q> {}

/// The plan of `query` on whichever backend `conn` is, one line per row.
pub fn plan<Q>(conn: &mut DbConn, query: Q) -> StoreResult<Vec<String>>
where
    Q: QueryFragment<Sqlite> + QueryFragment<Pg>,
{
    Ok(match conn {
        DbConn::Sqlite(c) => ExplainSqlite(query)
            .load::<(i32, i32, i32, String)>(c)?
            .into_iter()
            .map(|r| r.3)
            .collect(),
        DbConn::Pg(c) => ExplainPg(query).load::<String>(c)?,
    })
}
