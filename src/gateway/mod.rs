//! Gateways: the only code that knows a provider's wire format; one `Outbound` in, one provider call out.

pub mod files;
pub mod registry;
pub mod simulator;
pub mod ussd_at;

use futures::future::BoxFuture;

use crate::phone::Sender;
use crate::text::Encoding;

pub use registry::{GatewayHandle, Gateways};

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

/// One message that reached loa, whatever the provider.
#[derive(Clone, Debug)]
pub struct Inbound {
    pub gateway_id: String,
    pub provider_id: Option<String>,
    pub sender: Sender,
    pub text: String,
    pub channel: Channel,
}

/// The adapter side of a gateway: what the dispatcher calls to send.
pub trait Gateway: Send + Sync {
    fn id(&self) -> &str;
    fn kind(&self) -> &'static str;
    fn send<'a>(&'a self, msg: &'a Outbound<'a>) -> BoxFuture<'a, Result<Receipt, SendError>>;
}
