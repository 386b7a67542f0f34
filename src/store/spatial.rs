//! Spatial queries: the map's bounding box and the "is it already reported?"
//! nearby search.
//!
//! BACKEND-SPECIFIC SQL lives here, and only here:
//! - SQLite: the `reports_rtree` R*Tree virtual table, kept in step with
//!   `reports` by triggers (see the SQLite migration);
//! - PostgreSQL: a GiST index on the built-in `point(lon, lat)` expression.
//!
//! Both return only ids (and coordinates); rows are then loaded by primary key.

use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Double, Text};
use diesel::sqlite::Sqlite;
use geo::{Distance, Haversine, Point};

use super::reports::ListFilter;
use super::DbConn;
use crate::domain::report::Status;
use crate::error::AppResult;

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

enum Bind {
    F64(f64),
    I64(i64),
    Text(String),
}

/// A raw query with its parameters, spelled for one backend.
struct RawQuery {
    sql: String,
    binds: Vec<Bind>,
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
    fn bind(&mut self, value: Bind) -> &mut Self {
        self.binds.push(value);
        if self.pg {
            self.sql.push_str(&format!("${}", self.binds.len()));
        } else {
            self.sql.push('?');
        }
        self
    }
    fn bind_list(&mut self, values: impl IntoIterator<Item = Bind>) -> &mut Self {
        let values: Vec<Bind> = values.into_iter().collect();
        if values.is_empty() {
            // `IN ()` is not SQL; `IN (NULL)` matches nothing on both backends.
            return self.push("(NULL)");
        }
        self.push("(");
        for (i, v) in values.into_iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.bind(v);
        }
        self.push(")")
    }
}

macro_rules! load_raw {
    ($conn:expr, $db:ty, $query:expr) => {{
        let q: &RawQuery = $query;
        let mut boxed = diesel::sql_query(q.sql.clone()).into_boxed::<$db>();
        for b in &q.binds {
            boxed = match b {
                Bind::F64(v) => boxed.bind::<Double, _>(*v),
                Bind::I64(v) => boxed.bind::<BigInt, _>(*v),
                Bind::Text(v) => boxed.bind::<Text, _>(v.clone()),
            };
        }
        boxed.load($conn)
    }};
}

fn status_binds(statuses: &[Status]) -> Vec<Bind> {
    statuses
        .iter()
        .map(|s| Bind::Text(s.as_str().to_string()))
        .collect()
}

fn bbox_query(pg: bool, f: &ListFilter) -> RawQuery {
    let b = f.bbox;
    let mut q = RawQuery::new(pg);
    if pg {
        q.push("SELECT r.id AS id FROM reports r WHERE point(r.lon, r.lat) <@ box(point(")
            .bind(Bind::F64(b.min_lon))
            .push(", ")
            .bind(Bind::F64(b.min_lat))
            .push("), point(")
            .bind(Bind::F64(b.max_lon))
            .push(", ")
            .bind(Bind::F64(b.max_lat))
            .push("))");
    } else {
        // R*Tree boxes are 32-bit floats rounded outwards: select by overlap,
        // then refine on the exact coordinates.
        q.push("SELECT r.id AS id FROM reports_rtree t JOIN reports r ON r.id = t.id WHERE t.max_lon >= ")
            .bind(Bind::F64(b.min_lon))
            .push(" AND t.min_lon <= ")
            .bind(Bind::F64(b.max_lon))
            .push(" AND t.max_lat >= ")
            .bind(Bind::F64(b.min_lat))
            .push(" AND t.min_lat <= ")
            .bind(Bind::F64(b.max_lat))
            .push(" AND r.lon BETWEEN ")
            .bind(Bind::F64(b.min_lon))
            .push(" AND ")
            .bind(Bind::F64(b.max_lon))
            .push(" AND r.lat BETWEEN ")
            .bind(Bind::F64(b.min_lat))
            .push(" AND ")
            .bind(Bind::F64(b.max_lat));
    }
    q.push(" AND r.status IN ")
        .bind_list(status_binds(&f.statuses));
    if let Some(categories) = &f.category_ids {
        q.push(" AND r.category_id IN ")
            .bind_list(categories.iter().cloned().map(Bind::Text));
    }
    if let Some(before) = f.before_id {
        q.push(if pg { " AND r.id < " } else { " AND t.id < " })
            .bind(Bind::I64(before));
    }
    q.push(if pg {
        " ORDER BY r.id DESC LIMIT "
    } else {
        " ORDER BY t.id DESC LIMIT "
    })
    .bind(Bind::I64(f.limit));
    q
}

#[derive(QueryableByName)]
struct IdRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// Ids of one page of reports inside the box, newest first.
pub fn bbox_ids(conn: &mut DbConn, f: &ListFilter) -> AppResult<Vec<i64>> {
    let rows: Vec<IdRow> = match conn {
        DbConn::Sqlite(c) => load_raw!(c, Sqlite, &bbox_query(false, f))?,
        DbConn::Pg(c) => load_raw!(c, Pg, &bbox_query(true, f))?,
    };
    Ok(rows.into_iter().map(|r| r.id).collect())
}

fn nearby_query(
    pg: bool,
    lat: f64,
    lon: f64,
    radius_m: f64,
    category_ids: &Option<Vec<String>>,
) -> RawQuery {
    let filter = ListFilter {
        bbox: Bbox::around(lat, lon, radius_m),
        statuses: Status::ACTIVE.to_vec(),
        category_ids: category_ids.clone(),
        before_id: None,
        limit: NEARBY_CANDIDATES,
    };
    let mut q = bbox_query(pg, &filter);
    q.sql = q.sql.replacen(
        "SELECT r.id AS id",
        "SELECT r.id AS id, r.lat AS lat, r.lon AS lon",
        1,
    );
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
    category_ids: Option<Vec<String>>,
) -> AppResult<Vec<Candidate>> {
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
struct SqlitePlanRow {
    #[diesel(sql_type = Text)]
    detail: String,
}

#[derive(QueryableByName)]
struct PgPlanRow {
    #[diesel(sql_type = Text, column_name = "QUERY PLAN")]
    plan: String,
}

fn explain(conn: &mut DbConn, build: impl Fn(bool) -> RawQuery) -> AppResult<Vec<String>> {
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
            let rows: Vec<PgPlanRow> = load_raw!(c, Pg, &q)?;
            rows.into_iter().map(|r| r.plan).collect()
        }
    })
}

/// The query plan of the map query (for the index tests).
pub fn explain_bbox(conn: &mut DbConn, f: &ListFilter) -> AppResult<Vec<String>> {
    explain(conn, |pg| bbox_query(pg, f))
}

/// The query plan of the nearby query (for the index tests).
pub fn explain_nearby(
    conn: &mut DbConn,
    lat: f64,
    lon: f64,
    radius_m: f64,
) -> AppResult<Vec<String>> {
    explain(conn, |pg| nearby_query(pg, lat, lon, radius_m, &None))
}
