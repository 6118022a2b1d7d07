//! The staff API's OpenAPI document, made from the routes themselves (`utoipa_axum::routes!` registers a handler's route and its `#[utoipa::path]` description together, so they cannot drift), served at `/api/v1/openapi.json` and read by people at `/api/v1/docs`.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::Value;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::OpenApi as Document;
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;

use super::console::{self, LangQuery};
use crate::app::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "loa staff API",
        description = "Households, support records, uploads, gateways, accounts, the legal aid queue, pregnancies, notices and campaigns. Every call needs an account's API token (`Authorization: Bearer loa_…`) or a signed-in session's cookie (with `x-csrf-token` on a change). A wrong role gets 403, anything outside the caller's areas 404. Errors: `{\"error\": {\"code\", \"message\"}}`. Lists take `limit` and `offset` (or `before_id`)."
    ),
    modifiers(&Security),
    tags(
        (name = "households", description = "households, their phones and support records (commune officers, admins)"),
        (name = "imports", description = "spreadsheet uploads (commune officers)"),
        (name = "gateways", description = "gateway state and metrics (any account)"),
        (name = "accounts", description = "API tokens; the audit log (admins)"),
        (name = "legal-aid", description = "the legal aid queue (legal aid officers of their province, admins); figures (also monitors)"),
        (name = "pregnancies", description = "pregnancies and health campaign days (health workers, midwives, commune health staff, admins)"),
        (name = "notices", description = "audiences and notices (commune officers, admins)"),
        (name = "campaigns", description = "campaigns and quizzes (commune officers, admins; monitors read them)")
    )
)]
pub struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, doc: &mut Document) {
        let c = doc.components.get_or_insert_with(Default::default);
        let bearer = HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build();
        c.add_security_scheme("token", SecurityScheme::Http(bearer));
        let cookie = ApiKeyValue::new(crate::features::accounts::sessions::COOKIE);
        c.add_security_scheme("session", SecurityScheme::ApiKey(ApiKey::Cookie(cookie)));
    }
}

/// The documented routes (`main` within the app's body limit, `uploads` outside it) and their
/// document, built together.
pub struct Api {
    pub main: Router<AppState>,
    pub uploads: Router<AppState>,
    pub doc: Document,
}

pub fn api() -> Api {
    let (main, mut doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(super::households::router())
        .merge(super::gateways::router())
        .merge(super::accounts::router())
        .merge(super::legal_aid::router())
        .merge(super::maternal::router())
        .merge(super::notices::router())
        .merge(super::campaigns::router())
        .split_for_parts();
    let (uploads, uploads_doc) = super::imports::router().split_for_parts();
    doc.merge(uploads_doc);
    Api { main, uploads, doc }
}

/// The document as JSON (what `/api/v1/openapi.json` serves and the snapshot test compares).
pub fn document() -> Value {
    serde_json::to_value(api().doc).unwrap_or(Value::Null)
}

/// `/api/v1/openapi.json` and `/api/v1/docs`, open to anyone: the API's shape is not a secret.
pub fn router(doc: Document) -> Router<AppState> {
    let json = Arc::new(serde_json::to_value(&doc).unwrap_or(Value::Null));
    let page_json = json.clone();
    Router::new()
        .route(
            "/api/v1/openapi.json",
            get(move || async move { Json(json.as_ref().clone()) }),
        )
        .route(
            "/api/v1/docs",
            get(
                move |s: State<AppState>, q: Query<LangQuery>, h: HeaderMap| {
                    reference(s, q, h, page_json.clone())
                },
            ),
        )
}

/// One operation as the reference page lists it.
pub struct Endpoint {
    pub method: String,
    pub path: String,
    pub summary: String,
    pub description: String,
    pub params: Vec<(String, String, String)>,
    pub body: String,
    pub responses: Vec<(String, String)>,
}

fn text(v: &Value, key: &str) -> String {
    v.get(key).and_then(Value::as_str).unwrap_or("").to_string()
}

/// Every operation of the document, by path and method.
pub fn endpoints(doc: &Value) -> Vec<Endpoint> {
    let mut out = Vec::new();
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        return out;
    };
    for (path, item) in paths {
        let Some(ops) = item.as_object() else {
            continue;
        };
        for (method, op) in ops {
            let params = op
                .get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|p| (text(p, "name"), text(p, "in"), text(p, "description")))
                .collect();
            let body = op
                .pointer("/requestBody/content")
                .and_then(Value::as_object)
                .map(|c| c.keys().cloned().collect::<Vec<_>>().join(", "))
                .unwrap_or_default();
            let responses = op
                .get("responses")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .map(|(code, r)| (code.clone(), text(r, "description")))
                .collect();
            out.push(Endpoint {
                method: method.to_uppercase(),
                path: path.clone(),
                summary: text(op, "summary"),
                description: text(op, "description"),
                params,
                body,
                responses,
            });
        }
    }
    out
}

#[derive(Template)]
#[template(path = "api.html")]
struct ReferencePage {
    t: console::Texts,
    title: String,
    description: String,
    endpoints: Vec<Endpoint>,
}

async fn reference(
    State(app): State<AppState>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
    doc: Arc<Value>,
) -> Response {
    let (t, _) = console::texts(&app, &q, &headers);
    let page = ReferencePage {
        t,
        title: doc
            .pointer("/info/title")
            .and_then(Value::as_str)
            .unwrap_or("")
            .into(),
        description: doc
            .pointer("/info/description")
            .and_then(Value::as_str)
            .unwrap_or("")
            .into(),
        endpoints: endpoints(&doc),
    };
    console::page(axum::http::StatusCode::OK, &page, Vec::new()).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SNAPSHOT: &str = "src/http/openapi.snapshot.json";

    /// The document as committed: a change to a route or a schema shows up in review as a change
    /// to this file. `LOA_TEST_BLESS=1 cargo test --lib openapi` writes the new one.
    #[test]
    fn the_document_matches_its_snapshot() {
        let now = serde_json::to_string_pretty(&document()).expect("json") + "\n";
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(SNAPSHOT);
        if std::env::var("LOA_TEST_BLESS").is_ok_and(|v| v == "1") {
            std::fs::write(&path, &now).expect("write snapshot");
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == now,
            "the OpenAPI document changed; review it and run LOA_TEST_BLESS=1 cargo test --lib openapi"
        );
    }

    #[test]
    fn every_staff_route_is_documented_with_its_refusals() {
        let doc = document();
        let ops = endpoints(&doc);
        let have: Vec<(String, String)> = ops
            .iter()
            .map(|e| (e.method.clone(), e.path.clone()))
            .collect();
        for (m, p) in [
            ("GET", "/api/v1/households/{code}"),
            ("POST", "/api/v1/support/{id}/status"),
            ("POST", "/api/v1/imports/{kind}"),
            ("POST", "/api/v1/tokens"),
            ("DELETE", "/api/v1/tokens/{id}"),
            ("GET", "/metrics"),
            ("POST", "/api/v1/legal-aid/requests/{reference}/status"),
            ("GET", "/api/v1/pregnancies"),
            ("POST", "/api/v1/pregnancies"),
            ("POST", "/api/v1/notices/{id}/send"),
            ("POST", "/api/v1/campaigns/{id}/{action}"),
        ] {
            assert!(
                have.contains(&(m.into(), p.into())),
                "{m} {p} missing: {have:?}"
            );
        }
        for e in &ops {
            assert!(
                !e.summary.is_empty(),
                "{} {} has no summary",
                e.method,
                e.path
            );
            let codes: Vec<&str> = e.responses.iter().map(|(c, _)| c.as_str()).collect();
            for c in ["401", "403", "404"] {
                assert!(codes.contains(&c), "{} {} lacks {c}", e.method, e.path);
            }
        }
    }
}
