//! Features: each owns its tables and rules, and knows nothing of SMS or USSD.

pub mod accounts;
pub mod areas;
pub mod audiences;
pub mod audit;
pub mod campaigns;
pub mod catalogue;
pub mod confirm;
pub mod consent;
pub mod contacts;
pub mod households;
pub mod import;
pub mod legal_aid;
pub mod marriage_law;
pub mod maternal;
pub mod notices;
pub mod staff;
pub mod support;
