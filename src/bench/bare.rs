//! BENCHMARK-ONLY: the bare stack segnala is measured against — actix-web 4
//! and diesel 2 serving the same paths in the plainest correct way: one
//! `reports` table, one index on the coordinates, one insert per POST, one
//! indexed select per read. SQLite runs as segnala does (WAL,
//! `synchronous=FULL`, one writer connection, a read pool); PostgreSQL with
//! a plain pool. It shares nothing with the product but the crates.

use std::net::TcpListener;
use std::time::Duration;

use actix_web::{get, post, web, App, HttpResponse, HttpServer};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool};
use diesel::sql_types::{BigInt, Double, Text};
use serde::{Deserialize, Serialize};

use crate::error::{AppError, AppResult, ErrorCode};
use crate::store::DbConn;

type BarePool = Pool<ConnectionManager<DbConn>>;

#[derive(Debug)]
struct Pragmas;

impl CustomizeConnection<DbConn, diesel::r2d2::Error> for Pragmas {
    fn on_acquire(&self, conn: &mut DbConn) -> Result<(), diesel::r2d2::Error> {
        if let DbConn::Sqlite(c) = conn {
            c.batch_execute(
                "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;",
            )
            .map_err(diesel::r2d2::Error::QueryError)?;
        }
        Ok(())
    }
}

#[derive(Clone)]
struct Bare {
    read: BarePool,
    write: BarePool,
    pg: bool,
}

fn pools(url: &str) -> AppResult<Bare> {
    let pg = url.starts_with("postgres");
    let path = url.trim_start_matches("sqlite://").to_string();
    let build = |size: u32| {
        Pool::builder()
            .max_size(size)
            .connection_customizer(Box::new(Pragmas))
            .build(ConnectionManager::<DbConn>::new(if pg {
                url
            } else {
                &path
            }))
            .map_err(|e| AppError::internal(format!("bare pool: {e}")))
    };
    if pg {
        let pool = build(16)?;
        Ok(Bare {
            read: pool.clone(),
            write: pool,
            pg,
        })
    } else {
        Ok(Bare {
            read: build(8)?,
            write: build(1)?,
            pg,
        })
    }
}

/// The bare stack's schema.
pub fn create_schema(url: &str) -> AppResult<()> {
    let bare = pools(url)?;
    let mut conn = bare.write.get()?;
    let id = if bare.pg {
        "BIGSERIAL PRIMARY KEY"
    } else {
        "INTEGER PRIMARY KEY"
    };
    conn.batch_execute(&format!(
        "CREATE TABLE IF NOT EXISTS reports (id {id}, code TEXT NOT NULL, category TEXT NOT NULL, \
         status TEXT NOT NULL, title TEXT NOT NULL, description TEXT NOT NULL, \
         lat DOUBLE PRECISION NOT NULL, lon DOUBLE PRECISION NOT NULL, created_at TEXT NOT NULL);
         CREATE INDEX IF NOT EXISTS reports_coordinates ON reports (lat, lon);"
    ))?;
    Ok(())
}

#[derive(QueryableByName, Serialize)]
struct Row {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    code: String,
    #[diesel(sql_type = Text)]
    category: String,
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = Text)]
    title: String,
    #[diesel(sql_type = Double)]
    lat: f64,
    #[diesel(sql_type = Double)]
    lon: f64,
    #[diesel(sql_type = Text)]
    created_at: String,
}

const COLUMNS: &str = "id, code, category, status, title, lat, lon, created_at";

fn q(pg: bool, sql: &str) -> String {
    if !pg {
        return sql.to_string();
    }
    // `?` placeholders, numbered for PostgreSQL.
    let mut out = String::new();
    let mut n = 0;
    for c in sql.chars() {
        if c == '?' {
            n += 1;
            out.push_str(&format!("${n}"));
        } else {
            out.push(c);
        }
    }
    out
}

/// The bare service's one select: the reports whose point lies in the box
/// (served by its one index), then `rest` (a condition, a limit).
fn in_box(bare: &Bare, lat: (f64, f64), lon: (f64, f64), rest: &str) -> AppResult<Vec<Row>> {
    let mut conn = bare.read.get()?;
    let sql = q(
        bare.pg,
        &format!("SELECT {COLUMNS} FROM reports WHERE lat BETWEEN ? AND ? AND lon BETWEEN ? AND ? {rest}"),
    );
    Ok(diesel::sql_query(sql)
        .bind::<Double, _>(lat.0)
        .bind::<Double, _>(lat.1)
        .bind::<Double, _>(lon.0)
        .bind::<Double, _>(lon.1)
        .load(&mut *conn)?)
}

#[derive(Deserialize)]
struct ListQuery {
    bbox: String,
    limit: Option<i64>,
}

#[get("/api/v1/reports")]
async fn list(
    bare: web::Data<Bare>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let b: Vec<f64> = query
        .bbox
        .split(',')
        .filter_map(|p| p.parse().ok())
        .collect();
    let [min_lon, min_lat, max_lon, max_lat] = b[..] else {
        return Err(AppError::bad_request(ErrorCode::InvalidBbox, "bbox"));
    };
    let limit = query.limit.unwrap_or(100).clamp(1, 200);
    let bare = bare.into_inner();
    let rows = web::block(move || {
        in_box(
            &bare,
            (min_lat, max_lat),
            (min_lon, max_lon),
            &format!("LIMIT {limit}"),
        )
    })
    .await??;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": rows })))
}

#[derive(Deserialize)]
struct NearbyQuery {
    lat: f64,
    lon: f64,
    radius_m: Option<f64>,
}

#[get("/api/v1/reports/nearby")]
async fn nearby(
    bare: web::Data<Bare>,
    query: web::Query<NearbyQuery>,
) -> Result<HttpResponse, AppError> {
    let (lat, lon) = (query.lat, query.lon);
    let radius = query.radius_m.unwrap_or(100.0).clamp(1.0, 2000.0);
    let dlat = radius / 111_000.0;
    let dlon = dlat / lat.to_radians().cos();
    let bare = bare.into_inner();
    let rows = web::block(move || {
        let active = "AND status IN ('new', 'taken_in', 'in_progress')";
        in_box(
            &bare,
            (lat - dlat, lat + dlat),
            (lon - dlon, lon + dlon),
            active,
        )
    })
    .await??;
    let distance = |r: &Row| {
        let (x, y) = ((r.lon - lon) * lat.to_radians().cos(), r.lat - lat);
        (x * x + y * y).sqrt() * 111_000.0
    };
    let mut near: Vec<(f64, Row)> = rows
        .into_iter()
        .map(|r| (distance(&r), r))
        .filter(|(d, _)| *d <= radius)
        .collect();
    near.sort_by(|a, b| a.0.total_cmp(&b.0));
    near.truncate(20);
    let items: Vec<_> = near
        .into_iter()
        .map(|(d, r)| serde_json::json!({"report": r, "distance_m": d.round()}))
        .collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

#[derive(Deserialize)]
struct NewReport {
    category: String,
    title: Option<String>,
    description: String,
    lat: f64,
    lon: f64,
}

#[post("/api/v1/reports")]
async fn create(
    bare: web::Data<Bare>,
    body: web::Json<NewReport>,
) -> Result<HttpResponse, AppError> {
    let r = body.into_inner();
    if !(r.lat.is_finite() && r.lon.is_finite()) || r.description.len() > 4000 {
        return Err(AppError::unprocessable(
            ErrorCode::ValidationFailed,
            "invalid report",
        ));
    }
    let bare = bare.into_inner();
    let code = uuid::Uuid::new_v4().simple().to_string();
    let created = chrono::Utc::now().naive_utc().to_string();
    let id: i64 = web::block(move || -> AppResult<i64> {
        let mut conn = bare.write.get()?;
        let sql = q(bare.pg, "INSERT INTO reports (code, category, status, title, description, lat, lon, created_at) \
             VALUES (?, ?, 'new', ?, ?, ?, ?, ?) RETURNING id");
        #[derive(QueryableByName)]
        struct Id {
            #[diesel(sql_type = BigInt)]
            id: i64,
        }
        let row: Id = diesel::sql_query(sql)
            .bind::<Text, _>(&code)
            .bind::<Text, _>(&r.category)
            .bind::<Text, _>(r.title.as_deref().unwrap_or(&r.category))
            .bind::<Text, _>(&r.description)
            .bind::<Double, _>(r.lat)
            .bind::<Double, _>(r.lon)
            .bind::<Text, _>(&created)
            .get_result(&mut *conn)?;
        Ok(row.id)
    })
    .await??;
    Ok(HttpResponse::Created().json(serde_json::json!({ "id": id })))
}

/// Serves the bare stack on `bind` until killed.
pub fn serve(url: &str, bind: &str, workers: usize) -> AppResult<()> {
    let bare = pools(url)?;
    let listener = TcpListener::bind(bind).map_err(AppError::internal)?;
    actix_web::rt::System::new().block_on(async move {
        let data = web::Data::new(bare);
        HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .app_data(web::JsonConfig::default().limit(64 * 1024))
                .service(list)
                .service(nearby)
                .service(create)
        })
        .workers(workers.max(1))
        .client_request_timeout(Duration::from_secs(30))
        .listen(listener)
        .map_err(AppError::internal)?
        .run()
        .await
        .map_err(AppError::internal)
    })
}
