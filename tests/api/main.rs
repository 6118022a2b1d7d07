//! Integration tests: the real HTTP app in process, on SQLite or (with LOA_TEST_DATABASE_URL) PostgreSQL.

#[path = "../common/mod.rs"]
mod common;

mod accounts;
mod authz;
mod browser;
mod campaigns;
mod cli;
mod console;
mod console_browser;
mod controls;
mod demo;
mod dialog;
mod dispatch;
mod early_reports;
mod edges;
mod fuzz;
mod gateways;
mod households;
mod households_api;
mod inbox;
mod instances;
mod legal_aid;
mod maternal;
mod notices;
mod openapi;
mod panics;
mod reply_limits;
mod scopes;
mod shared;
mod simulator;
mod simulator_mode;
mod ussd;
