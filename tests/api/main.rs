//! Integration tests: the real HTTP app in process, on SQLite or (with LOA_TEST_DATABASE_URL) PostgreSQL.

#[path = "../common/mod.rs"]
mod common;

mod accounts;
mod authz;
mod browser;
mod cli;
mod dialog;
mod dispatch;
mod gateways;
mod households;
mod households_api;
mod inbox;
mod instances;
mod legal_aid;
mod openapi;
mod shared;
mod simulator;
mod ussd;
