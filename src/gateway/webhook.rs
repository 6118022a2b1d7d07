//! `/webhooks/{gateway_id}/{event}`: checks who calls, hands the call to that gateway's adapter,
//! stores what it parsed (inbox or delivery report), then answers as the provider expects.

use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{ConnectInfo, Path, Request, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use subtle::ConstantTimeEq;

use super::{GatewayHandle, Inbound};
use crate::app::{App, AppState};
use crate::http::error::ApiError;
use crate::inbox::{self, MAX_TEXT_CHARS};
use crate::outbox::{apply_report, DeliveryStatus, ReportKey};
use crate::phone::Sender;
use crate::with_db;

/// Webhook bodies are small: one message, or one report.
const MAX_WEBHOOK_BYTES: usize = 32 * 1024;
/// Header that may carry the gateway's webhook secret.
pub const SECRET_HEADER: &str = "x-loa-secret";
/// A report can overtake the send it reports on (the provider answers the send, then reports at
/// once, before the dispatcher has stored the provider's id); wait this long for the row.
const REPORT_WAIT: Duration = Duration::from_millis(1500);

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/webhooks/{gateway_id}/{event}", get(hook).post(hook))
        .route(
            "/webhooks/{gateway_id}/{event}/{secret}",
            get(hook_with_secret).post(hook_with_secret),
        )
}

/// Who may call a gateway's webhooks: a shared secret and/or a list of source addresses.
#[derive(Clone, Debug, Default)]
pub struct WebhookAuth {
    pub secret: Option<String>,
    pub allowed: Vec<IpNet>,
}

/// An address or a CIDR block (`10.0.0.0/8`, `2001:db8::/32`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IpNet {
    addr: IpAddr,
    prefix: u8,
}

impl std::str::FromStr for IpNet {
    type Err = String;
    fn from_str(s: &str) -> Result<IpNet, String> {
        let (a, p) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr: IpAddr = a
            .trim()
            .parse()
            .map_err(|_| format!("`{s}` is not an IP address or CIDR block"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match p {
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("`{s}`: bad prefix length"))?,
            None => max,
        };
        Ok(IpNet { addr, prefix })
    }
}

impl IpNet {
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
            v4 => v4,
        };
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

impl WebhookAuth {
    /// `Err` carries what the caller is told (never the expected secret).
    pub fn check(&self, req: &WebhookRequest<'_>) -> Result<(), WebhookError> {
        if !self.allowed.is_empty() {
            let ok = req
                .peer
                .is_some_and(|ip| self.allowed.iter().any(|n| n.contains(ip)));
            if !ok {
                return Err(WebhookError::Unauthorized(
                    "source address not allowed".into(),
                ));
            }
        }
        if let Some(expected) = &self.secret {
            let given = req
                .path_secret
                .map(str::to_string)
                .or_else(|| {
                    req.headers
                        .get(SECRET_HEADER)
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_string)
                })
                .or_else(|| req.query_param("secret"));
            let ok = given.is_some_and(|g| bool::from(g.as_bytes().ct_eq(expected.as_bytes())));
            if !ok {
                return Err(WebhookError::Unauthorized(
                    "missing or wrong webhook secret".into(),
                ));
            }
        }
        Ok(())
    }
}

/// One call to a webhook, as an adapter sees it.
pub struct WebhookRequest<'a> {
    pub method: &'a Method,
    pub headers: &'a HeaderMap,
    /// The raw query string, without `?`.
    pub query: &'a str,
    pub body: &'a [u8],
    pub peer: Option<IpAddr>,
    pub path_secret: Option<&'a str>,
}

impl WebhookRequest<'_> {
    /// Query and form-body parameters together (body last), with raw byte values.
    pub fn form(&self) -> Vec<(String, Vec<u8>)> {
        let mut pairs = super::http::form_pairs(self.query.as_bytes());
        let is_form = self
            .headers
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
        if is_form {
            pairs.extend(super::http::form_pairs(self.body));
        }
        pairs
    }

    fn query_param(&self, name: &str) -> Option<String> {
        super::http::form_pairs(self.query.as_bytes())
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| String::from_utf8_lossy(&v).into_owned())
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// Looks up a form parameter as text.
pub fn param(form: &[(String, Vec<u8>)], name: &str) -> Option<String> {
    form.iter()
        .rev()
        .find(|(k, _)| k == name)
        .map(|(_, v)| String::from_utf8_lossy(v).trim().to_string())
}

/// Looks up a form parameter's raw bytes.
pub fn param_bytes<'f>(form: &'f [(String, Vec<u8>)], name: &str) -> Option<&'f [u8]> {
    form.iter()
        .rev()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_slice())
}

/// A required text parameter, or a 400 naming it.
pub fn required(form: &[(String, Vec<u8>)], name: &str) -> Result<String, WebhookError> {
    param(form, name)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| WebhookError::BadRequest(format!("parameter `{name}` is missing")))
}

/// The sender in parameter `name`: a mobile, a short code or a sender name, else a 400.
pub fn sender_param(form: &[(String, Vec<u8>)], name: &str) -> Result<Sender, WebhookError> {
    let raw = required(form, name)?;
    Sender::classify(&raw).map_err(|e| WebhookError::BadRequest(format!("{name}: {e}")))
}

/// What one webhook call carried.
#[derive(Clone, Debug)]
pub enum WebhookEvent {
    Inbound(Inbound),
    Report {
        provider_id: String,
        status: DeliveryStatus,
        error: Option<String>,
    },
    /// Understood, nothing to store (a ping, an intermediate status).
    Ignored(&'static str),
}

#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    BadRequest(String),
    #[error("this gateway has no such webhook event")]
    UnknownEvent,
}

/// The answer a provider gets once its call is stored.
pub struct WebhookReply {
    pub status: StatusCode,
    pub content_type: &'static str,
    pub body: String,
}

impl WebhookReply {
    pub fn json_ok() -> WebhookReply {
        WebhookReply {
            status: StatusCode::OK,
            content_type: "application/json",
            body: r#"{"status":"ok"}"#.into(),
        }
    }

    pub fn text(body: &str) -> WebhookReply {
        WebhookReply {
            status: StatusCode::OK,
            content_type: "text/plain; charset=utf-8",
            body: body.into(),
        }
    }
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
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let body = match axum::body::to_bytes(Body::new(body), MAX_WEBHOOK_BYTES).await {
        Ok(b) => b,
        Err(_) => {
            return crate::http::error::rejection(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("webhook bodies are limited to {MAX_WEBHOOK_BYTES} bytes"),
            )
        }
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
    let Some(handle) = app.gateways.get(&gateway_id).cloned() else {
        return ApiError::NotFound.into_response();
    };
    let Some(auth) = handle.gateway.webhook_auth() else {
        return ApiError::NotFound.into_response();
    };
    let parsed = auth
        .check(&request)
        .and_then(|()| handle.gateway.parse_webhook(&event, &request));
    let events = match parsed {
        Ok(events) => events,
        Err(err) => {
            handle
                .counters
                .webhook_rejected
                .fetch_add(1, Ordering::Relaxed);
            tracing::warn!(gateway = %gateway_id, %event, %err, "webhook refused");
            return ApiError::from(err).into_response();
        }
    };
    for ev in events {
        if let Err(err) = store(&app, &handle, ev).await {
            return err.into_response();
        }
    }
    handle.gateway.webhook_reply(&event).into_response()
}

/// The event a USSD aggregator calls with each step of a session.
const USSD_EVENT: &str = "ussd";

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
    match crate::gateway::ussd_at::handle_ussd(app, gateway_id, request.body).await {
        Ok((status, text)) => (
            status,
            [(
                axum::http::header::CONTENT_TYPE,
                "text/plain; charset=utf-8",
            )],
            text,
        )
            .into_response(),
        Err(err) => ApiError::from(err).into_response(),
    }
}

async fn store(app: &App, handle: &GatewayHandle, event: WebhookEvent) -> Result<(), ApiError> {
    match event {
        WebhookEvent::Inbound(mut msg) => {
            if msg.text.chars().count() > MAX_TEXT_CHARS {
                msg.text = msg.text.chars().take(MAX_TEXT_CHARS).collect();
            }
            let received = inbox::receive(&app.db, &msg).await?;
            handle.counters.inbound.fetch_add(1, Ordering::Relaxed);
            if !received.duplicate {
                // Stored: from here a failure is the inbox sweep's to retry; the provider gets its 200.
                if let Err(err) = inbox::handle(app, received.id).await {
                    tracing::warn!(%err, inbound_id = received.id, "handling deferred to the inbox sweep");
                }
            }
            Ok(())
        }
        WebhookEvent::Report {
            provider_id,
            status,
            error,
        } => {
            handle.counters.reports.fetch_add(1, Ordering::Relaxed);
            report(app, handle.id(), &provider_id, status, error.as_deref()).await?;
            Ok(())
        }
        WebhookEvent::Ignored(what) => {
            tracing::debug!(gateway = %handle.id(), what, "webhook call ignored");
            Ok(())
        }
    }
}

async fn report(
    app: &App,
    gateway_id: &str,
    provider_id: &str,
    status: DeliveryStatus,
    error: Option<&str>,
) -> Result<(), sqlx::Error> {
    let key = ReportKey::Provider {
        gateway_id,
        provider_id,
    };
    let deadline = tokio::time::Instant::now() + REPORT_WAIT;
    loop {
        if apply_report(&app.db, key.clone(), status, error).await? {
            return Ok(());
        }
        let known: i64 = with_db!(&app.db, |pool| sqlx::query_scalar(
            "SELECT COUNT(*) FROM outbox WHERE gateway_id = $1 AND provider_id = $2"
        )
        .bind(gateway_id)
        .bind(provider_id)
        .fetch_one(pool)
        .await)?;
        if known > 0 {
            // A repeat, or a late report that would move the message backwards: nothing to do.
            return Ok(());
        }
        if tokio::time::Instant::now() >= deadline {
            tracing::warn!(gateway = %gateway_id, %provider_id, ?status, "delivery report for an unknown message");
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request<'a>(
        headers: &'a HeaderMap,
        query: &'a str,
        peer: &str,
        path_secret: Option<&'a str>,
    ) -> WebhookRequest<'a> {
        WebhookRequest {
            method: &Method::POST,
            headers,
            query,
            body: b"",
            peer: Some(peer.parse().expect("ip")),
            path_secret,
        }
    }

    #[test]
    fn secret_and_source_address_checks() {
        let auth = WebhookAuth {
            secret: Some("s3cret".into()),
            allowed: vec!["10.0.0.0/8".parse().expect("net")],
        };
        let none = HeaderMap::new();
        let mut with_header = HeaderMap::new();
        with_header.insert(SECRET_HEADER, "s3cret".parse().expect("value"));
        assert!(auth
            .check(&request(&none, "", "10.1.2.3", Some("s3cret")))
            .is_ok());
        assert!(auth
            .check(&request(&none, "a=1&secret=s3cret", "10.1.2.3", None))
            .is_ok());
        assert!(auth
            .check(&request(&with_header, "", "10.1.2.3", None))
            .is_ok());
        for (q, peer, path) in [
            ("", "10.1.2.3", None),
            ("secret=wrong", "10.1.2.3", None),
            ("", "10.1.2.3", Some("s3cre")),
            ("", "192.168.1.5", Some("s3cret")),
        ] {
            let err = auth.check(&request(&none, q, peer, path));
            assert!(
                matches!(err, Err(WebhookError::Unauthorized(_))),
                "{q} {peer} {path:?}"
            );
        }
        let open = WebhookAuth::default();
        assert!(open.check(&request(&none, "", "203.0.113.1", None)).is_ok());
    }

    #[test]
    fn cidr_blocks() {
        let net: IpNet = "10.1.0.0/16".parse().expect("net");
        assert!(net.contains("10.1.200.3".parse().expect("ip")));
        assert!(!net.contains("10.2.0.1".parse().expect("ip")));
        let one: IpNet = "127.0.0.1".parse().expect("ip");
        assert!(one.contains("127.0.0.1".parse().expect("ip")));
        assert!(one.contains("::ffff:127.0.0.1".parse().expect("mapped")));
        assert!(!one.contains("127.0.0.2".parse().expect("ip")));
        let all: IpNet = "0.0.0.0/0".parse().expect("all");
        assert!(all.contains("8.8.8.8".parse().expect("ip")));
        assert!("10.0.0.0/33".parse::<IpNet>().is_err());
        assert!("nonsense".parse::<IpNet>().is_err());
        let v6: IpNet = "2001:db8::/32".parse().expect("v6");
        assert!(v6.contains("2001:db8::1".parse().expect("ip")));
    }
}
