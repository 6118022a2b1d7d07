//! SMS Gateway for Android (capcom6/android-sms-gateway), local server mode: `POST /message` with
//! Basic auth; webhooks `sms:received`, `sms:sent`, `sms:delivered`, `sms:failed`, signed with
//! HMAC-SHA256 over the raw body followed by `X-Timestamp`, hex in `X-Signature`.

use futures::future::BoxFuture;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use serde_json::json;
use sha2::Sha256;

use super::http as gh;
use super::webhook::WebhookAuth;
use super::{
    Channel, DeliveryStatus, Gateway, Inbound, Outbound, Receipt, SendError, WebhookError,
    WebhookEvent, WebhookRequest,
};
use crate::phone::Sender;

/// Signed calls older or newer than this are refused (replays).
const MAX_SKEW_SECONDS: i64 = 300;

/// The `[android]` section of a gateway file.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AndroidConfig {
    /// The phone's local server, e.g. `http://192.168.1.20:8080`.
    pub url: String,
    pub username: String,
    pub password_env: String,
    /// Environment variable holding the app's webhook signing key (Settings → Webhooks); when
    /// set, every webhook call must carry a valid signature.
    #[serde(default)]
    pub signing_key_env: Option<String>,
    /// How long the phone keeps trying before it gives a message up.
    #[serde(default = "default_ttl")]
    pub ttl_seconds: u32,
    /// Which SIM sends (1–3); none: the app's own choice.
    #[serde(default)]
    pub sim_number: Option<u8>,
}

fn default_ttl() -> u32 {
    86_400
}

pub struct Android {
    id: String,
    config: AndroidConfig,
    password: String,
    signing_key: Option<String>,
    client: reqwest::Client,
    auth: WebhookAuth,
}

impl Android {
    pub fn new(
        id: &str,
        config: AndroidConfig,
        password: String,
        signing_key: Option<String>,
        client: reqwest::Client,
        auth: WebhookAuth,
    ) -> Android {
        Android {
            id: id.to_string(),
            config,
            password,
            signing_key,
            client,
            auth,
        }
    }

    fn check_signature(&self, req: &WebhookRequest<'_>) -> Result<(), WebhookError> {
        let Some(key) = &self.signing_key else {
            return Ok(());
        };
        let bad = |m: &str| WebhookError::Unauthorized(m.to_string());
        let ts = req
            .header("x-timestamp")
            .ok_or_else(|| bad("X-Timestamp missing"))?;
        let sig = req
            .header("x-signature")
            .ok_or_else(|| bad("X-Signature missing"))?;
        let when: i64 = ts
            .trim()
            .parse()
            .map_err(|_| bad("X-Timestamp is not a number"))?;
        if (chrono::Utc::now().timestamp() - when).abs() > MAX_SKEW_SECONDS {
            return Err(bad("X-Timestamp too far from now"));
        }
        let sig = hex::decode(sig.trim()).map_err(|_| bad("X-Signature is not hex"))?;
        verify(key, req.body, ts.trim(), &sig)
            .then_some(())
            .ok_or_else(|| bad("bad signature"))
    }
}

/// The app's signature: HMAC-SHA256(key, raw body ‖ timestamp).
pub fn sign(key: &str, body: &[u8], timestamp: &str) -> String {
    let mut mac = mac(key);
    mac.update(body);
    mac.update(timestamp.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

fn mac(key: &str) -> Hmac<Sha256> {
    // HMAC takes keys of any length; this cannot fail.
    <Hmac<Sha256> as Mac>::new_from_slice(key.as_bytes()).unwrap_or_else(|_| unreachable!())
}

fn verify(key: &str, body: &[u8], timestamp: &str, sig: &[u8]) -> bool {
    let mut mac = mac(key);
    mac.update(body);
    mac.update(timestamp.as_bytes());
    mac.verify_slice(sig).is_ok()
}

#[derive(Deserialize)]
struct Envelope {
    event: String,
    #[serde(default)]
    payload: serde_json::Value,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SmsReceived {
    message: String,
    phone_number: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Status {
    message_id: String,
    #[serde(default)]
    reason: Option<String>,
}

impl Gateway for Android {
    fn id(&self) -> &str {
        &self.id
    }

    fn kind(&self) -> &'static str {
        "android"
    }

    fn send<'a>(&'a self, msg: &'a Outbound<'a>) -> BoxFuture<'a, Result<Receipt, SendError>> {
        Box::pin(async move {
            // Our id goes with the message: the phone's reports name it, and a repeated POST
            // after a lost answer is the same message to the app, not a second one.
            let id = super::kannel::reference(msg.id);
            let mut body = json!({
                "id": id,
                "textMessage": { "text": msg.text },
                "phoneNumbers": [msg.to],
                "withDeliveryReport": true,
                "ttl": self.config.ttl_seconds,
            });
            if let Some(sim) = self.config.sim_number {
                body["simNumber"] = json!(sim);
            }
            let url = format!("{}/message", self.config.url.trim_end_matches('/'));
            let res = self
                .client
                .post(&url)
                .basic_auth(&self.config.username, Some(&self.password))
                .json(&body)
                .send()
                .await
                .map_err(gh::transport_error)?;
            let (status, answer) = gh::read_answer(res).await?;
            if status.as_u16() == 409 {
                // The phone already has a message with this id: the earlier POST got through.
                return Ok(Receipt { provider_id: id });
            }
            gh::classify(status, &answer)?;
            Ok(Receipt { provider_id: id })
        })
    }

    fn webhook_auth(&self) -> Option<&WebhookAuth> {
        Some(&self.auth)
    }

    /// One URL for every event (the app names the event in the body); register
    /// `/webhooks/{id}/events` for each of the four events.
    fn parse_webhook(
        &self,
        event: &str,
        req: &WebhookRequest<'_>,
    ) -> Result<Vec<WebhookEvent>, WebhookError> {
        if event != "events" && !event.starts_with("sms") && event != "system:ping" {
            return Err(WebhookError::UnknownEvent);
        }
        self.check_signature(req)?;
        let bad = |e: serde_json::Error| WebhookError::BadRequest(format!("body: {e}"));
        let env: Envelope = serde_json::from_slice(req.body).map_err(bad)?;
        let status = match env.event.as_str() {
            "sms:received" => {
                let r: SmsReceived = serde_json::from_value(env.payload).map_err(bad)?;
                let sender = Sender::classify(&r.phone_number)
                    .map_err(|e| WebhookError::BadRequest(format!("phoneNumber: {e}")))?;
                return Ok(vec![WebhookEvent::Inbound(Inbound {
                    gateway_id: self.id.clone(),
                    // The app's ids are derived from the content and may repeat: the inbox's
                    // same-sender-same-text window is the better dedupe here.
                    provider_id: None,
                    sender,
                    text: r.message,
                    channel: Channel::Sms,
                })]);
            }
            "sms:sent" => DeliveryStatus::Sent,
            "sms:delivered" => DeliveryStatus::Delivered,
            "sms:failed" => DeliveryStatus::Failed,
            "system:ping" => return Ok(vec![WebhookEvent::Ignored("android ping")]),
            other => {
                return Err(WebhookError::BadRequest(format!("unknown event `{other}`")));
            }
        };
        let s: Status = serde_json::from_value(env.payload).map_err(bad)?;
        let error = (status == DeliveryStatus::Failed).then(|| {
            format!(
                "android: {}",
                gh::short(s.reason.as_deref().unwrap_or("failed"))
            )
        });
        Ok(vec![WebhookEvent::Report {
            provider_id: s.message_id,
            status,
            error,
        }])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_hmac_of_body_then_timestamp() {
        // Computed independently: printf '%s' '{"a":1}1700000000' | openssl dgst -sha256 -hmac key
        let sig = sign("key", br#"{"a":1}"#, "1700000000");
        assert_eq!(
            sig,
            "5cff791334e7fd8344cc05c2398964f60329f4edd6ab1087ed1ba6c34eefeeca"
        );
        assert!(verify(
            "key",
            br#"{"a":1}"#,
            "1700000000",
            &hex::decode(&sig).expect("hex")
        ));
        assert!(!verify(
            "other",
            br#"{"a":1}"#,
            "1700000000",
            &hex::decode(&sig).expect("hex")
        ));
        assert!(!verify(
            "key",
            br#"{"a":2}"#,
            "1700000000",
            &hex::decode(&sig).expect("hex")
        ));
    }
}
