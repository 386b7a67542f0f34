//! Photos and PDF documents: sniffed types, EXIF stripped, limits enforced,
//! nothing stored on refusal.

use image::codecs::jpeg::JpegEncoder;
use image::DynamicImage;
use reqwest::multipart::{Form, Part};
use segnala::domain::permissions::Role;
use serde_json::{json, Value};

use crate::common::*;

fn jpeg_with_gps() -> Vec<u8> {
    let mut plain = Vec::new();
    DynamicImage::new_rgb8(64, 48)
        .write_with_encoder(JpegEncoder::new_with_quality(&mut plain, 90))
        .unwrap();
    let payload = b"Exif\0\0MM\0*\0\0\0\x08GPSLatitude=43.7230;GPSLongitude=10.3966";
    let mut out = plain[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(payload);
    out.extend_from_slice(&plain[2..]);
    out
}

const PDF: &[u8] =
    b"%PDF-1.4\n1 0 obj<< /Type /Catalog >>endobj\ntrailer<< /Root 1 0 R >>\n%%EOF\n";

async fn upload(
    app: &TestApp,
    code: &str,
    token: Option<&str>,
    name: &str,
    bytes: Vec<u8>,
) -> (u16, Value) {
    let form = Form::new().part(
        name.to_string(),
        Part::bytes(bytes)
            .file_name("foto.jpg")
            .mime_str("image/jpeg")
            .unwrap(),
    );
    let mut url = app.url(&format!("/api/v1/reports/{code}/attachments"));
    if let Some(t) = token {
        url.push_str(&format!("?token={t}"));
    }
    let resp = app.client.post(url).multipart(form).send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

fn stored_files(app: &TestApp) -> usize {
    std::fs::read_dir(app.config.attachments_dir())
        .map(|d| d.count())
        .unwrap_or(0)
}

#[tokio::test]
async fn a_photo_is_stored_without_exif_and_public_once_staff_publish_it() {
    let app = TestApp::pisa().await;
    let created = app.file("buche", PISA_CENTRE).await;
    let (code, token) = (
        created["code"].as_str().unwrap(),
        created["tracking_token"].as_str().unwrap(),
    );
    let (status, att) = upload(&app, code, Some(token), "file", jpeg_with_gps()).await;
    assert_eq!(status, 201, "{att}");
    assert_eq!(
        (att["kind"].as_str(), att["content_type"].as_str()),
        (Some("image"), Some("image/jpeg"))
    );
    assert_eq!(
        (att["width"].as_i64(), att["height"].as_i64()),
        (Some(64), Some(48))
    );
    assert_eq!(att["publication"], "pending");
    let url = att["url"].as_str().unwrap();

    // Until a person looks at it, only the citizen and staff get it.
    let resp = app.client.get(app.url(url)).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 404, "a photo waiting for review");
    let (_, public) = app.get(&format!("/api/v1/reports/{code}")).await;
    assert!(public["photos"].as_array().unwrap().is_empty(), "{public}");
    let (_, own) = app
        .get(&format!("/api/v1/reports/{code}?token={token}"))
        .await;
    assert_eq!(own["photos"][0]["publication"], "pending");
    // The citizen's own timeline says a file was added; the public one not yet.
    assert_eq!(
        own["timeline"].as_array().unwrap().last().unwrap()["kind"],
        "attachment_added"
    );
    assert!(!public.to_string().contains("attachment_added"));
    let resp = app
        .client
        .get(app.url(&format!("{url}?token={token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(resp.headers()["cache-control"], "private, no-store");

    let staff = app.staff("mod", Role::Supervisor, &[]).await;
    let id = att["id"].as_str().unwrap();
    let (status, body) = app
        .post_as(
            &staff,
            &format!("/api/v1/reports/{code}/moderation"),
            &json!({"photos": [{"id": id, "decision": "publish"}]}),
        )
        .await;
    assert_eq!(status, 200, "{body}");

    let resp = app.client.get(app.url(url)).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(resp.headers()["content-type"], "image/jpeg");
    assert_eq!(resp.headers()["x-content-type-options"], "nosniff");
    assert_eq!(resp.headers()["cache-control"], "public, max-age=300");
    let bytes = resp.bytes().await.unwrap();
    assert!(bytes.starts_with(&[0xFF, 0xD8]));
    assert!(!bytes.windows(4).any(|w| w == b"Exif"), "EXIF survived");
    assert!(!bytes.windows(3).any(|w| w == b"GPS"), "GPS survived");

    let (_, public) = app.get(&format!("/api/v1/reports/{code}")).await;
    assert_eq!(public["photos"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn documents_are_downloads_for_the_citizen_only() {
    let app = TestApp::pisa().await;
    let created = app.file("buche", PISA_CENTRE).await;
    let (code, token) = (
        created["code"].as_str().unwrap(),
        created["tracking_token"].as_str().unwrap(),
    );
    let (status, doc) = upload(&app, code, Some(token), "file", PDF.to_vec()).await;
    assert_eq!(status, 201, "{doc}");
    assert_eq!(doc["content_type"], "application/pdf");
    let url = doc["url"].as_str().unwrap();
    let resp = app.client.get(app.url(url)).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 404, "no token, no document");
    let resp = app
        .client
        .get(app.url(&format!("{url}?token={token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert!(resp.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    assert_eq!(resp.bytes().await.unwrap().as_ref(), PDF);

    let (_, public) = app.get(&format!("/api/v1/reports/{code}")).await;
    assert!(public.get("documents").is_none() && public["photos"].as_array().unwrap().is_empty());
    let (_, own) = app
        .get(&format!("/api/v1/reports/{code}?token={token}"))
        .await;
    assert_eq!(own["documents"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn refused_uploads_store_nothing() {
    let app = TestApp::pisa().await;
    let created = app.file("buche", PISA_CENTRE).await;
    let (code, token) = (
        created["code"].as_str().unwrap(),
        created["tracking_token"].as_str().unwrap(),
    );
    let cases = [
        (
            "no token",
            upload(&app, code, None, "file", jpeg_with_gps()).await,
            403,
            "token_required",
        ),
        (
            "wrong token",
            upload(&app, code, Some("abc"), "file", jpeg_with_gps()).await,
            403,
            "invalid_token",
        ),
        (
            "a GIF",
            upload(
                &app,
                code,
                Some(token),
                "file",
                b"GIF89a\x01\x00\x01\x00".to_vec(),
            )
            .await,
            415,
            "unsupported_file_type",
        ),
        (
            "HTML named .jpg",
            upload(
                &app,
                code,
                Some(token),
                "file",
                b"<script>alert(1)</script>".to_vec(),
            )
            .await,
            415,
            "unsupported_file_type",
        ),
        (
            "a broken JPEG",
            upload(
                &app,
                code,
                Some(token),
                "file",
                vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 0],
            )
            .await,
            422,
            "unreadable_image",
        ),
        (
            "11 MB",
            upload(
                &app,
                code,
                Some(token),
                "file",
                vec![0xFF; 11 * 1024 * 1024],
            )
            .await,
            413,
            "file_too_large",
        ),
        (
            "wrong part name",
            upload(&app, code, Some(token), "photo", jpeg_with_gps()).await,
            400,
            "unexpected_field",
        ),
        (
            "unknown report",
            upload(&app, "PI-2000-000009", Some(token), "file", jpeg_with_gps()).await,
            404,
            "report_not_found",
        ),
    ];
    for (what, (status, body), want, code) in cases {
        assert_eq!(status, want, "{what}: {body}");
        assert_eq!(body["error"]["code"], code, "{what}: {body}");
    }
    assert_eq!(stored_files(&app), 0);
    let (_, own) = app
        .get(&format!("/api/v1/reports/{code}?token={token}"))
        .await;
    assert!(
        own["photos"].as_array().unwrap().is_empty()
            && own["documents"].as_array().unwrap().is_empty()
    );
}

#[tokio::test]
async fn at_most_five_photos_and_three_documents() {
    let app = TestApp::pisa().await;
    let created = app.file("buche", PISA_CENTRE).await;
    let (code, token) = (
        created["code"].as_str().unwrap(),
        created["tracking_token"].as_str().unwrap(),
    );
    for _ in 0..5 {
        assert_eq!(
            upload(&app, code, Some(token), "file", jpeg_with_gps())
                .await
                .0,
            201
        );
    }
    let (status, body) = upload(&app, code, Some(token), "file", jpeg_with_gps()).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("attachment_limit_reached"))
    );
    for _ in 0..3 {
        assert_eq!(
            upload(&app, code, Some(token), "file", PDF.to_vec())
                .await
                .0,
            201
        );
    }
    let (status, _) = upload(&app, code, Some(token), "file", PDF.to_vec()).await;
    assert_eq!(status, 422);
    assert_eq!(stored_files(&app), 8, "refused files are removed");
}

#[tokio::test]
async fn staff_of_the_report_attach_and_read_documents_others_do_not() {
    use segnala::domain::permissions::Role;
    let app = TestApp::pisa().await;
    let roads = app.staff("a-strade", Role::Office, &["manutenzioni"]).await;
    let green = app.staff("a-verde", Role::Office, &["verde"]).await;
    let created = app.file("buche", PISA_CENTRE).await;
    let code = created["code"].as_str().unwrap();
    let path = format!("/api/v1/reports/{code}/attachments");
    let send = |token: &str, bytes: Vec<u8>| {
        let form = Form::new().part(
            "file",
            Part::bytes(bytes)
                .file_name("verbale.pdf")
                .mime_str("application/pdf")
                .unwrap(),
        );
        app.client
            .post(app.url(&path))
            .bearer_auth(token)
            .multipart(form)
            .send()
    };

    // Another office's staff: as if the report did not exist; nothing stored.
    let resp = send(&green, PDF.to_vec()).await.unwrap();
    assert_eq!(resp.status().as_u16(), 404);
    assert_eq!(stored_files(&app), 0);

    let resp = send(&roads, PDF.to_vec()).await.unwrap();
    assert_eq!(resp.status().as_u16(), 201);
    let doc: Value = resp.json().await.unwrap();
    let url = app.url(doc["url"].as_str().unwrap());
    let read = |token: &str| app.client.get(&url).bearer_auth(token).send();
    assert_eq!(read(&roads).await.unwrap().status().as_u16(), 200);
    assert_eq!(read(&green).await.unwrap().status().as_u16(), 404);
    assert_eq!(
        app.client.get(&url).send().await.unwrap().status().as_u16(),
        404
    );

    let (_, detail) = app
        .get_as(&roads, &format!("/api/v1/staff/reports/{code}"))
        .await;
    let added = detail["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "attachment_added")
        .unwrap();
    assert_eq!(added["actor_kind"], "user");
}

#[tokio::test]
async fn staff_list_their_comunes_offices() {
    use segnala::domain::permissions::Role;
    let app = TestApp::pisa().await;
    let urp = app.staff("o-urp", Role::Urp, &[]).await;
    let (status, body) = app.get_as(&urp, "/api/v1/offices").await;
    assert_eq!(status, 200, "{body}");
    let codes: Vec<&str> = body
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["code"].as_str().unwrap())
        .collect();
    assert!(
        codes.contains(&"manutenzioni") && codes.contains(&"ente-parco"),
        "{codes:?}"
    );
    let (status, _) = app.get("/api/v1/offices").await;
    assert_eq!(status, 401);
}
