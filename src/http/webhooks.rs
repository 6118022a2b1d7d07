//! `/webhooks/{gateway_id}/{event}`: checks who calls, hands the call to that gateway's adapter,
//! stores what it parsed (inbox or delivery report), then answers as the provider expects.

use std::net::SocketAddr;
use std::sync::atomic::Ordering;

use axum::body::Body;
use axum::extract::{ConnectInfo, Path, Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use super::error::ApiError;
use crate::app::{App, AppState};
use crate::gateway::webhook::{WebhookAuth, WebhookEvent, WebhookReply, WebhookRequest};
use crate::gateway::{Channel, DeliveryStatus, GatewayHandle, Inbound};
use crate::inbox::MAX_TEXT_CHARS;
use crate::outbox;
use crate::text::strip_controls;

/// Webhook bodies are small: one message, or one report.
const MAX_WEBHOOK_BYTES: usize = 32 * 1024;
/// The event a USSD aggregator calls with each step of a session.
const USSD_EVENT: &str = "ussd";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/webhooks/{gateway_id}/{event}", get(hook).post(hook))
        .route(
            "/webhooks/{gateway_id}/{event}/{secret}",
            get(hook_with_secret).post(hook_with_secret),
        )
}

impl IntoResponse for WebhookReply {
    fn into_response(self) -> Response {
        (
            self.status,
            [(axum::http::header::CONTENT_TYPE, self.content_type)],
            self.body,
        )
            .into_response()
    }
}

async fn hook(
    State(app): State<AppState>,
    Path((gateway_id, event)): Path<(String, String)>,
    req: Request,
) -> Response {
    handle(app, gateway_id, event, None, req).await
}

async fn hook_with_secret(
    State(app): State<AppState>,
    Path((gateway_id, event, secret)): Path<(String, String, String)>,
    req: Request,
) -> Response {
    handle(app, gateway_id, event, Some(secret), req).await
}

async fn handle(
    app: AppState,
    gateway_id: String,
    event: String,
    path_secret: Option<String>,
    req: Request,
) -> Response {
    let (parts, body) = req.into_parts();
    // The client's address (behind a trusted proxy, the one it forwarded), for `allowed_ips`.
    let peer = match parts.extensions.get::<super::auth::ClientAddr>() {
        Some(c) => Some(c.0),
        None => parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip()),
    };
    let Ok(body) = axum::body::to_bytes(Body::new(body), MAX_WEBHOOK_BYTES).await else {
        let message = format!("webhook bodies are limited to {MAX_WEBHOOK_BYTES} bytes");
        return ApiError::TooLarge(message).into_response();
    };
    let request = WebhookRequest {
        method: &parts.method,
        headers: &parts.headers,
        query: parts.uri.query().unwrap_or(""),
        body: &body,
        peer,
        path_secret: path_secret.as_deref(),
    };
    if event == USSD_EVENT {
        if let Some(auth) = app.ussd_gateways.get(&gateway_id) {
            return ussd_step(&app, &gateway_id, auth, &request).await;
        }
    }
    match sms_event(&app, &gateway_id, &event, &request).await {
        Ok(reply) => reply.into_response(),
        Err(err) => err.into_response(),
    }
}

/// A call to an SMS gateway's webhook: parsed by its adapter, stored, answered its way.
async fn sms_event(
    app: &App,
    gateway_id: &str,
    event: &str,
    request: &WebhookRequest<'_>,
) -> Result<WebhookReply, ApiError> {
    let handle = app.gateways.get(gateway_id).ok_or(ApiError::NotFound)?;
    let auth = handle.gateway.webhook_auth().ok_or(ApiError::NotFound)?;
    let parsed = auth
        .check(request)
        .and_then(|()| handle.gateway.parse_webhook(event, request));
    let events = parsed.map_err(|err| {
        let rejected = &handle.counters.webhook_rejected;
        rejected.fetch_add(1, Ordering::Relaxed);
        tracing::warn!(gateway = %gateway_id, %event, %err, "webhook refused");
        ApiError::from(err)
    })?;
    for ev in events {
        store(app, handle, ev).await?;
    }
    Ok(handle.gateway.webhook_reply(event))
}

/// One USSD step from a gateway of kind `ussd`: answered in the HTTP response (`CON …`/`END …`).
async fn ussd_step(
    app: &App,
    gateway_id: &str,
    auth: &WebhookAuth,
    request: &WebhookRequest<'_>,
) -> Response {
    if let Err(err) = auth.check(request) {
        tracing::warn!(gateway = %gateway_id, %err, "ussd webhook refused");
        return ApiError::from(err).into_response();
    }
    super::ussd::step(&app.services, gateway_id, request.body)
        .await
        .into_response()
}

async fn store(app: &App, handle: &GatewayHandle, event: WebhookEvent) -> Result<(), ApiError> {
    match event {
        WebhookEvent::Inbound(mut msg) => {
            clean_inbound(&mut msg);
            app.inbox.receive_and_handle(&msg).await?;
            handle.counters.inbound.fetch_add(1, Ordering::Relaxed);
        }
        WebhookEvent::Report {
            provider_id,
            status,
            error,
        } => {
            handle.counters.reports.fetch_add(1, Ordering::Relaxed);
            let provider_id = clean_id(&provider_id).unwrap_or_default();
            let error = error.map(|e| strip_controls(&e).into_owned());
            let report = Report {
                gateway_id: handle.id(),
                provider_id: &provider_id,
                status,
                error: error.as_deref(),
            };
            report.apply(app).await?;
        }
        WebhookEvent::Ignored(what) => {
            tracing::debug!(gateway = %handle.id(), what, "webhook call ignored");
        }
    }
    Ok(())
}

/// What a gateway brings is stored, never refused for its characters (the provider would send
/// it again forever): control characters are removed, over-long text cut to the limit.
fn clean_inbound(msg: &mut Inbound) {
    msg.text = strip_controls(&msg.text)
        .chars()
        .take(MAX_TEXT_CHARS)
        .collect();
    msg.provider_id = msg.provider_id.as_deref().and_then(clean_id);
    if let Channel::Ussd { session_id } = &mut msg.channel {
        *session_id = strip_controls(session_id).into_owned();
    }
}

/// Longest provider id kept (they are echoed into our tables; real ones are under 64).
const MAX_PROVIDER_ID_CHARS: usize = 200;

/// A provider's id without control characters, cut to [`MAX_PROVIDER_ID_CHARS`]; none when
/// nothing is left.
fn clean_id(id: &str) -> Option<String> {
    let id: String = strip_controls(id)
        .trim()
        .chars()
        .take(MAX_PROVIDER_ID_CHARS)
        .collect();
    Some(id).filter(|s| !s.is_empty())
}

struct Report<'a> {
    gateway_id: &'a str,
    provider_id: &'a str,
    status: DeliveryStatus,
    error: Option<&'a str>,
}

impl Report<'_> {
    /// Applies the report, or keeps it for a send not yet recorded (see `outbox::receive_report`).
    async fn apply(&self, app: &App) -> Result<(), outbox::OutboxError> {
        let received = app
            .services
            .outbox
            .report(outbox::ReportIn {
                gateway_id: self.gateway_id.to_string(),
                provider_id: self.provider_id.to_string(),
                status: self.status,
                error: self.error.map(str::to_string),
            })
            .await?;
        if received == outbox::Outcome::Kept {
            tracing::info!(gateway = %self.gateway_id, status = ?self.status, "delivery report before its send was recorded: kept");
        }
        Ok(())
    }
}
