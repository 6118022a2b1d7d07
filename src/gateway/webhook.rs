//! A webhook call as adapters see it: who may call ([`WebhookAuth`]), the request
//! ([`WebhookRequest`]), what it carried ([`WebhookEvent`]) and the answer the provider expects.
//! The HTTP handler that stores what was parsed is `http::webhooks`.

use std::net::IpAddr;

use axum::http::{HeaderMap, Method, StatusCode};
use subtle::ConstantTimeEq;

use super::{DeliveryStatus, Inbound};
use crate::phone::Sender;

/// Header that may carry the gateway's webhook secret.
pub const SECRET_HEADER: &str = "x-loa-secret";

/// Who may call a gateway's webhooks: a shared secret and/or a list of source addresses.
#[derive(Clone, Debug, Default)]
pub struct WebhookAuth {
    pub secret: Option<String>,
    pub allowed: Vec<IpNet>,
}

pub use crate::net::IpNet;

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
