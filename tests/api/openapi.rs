//! The OpenAPI document served is the one built from the routes, and its reference page needs nothing from elsewhere.

use crate::common;

#[tokio::test]
async fn the_document_is_served_and_read_as_a_page_without_scripts_or_downloads() {
    let t = common::spawn().await;
    let res = t
        .client
        .get(t.url("/api/v1/openapi.json"))
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), 200);
    let served: serde_json::Value = res.json().await.expect("json");
    assert_eq!(served, loa::http::openapi::document());
    assert_eq!(served["openapi"], "3.1.0");

    for (lang, heading) in [("vi", "Tài liệu API"), ("en", "API reference")] {
        let res = t
            .client
            .get(t.url(&format!("/api/v1/docs?lang={lang}")))
            .send()
            .await
            .expect("get");
        assert_eq!(res.status(), 200);
        let html = res.text().await.expect("html");
        assert!(html.contains(heading), "{lang}");
        assert!(html.contains("POST /api/v1/support/{id}/status"));
        assert!(html.contains("Moves a support record to a new status"));
        assert!(!html.contains("<script"), "no script");
        assert!(
            !html.contains("https://") && !html.contains("http://"),
            "nothing from elsewhere"
        );
    }
    t.stop().await;
}
