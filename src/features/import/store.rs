//! The contact writes the pregnancy importer uses, under the name it calls them by; the tables' SQL lives in the stores of the features that own them.
//!
//! `features::areas::store`, `households::store`, `staff::store`, `contacts::store` and
//! `support::store` hold every statement an import runs.

pub use crate::features::contacts::store::ensure_contact;
