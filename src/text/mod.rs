//! SMS encoding on the wire: GSM-7 vs UCS-2, part counting and splitting, không-dấu fallback.

mod controls;
mod encoding;
mod gsm7;
mod lossy;
mod report;
mod segment;
mod unaccent;

#[cfg(test)]
mod oracle_tests;
#[cfg(test)]
mod testgen;

pub use controls::{csv_cell, first_control, is_unwanted_control, strip_controls};
pub use encoding::Encoding;
pub use gsm7::{gsm7_septets, is_gsm7};
pub use lossy::to_gsm7_lossy;
pub use report::{report, SmsInfoReport, UnaccentedInfo};
pub use segment::{analyze, split, SmsInfo};
pub use unaccent::unaccent;
