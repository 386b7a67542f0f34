//! The web pages, built by Vite into `web_dir` (`web/dist`): the citizens'
//! site at `/` and its paths, the staff console at `/staff…`, their hashed
//! assets under `/assets/`, and the public site settings the pages read.

use std::path::{Component, Path, PathBuf};

use actix_web::http::header;
use actix_web::{get, web, HttpRequest, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use super::AppState;
use crate::config::Config;

/// The citizens' site paths; each is rendered in the browser by `index.html`.
const CITIZEN_PATHS: &[&str] = &[
    "/",
    "/segnala",
    "/segnalazioni",
    "/segnalazioni/{code}",
    "/privacy",
    "/accessibilita",
    "/note-legali",
];

/// The staff console's pages (its router in `web/src/staff/main.ts`).
const STAFF_PATHS: &[&str] = &[
    "/staff",
    "/staff/coda",
    "/staff/segnalazioni/{code}",
    "/staff/nuova",
    "/staff/richiamate",
    "/staff/escalation",
    "/staff/smistamento",
    "/staff/moderazione",
    "/staff/statistiche",
    "/staff/amministrazione",
    "/staff/configurazione",
];

/// Paths of machines (the API, Open311, operations): their 404 stays the JSON envelope.
const MACHINE_ROOTS: &[&str] = &[
    "/api", "/open311", "/metrics", "/healthz", "/readyz", "/assets",
];

/// A page for people at an unknown path: the citizens' site (or, under
/// `/staff/`, the console) drawing its own "Pagina non trovata", with status
/// 404. `None` for API and other machine paths, and for anything but GET.
pub async fn not_found_page(state: &AppState, req: &HttpRequest) -> Option<HttpResponse> {
    let path = req.path();
    if req.method() != actix_web::http::Method::GET
        || MACHINE_ROOTS.iter().any(|r| {
            path == *r
                || path
                    .strip_prefix(r)
                    .is_some_and(|rest| rest.starts_with('/'))
        })
    {
        return None;
    }
    let file = if path.starts_with("/staff/") {
        "staff.html"
    } else {
        "index.html"
    };
    let mut res = page(state, file).await;
    if res.status().is_success() {
        *res.status_mut() = actix_web::http::StatusCode::NOT_FOUND;
    }
    Some(res)
}

#[derive(Serialize, ToSchema)]
pub struct SiteView {
    /// Map tile URL template (`{z}/{x}/{y}`); null when maps have no tiles.
    pub map_tiles_url: Option<String>,
    pub map_attribution: String,
    /// Nominatim-compatible search URL with `{q}`; null: addresses are taken
    /// as typed, with a pin on the map.
    pub geocoder_url: Option<String>,
    /// The full privacy notice.
    pub privacy_url: String,
    /// The comune's accessibility statement (on form.agid.gov.it in production).
    pub accessibility_statement_url: String,
    /// Days after closure before the reporter's personal data is erased
    /// (told in the privacy notice).
    pub retention_days: i64,
}

#[utoipa::path(
    get,
    path = "/api/v1/site",
    tag = "territory",
    responses((status = 200, description = "Public settings of the web pages", body = SiteView))
)]
#[get("/site")]
pub async fn site(state: web::Data<AppState>) -> HttpResponse {
    let c = &state.config;
    let some = |s: &str| (!s.trim().is_empty()).then(|| s.to_string());
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .json(SiteView {
            map_tiles_url: some(&c.map_tiles_url),
            map_attribution: c.map_attribution.clone(),
            geocoder_url: some(&c.geocoder_url),
            privacy_url: c.privacy_url.clone(),
            accessibility_statement_url: c.accessibility_statement_url.clone(),
            retention_days: c.retention_days,
        })
}

/// `https://tile.example.org/{z}/…` → `https://tile.example.org`, for the
/// content security policy.
fn origin(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let host = rest.split('/').next()?;
    (!host.is_empty()).then(|| format!("{scheme}://{}", host.replace("{s}", "*")))
}

fn content_security_policy(c: &Config) -> String {
    let tiles = origin(&c.map_tiles_url).unwrap_or_default();
    let geocoder = origin(&c.geocoder_url).unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data: blob: {tiles}; font-src 'self' data:; connect-src 'self' {geocoder}; \
         frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
    )
}

fn not_built(dir: &Path) -> HttpResponse {
    tracing::error!(dir = %dir.display(), "the web pages are not built");
    HttpResponse::ServiceUnavailable()
        .content_type("text/html; charset=utf-8")
        .body(
            "<!doctype html><html lang=\"it\"><head><meta charset=\"utf-8\"><title>segnala</title></head>\
             <body><main><h1>Sito non ancora compilato</h1><p>Le pagine web non sono state compilate: \
             esegui <code>scripts/run</code> oppure <code>npm ci &amp;&amp; npm run build</code> in <code>web/</code>.</p></main>\
             <footer><a href=\"/segnala\" data-element=\"report-inefficiency\">Segnala disservizio</a></footer></body></html>",
        )
}

async fn page(state: &AppState, file: &str) -> HttpResponse {
    let dir = state.config.web_dir.clone();
    let path = dir.join(file);
    match web::block(move || std::fs::read(path)).await {
        Ok(Ok(body)) => HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .insert_header((header::CACHE_CONTROL, "no-cache"))
            .insert_header((
                header::CONTENT_SECURITY_POLICY,
                content_security_policy(&state.config),
            ))
            .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
            // Other hosts (map tiles, geocoder) get the origin only: never the
            // follow-up page's `?token=`.
            .insert_header((header::REFERRER_POLICY, "strict-origin-when-cross-origin"))
            .body(body),
        _ => not_built(&dir),
    }
}

async fn citizen(state: web::Data<AppState>) -> HttpResponse {
    page(&state, "index.html").await
}

async fn staff(state: web::Data<AppState>) -> HttpResponse {
    page(&state, "staff.html").await
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "json" => "application/json",
        "map" => "application/json",
        _ => "application/octet-stream",
    }
}

/// Whether an `Accept-Encoding` value accepts gzip (`gzip;q=0` refuses it).
fn accepts_gzip(value: &str) -> bool {
    value.split(',').any(|part| {
        let mut it = part.split(';').map(str::trim);
        let coding = it.next().unwrap_or_default();
        let q = it
            .find_map(|p| p.strip_prefix("q="))
            .and_then(|q| q.parse::<f32>().ok())
            .unwrap_or(1.0);
        (coding.eq_ignore_ascii_case("gzip") || coding == "*") && q > 0.0
    })
}

/// A file under `dir/assets`, refusing anything but plain relative names.
fn asset_path(dir: &Path, name: &str) -> Option<PathBuf> {
    let rel = Path::new(name);
    rel.components()
        .all(|c| matches!(c, Component::Normal(_)))
        .then(|| dir.join("assets").join(rel))
}

/// Hashed assets: cached for a year; a `.gz` twin written by the build is
/// sent to clients that accept gzip.
async fn asset(
    state: web::Data<AppState>,
    req: HttpRequest,
    name: web::Path<String>,
) -> HttpResponse {
    let Some(path) = asset_path(&state.config.web_dir, &name) else {
        return HttpResponse::NotFound().finish();
    };
    let gzip = req
        .headers()
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(accepts_gzip);
    let kind = content_type(&path);
    let read = web::block(move || {
        let gz = PathBuf::from(format!("{}.gz", path.display()));
        if gzip {
            if let Ok(body) = std::fs::read(&gz) {
                return Some((body, true));
            }
        }
        std::fs::read(&path).ok().map(|b| (b, false))
    })
    .await
    .ok()
    .flatten();
    match read {
        Some((body, gzipped)) => {
            let mut res = HttpResponse::Ok();
            res.content_type(kind)
                .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
                .insert_header((header::VARY, "Accept-Encoding"))
                .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"));
            if gzipped {
                res.insert_header((header::CONTENT_ENCODING, "gzip"));
            }
            res.body(body)
        }
        None => HttpResponse::NotFound().finish(),
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    for path in CITIZEN_PATHS {
        cfg.route(path, web::get().to(citizen));
    }
    for path in STAFF_PATHS {
        cfg.route(path, web::get().to(staff));
    }
    cfg.route("/assets/{name:.*}", web::get().to(asset));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn asset_paths_stay_inside_the_directory() {
        let dir = Path::new("/srv/web");
        assert_eq!(
            asset_path(dir, "index-abc.js"),
            Some(PathBuf::from("/srv/web/assets/index-abc.js"))
        );
        assert_eq!(asset_path(dir, "../secret"), None);
        assert_eq!(asset_path(dir, "/etc/passwd"), None);
        assert_eq!(
            asset_path(dir, "a/./b"),
            Some(PathBuf::from("/srv/web/assets/a/b"))
        );
    }

    #[test]
    fn gzip_only_when_accepted() {
        assert!(accepts_gzip("gzip, deflate, br"));
        assert!(accepts_gzip("br;q=1.0, GZIP;q=0.5"));
        assert!(accepts_gzip("*"));
        assert!(!accepts_gzip("gzip;q=0, br"));
        assert!(!accepts_gzip("br, deflate"));
        assert!(!accepts_gzip("identity"));
    }

    #[test]
    fn policy_allows_the_configured_tile_and_geocoder_hosts() {
        let c = Config {
            map_tiles_url: "https://{s}.tile.example.org/{z}/{x}/{y}.png".into(),
            geocoder_url: "https://geo.example.org/search?q={q}".into(),
            ..Config::default()
        };
        let p = content_security_policy(&c);
        assert!(p.contains("img-src 'self' data: blob: https://*.tile.example.org;"));
        assert!(p.contains("connect-src 'self' https://geo.example.org;"));
        let offline = Config {
            map_tiles_url: String::new(),
            ..Config::default()
        };
        assert!(content_security_policy(&offline).contains("img-src 'self' data: blob: ;"));
    }
}
