//! The gateways' state in the console, as `GET /api/v1/gateways` gives it (`http::gateways::state`): simulator or live, the queue, and each gateway's circuit, rate and counters. Any signed-in role: counts, no personal data.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;

use super::{page, Console, Layout, Texts};
use crate::app::AppState;
use crate::gateway::{BreakerState, GatewayStatus};
use crate::http::error::ApiError;
use crate::i18n::msg_id;

pub fn router() -> Router<AppState> {
    Router::new().route("/console/gateways", get(show))
}

struct Row {
    s: GatewayStatus,
    state: String,
    badge: &'static str,
    prefixes: String,
}

#[derive(Template)]
#[template(path = "gateways.html")]
struct GatewaysPage {
    t: Texts,
    l: Layout,
    simulator: bool,
    queued: String,
    unroutable: String,
    rows: Vec<Row>,
}

async fn show(State(app): State<AppState>, c: Console) -> Response {
    c.answer(render(&app, &c).await)
}

fn state_words(t: &Texts, s: &GatewayStatus) -> (String, &'static str) {
    match s.state {
        BreakerState::Closed => (t.msg_id("console-gateway-closed"), "good"),
        BreakerState::HalfOpen => (t.msg_id("console-gateway-half-open"), "warn"),
        BreakerState::Open => {
            let seconds = s.open_for_seconds.unwrap_or(0.0).ceil() as i64;
            let msg = crate::i18n::Msg::new("console-gateway-open").num("seconds", seconds);
            (t.render(&msg), "bad")
        }
    }
}

async fn render(app: &AppState, c: &Console) -> Result<Response, ApiError> {
    let t = &c.t;
    let out = crate::http::gateways::state(app).await?;
    let rows = out
        .gateways
        .into_iter()
        .map(|s| {
            let (state, badge) = state_words(t, &s);
            let prefixes = if s.prefixes.is_empty() {
                t.msg_id(msg_id("console-gateway-any-number"))
            } else {
                s.prefixes.join(", ")
            };
            Row {
                s,
                state,
                badge,
                prefixes,
            }
        })
        .collect();
    let tpl = GatewaysPage {
        l: Layout::new(app, c, "/console/gateways"),
        t: t.clone(),
        simulator: out.mode == "simulator",
        queued: t.int(out.queued),
        unroutable: t.int(out.unroutable as i64),
        rows,
    };
    Ok(page(StatusCode::OK, &tpl, Vec::new()))
}
