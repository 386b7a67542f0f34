//! Spatial queries: the map's bounding box and the "is it already reported?"
//! nearby search.
//!
//! BACKEND-SPECIFIC SQL lives here, and only here:
//! - the map list, and nearby on SQLite, read the grid's cell indexes
//!   (`map_cell`, `map_cell_street`; `src/domain/grid.rs`);
//! - nearby on PostgreSQL reads a partial GiST index of active reports on the
//!   built-in `point(lon, lat)` expression.
//!
//! The map list reads its page's ids from the grid's indexes, then (in the
//! same statement) their rows by primary key; nearby returns ids and
//! coordinates, and its closest rows are read by primary key after.
//! Only published reports are on the map: the list's and nearby's conditions
//! say so, the cluster counts hold no others (their triggers), and the
//! PostgreSQL nearby index is partial on it.

use diesel::prelude::*;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::serialize::ToSql;
use diesel::sql_types::{BigInt, Double, Text};
use geo::{Distance, Haversine, Point};

use super::reports::{ListFilter, MapItem};
use super::DbConn;
use super::StoreResult;
use crate::domain::grid;
use crate::domain::ids::CategoryId;
use crate::domain::report::Status;

/// A bounding box in WGS84 degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bbox {
    pub min_lon: f64,
    pub min_lat: f64,
    pub max_lon: f64,
    pub max_lat: f64,
}

impl Bbox {
    /// The box around a circle of `radius_m` metres (with a margin, never across a pole).
    pub fn around(lat: f64, lon: f64, radius_m: f64) -> Self {
        let dlat = radius_m / 111_000.0 * 1.01;
        let dlon = dlat / lat.to_radians().cos().abs().max(0.01);
        Self {
            min_lon: (lon - dlon).max(-180.0),
            min_lat: (lat - dlat).max(-90.0),
            max_lon: (lon + dlon).min(180.0),
            max_lat: (lat + dlat).min(90.0),
        }
    }
}

/// Most rows of street cells nearby reads on SQLite; a taller circle reads
/// district cells.
const MAX_NEARBY_ROWS: usize = 16;

/// Most candidates the nearby search considers before sorting by distance.
pub const NEARBY_CANDIDATES: i64 = 2_000;

/// A raw query with its parameters. Every number is bound, so that the
/// text of a query depends on its shape only (how many cells, which
/// statuses, how many categories). A query of a common shape (see
/// [`common_shape`]) is prepared once per connection and kept: PostgreSQL
/// then plans it once, not on every map request; any other is prepared
/// each time, so that no client can fill a connection with statements.
struct RawQuery {
    parts: Vec<Part>,
    keep: bool,
}

enum Part {
    Sql(String),
    Text(String),
    Int(i64),
    Real(f64),
}

impl RawQuery {
    fn new(keep: bool) -> Self {
        Self {
            parts: Vec::new(),
            keep,
        }
    }
    fn push(&mut self, sql: &str) -> &mut Self {
        match self.parts.last_mut() {
            Some(Part::Sql(last)) => last.push_str(sql),
            _ => self.parts.push(Part::Sql(sql.to_string())),
        }
        self
    }
    fn int(&mut self, value: i64) -> &mut Self {
        self.parts.push(Part::Int(value));
        self
    }
    fn real(&mut self, value: f64) -> &mut Self {
        self.parts.push(Part::Real(value));
        self
    }
    fn bind_list(&mut self, values: &[CategoryId]) -> &mut Self {
        if values.is_empty() {
            // `IN ()` is not SQL; `IN (NULL)` matches nothing on both backends.
            return self.push("(NULL)");
        }
        self.push("(");
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.parts.push(Part::Text(v.to_string()));
        }
        self.push(")")
    }
    /// ` AND {column} BETWEEN {low} AND {high}`.
    fn between(&mut self, column: &str, low: f64, high: f64) -> &mut Self {
        self.push(&format!(" AND {column} BETWEEN "))
            .real(low)
            .push(" AND ")
            .real(high)
    }
    /// The query with `prefix` before it (`EXPLAIN`), never kept.
    fn prefixed(mut self, prefix: &str) -> Self {
        self.parts.insert(0, Part::Sql(prefix.to_string()));
        self.keep = false;
        self
    }
}

impl QueryId for RawQuery {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl Query for RawQuery {
    type SqlType = diesel::sql_types::Untyped;
}

impl<DB: diesel::backend::Backend> QueryFragment<DB> for RawQuery
where
    String: ToSql<Text, DB>,
    i64: ToSql<BigInt, DB>,
    f64: ToSql<Double, DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        if !self.keep {
            out.unsafe_to_cache_prepared();
        }
        for part in &self.parts {
            match part {
                Part::Sql(sql) => out.push_sql(sql),
                Part::Text(v) => out.push_bind_param::<Text, _>(v)?,
                Part::Int(v) => out.push_bind_param::<BigInt, _>(v)?,
                Part::Real(v) => out.push_bind_param::<Double, _>(v)?,
            }
        }
        Ok(())
    }
}

impl<Conn> RunQueryDsl<Conn> for RawQuery {}

/// Most branches (cells, rows of cells) a query kept prepared may have.
const MAX_KEPT_BRANCHES: usize = 16;

/// Whether a map query of `branches` cells or rows is of a shape nearly
/// every request has (the default statuses, no category, a view of a town
/// or less): only such queries are kept prepared (see [`RawQuery`]), so a
/// connection keeps a hundred small statements at most.
fn common_shape(
    statuses: &[Status],
    category_ids: &Option<Vec<CategoryId>>,
    branches: usize,
) -> bool {
    category_ids.is_none()
        && statuses.iter().copied().eq(Status::listed())
        && branches <= MAX_KEPT_BRANCHES
}

/// Most cells the map list reads one by one; a box larger than that many
/// district cells is read newest first by primary key (it holds most of the
/// territory, so its newest reports come quickly).
pub const MAX_LIST_CELLS: i64 = 64;

/// The statuses a search may name, spelled into the SQL (they are the
/// product's own words, never the client's).
pub(super) fn status_list(statuses: &[Status]) -> String {
    if statuses.is_empty() {
        return "(NULL)".into();
    }
    let quoted: Vec<String> = statuses
        .iter()
        .map(|s| format!("'{}'", s.as_str()))
        .collect();
    format!("({})", quoted.join(", "))
}

/// The conditions of one box and the list's filters.
fn list_conditions(q: &mut RawQuery, f: &ListFilter) {
    box_conditions(q, f.bbox, &f.statuses, &f.category_ids);
}

/// The conditions of a box, its statuses and categories, on published
/// reports.
fn box_conditions(
    q: &mut RawQuery,
    b: Bbox,
    statuses: &[Status],
    category_ids: &Option<Vec<CategoryId>>,
) {
    q.between("lat", b.min_lat, b.max_lat)
        .between("lon", b.min_lon, b.max_lon)
        .push(&format!(
            " AND status IN {} AND publication = 'published'",
            status_list(statuses)
        ));
    if let Some(categories) = category_ids {
        q.push(" AND category_id IN ").bind_list(categories);
    }
}

/// The cursor's condition, spelled as the index that reads the rows orders
/// them: by `id`, or (a PostgreSQL cell index) by `-id`.
fn before_condition(q: &mut RawQuery, f: &ListFilter, by_negated_id: bool) {
    match (f.before_id, by_negated_id) {
        (None, _) => {}
        (Some(before), false) => {
            q.push(" AND id < ").int(before);
        }
        (Some(before), true) => {
            q.push(" AND -id > ").int(-before);
        }
    }
}

/// The map list: the newest `limit` reports of the box. The box is read cell
/// by cell at the finest grid level where it spans at most
/// [`MAX_LIST_CELLS`] cells (streets, then districts), each cell newest first
/// through its index (which carries status, category and coordinates, so
/// nothing else is read), stopping at `limit`; the cells' pages are merged by
/// id. A larger box is read newest first by primary key. Only then are the
/// page's rows read, by primary key, with their category's names: one
/// statement in all.
///
/// On PostgreSQL the cell indexes are ordered by `(cell, -id)` and the query
/// asks for `-id`: an order the primary key cannot give, so the planner
/// cannot trade the cell's index for a walk of the whole table's newest
/// reports (migration `map_cell_newest_first`).
fn bbox_query(pg: bool, f: &ListFilter) -> RawQuery {
    let b = f.bbox;
    let cells =
        grid::list_level(MAX_LIST_CELLS, b.min_lat, b.min_lon, b.max_lat, b.max_lon).map(|level| {
            (
                level,
                grid::cells(level, b.min_lat, b.min_lon, b.max_lat, b.max_lon),
            )
        });
    let branches = cells.as_ref().map_or(1, |(_, cells)| cells.len());
    let mut q = RawQuery::new(common_shape(&f.statuses, &f.category_ids, branches));
    q.push(
        "SELECT r.id, r.code, r.category_id, r.status, r.title, r.public_title, r.lat, r.lon, \
         r.address, r.created_at, r.updated_at, c.code AS category_code, \
         c.name_it AS category_name_it, c.name_en AS category_name_en FROM (",
    );
    // The page's order, as the ids below come out: the outer query keeps it
    // (each row is then found by primary key), so at most the page's rows
    // are sorted again (SQLite), never the box's.
    let order = match cells {
        Some((level, cells)) => {
            cell_pages(&mut q, pg, f, level, cells);
            if pg {
                "p.newest"
            } else {
                "p.id DESC"
            }
        }
        None => {
            q.push(if pg {
                "SELECT id FROM reports WHERE true"
            } else {
                "SELECT id FROM reports NOT INDEXED WHERE true"
            });
            list_conditions(&mut q, f);
            before_condition(&mut q, f, false);
            q.push(" ORDER BY id DESC LIMIT ").int(f.limit);
            "p.id DESC"
        }
    };
    q.push(&format!(
        ") AS p JOIN reports r ON r.id = p.id JOIN categories c ON c.id = r.category_id \
         ORDER BY {order}"
    ));
    q
}

/// The column of `reports` holding a report's cell at `level` (street or
/// district), and its index.
fn cell_column(level: grid::Level) -> (&'static str, &'static str) {
    match level {
        grid::Level::Street => ("map_cell_street", "reports_map_cell_street"),
        _ => ("map_cell", "reports_map_cell"),
    }
}

/// The newest `limit` ids of the box, cell by cell, merged newest first
/// (on PostgreSQL with their `newest`, `-id`).
fn cell_pages(q: &mut RawQuery, pg: bool, f: &ListFilter, level: grid::Level, cells: Vec<i64>) {
    let (column, index) = cell_column(level);
    q.push(if pg {
        "SELECT id, newest FROM ("
    } else {
        "SELECT id FROM ("
    });
    for (i, cell) in cells.into_iter().enumerate() {
        if i > 0 {
            q.push(" UNION ALL ");
        }
        q.push(&if pg {
            "(SELECT id, -id AS newest FROM reports".to_string()
        } else {
            format!("SELECT id FROM (SELECT id FROM reports INDEXED BY {index}")
        });
        q.push(&format!(" WHERE {column} = ")).int(cell);
        list_conditions(q, f);
        before_condition(q, f, pg);
        let order = if pg { "-id" } else { "id DESC" };
        q.push(&format!(" ORDER BY {order} LIMIT "))
            .int(f.limit)
            .push(")");
    }
    let order = if pg { "newest" } else { "id DESC" };
    q.push(&format!(") AS cells ORDER BY {order} LIMIT "))
        .int(f.limit);
}

/// One page of the map list, newest first (see [`bbox_query`]).
pub fn bbox_page(conn: &mut DbConn, f: &ListFilter) -> StoreResult<Vec<MapItem>> {
    Ok(match conn {
        DbConn::Sqlite(c) => bbox_query(false, f).load(c)?,
        DbConn::Pg(c) => with_ordered_plan(c, |c| bbox_query(true, f).load(c))?,
    })
}

/// PostgreSQL's planner, estimating a handful of rows per cell, prefers to
/// collect a cell's rows from two indexes and sort them — which at a dense
/// cell means reading all of them. The map list must walk each cell's index
/// newest first and stop at the page (and merge the cells without a sort):
/// bitmap scans and sorts are turned off for that one query. (SQLite is told
/// with `INDEXED BY`.) The primary key cannot stand in for a cell's index:
/// the list asks for `-id`, which only the cell indexes give (see
/// [`bbox_query`]).
fn with_ordered_plan<T>(
    c: &mut diesel::PgConnection,
    run: impl FnOnce(&mut diesel::PgConnection) -> Result<T, diesel::result::Error>,
) -> Result<T, diesel::result::Error> {
    use diesel::connection::SimpleConnection;
    c.batch_execute("SET enable_bitmapscan = off; SET enable_sort = off")?;
    let out = run(c);
    c.batch_execute("RESET enable_bitmapscan; RESET enable_sort")?;
    out
}

/// Active reports in the box around the circle. PostgreSQL reads its GiST
/// index of active reports, nearest first; SQLite the grid's index (which
/// carries status, category, coordinates and publication), one range per row
/// of cells, at the street level unless the circle spans more than
/// [`MAX_NEARBY_ROWS`] of its rows (then the district level).
///
/// PostgreSQL's candidates come nearest first by the distance in degrees
/// (a degree of longitude counted as long as one of latitude). SQLite's are any
/// [`NEARBY_CANDIDATES`] of the box unless `closest` (then ordered by the
/// plane's distance, scaled for the latitude: the closest ones, sorted by the
/// true distance after): there are fewer than that in the box, but in a
/// dense centre at scale, where there are more, the caller asks again.
fn nearby_query(
    pg: bool,
    lat: f64,
    lon: f64,
    radius_m: f64,
    category_ids: &Option<Vec<CategoryId>>,
    closest: bool,
) -> RawQuery {
    let b = Bbox::around(lat, lon, radius_m);
    let active = status_list(&Status::ACTIVE);
    if !pg {
        let rows_at = |level| grid::rows(level, b.min_lat, b.min_lon, b.max_lat, b.max_lon);
        let (mut level, mut rows) = (grid::Level::Street, rows_at(grid::Level::Street));
        if rows.len() > MAX_NEARBY_ROWS {
            (level, rows) = (grid::Level::Fine, rows_at(grid::Level::Fine));
        }
        let (column, index) = cell_column(level);
        let keep = category_ids.is_none() && rows.len() <= MAX_KEPT_BRANCHES && !closest;
        let mut q = RawQuery::new(keep);
        if closest {
            q.push("SELECT id, lat, lon FROM (");
        }
        for (i, row) in rows.iter().enumerate() {
            if i > 0 {
                q.push(" UNION ALL ");
            }
            q.push(&format!(
                "SELECT id, lat, lon FROM reports INDEXED BY {index} WHERE {column} BETWEEN "
            ))
            .int(row.first)
            .push(" AND ")
            .int(row.last);
            box_conditions(&mut q, b, &Status::ACTIVE, category_ids);
        }
        if closest {
            let shrink = lat.to_radians().cos().powi(2);
            q.push(") AS boxed ORDER BY (lat - ")
                .real(lat)
                .push(") * (lat - ")
                .real(lat)
                .push(") + (lon - ")
                .real(lon)
                .push(") * (lon - ")
                .real(lon)
                .push(") * ")
                .real(shrink);
        }
        q.push(" LIMIT ").int(NEARBY_CANDIDATES);
        return q;
    }
    let mut q = RawQuery::new(category_ids.is_none());
    q.push(&format!(
        "SELECT id, lat, lon FROM reports WHERE status IN {active} AND publication = 'published' \
         AND point(lon, lat) <@ box(point("
    ))
    .real(b.min_lon)
    .push(", ")
    .real(b.min_lat)
    .push("), point(")
    .real(b.max_lon)
    .push(", ")
    .real(b.max_lat)
    .push("))");
    if let Some(categories) = category_ids {
        q.push(" AND category_id IN ").bind_list(categories);
    }
    q.push(" ORDER BY point(lon, lat) <-> point(")
        .real(lon)
        .push(", ")
        .real(lat)
        .push(")");
    q.push(" LIMIT ").int(NEARBY_CANDIDATES);
    q
}

#[derive(QueryableByName)]
struct PointRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Double)]
    lat: f64,
    #[diesel(sql_type = Double)]
    lon: f64,
}

/// A report close to the searched point.
pub struct Candidate {
    pub id: i64,
    pub distance_m: f64,
}

/// Active reports in the box around the circle, with their haversine distance.
pub fn nearby_candidates(
    conn: &mut DbConn,
    lat: f64,
    lon: f64,
    radius_m: f64,
    category_ids: Option<Vec<CategoryId>>,
) -> StoreResult<Vec<Candidate>> {
    let rows: Vec<PointRow> = match conn {
        DbConn::Sqlite(c) => {
            let rows: Vec<PointRow> =
                nearby_query(false, lat, lon, radius_m, &category_ids, false).load(c)?;
            if rows.len() < NEARBY_CANDIDATES as usize {
                rows
            } else {
                // The box holds more: its closest, then.
                nearby_query(false, lat, lon, radius_m, &category_ids, true).load(c)?
            }
        }
        DbConn::Pg(c) => nearby_query(true, lat, lon, radius_m, &category_ids, true).load(c)?,
    };
    let origin = Point::new(lon, lat);
    Ok(rows
        .into_iter()
        .map(|r| Candidate {
            id: r.id,
            distance_m: Haversine.distance(origin, Point::new(r.lon, r.lat)),
        })
        .collect())
}

#[derive(QueryableByName)]
struct CellRow {
    #[diesel(sql_type = BigInt)]
    cell: i64,
    #[diesel(sql_type = Text)]
    status: Status,
    #[diesel(sql_type = BigInt)]
    n: i64,
    #[diesel(sql_type = Double)]
    sum_lat: f64,
    #[diesel(sql_type = Double)]
    sum_lon: f64,
}

/// Reports counted in one grid cell with one status (and one category,
/// under a category filter).
#[derive(Debug, Clone, PartialEq)]
pub struct CellCount {
    pub cell: i64,
    pub status: Status,
    pub n: i64,
    pub sum_lat: f64,
    pub sum_lon: f64,
}

/// The category under which `report_cells` also counts each cell's reports
/// of every category (kept by the same triggers), so that a map with no
/// category filter reads one row per cell and status.
const ALL_CATEGORIES: &str = "*";

/// Most rows of the grid read one by one; a taller box reads one range.
const MAX_CELL_ROWS: usize = 200;

fn cells_query(
    level: grid::Level,
    b: Bbox,
    statuses: &[Status],
    category_ids: &Option<Vec<CategoryId>>,
) -> RawQuery {
    let mut rows = grid::rows(level, b.min_lat, b.min_lon, b.max_lat, b.max_lon);
    if rows.len() > MAX_CELL_ROWS {
        let (first, last) = (rows[0].first, rows[rows.len() - 1].last);
        rows = vec![grid::RowSpan { first, last }];
    }
    let mut q = RawQuery::new(common_shape(statuses, category_ids, rows.len()));
    // Not grouped: a cell comes once per status, or once per category and
    // status under a category filter, and the clusters add them up.
    for (i, row) in rows.iter().enumerate() {
        if i > 0 {
            q.push(" UNION ALL ");
        }
        q.push("SELECT cell, status, n, sum_lat, sum_lon FROM report_cells WHERE level = ")
            .int(level as i64)
            .push(" AND cell BETWEEN ")
            .int(row.first)
            .push(" AND ")
            .int(row.last)
            .push(&format!(" AND status IN {}", status_list(statuses)));
        match category_ids {
            Some(categories) => q.push(" AND category_id IN ").bind_list(categories),
            // Every category at once: the rows that count them all.
            None => q.push(&format!(" AND category_id = '{ALL_CATEGORIES}'")),
        };
        q.push(" AND n > 0");
    }
    q
}

/// The counts of the cells a box overlaps (whole cells: a cell on the edge
/// counts its reports outside the box too), by status — and by category
/// under a category filter, so a cell and status may come more than once.
pub fn cell_counts(
    conn: &mut DbConn,
    level: grid::Level,
    b: Bbox,
    statuses: &[Status],
    category_ids: &Option<Vec<CategoryId>>,
) -> StoreResult<Vec<CellCount>> {
    let query = cells_query(level, b, statuses, category_ids);
    let rows: Vec<CellRow> = match conn {
        DbConn::Sqlite(c) => query.load(c)?,
        DbConn::Pg(c) => query.load(c)?,
    };
    Ok(rows
        .into_iter()
        .map(|r| CellCount {
            cell: r.cell,
            status: r.status,
            n: r.n,
            sum_lat: r.sum_lat,
            sum_lon: r.sum_lon,
        })
        .collect())
}

#[derive(QueryableByName)]
struct SqlitePlanRow {
    #[diesel(sql_type = Text)]
    detail: String,
}

#[derive(QueryableByName)]
struct PgPlanRow {
    #[diesel(sql_type = Text, column_name = "QUERY PLAN")]
    plan: String,
}

/// The plan of a query as it runs (`ordered`: under [`with_ordered_plan`]
/// on PostgreSQL, as the map list does).
fn explain(
    conn: &mut DbConn,
    ordered: bool,
    build: impl Fn(bool) -> RawQuery,
) -> StoreResult<Vec<String>> {
    Ok(match conn {
        DbConn::Sqlite(c) => {
            let q = build(false).prefixed("EXPLAIN QUERY PLAN ");
            let rows: Vec<SqlitePlanRow> = q.load(c)?;
            rows.into_iter().map(|r| r.detail).collect()
        }
        DbConn::Pg(c) => {
            let q = build(true).prefixed("EXPLAIN ");
            let rows: Vec<PgPlanRow> = if ordered {
                with_ordered_plan(c, |c| q.load(c))?
            } else {
                q.load(c)?
            };
            rows.into_iter().map(|r| r.plan).collect()
        }
    })
}

/// The query plan of the map query (for the index tests).
pub fn explain_bbox(conn: &mut DbConn, f: &ListFilter) -> StoreResult<Vec<String>> {
    explain(conn, true, |pg| bbox_query(pg, f))
}

/// The query plan of the clusters' query (for the index tests).
pub fn explain_cells(
    conn: &mut DbConn,
    level: grid::Level,
    b: Bbox,
    statuses: &[Status],
) -> StoreResult<Vec<String>> {
    explain(conn, false, |_| cells_query(level, b, statuses, &None))
}

/// The query plan of the nearby query (for the index tests).
pub fn explain_nearby(
    conn: &mut DbConn,
    lat: f64,
    lon: f64,
    radius_m: f64,
) -> StoreResult<Vec<String>> {
    explain(conn, false, |pg| {
        nearby_query(pg, lat, lon, radius_m, &None, false)
    })
}
