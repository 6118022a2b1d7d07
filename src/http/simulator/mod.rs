//! The simulator's HTTP face: a phone sending SMS to loa, its inbox, and a page to play a villager.

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::error::ApiError;
use super::json::ApiJson;
use crate::app::AppState;
use crate::gateway::simulator::{store, PhoneMessage, ID};
use crate::gateway::{Channel, Inbound};
use crate::i18n::Msg;
use crate::inbox::{self, MAX_TEXT_CHARS};
use crate::phone::{Msisdn, Sender};

const PAGE: &str = include_str!("page.html");
/// Provider ids are echoed into our tables; keep them short.
const MAX_ID_CHARS: usize = 100;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/simulator", get(page))
        .route("/simulator/static/simulator.js", get(script))
        .route("/simulator/static/simulator.css", get(stylesheet))
        .route("/simulator/api/sms", post(sms))
        .route("/simulator/api/messages", get(messages))
        .route("/simulator/api/ussd", post(ussd))
        .route("/simulator/api/phones", get(phones))
}

/// The language of the notes the page shows (`?lang=en`; Vietnamese otherwise).
#[derive(Deserialize, Default)]
struct LangQuery {
    lang: Option<String>,
}

impl LangQuery {
    fn lang(&self) -> &'static str {
        match self.lang.as_deref() {
            Some("en") => "en",
            _ => "vi",
        }
    }
}

#[derive(Serialize)]
struct PhonesOut {
    phones: Vec<crate::demo::banner::DemoPhone>,
}

/// The demo phones and who they are (those the database knows, and a stranger), to pick from.
async fn phones(
    State(app): State<AppState>,
    Query(q): Query<LangQuery>,
) -> Result<Json<PhonesOut>, ApiError> {
    let svc = &app.services;
    let phones = crate::demo::banner::phones(&svc.db, &svc.locales, q.lang()).await?;
    Ok(Json(PhonesOut { phones }))
}

/// A USSD step from the simulated phone, in the aggregator's form: answered `CON …` / `END …`.
async fn ussd(
    State(app): State<AppState>,
    body: axum::body::Bytes,
) -> Result<axum::response::Response, ApiError> {
    super::ussd::step(&app.services, ID, &body).await
}

async fn page() -> Html<&'static str> {
    Html(PAGE)
}

/// The page's script and style are files, so that the CSP needs no inline exception.
fn asset(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
}

async fn script() -> impl IntoResponse {
    asset(
        "text/javascript; charset=utf-8",
        include_str!("simulator.js"),
    )
}

async fn stylesheet() -> impl IntoResponse {
    asset("text/css; charset=utf-8", include_str!("simulator.css"))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SmsIn {
    from: String,
    text: String,
    /// Plays the provider's message id; a repeat of an id is stored once.
    id: Option<String>,
}

#[derive(Serialize)]
struct SmsAccepted {
    inbound_id: i64,
    duplicate: bool,
    /// For a duplicate: why it gets no answer, in words for the page.
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<String>,
}

fn check_text(text: &str) -> Result<(), ApiError> {
    if text.chars().count() > MAX_TEXT_CHARS {
        return Err(ApiError::bad_request(
            "text_too_long",
            format!("text is longer than {MAX_TEXT_CHARS} characters"),
        ));
    }
    Ok(())
}

/// An SMS from a villager's phone: stored, then answered, as a gateway webhook would be.
async fn sms(
    State(app): State<AppState>,
    Query(q): Query<LangQuery>,
    ApiJson(body): ApiJson<SmsIn>,
) -> Result<Json<SmsAccepted>, ApiError> {
    let sender = Sender::classify(&body.from)
        .map_err(|e| ApiError::bad_request("bad_sender", format!("from: {e}")))?;
    check_text(&body.text)?;
    if body
        .id
        .as_ref()
        .is_some_and(|id| id.is_empty() || id.chars().count() > MAX_ID_CHARS)
    {
        return Err(ApiError::bad_request(
            "bad_id",
            format!("id must be 1 to {MAX_ID_CHARS} characters"),
        ));
    }
    let inbound = Inbound {
        gateway_id: ID.to_string(),
        provider_id: body.id,
        sender,
        text: body.text,
        channel: Channel::Sms,
    };
    let stored = app.inbox.receive_and_handle(&inbound).await?;
    // A repeat is stored once and answered once: the answer to the first copy answers it.
    let note = stored.duplicate.then(|| {
        let msg = Msg::new("sim-duplicate").num("seconds", inbox::NO_ID_WINDOW_SECONDS);
        app.services.locales.render(q.lang(), &msg)
    });
    Ok(Json(SmsAccepted {
        inbound_id: stored.id,
        duplicate: stored.duplicate,
        note,
    }))
}

#[derive(Deserialize)]
struct MessagesQuery {
    to: String,
    limit: Option<i64>,
    lang: Option<String>,
}

/// One SMS a simulated phone received, with the status loa holds for it now.
#[derive(Serialize)]
struct Received {
    #[serde(flatten)]
    message: PhoneMessage,
    status: String,
}

/// A message loa holds for the phone and has not sent yet, and when it may go.
#[derive(Serialize)]
struct Waiting {
    outbox_id: i64,
    text: Option<String>,
    encoding: String,
    parts: i64,
    created_at: chrono::DateTime<chrono::Utc>,
    /// When it may go at the earliest (the end of the quiet hours, or a retry's time).
    may_go_at: chrono::DateTime<chrono::Utc>,
    /// The same in words, local time.
    note: String,
}

#[derive(Serialize)]
struct MessagesOut {
    messages: Vec<Received>,
    /// Queued for the phone, not sent yet (bulk and reminders held by quiet hours, retries).
    waiting: Vec<Waiting>,
}

/// What loa sent to one phone, oldest first, with each message's current status.
async fn messages(
    State(app): State<AppState>,
    Query(q): Query<MessagesQuery>,
) -> Result<Json<MessagesOut>, ApiError> {
    let to = Msisdn::parse(&q.to)
        .map_err(|e| ApiError::bad_request("bad_number", format!("to: {e}")))?;
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    let db = &app.services.db;
    let got = store::received_by(db, to.as_str(), limit).await?;
    let ids: Vec<i64> = got.iter().map(|m| m.outbox_id).collect();
    let status: std::collections::HashMap<i64, String> = crate::outbox::store::statuses(db, &ids)
        .await?
        .into_iter()
        .collect();
    let messages = got
        .into_iter()
        .map(|message| Received {
            status: status.get(&message.outbox_id).cloned().unwrap_or_default(),
            message,
        })
        .collect();
    let lang = LangQuery { lang: q.lang }.lang();
    let waiting = waiting(&app, to.as_str(), limit, lang).await?;
    Ok(Json(MessagesOut { messages, waiting }))
}

async fn waiting(
    app: &AppState,
    to: &str,
    limit: i64,
    lang: &str,
) -> Result<Vec<Waiting>, sqlx::Error> {
    let svc = &app.services;
    let now = chrono::Utc::now();
    let quiet = app.config.quiet_window();
    let rows = crate::outbox::store::waiting_for(&svc.db, to, limit).await?;
    Ok(rows
        .into_iter()
        .map(|w| {
            let due = w.next_attempt_at.max(now);
            let at = crate::outbox::dispatcher::may_go_at(due, w.priority, svc.tz, quiet);
            let time = at.with_timezone(&svc.tz).format("%H:%M").to_string();
            let msg = if at > due {
                Msg::new("sim-held-quiet")
                    .arg("time", time)
                    .arg("start", quiet.0.format("%H:%M").to_string())
                    .arg("end", quiet.1.format("%H:%M").to_string())
            } else if at > now + chrono::TimeDelta::seconds(1) {
                Msg::new("sim-held-retry").arg("time", time)
            } else {
                Msg::new("sim-queued")
            };
            Waiting {
                outbox_id: w.id,
                text: w.text,
                encoding: w.encoding,
                parts: w.parts,
                created_at: w.created_at,
                may_go_at: at,
                note: svc.locales.render(lang, &msg),
            }
        })
        .collect())
}
