//! Jasmin: MT through the HTTP API `/send` (UCS-2 as `coding=8` with `hex-content`), MO and DLR
//! callbacks that must be answered `ACK/Jasmin` or Jasmin sends them again.

use futures::future::BoxFuture;
use serde::Deserialize;

use super::http::{self as gh, enc, utf16be};
use super::webhook::{param, param_bytes, required, sender_param, WebhookAuth};
use super::{
    Channel, DeliveryStatus, Gateway, Inbound, Outbound, Receipt, SendError, WebhookError,
    WebhookEvent, WebhookReply, WebhookRequest,
};
use crate::text::Encoding;

/// The `[jasmin]` section of a gateway file.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JasminConfig {
    /// e.g. `http://127.0.0.1:1401/send`.
    pub send_url: String,
    pub username: String,
    pub password_env: String,
    /// loa's `/webhooks/{id}/dlr` as Jasmin can reach it.
    pub dlr_url: String,
    /// 1: SMSC level, 2: terminal level, 3: both.
    #[serde(default = "default_level")]
    pub dlr_level: u8,
}

fn default_level() -> u8 {
    3
}

pub struct Jasmin {
    id: String,
    sender: Option<String>,
    config: JasminConfig,
    password: String,
    client: reqwest::Client,
    auth: WebhookAuth,
}

impl Jasmin {
    pub fn new(
        id: &str,
        sender: Option<String>,
        config: JasminConfig,
        password: String,
        client: reqwest::Client,
        auth: WebhookAuth,
    ) -> Jasmin {
        Jasmin {
            id: id.to_string(),
            sender,
            config,
            password,
            client,
            auth,
        }
    }

    /// The form body of one `/send` call.
    pub fn send_form(&self, msg: &Outbound<'_>) -> String {
        let c = &self.config;
        let mut q = format!(
            "username={}&password={}&to={}",
            enc(&c.username),
            enc(&self.password),
            enc(msg.to.trim_start_matches('+')),
        );
        if let Some(from) = &self.sender {
            q.push_str(&format!("&from={}", enc(from)));
        }
        match msg.encoding {
            Encoding::Ucs2 => q.push_str(&format!(
                "&coding=8&hex-content={}",
                hex::encode(utf16be(msg.text))
            )),
            Encoding::Gsm7 => q.push_str(&format!("&coding=0&content={}", enc(msg.text))),
        }
        q.push_str(&format!(
            "&dlr=yes&dlr-url={}&dlr-level={}&dlr-method=POST",
            enc(&c.dlr_url),
            c.dlr_level
        ));
        q
    }
}

/// `200 Success "07033084-5cfd-4812-90a4-e4d24ffb6e3d"` → the id; anything else is an error.
pub fn send_outcome(status: reqwest::StatusCode, answer: &str) -> Result<String, SendError> {
    if status.is_success() {
        let id = answer
            .trim()
            .strip_prefix("Success")
            .map(|r| r.trim().trim_matches('"').to_string())
            .filter(|id| !id.is_empty());
        return id.ok_or_else(|| {
            SendError::Transient(format!("unexpected answer: {}", gh::short(answer)))
        });
    }
    // 412 "No route found" and 400 validation errors refuse this message; 403 (credentials,
    // balance) and 5xx are the operator's to fix, so they wait.
    gh::classify(status, answer).map(|()| String::new())
}

/// Jasmin's `message_status`: SMPP command statuses at level 1, receipt states at 2 and 3.
pub fn dlr_status(s: &str) -> Option<DeliveryStatus> {
    match s.trim().to_ascii_uppercase().as_str() {
        "DELIVRD" => Some(DeliveryStatus::Delivered),
        "ESME_ROK" | "ACCEPTD" | "ENROUTE" => Some(DeliveryStatus::Sent),
        "UNKNOWN" | "" => None,
        "EXPIRED" | "DELETED" | "UNDELIV" | "REJECTD" => Some(DeliveryStatus::Failed),
        other if other.starts_with("ESME_") => Some(DeliveryStatus::Failed),
        _ => None,
    }
}

impl Gateway for Jasmin {
    fn id(&self) -> &str {
        &self.id
    }

    fn kind(&self) -> &'static str {
        "jasmin"
    }

    fn send<'a>(&'a self, msg: &'a Outbound<'a>) -> BoxFuture<'a, Result<Receipt, SendError>> {
        Box::pin(async move {
            let request = self.client.post(&self.config.send_url);
            let (status, answer) = gh::post_form(request, self.send_form(msg)).await?;
            let provider_id = send_outcome(status, &answer)?;
            Ok(Receipt { provider_id })
        })
    }

    fn webhook_auth(&self) -> Option<&WebhookAuth> {
        Some(&self.auth)
    }

    fn parse_webhook(
        &self,
        event: &str,
        req: &WebhookRequest<'_>,
    ) -> Result<Vec<WebhookEvent>, WebhookError> {
        let form = req.form();
        match event {
            "mo" => {
                let sender = sender_param(&form, "from")?;
                let coding = param(&form, "coding").unwrap_or_default();
                // Newer Jasmin adds `binary`: the content in hex, safest for UCS-2.
                let raw: Vec<u8> = match param(&form, "binary").filter(|b| !b.is_empty()) {
                    Some(h) => hex::decode(h)
                        .map_err(|_| WebhookError::BadRequest("binary: not hex".into()))?,
                    None => param_bytes(&form, "content")
                        .ok_or_else(|| {
                            WebhookError::BadRequest("parameter `content` is missing".into())
                        })?
                        .to_vec(),
                };
                let charset = (coding == "8").then_some("UTF-16BE");
                let text = gh::decode_text(&raw, charset)
                    .ok_or_else(|| WebhookError::BadRequest("content: not valid UCS-2".into()))?;
                Ok(vec![WebhookEvent::Inbound(Inbound {
                    gateway_id: self.id.clone(),
                    provider_id: Some(required(&form, "id")?),
                    sender,
                    text,
                    channel: Channel::Sms,
                })])
            }
            "dlr" => {
                let id = required(&form, "id")?;
                let raw = required(&form, "message_status")?;
                let Some(status) = dlr_status(&raw) else {
                    return Ok(vec![WebhookEvent::Ignored("jasmin intermediate DLR")]);
                };
                let error = (status == DeliveryStatus::Failed).then(|| {
                    let err = param(&form, "err").unwrap_or_default();
                    format!("jasmin: {} {}", gh::short(&raw), gh::short(&err))
                        .trim()
                        .to_string()
                });
                Ok(vec![WebhookEvent::Report {
                    provider_id: id,
                    status,
                    error,
                }])
            }
            _ => Err(WebhookError::UnknownEvent),
        }
    }

    fn webhook_reply(&self, _event: &str) -> WebhookReply {
        WebhookReply::text("ACK/Jasmin")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::StatusCode;

    #[test]
    fn answers() {
        assert_eq!(
            send_outcome(StatusCode::OK, "Success \"07033084-5cfd\"").expect("ok"),
            "07033084-5cfd"
        );
        assert!(matches!(
            send_outcome(StatusCode::PRECONDITION_FAILED, "Error \"No route found\""),
            Err(SendError::Permanent(_))
        ));
        assert!(matches!(
            send_outcome(StatusCode::INTERNAL_SERVER_ERROR, "Error"),
            Err(SendError::Transient(_))
        ));
        assert_eq!(dlr_status("DELIVRD"), Some(DeliveryStatus::Delivered));
        assert_eq!(dlr_status("ESME_ROK"), Some(DeliveryStatus::Sent));
        assert_eq!(
            dlr_status("ESME_RINVNUMDESTS"),
            Some(DeliveryStatus::Failed)
        );
        assert_eq!(dlr_status("UNDELIV"), Some(DeliveryStatus::Failed));
    }
}
