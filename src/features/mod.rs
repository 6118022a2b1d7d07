//! Features: each owns its tables and rules, and knows nothing of SMS or USSD.

pub mod areas;
pub mod consent;
pub mod catalogue;
pub mod households;
pub mod import;
pub mod staff;
pub mod support;
