//! The web pages at `/` (citizens) and `/staff`. Until the web issue lands this
//! is one accessible page that says what the service is and where the API is.

use actix_web::{web, HttpResponse};

const INDEX: &str = include_str!("../../web/index.html");

async fn index() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((
            "Content-Security-Policy",
            "default-src 'self'; style-src 'self' 'unsafe-inline'",
        ))
        .body(INDEX)
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(index))
        .route("/staff", web::get().to(index));
}
