//! The public map/list with cursor pagination, and the nearby search.

use std::collections::HashSet;

use chrono::Utc;
use segnala::app::reports::routing::change_status;
use segnala::domain::report::{Actor, Status};
use segnala::store::reports::{by_code, Transition};

use crate::common::*;

fn offset(p: (f64, f64), metres_north: f64) -> (f64, f64) {
    (p.0 + metres_north / 111_195.0, p.1)
}

pub fn transition(app: &TestApp, code: &str, steps: &[Status]) {
    app.store
        .write(|c| {
            let mut r = by_code(c, code)?.unwrap();
            for to in steps {
                r = change_status(
                    c,
                    &r,
                    &Transition {
                        to: *to,
                        actor: Actor::user("office-test"),
                        public_message: None,
                        internal_note: None,
                        data: None,
                        kind: None,
                        now: Utc::now(),
                    },
                )?;
            }
            Ok(())
        })
        .unwrap();
}

#[tokio::test]
async fn pages_are_stable_newest_first_and_complete() {
    let app = TestApp::pisa().await;
    let mut filed = Vec::new();
    for i in 0..7 {
        filed.push(
            app.file("buche", offset(PISA_CENTRE, i as f64 * 10.0))
                .await["code"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    let bbox = "10.3,43.6,10.5,43.8";
    let (status, first) = app
        .get(&format!("/api/v1/reports?bbox={bbox}&limit=3"))
        .await;
    assert_eq!(status, 200);
    let codes = |page: &serde_json::Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["code"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        codes(&first),
        vec![filed[6].clone(), filed[5].clone(), filed[4].clone()]
    );
    assert_no_personal_data(&first);
    // A report filed between two pages does not shift the next page.
    app.file("buche", PISA_CENTRE).await;
    let cursor = first["next_cursor"].as_str().unwrap();
    let (_, second) = app
        .get(&format!(
            "/api/v1/reports?bbox={bbox}&limit=3&cursor={cursor}"
        ))
        .await;
    assert_eq!(
        codes(&second),
        vec![filed[3].clone(), filed[2].clone(), filed[1].clone()]
    );
    let cursor = second["next_cursor"].as_str().unwrap();
    let (_, third) = app
        .get(&format!(
            "/api/v1/reports?bbox={bbox}&limit=3&cursor={cursor}"
        ))
        .await;
    assert_eq!(codes(&third), vec![filed[0].clone()]);
    assert!(third["next_cursor"].is_null());
    let all: HashSet<_> = [codes(&first), codes(&second), codes(&third)]
        .concat()
        .into_iter()
        .collect();
    assert_eq!(all.len(), 7);

    // Outside the box: nothing. Filters by status and category.
    let (_, none) = app.get("/api/v1/reports?bbox=11.0,43.0,11.1,43.1").await;
    assert!(none["items"].as_array().unwrap().is_empty());
    transition(&app, &filed[0], &[Status::TakenIn]);
    let (_, taken) = app
        .get(&format!("/api/v1/reports?bbox={bbox}&status=taken_in"))
        .await;
    assert_eq!(codes(&taken), vec![filed[0].clone()]);
    app.file("illuminazione", PISA_CENTRE).await;
    let (_, lights) = app
        .get(&format!(
            "/api/v1/reports?bbox={bbox}&category=illuminazione"
        ))
        .await;
    assert_eq!(lights["items"].as_array().unwrap().len(), 1);
    let (_, nothing) = app
        .get(&format!(
            "/api/v1/reports?bbox={bbox}&category=no-such-category"
        ))
        .await;
    assert!(nothing["items"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn rejected_reports_stay_off_the_map_by_default() {
    let app = TestApp::pisa().await;
    let code = app.file("buche", PISA_CENTRE).await["code"]
        .as_str()
        .unwrap()
        .to_string();
    transition(&app, &code, &[Status::Rejected]);
    let (_, page) = app.get("/api/v1/reports?bbox=10.3,43.6,10.5,43.8").await;
    assert!(page["items"].as_array().unwrap().is_empty());
    let (_, page) = app
        .get("/api/v1/reports?bbox=10.3,43.6,10.5,43.8&status=rejected")
        .await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn nearby_finds_open_reports_within_the_radius_closest_first() {
    let app = TestApp::pisa().await;
    let at_60 = app.file("buche", offset(PISA_CENTRE, 60.0)).await["code"]
        .as_str()
        .unwrap()
        .to_string();
    let at_20 = app.file("buche", offset(PISA_CENTRE, 20.0)).await["code"]
        .as_str()
        .unwrap()
        .to_string();
    let _at_400 = app.file("buche", offset(PISA_CENTRE, 400.0)).await;
    let lamp_10 = app.file("illuminazione", offset(PISA_CENTRE, 10.0)).await["code"]
        .as_str()
        .unwrap()
        .to_string();
    let resolved_5 = app.file("buche", offset(PISA_CENTRE, 5.0)).await["code"]
        .as_str()
        .unwrap()
        .to_string();
    transition(&app, &resolved_5, &[Status::TakenIn, Status::Resolved]);

    let (status, near) = app
        .get(&format!(
            "/api/v1/reports/nearby?lat={}&lon={}&radius_m=100",
            PISA_CENTRE.0, PISA_CENTRE.1
        ))
        .await;
    assert_eq!(status, 200);
    let items = near["items"].as_array().unwrap();
    let codes: Vec<_> = items.iter().map(|r| r["code"].as_str().unwrap()).collect();
    assert_eq!(codes, [lamp_10.as_str(), at_20.as_str(), at_60.as_str()]);
    let d: Vec<f64> = items
        .iter()
        .map(|r| r["distance_m"].as_f64().unwrap())
        .collect();
    assert!(
        (9.0..=11.0).contains(&d[0])
            && (19.0..=21.0).contains(&d[1])
            && (59.0..=61.0).contains(&d[2]),
        "{d:?}"
    );
    assert_no_personal_data(&near);

    let (_, only_buche) = app
        .get(&format!(
            "/api/v1/reports/nearby?lat={}&lon={}&radius_m=1000&category=buche",
            PISA_CENTRE.0, PISA_CENTRE.1
        ))
        .await;
    assert_eq!(only_buche["items"].as_array().unwrap().len(), 3);
    let (_, limited) = app
        .get(&format!(
            "/api/v1/reports/nearby?lat={}&lon={}&radius_m=1000&limit=1",
            PISA_CENTRE.0, PISA_CENTRE.1
        ))
        .await;
    assert_eq!(limited["items"][0]["code"], lamp_10.as_str());
}

#[tokio::test]
async fn public_figures_count_resolved_reports_and_reports_per_category() {
    let app = TestApp::pisa().await;
    let mut codes = Vec::new();
    for category in ["buche", "buche", "buche", "graffiti"] {
        codes.push(
            app.file(category, PISA_CENTRE).await["code"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    transition(&app, &codes[0], &[Status::TakenIn, Status::Resolved]);
    transition(
        &app,
        &codes[1],
        &[Status::TakenIn, Status::Resolved, Status::Closed],
    );
    transition(&app, &codes[2], &[Status::TakenIn, Status::Rejected]);

    let (status, body) = app.get("/api/v1/stats/public").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["municipality"], PISA);
    assert_eq!(body["resolved_last_12_months"], 2);
    let per: Vec<(String, i64, i64, Option<String>)> = body["categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["category"]["code"].as_str().unwrap().to_string(),
                c["total"].as_i64().unwrap(),
                c["open"].as_i64().unwrap(),
                c["parent"].as_str().map(String::from),
            )
        })
        .collect();
    // The rejected pothole is not on the public map.
    assert_eq!(per[0], ("buche".into(), 2, 0, Some("strade".into())));
    assert_eq!(per[1].0, "graffiti");
    assert_eq!((per[1].1, per[1].2), (1, 1));
    assert_eq!(per.len(), 2);

    let (status, body) = app.get("/api/v1/stats/public?municipality=999999").await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("municipality_not_found"))
    );
}

fn cluster_total(page: &serde_json::Value) -> i64 {
    page["total"].as_i64().unwrap()
}

#[tokio::test]
async fn clusters_count_the_reports_of_each_square_by_status() {
    let app = TestApp::pisa().await;
    // Five in the centre, two 3 km south: two clusters at a town's zoom.
    let mut centre = Vec::new();
    for i in 0..5 {
        let body = app
            .file("buche", offset(PISA_CENTRE, i as f64 * 20.0))
            .await;
        centre.push(body["code"].as_str().unwrap().to_string());
    }
    for i in 0..2 {
        app.file(
            "illuminazione",
            offset(PISA_CENTRE, -3000.0 - i as f64 * 20.0),
        )
        .await;
    }
    transition(&app, &centre[0], &[Status::Rejected]);
    transition(&app, &centre[1], &[Status::TakenIn]);
    let bbox = "10.30,43.65,10.50,43.80";
    let (status, page) = app
        .get(&format!("/api/v1/reports/clusters?bbox={bbox}&zoom=13"))
        .await;
    assert_eq!(status, 200, "{page}");
    // Rejected reports are not on the map by default.
    assert_eq!(cluster_total(&page), 6, "{page}");
    let clusters = page["clusters"].as_array().unwrap();
    assert_eq!(clusters.len(), 2, "{page}");
    let near = clusters
        .iter()
        .find(|c| c["count"] == 4)
        .expect("the centre's cluster");
    assert_eq!(near["by_status"]["new"], 3);
    assert_eq!(near["by_status"]["taken_in"], 1);
    // Drawn at its reports' centroid, inside its square.
    let (lat, lon) = (near["lat"].as_f64().unwrap(), near["lon"].as_f64().unwrap());
    assert!((lat - offset(PISA_CENTRE, 50.0).0).abs() < 0.001, "{near}");
    assert!((lon - PISA_CENTRE.1).abs() < 1e-6, "{near}");
    let b: Vec<f64> = near["bbox"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert!(
        b[0] <= lon && lon <= b[2] && b[1] <= lat && lat <= b[3],
        "{near}"
    );

    // Filters: status and category.
    let (_, only_new) = app
        .get(&format!(
            "/api/v1/reports/clusters?bbox={bbox}&zoom=13&status=new"
        ))
        .await;
    assert_eq!(cluster_total(&only_new), 5);
    let (_, lights) = app
        .get(&format!(
            "/api/v1/reports/clusters?bbox={bbox}&zoom=13&category=illuminazione"
        ))
        .await;
    assert_eq!(cluster_total(&lights), 2);
    // A province's zoom groups everything into one.
    let (_, far) = app
        .get(&format!("/api/v1/reports/clusters?bbox={bbox}&zoom=8"))
        .await;
    assert_eq!(far["clusters"].as_array().unwrap().len(), 1, "{far}");
    assert_eq!(cluster_total(&far), 6);
    // Moves between statuses keep the counts (the rejected one counted once, as rejected).
    let (_, all) = app
        .get(&format!(
            "/api/v1/reports/clusters?bbox={bbox}&zoom=13&status=new,taken_in,rejected"
        ))
        .await;
    assert_eq!(cluster_total(&all), 7);
    assert!(!all.to_string().contains("Maria"), "no personal data");

    for (query, code) in [
        ("zoom=13", "bbox_required"),
        (&format!("bbox={bbox}") as &str, "invalid_zoom"),
        (&format!("bbox={bbox}&zoom=23"), "invalid_zoom"),
        (&format!("bbox={bbox}&zoom=-1"), "invalid_zoom"),
        (
            &format!("bbox={bbox}&zoom=13&status=gone"),
            "invalid_status",
        ),
        ("bbox=10.5,43.6,10.3,43.8&zoom=13", "invalid_bbox"),
    ] {
        let (status, body) = app.get(&format!("/api/v1/reports/clusters?{query}")).await;
        assert_eq!(status, 400, "{query}: {body}");
        assert_eq!(body["error"]["code"], code, "{query}: {body}");
    }
}

/// The clusters with no category filter read the rows that count every
/// category at once: they stay the sum of the per-category counts when a
/// report changes category or status. Under a filter of two categories, a
/// square and status counted under each are added up.
#[tokio::test]
async fn unfiltered_clusters_are_the_sum_of_the_categories_after_a_move() {
    let app = TestApp::pisa().await;
    let mut codes = Vec::new();
    for (i, category) in ["buche", "buche", "illuminazione", "buche"]
        .iter()
        .enumerate()
    {
        let body = app
            .file(category, offset(PISA_CENTRE, i as f64 * 20.0))
            .await;
        codes.push(body["code"].as_str().unwrap().to_string());
    }
    let sup = app.supervisor("sup-cells").await;
    let (status, body) = sup
        .reassign(
            &codes[0],
            serde_json::json!({"category": "illuminazione", "reason": "è un lampione"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    sup.take_in(&codes[1]).await;
    let bbox = "10.30,43.65,10.50,43.80";
    let total = |query: String| {
        let app = &app;
        async move {
            let (status, page) = app
                .get(&format!(
                    "/api/v1/reports/clusters?bbox={bbox}&zoom=13{query}"
                ))
                .await;
            assert_eq!(status, 200, "{page}");
            page
        }
    };
    let all = total(String::new()).await;
    let potholes = total("&category=buche".into()).await;
    let lights = total("&category=illuminazione".into()).await;
    assert_eq!(cluster_total(&potholes), 2, "{potholes}");
    assert_eq!(cluster_total(&lights), 2, "{lights}");
    assert_eq!(cluster_total(&all), 4, "{all}");
    let square = &all["clusters"][0];
    assert_eq!(square["by_status"]["new"], 3, "{all}");
    assert_eq!(square["by_status"]["taken_in"], 1, "{all}");
    // New: one pothole and two lights, counted on two rows of one square.
    let both = total("&category=buche,illuminazione".into()).await;
    assert_eq!(both["clusters"].as_array().unwrap().len(), 1, "{both}");
    assert_eq!(both["clusters"][0]["count"], 4, "{both}");
    assert_eq!(both["clusters"][0]["by_status"]["new"], 3, "{both}");
    assert_eq!(both["clusters"][0]["by_status"]["taken_in"], 1, "{both}");
    let (lat, all_lat) = (both["clusters"][0]["lat"].as_f64(), square["lat"].as_f64());
    assert!((lat.unwrap() - all_lat.unwrap()).abs() < 1e-9, "{both}");
}

#[tokio::test]
async fn street_district_and_city_boxes_page_alike() {
    let app = TestApp::pisa().await;
    let mut filed = Vec::new();
    for i in 0..9 {
        // 30 m apart: across street cells (0.001° ≈ 111 m) and into the next.
        let body = app
            .file("buche", offset(PISA_CENTRE, i as f64 * 30.0))
            .await;
        filed.push(body["code"].as_str().unwrap().to_string());
    }
    filed.reverse();
    let (lat, lon) = PISA_CENTRE;
    let boxes = [
        // A street: read cell by cell at 0.001°.
        format!(
            "{},{},{},{}",
            lon - 0.002,
            lat - 0.0005,
            lon + 0.002,
            lat + 0.0030
        ),
        // A district: at 0.01°.
        format!(
            "{},{},{},{}",
            lon - 0.02,
            lat - 0.02,
            lon + 0.02,
            lat + 0.02
        ),
        // The city and beyond: by primary key.
        "10.0,43.0,11.0,44.0".to_string(),
    ];
    for bbox in boxes {
        let mut cursor: Option<String> = None;
        let mut seen = Vec::new();
        loop {
            let path = match &cursor {
                Some(c) => format!("/api/v1/reports?bbox={bbox}&limit=4&cursor={c}"),
                None => format!("/api/v1/reports?bbox={bbox}&limit=4"),
            };
            let (status, page) = app.get(&path).await;
            assert_eq!(status, 200, "{bbox}: {page}");
            for item in page["items"].as_array().unwrap() {
                seen.push(item["code"].as_str().unwrap().to_string());
            }
            cursor = page["next_cursor"].as_str().map(str::to_string);
            if cursor.is_none() {
                break;
            }
        }
        assert_eq!(seen, filed, "{bbox}: every report once, newest first");
    }
    // A box that cuts a street cell in two keeps only the reports inside it.
    let half = format!(
        "{},{},{},{}",
        lon - 0.002,
        lat - 0.0005,
        lon + 0.002,
        lat + 0.0004
    );
    let (_, page) = app.get(&format!("/api/v1/reports?bbox={half}")).await;
    let inside: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["code"].as_str().unwrap())
        .collect();
    // 0, 30 m: inside; 60 m (0.00054°) and beyond: outside.
    assert_eq!(
        inside,
        filed[filed.len() - 2..]
            .iter()
            .rev()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect::<Vec<_>>()
    );
}
