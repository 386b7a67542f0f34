//! Hostile clients: decompression bombs and upload floods, sign-in floods,
//! forged forwarding headers. What must hold is a property of the running
//! process (its peak memory, how many passwords it verifies), so the heavy
//! cases run the real binary in its own process.

use std::io::Write;

use futures_util::future::join_all;
use image::codecs::jpeg::JpegEncoder;
use image::codecs::webp::WebPEncoder;
use image::{DynamicImage, ImageEncoder};
use serde_json::{json, Value};

use crate::common::{Spawned, TestApp, PISA_CENTRE};
use segnala::domain::permissions::Role;

/// The peak resident size the server may reach while every bomb below and a
/// set of large-but-valid images arrive at once: the idle process (~40 MB in
/// a debug build), two decodes (one per core) of at most 256 MiB each as
/// their headers declare it, and the re-encoding of their 3000-pixel results. Without the bounds, one 16-bit
/// PNG bomb alone took 2.9 GB, and this test took the unbounded server to 4.5 GB.
const PEAK_RSS_BOUND_MIB: u64 = 500;

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let mut body = kind.to_vec();
    body.extend_from_slice(data);
    out.extend_from_slice(&body);
    out.extend_from_slice(&crc32(&body).to_be_bytes());
}

/// A PNG that declares `width`×`height` (`depth` bits, RGB or RGBA,
/// interlaced or not) and carries `data_bytes` zero bytes of image data,
/// deflated: a few hundred kilobytes that decode to hundreds of megabytes.
fn png(
    width: u32,
    height: u32,
    depth: u8,
    rgba: bool,
    interlaced: bool,
    data_bytes: usize,
) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[depth, if rgba { 6 } else { 2 }, 0, 0, u8::from(interlaced)]);
    png_chunk(&mut out, b"IHDR", &ihdr);
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1 << 20];
    let mut left = data_bytes;
    while left > 0 {
        let n = left.min(zeros.len());
        z.write_all(&zeros[..n]).unwrap();
        left -= n;
    }
    png_chunk(&mut out, b"IDAT", &z.finish().unwrap());
    png_chunk(&mut out, b"IEND", &[]);
    out
}

/// The bytes of a complete Adam7-interlaced image of 8-bit pixels.
fn adam7_bytes(width: u32, height: u32, bytes_per_pixel: u32) -> usize {
    const PASSES: [(u32, u32, u32, u32); 7] = [
        (0, 0, 8, 8),
        (4, 0, 8, 8),
        (0, 4, 4, 8),
        (2, 0, 4, 4),
        (0, 2, 2, 4),
        (1, 0, 2, 2),
        (0, 1, 1, 2),
    ];
    PASSES
        .iter()
        .map(|&(x0, y0, dx, dy)| {
            let w = width.saturating_sub(x0).div_ceil(dx);
            let h = height.saturating_sub(y0).div_ceil(dy);
            if w == 0 {
                0
            } else {
                (h * (1 + w * bytes_per_pixel)) as usize
            }
        })
        .sum()
}

pub(crate) fn small_jpeg() -> Vec<u8> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, 80)
        .write_image(
            &[128u8; 16 * 16 * 3],
            16,
            16,
            image::ExtendedColorType::Rgb8,
        )
        .unwrap();
    out
}

/// A small JPEG whose frame header claims `side`×`side`, marked
/// progressive (SOF2) if asked.
fn jpeg_bomb(side: u16, progressive: bool) -> Vec<u8> {
    let mut out = small_jpeg();
    let sof = out
        .windows(2)
        .position(|w| w == [0xFF, 0xC0])
        .expect("a baseline frame header");
    if progressive {
        out[sof + 1] = 0xC2;
    }
    out[sof + 5..sof + 7].copy_from_slice(&side.to_be_bytes());
    out[sof + 7..sof + 9].copy_from_slice(&side.to_be_bytes());
    out
}

/// A lossless WebP declaring 16383×16383 RGBA (1 GiB decoded).
fn webp_lossless_bomb() -> Vec<u8> {
    let mut out = Vec::new();
    WebPEncoder::new_lossless(&mut out)
        .encode(&[0u8; 8 * 8 * 4], 8, 8, image::ExtendedColorType::Rgba8)
        .unwrap();
    assert_eq!(&out[12..16], b"VP8L");
    let header: u32 = 16_382 | (16_382 << 14) | (1 << 28);
    out[21..25].copy_from_slice(&header.to_le_bytes());
    out
}

/// A lossy WebP (a real 2×2 picture) declaring 16383×16383.
fn webp_lossy_bomb() -> Vec<u8> {
    let mut out = vec![
        0x52, 0x49, 0x46, 0x46, 0x3c, 0x00, 0x00, 0x00, 0x57, 0x45, 0x42, 0x50, 0x56, 0x50, 0x38,
        0x20, 0x30, 0x00, 0x00, 0x00, 0xd0, 0x01, 0x00, 0x9d, 0x01, 0x2a, 0x02, 0x00, 0x02, 0x00,
        0x02, 0x00, 0x34, 0x25, 0xa0, 0x02, 0x74, 0xba, 0x01, 0xf8, 0x00, 0x03, 0xb0, 0x00, 0xfe,
        0xf0, 0xc4, 0x0b, 0xff, 0x20, 0xb9, 0x61, 0x75, 0xc8, 0xd7, 0xff, 0x20, 0x3f, 0xe4, 0x07,
        0xfc, 0x80, 0xff, 0xf8, 0xf2, 0x00, 0x00, 0x00,
    ];
    out[26..28].copy_from_slice(&0x3FFFu16.to_le_bytes());
    out[28..30].copy_from_slice(&0x3FFFu16.to_le_bytes());
    out
}

/// An extended WebP: a 1×1 canvas around a lossy frame that claims
/// 16383×16383 (the decoder sizes its buffers by the frame).
fn webp_extended_bomb() -> Vec<u8> {
    let vp8x = vec![0u8; 10];
    let mut vp8 = vec![0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a];
    vp8.extend_from_slice(&0x3FFFu16.to_le_bytes());
    vp8.extend_from_slice(&0x3FFFu16.to_le_bytes());
    vp8.extend_from_slice(&[0u8; 64]);
    riff(&[(b"VP8X", vp8x), (b"VP8 ", vp8)])
}

/// An animated WebP (one small frame): a photo is one picture.
fn webp_animated() -> Vec<u8> {
    let mut vp8x = vec![0x02, 0, 0, 0];
    vp8x.extend_from_slice(&[7, 0, 0, 7, 0, 0]);
    let anim = vec![0u8; 6];
    let mut frame = vec![0u8; 16];
    let lossless = webp_lossless_bomb();
    // Reuse a real VP8L chunk (its header says 16383², inside a frame).
    frame.extend_from_slice(&lossless[12..]);
    riff(&[(b"VP8X", vp8x), (b"ANIM", anim), (b"ANMF", frame)])
}

fn riff(chunks: &[(&[u8; 4], Vec<u8>)]) -> Vec<u8> {
    let mut body = b"WEBP".to_vec();
    for (cc, data) in chunks {
        body.extend_from_slice(*cc);
        body.extend_from_slice(&(data.len() as u32).to_le_bytes());
        body.extend_from_slice(data);
        if data.len() % 2 == 1 {
            body.push(0);
        }
    }
    let mut out = b"RIFF".to_vec();
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend_from_slice(&body);
    out
}

/// A small, valid PNG carrying an ICC profile that inflates to 128 MiB.
fn png_profile_bomb() -> Vec<u8> {
    let small = png(8, 8, 8, false, false, 8 * (1 + 8 * 3));
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..128 {
        z.write_all(&zeros).unwrap();
    }
    let mut iccp = b"profile\0\0".to_vec();
    iccp.extend_from_slice(&z.finish().unwrap());
    // Signature and IHDR (8 + 25 bytes), then the profile, then the rest.
    let mut out = small[..33].to_vec();
    png_chunk(&mut out, b"iCCP", &iccp);
    out.extend_from_slice(&small[33..]);
    out
}

/// Large but acceptable images: every one is decoded in full.
fn heavy_valid_images() -> Vec<(&'static str, Vec<u8>)> {
    let side = 5000;
    let mut jpeg = Vec::new();
    JpegEncoder::new_with_quality(&mut jpeg, 50)
        .write_image(
            &vec![90u8; (side * side * 3) as usize],
            side,
            side,
            image::ExtendedColorType::Rgb8,
        )
        .unwrap();
    let mut webp = Vec::new();
    DynamicImage::new_rgba8(4000, 4000)
        .write_with_encoder(WebPEncoder::new_lossless(&mut webp))
        .unwrap();
    vec![
        (
            "interlaced PNG, 25 MP",
            png(side, side, 8, false, true, adam7_bytes(side, side, 3)),
        ),
        ("baseline JPEG, 25 MP", jpeg),
        ("lossless WebP, 16 MP RGBA", webp),
    ]
}

/// What a file is expected to get: the statuses and codes allowed.
type Expected = &'static [(u16, &'static str)];
const TOO_LARGE: Expected = &[(422, "image_too_large")];
const STORED: Expected = &[(201, "")];

fn bombs() -> Vec<(&'static str, Vec<u8>, Expected)> {
    vec![
        // 2 GiB declared; only the first 64 MiB of rows are present, which
        // is enough for a decoder that believes the header.
        (
            "16-bit RGBA PNG, 16384×16384",
            png(16_384, 16_384, 16, true, false, 64 << 20),
            TOO_LARGE,
        ),
        (
            "interlaced 8-bit PNG, 12000×12000",
            png(12_000, 12_000, 8, false, true, 32 << 20),
            TOO_LARGE,
        ),
        (
            "progressive JPEG, 60000×60000",
            jpeg_bomb(60_000, true),
            TOO_LARGE,
        ),
        (
            "progressive JPEG, 6000×6000 (its coefficients)",
            jpeg_bomb(6_000, true),
            TOO_LARGE,
        ),
        (
            "baseline JPEG, 16000×16000",
            jpeg_bomb(16_000, false),
            TOO_LARGE,
        ),
        (
            "lossless WebP, 16383×16383",
            webp_lossless_bomb(),
            TOO_LARGE,
        ),
        ("lossy WebP, 16383×16383", webp_lossy_bomb(), TOO_LARGE),
        (
            "extended WebP, 1×1 canvas, 16383×16383 frame",
            webp_extended_bomb(),
            TOO_LARGE,
        ),
        ("animated WebP", webp_animated(), &[(415, "animated_image")]),
        // Decoders ignore or refuse the profile; either way it is not inflated.
        (
            "PNG with a 128 MiB ICC profile",
            png_profile_bomb(),
            &[
                (201, ""),
                (422, "unreadable_image"),
                (422, "image_too_large"),
            ],
        ),
    ]
}

async fn upload_to(
    client: &reqwest::Client,
    base: &str,
    code: &str,
    token: &str,
    bytes: Vec<u8>,
) -> (u16, Option<u64>, Value) {
    let part = reqwest::multipart::Part::bytes(bytes).file_name("foto");
    let resp = client
        .post(format!("{base}/api/v1/reports/{code}/attachments"))
        .header("X-Tracking-Token", token)
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .expect("upload");
    let status = resp.status().as_u16();
    let retry = resp
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok()?.parse().ok());
    (status, retry, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn decompression_bombs_in_parallel_keep_memory_bounded() {
    // Every upload from its own address (behind the loopback proxy), so that
    // only the decode gate and the memory budget stand between them.
    let server = Spawned::pisa(&[("SEGNALA_TRUSTED_PROXIES", "127.0.0.1")]).await;
    let (bombs, valid) = tokio::task::spawn_blocking(|| (bombs(), heavy_valid_images()))
        .await
        .unwrap();
    let files: Vec<(&str, Vec<u8>, Expected)> = bombs
        .into_iter()
        .chain(valid.into_iter().map(|(what, bytes)| (what, bytes, STORED)))
        .collect();
    // Three reports (5 photos each at most), every file sent to each at once.
    let mut reports = Vec::new();
    for _ in 0..3 {
        let r = server.file("buche", PISA_CENTRE).await;
        reports.push((
            r["code"].as_str().unwrap().to_string(),
            r["tracking_token"].as_str().unwrap().to_string(),
        ));
    }
    let before_kib = server.status_kib("VmHWM");
    let mut sends = Vec::new();
    for (r, (code, token)) in reports.iter().enumerate() {
        for (f, (what, bytes, expected)) in files.iter().enumerate() {
            let (client, base, code, token, bytes) = (
                server.client.clone(),
                server.base.clone(),
                code.clone(),
                token.clone(),
                bytes.clone(),
            );
            let address = format!("198.51.{r}.{}", f + 1);
            sends.push(async move {
                // A well-behaved client waits as told when the server is busy.
                loop {
                    let part = reqwest::multipart::Part::bytes(bytes.clone()).file_name("foto");
                    let resp = client
                        .post(format!("{base}/api/v1/reports/{code}/attachments"))
                        .header("X-Tracking-Token", &token)
                        .header("X-Forwarded-For", &address)
                        .multipart(reqwest::multipart::Form::new().part("file", part))
                        .send()
                        .await
                        .expect("upload");
                    let status = resp.status().as_u16();
                    let retry = resp.headers().contains_key("retry-after");
                    let body: Value = resp.json().await.unwrap_or(Value::Null);
                    if status == 503 {
                        assert!(retry, "{what}: 503 without Retry-After");
                        assert!(
                            body["error"]["code"]
                                .as_str()
                                .is_some_and(|c| c.starts_with("busy_")),
                            "{what}: {body}"
                        );
                        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                        continue;
                    }
                    return (*what, *expected, status, body);
                }
            });
        }
    }
    let results = join_all(sends).await;
    let peak_mib = server.status_kib("VmHWM") / 1024;
    eprintln!(
        "peak RSS: {} MiB before, {peak_mib} MiB after {} parallel uploads ({} bombs)",
        before_kib / 1024,
        results.len(),
        results.iter().filter(|r| r.1 != STORED).count()
    );
    for (what, expected, status, body) in &results {
        let code = body["error"]["code"].as_str().unwrap_or("");
        assert!(
            expected.iter().any(|(s, c)| s == status && *c == code),
            "{what}: {status} {body}, expected one of {expected:?}"
        );
    }
    assert!(
        peak_mib < PEAK_RSS_BOUND_MIB,
        "peak RSS {peak_mib} MiB, bound {PEAK_RSS_BOUND_MIB} MiB"
    );
}

#[tokio::test]
async fn a_part_header_that_never_ends_is_cut_off() {
    let app = TestApp::pisa().await;
    let created = app.file("buche", PISA_CENTRE).await;
    let (code, token) = (
        created["code"].as_str().unwrap(),
        created["tracking_token"].as_str().unwrap(),
    );
    // Chunked (no Content-Length), a part whose headers never end: 20 MB.
    let head = "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x\"\r\nX-Pad: ";
    let chunks = std::iter::once(Ok::<_, std::io::Error>(head.as_bytes().to_vec()))
        .chain((0..20).map(|_| Ok(vec![b'a'; 1 << 20])));
    let resp = app
        .client
        .post(app.url(&format!("/api/v1/reports/{code}/attachments")))
        .header("X-Tracking-Token", token)
        .header("content-type", "multipart/form-data; boundary=b")
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
            chunks,
        )))
        .send()
        .await;
    // Refused once past the budget (or the connection is closed on it).
    if let Ok(resp) = resp {
        let status = resp.status().as_u16();
        let body: Value = resp.json().await.unwrap_or(Value::Null);
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (413, Some("file_too_large")),
            "{body}"
        );
    }
}

#[tokio::test]
async fn a_full_report_refuses_a_file_before_decoding_it() {
    let app = TestApp::pisa().await;
    let created = app.file("buche", PISA_CENTRE).await;
    let (code, token) = (
        created["code"].as_str().unwrap(),
        created["tracking_token"].as_str().unwrap(),
    );
    let photo = || {
        let mut out = Vec::new();
        DynamicImage::new_rgb8(8, 8)
            .write_with_encoder(JpegEncoder::new(&mut out))
            .unwrap();
        out
    };
    for _ in 0..5 {
        let (status, _, body) = upload_to(&app.client, &app.base, code, token, photo()).await;
        assert_eq!(status, 201, "{body}");
    }
    // A bomb to a full report is refused for being one too many, not
    // decoded: the limit comes first.
    let (status, _, body) =
        upload_to(&app.client, &app.base, code, token, jpeg_bomb(60_000, true)).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("attachment_limit_reached")),
        "{body}"
    );
}

async fn login_from(
    client: &reqwest::Client,
    base: &str,
    address: &str,
    username: &str,
    password: &str,
) -> (u16, Value) {
    let resp = client
        .post(format!("{base}/api/v1/auth/login"))
        .header("X-Forwarded-For", address)
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .expect("login");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// The server believes `X-Forwarded-For` from the loopback proxy, so each
/// test client can come from its own address.
async fn behind_a_proxy() -> TestApp {
    TestApp::pisa_with(|c| c.trusted_proxies = "127.0.0.1".into()).await
}

#[tokio::test]
async fn parallel_wrong_passwords_verify_at_most_the_limit() {
    let app = behind_a_proxy().await;
    let pw = app.user(
        "mario",
        Role::Office,
        crate::common::PISA,
        &["manutenzioni"],
    );
    let attempts = (0..200).map(|_| {
        login_from(
            &app.client,
            &app.base,
            "198.51.100.7",
            "mario",
            "wrong-password",
        )
    });
    let results = join_all(attempts).await;
    let verified = results.iter().filter(|(s, _)| *s == 401).count();
    let refused = results.iter().filter(|(s, _)| *s == 429).count();
    eprintln!("200 parallel wrong passwords: {verified} verified, {refused} refused");
    assert_eq!(verified, 5, "only the allowed attempts reach argon2");
    assert_eq!(refused, 195);
    // The pair's limit, then the address's own. Whether the burst itself
    // reaches the address's limit depends on how many attempts got past the
    // pair's read-only check before it tripped: other accounts from the same
    // address then reach it for sure.
    let mut codes: std::collections::BTreeSet<String> = results
        .iter()
        .filter_map(|(_, b)| b["error"]["code"].as_str().map(str::to_string))
        .collect();
    for i in 0..25 {
        let (_, body) = login_from(
            &app.client,
            &app.base,
            "198.51.100.7",
            &format!("other{i}"),
            "wrong-password",
        )
        .await;
        let code = body["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let done = code == "too_many_attempts";
        codes.insert(code);
        if done {
            break;
        }
    }
    assert_eq!(
        codes,
        ["account_locked", "invalid_credentials", "too_many_attempts"]
            .map(String::from)
            .into()
    );
    // The real password from the attacker's address is refused too …
    let (status, _) = login_from(&app.client, &app.base, "198.51.100.7", "mario", &pw).await;
    assert_eq!(status, 429);
    // … but the owner, elsewhere, signs in (slowed, not kept out).
    let started = std::time::Instant::now();
    let (status, body) = login_from(&app.client, &app.base, "203.0.113.50", "mario", &pw).await;
    assert_eq!(status, 200, "{body}");
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
}

#[tokio::test]
async fn an_attacker_on_many_addresses_cannot_lock_the_owner_out() {
    let app = behind_a_proxy().await;
    let pw = app.user(
        "mario",
        Role::Office,
        crate::common::PISA,
        &["manutenzioni"],
    );
    let attempts = (0..30).map(|i| {
        let address = format!("198.51.100.{}", 10 + i);
        let app = &app;
        async move {
            login_from(&app.client, &app.base, &address, "mario", "wrong-password")
                .await
                .0
        }
    });
    assert!(join_all(attempts).await.iter().all(|s| *s == 401));
    let started = std::time::Instant::now();
    let (status, body) = login_from(&app.client, &app.base, "203.0.113.50", "mario", &pw).await;
    assert_eq!(status, 200, "{body}");
    // The account is slowed (each failure adds 100 ms, 2 s at most).
    let took = started.elapsed();
    assert!(
        took >= std::time::Duration::from_millis(1900) && took < std::time::Duration::from_secs(6),
        "{took:?}"
    );
    // A success forgets the failures: the next sign-in is not slowed.
    let started = std::time::Instant::now();
    assert_eq!(
        login_from(&app.client, &app.base, "203.0.113.50", "mario", &pw)
            .await
            .0,
        200
    );
    assert!(started.elapsed() < std::time::Duration::from_millis(1500));
}

#[tokio::test]
async fn unknown_and_known_usernames_answer_alike() {
    let app = behind_a_proxy().await;
    app.user(
        "mario",
        Role::Office,
        crate::common::PISA,
        &["manutenzioni"],
    );
    let mut answers = Vec::new();
    for username in ["mario", "nobody-here"] {
        let mut seen = Vec::new();
        let started = std::time::Instant::now();
        for _ in 0..6 {
            seen.push(
                login_from(
                    &app.client,
                    &app.base,
                    "198.51.100.9",
                    username,
                    "wrong-password",
                )
                .await,
            );
        }
        answers.push((seen, started.elapsed()));
    }
    let (known, known_took) = &answers[0];
    let (unknown, unknown_took) = &answers[1];
    assert_eq!(known, unknown, "same statuses and bodies, lock included");
    assert_eq!(known[4].0, 401);
    assert_eq!(known[5].0, 429);
    // Both verify a hash (a dummy one for unknown names) and wait the same delays.
    let ratio = known_took.as_secs_f64() / unknown_took.as_secs_f64();
    assert!(
        (0.5..2.0).contains(&ratio),
        "{known_took:?} vs {unknown_took:?}"
    );
}

#[tokio::test]
async fn a_login_flood_takes_bounded_memory() {
    let server = Spawned::pisa(&[("SEGNALA_TRUSTED_PROXIES", "127.0.0.1")]).await;
    let before = server.status_kib("VmHWM") / 1024;
    // 120 sign-ins at once from 120 addresses: none is refused by a limit,
    // each needs an argon2 verification (19 MiB each): the gate lets two in
    // at a time, so the peak stays near the idle size.
    let attempts = (0..120).map(|i| {
        let (client, base) = (server.client.clone(), server.base.clone());
        async move {
            loop {
                let (status, _) = login_from(
                    &client,
                    &base,
                    &format!("198.51.{}.{}", i / 200, i % 200 + 1),
                    &format!("user{i}"),
                    "wrong-password",
                )
                .await;
                if status != 503 {
                    return status;
                }
            }
        }
    });
    let statuses = join_all(attempts).await;
    assert!(statuses.iter().all(|s| *s == 401), "{statuses:?}");
    let peak = server.status_kib("VmHWM") / 1024;
    eprintln!("login flood: peak RSS {before} MiB before, {peak} MiB after 120 parallel sign-ins");
    assert!(peak < before + 120, "{peak} MiB (from {before} MiB)");
}

#[tokio::test]
async fn forged_forwarding_headers_do_not_escape_the_report_limit() {
    // No trusted proxy: the header is the client's own writing.
    let app = TestApp::pisa_with(|c| c.reports_per_ip_per_hour = 3).await;
    let mut statuses = Vec::new();
    for i in 0..5 {
        let resp = app
            .client
            .post(app.url("/api/v1/reports"))
            .header("X-Forwarded-For", format!("203.0.113.{i}"))
            .header("Forwarded", format!("for=203.0.113.{i}"))
            .json(&crate::common::report(
                "buche",
                PISA_CENTRE.0,
                PISA_CENTRE.1,
            ))
            .send()
            .await
            .unwrap();
        statuses.push(resp.status().as_u16());
    }
    assert_eq!(statuses, [201, 201, 201, 429, 429]);
}

#[tokio::test]
async fn behind_a_proxy_each_client_and_each_ipv6_network_has_its_own_limit() {
    let app = TestApp::pisa_with(|c| {
        c.reports_per_ip_per_hour = 2;
        c.trusted_proxies = "127.0.0.1".into();
    })
    .await;
    let file = |xff: &'static str| {
        let app = &app;
        async move {
            app.client
                .post(app.url("/api/v1/reports"))
                .header("X-Forwarded-For", xff)
                .json(&crate::common::report(
                    "buche",
                    PISA_CENTRE.0,
                    PISA_CENTRE.1,
                ))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    // The client forges the left part; the proxy appends the real address.
    assert_eq!(file("6.6.6.6, 198.51.100.1").await, 201);
    assert_eq!(file("7.7.7.7, 198.51.100.1").await, 201);
    assert_eq!(file("8.8.8.8, 198.51.100.1").await, 429);
    assert_eq!(file("198.51.100.2").await, 201);
    // One IPv6 /64 is one client, whatever its last 64 bits.
    assert_eq!(file("2001:db8:1:2::1").await, 201);
    assert_eq!(file("2001:db8:1:2:ffff::9").await, 201);
    assert_eq!(file("[2001:db8:1:2:aaaa::7]:443").await, 429);
    assert_eq!(file("2001:db8:1:3::1").await, 201);
    // Garbage is never a key: the proxy's own address is counted instead.
    assert_eq!(file("not-an-address").await, 201);
    assert_eq!(file("also garbage").await, 201);
    assert_eq!(file("<script>").await, 429);
}

/// A listener on loopback that answers every request with `answer` and
/// counts the connections it got.
fn listener(answer: String) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::io::{BufRead, BufReader};
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", l.local_addr().unwrap());
    let hits = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = hits.clone();
    std::thread::spawn(move || {
        for stream in l.incoming() {
            let Ok(mut stream) = stream else { continue };
            seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 0) && line != "\r\n" {
                line.clear();
            }
            let _ = stream.write_all(answer.as_bytes());
        }
    });
    (url, hits)
}

async fn webhook_dead_letter(app: &TestApp, url: &str) -> String {
    let u = url.to_string();
    app.store
        .write(move |c| {
            let office =
                segnala::store::catalog::office_by_code(c, crate::common::PISA, "igiene-urbana")?
                    .unwrap();
            Ok(segnala::store::catalog::set_webhook(
                c,
                &office.id,
                Some((&u, "a-long-shared-webhook-secret")),
            )?)
        })
        .unwrap();
    app.file("rifiuti-abbandonati", PISA_CENTRE).await;
    let (store, config) = (app.store.clone(), app.config.clone());
    tokio::task::spawn_blocking(move || {
        segnala::jobs::dispatch::Dispatcher::from_config(store, &config)
            .unwrap()
            .run_once(chrono::Utc::now())
            .unwrap()
    })
    .await
    .unwrap();
    let dead = app
        .store
        .read(|c| Ok(segnala::store::outbox::dead(c, 10)?))
        .unwrap();
    assert_eq!(dead.len(), 1, "the webhook is a dead letter at once");
    assert_eq!(dead[0].kind, "webhook");
    dead[0].last_error.clone().unwrap_or_default()
}

#[tokio::test]
async fn webhooks_to_private_addresses_are_refused() {
    let app = TestApp::pisa_with(|c| c.webhook_allow_private = false).await;
    let (url, hits) = listener("HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n".into());
    let reason = webhook_dead_letter(&app, &url).await;
    assert!(
        reason.contains("refused") && reason.contains("SEGNALA_WEBHOOK_ALLOW_PRIVATE"),
        "{reason}"
    );
    assert_eq!(
        hits.load(std::sync::atomic::Ordering::SeqCst),
        0,
        "nothing reached the address"
    );
}

#[tokio::test]
async fn webhook_redirects_are_not_followed() {
    let app = TestApp::pisa().await;
    let (target, target_hits) =
        listener("HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n".into());
    let (url, hits) = listener(format!(
        "HTTP/1.1 307 Temporary Redirect\r\nLocation: {target}\r\nContent-Length: 0\r\n\r\n"
    ));
    let reason = webhook_dead_letter(&app, &url).await;
    assert!(reason.contains("redirects are not followed"), "{reason}");
    assert_eq!(hits.load(std::sync::atomic::Ordering::SeqCst), 1);
    assert_eq!(target_hits.load(std::sync::atomic::Ordering::SeqCst), 0);
}

#[tokio::test]
async fn text_that_xml_cannot_carry_is_refused() {
    let app = TestApp::pisa().await;
    for (what, description) in [
        ("a form feed", "Buca\u{0c}profonda"),
        ("U+FFFE", "Buca \u{FFFE} profonda"),
        ("U+FFFF", "Buca \u{FFFF} profonda"),
        ("a NUL", "Buca\u{0}"),
    ] {
        let mut body = crate::common::report("buche", PISA_CENTRE.0, PISA_CENTRE.1);
        body["description"] = json!(description);
        let (status, answer) = app.post("/api/v1/reports", &body).await;
        assert_eq!(status, 422, "{what}: {answer}");
        assert_eq!(
            answer["error"]["details"][0]["code"], "invalid_characters",
            "{what}"
        );
    }
    // A lone surrogate is valid JSON syntax but no character.
    let resp = app
        .client
        .post(app.url("/api/v1/reports"))
        .header("content-type", "application/json")
        .body(r#"{"category":"buche","description":"Buca \ud800 profonda","lat":43.723,"lon":10.3966}"#)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let answer: Value = resp.json().await.unwrap();
    assert_eq!(status, 422, "{answer}");
    assert_eq!(answer["error"]["code"], "invalid_characters");
    // An Open311 media link with a control character (decoded from %0B).
    let key = app
        .store
        .write(|c| {
            Ok(segnala::store::api_keys::issue(
                c,
                crate::common::PISA,
                "app",
                None,
                chrono::Utc::now().naive_utc(),
            )?)
        })
        .unwrap()
        .1;
    let resp = app
        .client
        .post(app.url("/open311/v2/requests.json"))
        .form(&[
            ("api_key", key.as_str()),
            ("service_code", "buche"),
            ("lat", "43.7230"),
            ("long", "10.3966"),
            ("attribute[pericolo]", "si"),
            ("media_url", "http://foto.example/a\u{0b}b.jpg"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    // Addresses with characters a link or a log would read as something else.
    for email in [
        "a%40evil.it?@example.it",
        "\"mario\"@example.it",
        "mario(x)@example.it",
    ] {
        let mut body = crate::common::report("buche", PISA_CENTRE.0, PISA_CENTRE.1);
        body["reporter"]["email"] = json!(email);
        let (status, answer) = app.post("/api/v1/reports", &body).await;
        assert_eq!(
            (status, answer["error"]["details"][0]["code"].as_str()),
            (422, Some("invalid_email")),
            "{email}"
        );
    }
    // Tabs and line breaks are text.
    let mut body = crate::common::report("buche", PISA_CENTRE.0, PISA_CENTRE.1);
    body["description"] = json!("Buca\tprofonda\r\nsul lato destro");
    assert_eq!(app.post("/api/v1/reports", &body).await.0, 201);
    // And nothing stored can break the Open311 XML.
    let resp = app
        .client
        .get(app.url("/open311/v2/requests.xml"))
        .send()
        .await
        .unwrap();
    let xml = resp.text().await.unwrap();
    roxmltree::Document::parse(&xml).expect("well-formed XML");
}

#[tokio::test]
async fn emails_never_quote_what_the_citizen_wrote() {
    let app = TestApp::pisa().await;
    let mut body = crate::common::report("buche", PISA_CENTRE.0, PISA_CENTRE.1);
    body["title"] = json!("Hai vinto! Ritira il premio su https://phish.example/comune-pisa");
    body["description"] = json!("Accedi su www.phish.example per confermare");
    body["reporter"]["email"] = json!("victim@example.org");
    let (_, created) = app.post("/api/v1/reports", &body).await;
    // What will be sent, as rendered (text and HTML, before any transfer encoding).
    let payloads: Vec<String> = app
        .store
        .read(|c| {
            use diesel::prelude::*;
            use segnala::store::schema::outbox as o;
            Ok(o::table
                .filter(o::kind.eq("email"))
                .select(o::payload)
                .load(c)?)
        })
        .unwrap();
    assert_eq!(payloads.len(), 1);
    let mail = &payloads[0];
    assert!(
        mail.contains("victim@example.org") && mail.contains(created["code"].as_str().unwrap())
    );
    for bait in ["phish", "vinto", "premio", "Accedi"] {
        assert!(!mail.contains(bait), "`{bait}` reached the email: {mail}");
    }
}

#[tokio::test]
async fn open311_multipart_checks_the_key_before_keeping_anything() {
    let app = TestApp::pisa().await;
    let key = app
        .store
        .write(|c| {
            Ok(segnala::store::api_keys::issue(
                c,
                crate::common::PISA,
                "app",
                None,
                chrono::Utc::now().naive_utc(),
            )?)
        })
        .unwrap()
        .1;
    let post = |form: reqwest::multipart::Form, query: &str| {
        let url = app.url(&format!("/open311/v2/requests.json{query}"));
        let client = app.client.clone();
        async move {
            let resp = client.post(url).multipart(form).send().await.unwrap();
            let status = resp.status().as_u16();
            (status, resp.text().await.unwrap())
        }
    };
    let fields = |form: reqwest::multipart::Form| {
        form.text("service_code", "buche")
            .text("lat", "43.7230")
            .text("long", "10.3966")
            .text("description", "Buca")
    };
    // The key after other parts: refused at the first part.
    let form = fields(reqwest::multipart::Form::new()).text("api_key", key.clone());
    let (status, body) = post(form, "").await;
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("first part"), "{body}");
    // A wrong key first: refused.
    let form = fields(reqwest::multipart::Form::new().text("api_key", "not-a-key"));
    assert_eq!(post(form, "").await.0, 403);
    // Too many parts.
    let mut form = reqwest::multipart::Form::new().text("api_key", key.clone());
    for i in 0..100 {
        form = form.text(format!("attribute[x{i}]"), "y");
    }
    let (status, body) = post(form, "").await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("at most 64 parts"), "{body}");
    // The key first, or in the query string: accepted.
    let form = fields(reqwest::multipart::Form::new().text("api_key", key.clone()));
    assert_eq!(post(form, "").await.0, 201);
    let (status, body) = post(
        fields(reqwest::multipart::Form::new()),
        &format!("?api_key={key}"),
    )
    .await;
    assert_eq!(status, 201, "{body}");
}

#[tokio::test]
async fn log_lines_carry_no_forged_records_and_no_addresses() {
    let dir = crate::common::tempdir::TempDir::new("segnala-smtp");
    let smtp = crate::common::SmtpServer::start(dir.path());
    let port = smtp.port.to_string();
    let server = Spawned::pisa(&[
        ("SEGNALA_LOG", "info"),
        ("SEGNALA_MAIL_TRANSPORT", "smtp"),
        ("SEGNALA_SMTP_HOST", "127.0.0.1"),
        ("SEGNALA_SMTP_PORT", &port),
        ("SEGNALA_SMTP_TLS", "none"),
        ("SEGNALA_DISPATCH_INTERVAL_SECONDS", "1"),
    ])
    .await;
    // A username that tries to write a record of its own, with an address.
    let forged =
        "mario\n2026-12-04T00:00:00Z  INFO forged: admin signed in maria.rossi@example.it\u{1b}[2J";
    let resp = server
        .client
        .post(server.url("/api/v1/auth/login"))
        .json(&json!({"username": forged, "password": "whatever-123"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 401);
    // A mail server that rejects the citizen, quoting the address.
    let mut body = crate::common::report("buche", PISA_CENTRE.0, PISA_CENTRE.1);
    body["reporter"]["email"] = json!("reject550-bruno@example.it");
    let resp = server
        .client
        .post(server.url("/api/v1/reports"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 201);
    let mut log = String::new();
    for _ in 0..100 {
        log = server.log();
        if log.contains("notification dead") && log.contains("login failed") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(
        log.contains("notification dead") && log.contains("login failed"),
        "{log}"
    );
    for line in log.lines() {
        assert!(
            line.starts_with("20"),
            "every line is a record of its own: {line:?}"
        );
        assert!(!line.contains('\u{1b}'), "{line:?}");
    }
    assert!(
        !log.contains("@example.it"),
        "an address reached the log: {log}"
    );
    assert!(log.contains("[email]"), "{log}");
}

#[tokio::test]
async fn weak_demo_passwords_from_an_earlier_version_are_replaced() {
    let app = TestApp::pisa().await;
    let dir = app.config.data_dir.clone();
    std::fs::create_dir_all(&dir).unwrap();
    let accounts = segnala::demo::setup_accounts(&app.store, &dir).unwrap();
    let (user, strong, _) = accounts
        .iter()
        .find(|(u, _, _)| u == "admin")
        .unwrap()
        .clone();
    assert!(!app.login(&user, &strong).await.is_empty());
    // What an earlier version wrote: a guessable password, known in the file.
    let weak = "torre-arno-1234";
    let hash = segnala::auth::hash_password(weak).unwrap();
    app.store
        .write(|c| {
            let u = segnala::store::users::by_username(c, &user)?.unwrap();
            Ok(segnala::store::users::update(
                c,
                &u.row.id,
                &segnala::store::users::UserUpdate {
                    password_hash: Some(hash.clone()),
                    ..Default::default()
                },
                chrono::Utc::now().naive_utc(),
            )
            .map(|_| ())?)
        })
        .unwrap();
    let file = dir.join("demo-accounts.txt");
    let text = std::fs::read_to_string(&file)
        .unwrap()
        .replace(&strong, weak);
    std::fs::write(&file, text).unwrap();
    let again = segnala::demo::setup_accounts(&app.store, &dir).unwrap();
    let (_, now, _) = again.iter().find(|(u, _, _)| *u == user).unwrap();
    assert_ne!(now, weak);
    assert!(now.len() >= 18);
    let (status, _) = app
        .post(
            "/api/v1/auth/login",
            &json!({"username": user, "password": weak}),
        )
        .await;
    assert_eq!(status, 401);
    app.login(&user, now).await;
}

#[tokio::test]
async fn an_office_behind_one_address_signs_in_all_day() {
    let app = behind_a_proxy().await;
    let pw = app.user(
        "mario",
        Role::Office,
        crate::common::PISA,
        &["manutenzioni"],
    );
    let pw2 = app.user("lucia", Role::Urp, crate::common::PISA, &[]);
    for i in 0..40 {
        let (user, password) = if i % 2 == 0 {
            ("mario", &pw)
        } else {
            ("lucia", &pw2)
        };
        let (status, body) =
            login_from(&app.client, &app.base, "198.51.100.77", user, password).await;
        assert_eq!(status, 200, "sign-in {i}: {body}");
    }
    // A typo now and then among them is no lock either.
    assert_eq!(
        login_from(&app.client, &app.base, "198.51.100.77", "mario", "typo")
            .await
            .0,
        401
    );
    assert_eq!(
        login_from(&app.client, &app.base, "198.51.100.77", "mario", &pw)
            .await
            .0,
        200
    );
}
