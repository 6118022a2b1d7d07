//! Integration tests: the real HTTP app in process, on SQLite or (with LOA_TEST_DATABASE_URL) PostgreSQL.

#[path = "../common/mod.rs"]
mod common;

mod accounts;
mod authz;
mod dialog;
mod dispatch;
mod gateways;
mod households;
mod households_api;
mod inbox;
mod openapi;
mod shared;
mod simulator;
mod ussd;
