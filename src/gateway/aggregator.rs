//! An HTTP SMS aggregator on the Africa's Talking convention (many copy it): a form POST with an
//! `apiKey` header to send, form callbacks for incoming messages and delivery reports.

use futures::future::BoxFuture;
use serde::Deserialize;

use super::http::{self as gh, enc};
use super::webhook::{param, required, sender_param, WebhookAuth};
use super::{
    Channel, DeliveryStatus, Gateway, Inbound, Outbound, Receipt, SendError, WebhookError,
    WebhookEvent, WebhookRequest,
};

/// The `[aggregator]` section of a gateway file.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AggregatorConfig {
    /// e.g. `https://api.africastalking.com/version1/messaging`.
    pub send_url: String,
    /// The account's `username` form field.
    pub username: String,
    /// Environment variable holding the API key, sent in the `apiKey` header.
    pub api_key_env: String,
}

pub struct Aggregator {
    id: String,
    sender: Option<String>,
    config: AggregatorConfig,
    api_key: String,
    client: reqwest::Client,
    auth: WebhookAuth,
}

impl Aggregator {
    pub fn new(
        id: &str,
        sender: Option<String>,
        config: AggregatorConfig,
        api_key: String,
        client: reqwest::Client,
        auth: WebhookAuth,
    ) -> Aggregator {
        Aggregator {
            id: id.to_string(),
            sender,
            config,
            api_key,
            client,
            auth,
        }
    }
}

#[derive(Deserialize)]
struct Answer {
    #[serde(rename = "SMSMessageData")]
    data: AnswerData,
}

#[derive(Deserialize)]
struct AnswerData {
    #[serde(rename = "Message", default)]
    message: String,
    #[serde(rename = "Recipients", default)]
    recipients: Vec<Recipient>,
}

#[derive(Deserialize)]
struct Recipient {
    #[serde(rename = "statusCode")]
    status_code: u16,
    #[serde(default)]
    status: String,
    #[serde(rename = "messageId", default)]
    message_id: String,
}

/// The per-recipient `statusCode`: 100 processed, 101 sent, 102 queued; 405 insufficient
/// balance and 5xx gateway trouble are worth waiting for; the other 4xx refuse the number.
pub fn send_outcome(status: reqwest::StatusCode, body: &str) -> Result<String, SendError> {
    gh::classify(status, body)?;
    let answer: Answer = serde_json::from_str(body).map_err(|e| {
        SendError::Transient(format!("unexpected answer ({e}): {}", gh::short(body)))
    })?;
    let Some(r) = answer.data.recipients.into_iter().next() else {
        return Err(SendError::Permanent(format!(
            "no recipient accepted: {}",
            gh::short(&answer.data.message)
        )));
    };
    let reason = format!("{} {}", r.status_code, gh::short(&r.status));
    match r.status_code {
        100..=102 if !r.message_id.is_empty() => Ok(r.message_id),
        100..=102 => Err(SendError::Transient(format!("{reason}: no messageId"))),
        405 | 500..=599 => Err(SendError::Transient(reason)),
        _ => Err(SendError::Permanent(reason)),
    }
}

/// The delivery report `status`.
pub fn dlr_status(s: &str) -> Option<DeliveryStatus> {
    match s {
        "Success" => Some(DeliveryStatus::Delivered),
        "Sent" | "Submitted" | "Buffered" => Some(DeliveryStatus::Sent),
        "Failed" | "Rejected" | "AbsentSubscriber" | "Expired" => Some(DeliveryStatus::Failed),
        _ => None,
    }
}

impl Gateway for Aggregator {
    fn id(&self) -> &str {
        &self.id
    }

    fn kind(&self) -> &'static str {
        "aggregator"
    }

    fn send<'a>(&'a self, msg: &'a Outbound<'a>) -> BoxFuture<'a, Result<Receipt, SendError>> {
        Box::pin(async move {
            let mut form = format!(
                "username={}&to={}&message={}",
                enc(&self.config.username),
                enc(msg.to),
                enc(msg.text)
            );
            if let Some(from) = &self.sender {
                form.push_str(&format!("&from={}", enc(from)));
            }
            let request = self
                .client
                .post(&self.config.send_url)
                .header("apiKey", &self.api_key)
                .header(reqwest::header::ACCEPT, "application/json");
            let (status, body) = gh::post_form(request, form).await?;
            let provider_id = send_outcome(status, &body)?;
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
            // from, to, text, id, date, linkId, networkCode
            "inbound" => {
                let sender = sender_param(&form, "from")?;
                let text = param(&form, "text").unwrap_or_default();
                Ok(vec![WebhookEvent::Inbound(Inbound {
                    gateway_id: self.id.clone(),
                    provider_id: Some(required(&form, "id")?),
                    sender,
                    text,
                    channel: Channel::Sms,
                })])
            }
            // id, status, phoneNumber, networkCode, failureReason, retryCount
            "dlr" => {
                let id = required(&form, "id")?;
                let raw = required(&form, "status")?;
                let Some(status) = dlr_status(&raw) else {
                    return Err(WebhookError::BadRequest(format!("status `{raw}` unknown")));
                };
                let error = (status == DeliveryStatus::Failed).then(|| {
                    let why = param(&form, "failureReason").unwrap_or_default();
                    format!("aggregator: {} {}", gh::short(&raw), gh::short(&why))
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::StatusCode;

    #[test]
    fn recipient_codes() {
        let ok = r#"{"SMSMessageData":{"Message":"Sent to 1/1","Recipients":[{"statusCode":101,"number":"+84912001001","status":"Success","cost":"VND 250","messageId":"ATXid_1"}]}}"#;
        assert_eq!(
            send_outcome(StatusCode::CREATED, ok).expect("ok"),
            "ATXid_1"
        );
        let bad = r#"{"SMSMessageData":{"Message":"Sent to 0/1","Recipients":[{"statusCode":403,"number":"+84","status":"InvalidPhoneNumber","messageId":"None"}]}}"#;
        assert!(
            matches!(send_outcome(StatusCode::CREATED, bad), Err(SendError::Permanent(r)) if r.contains("InvalidPhoneNumber"))
        );
        let broke = r#"{"SMSMessageData":{"Message":"x","Recipients":[{"statusCode":405,"status":"InsufficientBalance","messageId":"None"}]}}"#;
        assert!(matches!(
            send_outcome(StatusCode::CREATED, broke),
            Err(SendError::Transient(_))
        ));
        assert!(matches!(
            send_outcome(StatusCode::BAD_GATEWAY, ""),
            Err(SendError::Transient(_))
        ));
        assert_eq!(dlr_status("Success"), Some(DeliveryStatus::Delivered));
        assert_eq!(dlr_status("Buffered"), Some(DeliveryStatus::Sent));
        assert_eq!(dlr_status("AbsentSubscriber"), Some(DeliveryStatus::Failed));
    }
}
