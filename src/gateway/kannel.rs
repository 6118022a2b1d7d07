//! Kannel: MT through smsbox `sendsms`, MO through an `sms-service` get-url, DLRs through `dlr-url`.

use futures::future::BoxFuture;
use serde::Deserialize;

use super::http::{self as gh, enc, enc_bytes, utf16be};
use super::webhook::{param, param_bytes, required, sender_param, WebhookAuth};
use super::{
    Channel, DeliveryStatus, Gateway, Inbound, Outbound, Receipt, SendError, WebhookError,
    WebhookEvent, WebhookRequest,
};
use crate::text::Encoding;

/// The `[kannel]` section of a gateway file.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KannelConfig {
    /// smsbox's sendsms address, e.g. `http://127.0.0.1:13013/cgi-bin/sendsms`.
    pub sendsms_url: String,
    /// The `sendsms-user` group's `username`.
    pub username: String,
    /// Environment variable holding that user's `password`.
    pub password_env: String,
    /// Where Kannel reports delivery: loa's `/webhooks/{id}/dlr` as Kannel can reach it.
    pub dlr_url: String,
    /// Kannel's `smsc` parameter: the smsc-id to send through (none: Kannel routes).
    #[serde(default)]
    pub smsc: Option<String>,
    /// DLR events to ask for: 1 delivered, 2 failed, 4 buffered, 8 SMSC accepted, 16 SMSC rejected.
    #[serde(default = "default_mask")]
    pub dlr_mask: u8,
    /// Kannel's `priority` (0–3) for every message through this gateway.
    #[serde(default)]
    pub priority: Option<u8>,
    /// How `to` is written: `international` (84912345678), `e164` (+84912345678), `national` (0912345678).
    #[serde(default)]
    pub number_format: NumberFormat,
}

fn default_mask() -> u8 {
    31
}

#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum NumberFormat {
    #[default]
    International,
    E164,
    National,
}

impl NumberFormat {
    /// `to` is E.164 with the `+`.
    pub fn write(self, to: &str) -> String {
        let digits = to.trim_start_matches('+');
        match self {
            NumberFormat::E164 => format!("+{digits}"),
            NumberFormat::International => digits.to_string(),
            NumberFormat::National => match digits.strip_prefix("84") {
                Some(rest) => format!("0{rest}"),
                None => digits.to_string(),
            },
        }
    }
}

pub struct Kannel {
    id: String,
    sender: Option<String>,
    config: KannelConfig,
    password: String,
    client: reqwest::Client,
    auth: WebhookAuth,
}

impl Kannel {
    pub fn new(
        id: &str,
        sender: Option<String>,
        config: KannelConfig,
        password: String,
        client: reqwest::Client,
        auth: WebhookAuth,
    ) -> Kannel {
        Kannel {
            id: id.to_string(),
            sender,
            config,
            password,
            client,
            auth,
        }
    }

    /// The sendsms URL for one message. UCS-2 goes as `coding=2` with the text already in
    /// UTF-16BE and `charset=UTF-16BE`, which Kannel takes as is, so a Kannel built without
    /// iconv does not reject it; GSM-7 text goes as UTF-8 with `coding=0`.
    pub fn sendsms_url(&self, msg: &Outbound<'_>, reference: &str) -> String {
        let c = &self.config;
        let mut q = format!(
            "username={}&password={}&to={}",
            enc(&c.username),
            enc(&self.password),
            enc(&c.number_format.write(msg.to)),
        );
        if let Some(from) = &self.sender {
            q.push_str(&format!("&from={}", enc(from)));
        }
        match msg.encoding {
            Encoding::Ucs2 => q.push_str(&format!(
                "&coding=2&charset=UTF-16BE&text={}",
                enc_bytes(&utf16be(msg.text))
            )),
            Encoding::Gsm7 => {
                q.push_str(&format!("&coding=0&charset=UTF-8&text={}", enc(msg.text)))
            }
        }
        if c.dlr_mask > 0 {
            // Kannel fills %d (the event) and %A (the SMSC's answer) when it calls back.
            let sep = if c.dlr_url.contains('?') { '&' } else { '?' };
            let dlr = format!("{}{sep}ref={reference}&status=%d&answer=%A", c.dlr_url);
            q.push_str(&format!("&dlr-mask={}&dlr-url={}", c.dlr_mask, enc(&dlr)));
        }
        if let Some(smsc) = &c.smsc {
            q.push_str(&format!("&smsc={}", enc(smsc)));
        }
        if let Some(p) = c.priority {
            q.push_str(&format!("&priority={p}"));
        }
        let sep = if c.sendsms_url.contains('?') {
            '&'
        } else {
            '?'
        };
        format!("{}{sep}{q}", c.sendsms_url)
    }
}

/// Our reference for an outbox row, echoed back in the DLR URL.
pub fn reference(outbox_id: i64) -> String {
    format!("loa-{outbox_id}")
}

/// Kannel's `%d`: 1 delivered, 2 failed, 4 buffered, 8 accepted by the SMSC, 16 rejected by it.
pub fn dlr_status(d: u32) -> Option<DeliveryStatus> {
    match d {
        1 => Some(DeliveryStatus::Delivered),
        2 | 16 => Some(DeliveryStatus::Failed),
        4 | 8 => Some(DeliveryStatus::Sent),
        _ => None,
    }
}

/// smsbox answers `202` with `0: Accepted for delivery` or `3: Queued for later delivery`.
pub fn sendsms_outcome(status: reqwest::StatusCode, answer: &str) -> Result<(), SendError> {
    let a = answer.trim_start();
    if status.is_success() && (a.starts_with("0:") || a.starts_with("3:") || a.is_empty()) {
        return Ok(());
    }
    if status.is_success() {
        // A 2xx with another code is Kannel refusing in its own words.
        return Err(SendError::Permanent(format!(
            "{} {}",
            status.as_u16(),
            gh::short(answer)
        )));
    }
    gh::classify(status, answer)
}

impl Gateway for Kannel {
    fn id(&self) -> &str {
        &self.id
    }

    fn kind(&self) -> &'static str {
        "kannel"
    }

    fn send<'a>(&'a self, msg: &'a Outbound<'a>) -> BoxFuture<'a, Result<Receipt, SendError>> {
        Box::pin(async move {
            let reference = reference(msg.id);
            let url = self.sendsms_url(msg, &reference);
            let res = self
                .client
                .get(&url)
                .send()
                .await
                .map_err(gh::transport_error)?;
            let (status, answer) = gh::read_answer(res).await?;
            sendsms_outcome(status, &answer)?;
            Ok(Receipt {
                provider_id: reference,
            })
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
            // get-url: ...?from=%p&to=%P&text=%b&id=%I&time=%T&smsc=%i&coding=%c&charset=%C
            "mo" => {
                let sender = sender_param(&form, "from")?;
                let raw = param_bytes(&form, "text").unwrap_or_default();
                let coding = param(&form, "coding");
                let charset = param(&form, "charset")
                    .filter(|c| !c.is_empty())
                    .or_else(|| (coding.as_deref() == Some("2")).then(|| "UTF-16BE".to_string()));
                let text = gh::decode_text(raw, charset.as_deref()).ok_or_else(|| {
                    WebhookError::BadRequest("text: not valid in its charset".into())
                })?;
                let provider_id = param(&form, "id").filter(|s| !s.is_empty() && s.len() <= 100);
                Ok(vec![WebhookEvent::Inbound(Inbound {
                    gateway_id: self.id.clone(),
                    provider_id,
                    sender,
                    text,
                    channel: Channel::Sms,
                })])
            }
            // dlr-url as built in `sendsms_url`: ?ref=loa-42&status=%d&answer=%A
            "dlr" => {
                let reference = required(&form, "ref")?;
                let d: u32 = required(&form, "status")?
                    .parse()
                    .map_err(|_| WebhookError::BadRequest("status: not a number".into()))?;
                let Some(status) = dlr_status(d) else {
                    return Ok(vec![WebhookEvent::Ignored("kannel intermediate DLR")]);
                };
                let error = (status == DeliveryStatus::Failed).then(|| {
                    let answer = param(&form, "answer").unwrap_or_default();
                    format!("kannel DLR {d}: {}", gh::short(&answer))
                });
                Ok(vec![WebhookEvent::Report {
                    provider_id: reference,
                    status,
                    error,
                }])
            }
            _ => Err(WebhookError::UnknownEvent),
        }
    }

    /// smsbox sends a non-empty get-url answer to the phone as an SMS; replies go through the
    /// outbox instead, so the answer is empty (the shipped config also sets `max-messages = 0`).
    fn webhook_reply(&self, _event: &str) -> super::WebhookReply {
        super::WebhookReply::text("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::StatusCode;

    fn kannel() -> Kannel {
        Kannel::new(
            "k",
            Some("9029".into()),
            KannelConfig {
                sendsms_url: "http://127.0.0.1:13013/cgi-bin/sendsms".into(),
                username: "loa".into(),
                password_env: "X".into(),
                dlr_url: "http://loa/webhooks/k/dlr?secret=s".into(),
                smsc: Some("viettel".into()),
                dlr_mask: 31,
                priority: Some(1),
                number_format: NumberFormat::International,
            },
            "p&w".into(),
            reqwest::Client::new(),
            WebhookAuth::default(),
        )
    }

    #[test]
    fn ucs2_goes_as_coding_2_in_utf16be() {
        let msg = Outbound {
            id: 7,
            to: "+84912001001",
            text: "Hủy",
            encoding: Encoding::Ucs2,
            parts: 1,
        };
        let url = kannel().sendsms_url(&msg, "loa-7");
        assert!(url.starts_with("http://127.0.0.1:13013/cgi-bin/sendsms?username=loa&password=p%26w&to=84912001001&from=9029"), "{url}");
        assert!(
            url.contains("&coding=2&charset=UTF%2D16BE&text=%00H%1E%E7%00y")
                || url.contains("&coding=2&charset=UTF-16BE&text=%00H%1E%E7%00y"),
            "{url}"
        );
        assert!(url.contains("&dlr-mask=31&dlr-url=http%3A%2F%2Floa%2Fwebhooks%2Fk%2Fdlr%3Fsecret%3Ds%26ref%3Dloa%2D7%26status%3D%25d"), "{url}");
        assert!(url.ends_with("&smsc=viettel&priority=1"), "{url}");
    }

    fn mo(query: &str) -> Result<Vec<WebhookEvent>, WebhookError> {
        let headers = axum::http::HeaderMap::new();
        let req = WebhookRequest {
            method: &axum::http::Method::GET,
            headers: &headers,
            query,
            body: b"",
            peer: None,
            path_secret: None,
        };
        kannel().parse_webhook("mo", &req)
    }

    proptest::proptest! {
        /// Whatever a phone sends, as smsbox's get-url carries it (%b URL-encoded, in UTF-8 after
        /// mo-recode or in UTF-16BE without it), loa reads the same text.
        #[test]
        fn mo_text_survives_the_get_url(text in "\\PC{1,70}", recoded: bool) {
            let (bytes, coding, charset) = if recoded {
                (text.as_bytes().to_vec(), 0, "UTF-8")
            } else {
                (utf16be(&text), 2, "UTF-16BE")
            };
            let q = format!(
                "secret=s&from=84912001001&to=9029&text={}&id=abc&coding={coding}&charset={charset}",
                enc_bytes(&bytes)
            );
            let events = mo(&q).expect("parses");
            match &events[..] {
                [WebhookEvent::Inbound(m)] => {
                    proptest::prop_assert_eq!(&m.text, &text);
                    proptest::prop_assert_eq!(m.provider_id.as_deref(), Some("abc"));
                }
                other => proptest::prop_assert!(false, "{other:?}"),
            }
        }
    }

    #[test]
    fn mo_without_a_sender_is_refused() {
        assert!(matches!(mo("text=HD"), Err(WebhookError::BadRequest(_))));
        assert!(matches!(
            mo("from=84912001001&text=%D8%00&coding=2"),
            Err(WebhookError::BadRequest(_))
        ));
    }

    #[test]
    fn answers_and_dlr_values() {
        assert!(sendsms_outcome(StatusCode::ACCEPTED, "0: Accepted for delivery").is_ok());
        assert!(sendsms_outcome(StatusCode::ACCEPTED, "3: Queued for later delivery").is_ok());
        assert!(matches!(
            sendsms_outcome(StatusCode::SERVICE_UNAVAILABLE, "Sendsms is disabled"),
            Err(SendError::Transient(_))
        ));
        assert!(matches!(
            sendsms_outcome(StatusCode::BAD_REQUEST, "Missing receiver number"),
            Err(SendError::Permanent(_))
        ));
        assert_eq!(dlr_status(1), Some(DeliveryStatus::Delivered));
        assert_eq!(dlr_status(8), Some(DeliveryStatus::Sent));
        assert_eq!(dlr_status(16), Some(DeliveryStatus::Failed));
        assert_eq!(dlr_status(32), None);
        assert_eq!(NumberFormat::National.write("+84912001001"), "0912001001");
        assert_eq!(NumberFormat::E164.write("+84912001001"), "+84912001001");
    }
}
