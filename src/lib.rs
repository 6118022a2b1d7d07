//! loa: an SMS and USSD citizen service for the ethnic-minority and mountain communes of Vietnam.
//!
//! The spine (see DESIGN.md): gateway webhook → gateway adapter → inbox → dialog → feature →
//! outbox → dispatcher → gateway adapter. The scheduler and the API only ever enqueue.

pub mod app;
pub mod config;
pub mod db;
pub mod demo;
pub mod dialog;
pub mod features;
pub mod gateway;
pub mod hash;
pub mod http;
pub mod i18n;
pub mod inbox;
pub mod layers;
pub mod net;
pub mod outbox;
pub mod phone;
pub mod scheduler;
pub mod server;
pub mod text;
