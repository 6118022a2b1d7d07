//! Gateways: the only code that knows a provider's wire format; one `Outbound` in, one provider call out.
//!
//! A leaf of the spine: a gateway parses a provider's webhook into an [`Inbound`] or a delivery
//! report, and turns one [`Outbound`] into one provider call. It imports nothing from the inbox,
//! the dialog, the outbox or the HTTP edge; where it must tell the outbox something (the
//! simulated network's delivery reports) it goes through the [`ReportSink`] trait defined here.

pub mod africas_talking_ussd;
pub mod aggregator;
pub mod android;
pub mod breaker;
pub mod files;
pub mod http;
pub mod jasmin;
pub mod kannel;
pub mod mode;
pub mod registry;
pub mod simulator;
pub mod webhook;

use futures::future::BoxFuture;
use serde::Serialize;

use crate::phone::Sender;
use crate::text::Encoding;

pub use breaker::{BreakerConfig, BreakerState};
pub use registry::{GatewayHandle, GatewayStatus, Gateways};
pub use webhook::{WebhookError, WebhookEvent, WebhookReply, WebhookRequest};

/// One message leaving loa, as the dispatcher hands it to an adapter.
#[derive(Clone, Debug)]
pub struct Outbound<'a> {
    /// The outbox row; adapters whose provider echoes a reference pass this one.
    pub id: i64,
    /// E.164, with the `+`.
    pub to: &'a str,
    pub text: &'a str,
    pub encoding: Encoding,
    pub parts: u32,
}

/// The provider took the message; its id is what later delivery reports name.
#[derive(Clone, Debug)]
pub struct Receipt {
    pub provider_id: String,
}

#[derive(Clone, Debug, thiserror::Error)]
pub enum SendError {
    /// Worth trying again later: time-outs, refused connections, 5xx, queue full.
    #[error("transient: {0}")]
    Transient(String),
    /// Trying again will not help: the provider refused this message.
    #[error("permanent: {0}")]
    Permanent(String),
}

/// Whether an inbound message came as SMS or as one step of a USSD session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Channel {
    Sms,
    Ussd { session_id: String },
}

impl Channel {
    pub fn as_str(&self) -> &'static str {
        match self {
            Channel::Sms => "sms",
            Channel::Ussd { .. } => "ussd",
        }
    }
}

/// A gateway's word on a sent message, as a delivery report carries it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryStatus {
    /// Accepted by the network but not yet on the phone (Kannel "buffered", "submitted").
    Sent,
    Delivered,
    Failed,
}

/// Where a gateway that reports by itself (the simulated network) hands its delivery reports.
/// The outbox implements it; the gateway never learns what is behind it.
pub trait ReportSink: Send + Sync {
    /// Applies a report for the message the gateway knows as `provider_id`. `Ok(false)`: no
    /// message (yet) has that id, or the report changed nothing.
    fn report<'a>(
        &'a self,
        gateway_id: &'a str,
        provider_id: &'a str,
        status: DeliveryStatus,
    ) -> BoxFuture<'a, Result<bool, ReportError>>;
}

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The database is closing (shutdown): the report is lost, as a late one would be.
    #[error("closed")]
    Closed,
    #[error("{0}")]
    Failed(String),
}

/// One message that reached loa, whatever the provider.
#[derive(Clone, Debug)]
pub struct Inbound {
    pub gateway_id: String,
    pub provider_id: Option<String>,
    pub sender: Sender,
    pub text: String,
    pub channel: Channel,
}

/// The adapter side of a gateway: what the dispatcher calls to send, and what turns the
/// provider's webhook calls into inbound messages and delivery reports.
pub trait Gateway: Send + Sync {
    fn id(&self) -> &str;
    fn kind(&self) -> &'static str;
    fn send<'a>(&'a self, msg: &'a Outbound<'a>) -> BoxFuture<'a, Result<Receipt, SendError>>;

    /// How callers of `/webhooks/{id}/…` prove they are this gateway; `None`: no webhooks.
    fn webhook_auth(&self) -> Option<&webhook::WebhookAuth> {
        None
    }

    /// Parses one webhook call (already past the secret and address checks) in the provider's
    /// wire format. Signature checks that need the raw body happen here too.
    fn parse_webhook(
        &self,
        _event: &str,
        _req: &WebhookRequest<'_>,
    ) -> Result<Vec<WebhookEvent>, WebhookError> {
        Err(WebhookError::UnknownEvent)
    }

    /// The answer the provider expects once the call is stored (Jasmin wants `ACK/Jasmin`).
    fn webhook_reply(&self, _event: &str) -> WebhookReply {
        WebhookReply::json_ok()
    }
}
