//! The dialog: turns what a person typed into feature calls and a reply in their words.

pub mod keywords;
mod reply;
pub mod sms;
pub mod status;
pub mod ussd;

pub use reply::reply;
