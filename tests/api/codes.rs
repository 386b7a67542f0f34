//! Public codes are per comune and year, unique and gap-free under
//! concurrent creation.

use std::collections::BTreeSet;

use crate::common::*;

#[tokio::test]
async fn parallel_creations_get_consecutive_codes() {
    let app = TestApp::pisa_and_bagno_a_ripoli().await;
    const N: usize = 40;
    let mut tasks = Vec::new();
    for i in 0..N {
        let client = app.client.clone();
        let url = app.url("/api/v1/reports");
        // Interleave the two comuni: each has its own sequence.
        let point = if i % 4 == 3 {
            BAGNO_A_RIPOLI_CENTRE
        } else {
            PISA_CENTRE
        };
        tasks.push(tokio::spawn(async move {
            let resp = client
                .post(url)
                .json(&report("buche", point.0, point.1))
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status().as_u16(), 201);
            resp.json::<serde_json::Value>().await.unwrap()["code"]
                .as_str()
                .unwrap()
                .to_string()
        }));
    }
    let mut codes = Vec::new();
    for t in tasks {
        codes.push(t.await.unwrap());
    }
    let year = chrono::Utc::now().format("%Y").to_string();
    for (prefix, count) in [("PI", N - N / 4), ("BR", N / 4)] {
        let numbers: BTreeSet<u32> = codes
            .iter()
            .filter_map(|c| c.strip_prefix(&format!("{prefix}-{year}-")))
            .map(|n| n.parse().unwrap())
            .collect();
        assert_eq!(numbers.len(), count, "{prefix}: duplicates in {codes:?}");
        assert_eq!(
            numbers,
            (1..=count as u32).collect(),
            "{prefix}: gaps in {codes:?}"
        );
    }
}
