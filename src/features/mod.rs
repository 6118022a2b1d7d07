//! Features: each owns its tables and rules, and knows nothing of SMS or USSD.

pub mod areas;
pub mod consent;
pub mod marriage_law;
