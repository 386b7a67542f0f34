//! Spatial queries: the map's bounding box and the "is it already reported?"
//! nearby search.
//!
//! BACKEND-SPECIFIC SQL lives here, and only here:
//! - SQLite: the `reports_rtree` R*Tree virtual table, kept in step with
//!   `reports` by triggers (see the SQLite migration);
//! - PostgreSQL: a GiST index on the built-in `point(lon, lat)` expression.
//!
//! Both return only ids (and coordinates); rows are then loaded by primary key.
//! Only published reports are on the map: the list's conditions say so, the
//! R*Tree and the cluster counts hold no others (their triggers), and the
//! PostgreSQL nearby index is partial on it.

use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Double, Text};
use diesel::sqlite::Sqlite;
use geo::{Distance, Haversine, Point};

use super::reports::ListFilter;
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

/// Most candidates the nearby search considers before sorting by distance.
pub const NEARBY_CANDIDATES: i64 = 2_000;

/// A raw query with its parameters, spelled for one backend. Numbers and
/// statuses this code computed are written into the SQL; only text that came
/// from a request (category ids) is bound.
struct RawQuery {
    sql: String,
    binds: Vec<String>,
    pg: bool,
}

impl RawQuery {
    fn new(pg: bool) -> Self {
        Self {
            sql: String::new(),
            binds: Vec::new(),
            pg,
        }
    }
    fn push(&mut self, sql: &str) -> &mut Self {
        self.sql.push_str(sql);
        self
    }
    fn bind(&mut self, value: String) -> &mut Self {
        self.binds.push(value);
        if self.pg {
            self.sql.push_str(&format!("${}", self.binds.len()));
        } else {
            self.sql.push('?');
        }
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
            self.bind(v.to_string());
        }
        self.push(")")
    }
}

macro_rules! load_raw {
    ($conn:expr, $db:ty, $query:expr) => {{
        let q: &RawQuery = $query;
        let mut boxed = diesel::sql_query(q.sql.clone()).into_boxed::<$db>();
        for b in &q.binds {
            boxed = boxed.bind::<Text, _>(b.clone());
        }
        boxed.load($conn)
    }};
}

/// Most cells the map list reads one by one; a box larger than that many
/// district cells is read newest first by primary key (it holds most of the
/// territory, so its newest reports come quickly).
pub const MAX_LIST_CELLS: i64 = 64;

/// The statuses a search may name, spelled into the SQL (they are the
/// product's own words, never the client's).
fn status_list(statuses: &[Status]) -> String {
    if statuses.is_empty() {
        return "(NULL)".into();
    }
    let quoted: Vec<String> = statuses
        .iter()
        .map(|s| format!("'{}'", s.as_str()))
        .collect();
    format!("({})", quoted.join(", "))
}

/// The conditions of one box and the list's filters (the coordinates and
/// ids are numbers this code computed, written into the SQL; categories are
/// bound).
fn list_conditions(q: &mut RawQuery, f: &ListFilter) {
    let b = f.bbox;
    q.push(&format!(
        " AND lat BETWEEN {} AND {} AND lon BETWEEN {} AND {} AND status IN {} AND publication = 'published'",
        b.min_lat,
        b.max_lat,
        b.min_lon,
        b.max_lon,
        status_list(&f.statuses)
    ));
    if let Some(categories) = &f.category_ids {
        q.push(" AND category_id IN ").bind_list(categories);
    }
}

/// The cursor's condition, spelled as the index that reads the rows orders
/// them: by `id`, or (a PostgreSQL cell index) by `-id`.
fn before_condition(q: &mut RawQuery, f: &ListFilter, by_negated_id: bool) {
    match (f.before_id, by_negated_id) {
        (None, _) => {}
        (Some(before), false) => {
            q.push(&format!(" AND id < {before}"));
        }
        (Some(before), true) => {
            q.push(&format!(" AND -id > {}", -before));
        }
    }
}

/// The map list: the newest `limit` reports of the box. The box is read cell
/// by cell at the finest grid level where it spans at most
/// [`MAX_LIST_CELLS`] cells (streets, then districts), each cell newest first
/// through its index (which carries status, category and coordinates, so
/// nothing else is read), stopping at `limit`; the cells' pages are merged by
/// id. A larger box is read newest first by primary key.
///
/// On PostgreSQL the cell indexes are ordered by `(cell, -id)` and the query
/// asks for `-id`: an order the primary key cannot give, so the planner
/// cannot trade the cell's index for a walk of the whole table's newest
/// reports (migration `map_cell_newest_first`).
fn bbox_query(pg: bool, f: &ListFilter) -> RawQuery {
    let b = f.bbox;
    let mut q = RawQuery::new(pg);
    let Some(level) = grid::list_level(MAX_LIST_CELLS, b.min_lat, b.min_lon, b.max_lat, b.max_lon)
    else {
        q.push(if pg {
            "SELECT id FROM reports WHERE true"
        } else {
            "SELECT id FROM reports NOT INDEXED WHERE true"
        });
        list_conditions(&mut q, f);
        before_condition(&mut q, f, false);
        q.push(&format!(" ORDER BY id DESC LIMIT {}", f.limit));
        return q;
    };
    let (column, index) = match level {
        grid::Level::Street => ("map_cell_street", "reports_map_cell_street"),
        _ => ("map_cell", "reports_map_cell"),
    };
    q.push("SELECT id FROM (");
    for (i, cell) in grid::cells(level, b.min_lat, b.min_lon, b.max_lat, b.max_lon)
        .into_iter()
        .enumerate()
    {
        if i > 0 {
            q.push(" UNION ALL ");
        }
        q.push(&if pg {
            "(SELECT id, -id AS newest FROM reports".to_string()
        } else {
            format!("SELECT id FROM (SELECT id FROM reports INDEXED BY {index}")
        });
        q.push(&format!(" WHERE {column} = {cell}"));
        list_conditions(&mut q, f);
        before_condition(&mut q, f, pg);
        let order = if pg { "-id" } else { "id DESC" };
        q.push(&format!(" ORDER BY {order} LIMIT {})", f.limit));
    }
    let order = if pg { "newest" } else { "id DESC" };
    q.push(&format!(") AS cells ORDER BY {order} LIMIT {}", f.limit));
    q
}

#[derive(QueryableByName)]
struct IdRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// Ids of one page of reports inside the box, newest first.
pub fn bbox_ids(conn: &mut DbConn, f: &ListFilter) -> StoreResult<Vec<i64>> {
    let rows: Vec<IdRow> = match conn {
        DbConn::Sqlite(c) => load_raw!(c, Sqlite, &bbox_query(false, f))?,
        DbConn::Pg(c) => with_ordered_plan(c, |c| load_raw!(c, Pg, &bbox_query(true, f)))?,
    };
    Ok(rows.into_iter().map(|r| r.id).collect())
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

/// Active reports in the box around the circle: SQLite reads its R*Tree of
/// active reports (exact coordinates and category ride along in it);
/// PostgreSQL its GiST index of active reports, nearest first.
fn nearby_query(
    pg: bool,
    lat: f64,
    lon: f64,
    radius_m: f64,
    category_ids: &Option<Vec<CategoryId>>,
) -> RawQuery {
    let b = Bbox::around(lat, lon, radius_m);
    let mut q = RawQuery::new(pg);
    if pg {
        q.push(&format!(
            "SELECT id, lat, lon FROM reports WHERE status IN {} AND publication = 'published' \
             AND point(lon, lat) <@ box(point({}, {}), point({}, {}))",
            status_list(&Status::ACTIVE),
            b.min_lon,
            b.min_lat,
            b.max_lon,
            b.max_lat
        ));
    } else {
        // R*Tree boxes are 32-bit floats rounded outwards: select by overlap,
        // then refine on the exact coordinates.
        q.push(&format!(
            "SELECT id, lat, lon FROM reports_active_rtree WHERE max_lon >= {0} AND min_lon <= {2} \
             AND max_lat >= {1} AND min_lat <= {3} \
             AND lon BETWEEN {0} AND {2} AND lat BETWEEN {1} AND {3}",
            b.min_lon, b.min_lat, b.max_lon, b.max_lat
        ));
    }
    if let Some(categories) = category_ids {
        q.push(" AND category_id IN ").bind_list(categories);
    }
    if pg {
        q.push(&format!(
            " ORDER BY point(lon, lat) <-> point({lon}, {lat})"
        ));
    }
    q.push(&format!(" LIMIT {NEARBY_CANDIDATES}"));
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
        DbConn::Sqlite(c) => load_raw!(
            c,
            Sqlite,
            &nearby_query(false, lat, lon, radius_m, &category_ids)
        )?,
        DbConn::Pg(c) => load_raw!(
            c,
            Pg,
            &nearby_query(true, lat, lon, radius_m, &category_ids)
        )?,
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

/// Reports counted in one grid cell with one status.
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
    pg: bool,
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
    let mut q = RawQuery::new(pg);
    q.push("SELECT cell, status, CAST(SUM(n) AS BIGINT) AS n, SUM(sum_lat) AS sum_lat, SUM(sum_lon) AS sum_lon FROM (");
    for (i, row) in rows.iter().enumerate() {
        if i > 0 {
            q.push(" UNION ALL ");
        }
        q.push(&format!(
            "SELECT cell, status, n, sum_lat, sum_lon FROM report_cells \
             WHERE level = {} AND cell BETWEEN {} AND {} AND status IN {}",
            level as i32,
            row.first,
            row.last,
            status_list(statuses)
        ));
        match category_ids {
            Some(categories) => q.push(" AND category_id IN ").bind_list(categories),
            // Every category at once: the rows that count them all.
            None => q.push(&format!(" AND category_id = '{ALL_CATEGORIES}'")),
        };
    }
    q.push(") AS counted GROUP BY cell, status HAVING SUM(n) > 0");
    q
}

/// The counts of the cells a box overlaps (whole cells: a cell on the edge
/// counts its reports outside the box too), by status.
pub fn cell_counts(
    conn: &mut DbConn,
    level: grid::Level,
    b: Bbox,
    statuses: &[Status],
    category_ids: &Option<Vec<CategoryId>>,
) -> StoreResult<Vec<CellCount>> {
    let rows: Vec<CellRow> = match conn {
        DbConn::Sqlite(c) => load_raw!(
            c,
            Sqlite,
            &cells_query(false, level, b, statuses, category_ids)
        )?,
        DbConn::Pg(c) => load_raw!(c, Pg, &cells_query(true, level, b, statuses, category_ids))?,
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
            let mut q = build(false);
            q.sql = format!("EXPLAIN QUERY PLAN {}", q.sql);
            let rows: Vec<SqlitePlanRow> = load_raw!(c, Sqlite, &q)?;
            rows.into_iter().map(|r| r.detail).collect()
        }
        DbConn::Pg(c) => {
            let mut q = build(true);
            q.sql = format!("EXPLAIN {}", q.sql);
            let rows: Vec<PgPlanRow> = if ordered {
                with_ordered_plan(c, |c| load_raw!(c, Pg, &q))?
            } else {
                load_raw!(c, Pg, &q)?
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
    explain(conn, false, |pg| cells_query(pg, level, b, statuses, &None))
}

/// The query plan of the nearby query (for the index tests).
pub fn explain_nearby(
    conn: &mut DbConn,
    lat: f64,
    lon: f64,
    radius_m: f64,
) -> StoreResult<Vec<String>> {
    explain(conn, false, |pg| {
        nearby_query(pg, lat, lon, radius_m, &None)
    })
}
