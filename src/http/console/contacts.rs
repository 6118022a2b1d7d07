//! Contacts and their consent in the console: the phones of the households in the caller's villages (every contact for an admin), with their language, script and what they opted out of.
//!
//! Phones are personal data: commune officers and admins only (403 for other roles), the
//! officer's villages only, and every page read goes to the audit log as the API's household
//! list does (`household_phones`, `list`).

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

use super::{page, Console, Layout, Texts};
use crate::app::AppState;
use crate::features::{consent, contacts, households};
use crate::http::error::ApiError;
use crate::http::households::{audit_phones, villages_of};
use crate::i18n::msg_id;
use crate::phone::Msisdn;

pub fn router() -> Router<AppState> {
    Router::new().route("/console/contacts", get(list))
}

/// Contacts per page.
const PAGE: i64 = 50;

#[derive(Deserialize, Default)]
struct ListQuery {
    q: Option<String>,
    page: Option<i64>,
}

struct Row {
    phone: String,
    households: Vec<String>,
    language: String,
    script: String,
    consent: String,
    badge: &'static str,
}

#[derive(Template)]
#[template(path = "contacts.html")]
struct ContactsPage {
    t: Texts,
    l: Layout,
    q: String,
    rows: Vec<Row>,
    page: i64,
    prev: Option<String>,
    next: Option<String>,
}

fn href(q: &str, page: i64) -> String {
    let params = [("q", q), ("page", &page.to_string())];
    let kept: Vec<(&str, &str)> = params.into_iter().filter(|(_, v)| !v.is_empty()).collect();
    format!(
        "/console/contacts?{}",
        serde_urlencoded::to_string(kept).unwrap_or_default()
    )
}

/// The digits to look for: a whole number in any spelling as its E.164 digits, else the digits
/// typed (a national number's leading 0 dropped, as E.164 has none).
fn digits_of(q: &str) -> String {
    if let Ok(m) = Msisdn::parse(q) {
        return m.as_str().trim_start_matches('+').to_string();
    }
    let d: String = q.chars().filter(char::is_ascii_digit).collect();
    d.strip_prefix('0').map_or(d.clone(), str::to_string)
}

fn consent_words(t: &Texts, scopes: &[&str]) -> (String, &'static str) {
    if scopes.is_empty() {
        return (t.msg_id("console-consent-all-in"), "good");
    }
    if scopes.contains(&consent::ALL) {
        return (t.msg_id("console-consent-all-out"), "bad");
    }
    let topics: Vec<String> = scopes
        .iter()
        .map(|s| {
            t.msg_id(match *s {
                "notice" => msg_id("console-topic-notice"),
                "campaign" => msg_id("console-topic-campaign"),
                _ => msg_id("console-topic-reminder"),
            })
        })
        .collect();
    let msg = crate::i18n::Msg::new("console-consent-some-out").arg("topics", topics.join(", "));
    (t.render(&msg), "warn")
}

async fn list(State(app): State<AppState>, c: Console, Query(q): Query<ListQuery>) -> Response {
    c.answer(list_page(&app, &c, q).await)
}

async fn list_page(app: &AppState, c: &Console, q: ListQuery) -> Result<Response, ApiError> {
    let t = &c.t;
    let db = &app.services.db;
    let villages: Vec<String> = villages_of(app, &c.caller, None)
        .await?
        .into_iter()
        .map(|a| a.code)
        .collect();
    let everywhere = c.caller.staff.role == crate::features::staff::Role::Admin;
    let search: String = q.q.unwrap_or_default().trim().chars().take(32).collect();
    let page_no = q.page.unwrap_or(1).clamp(1, 100_000);
    let digits = digits_of(&search);
    let scope = (!everywhere).then_some(villages.as_slice());
    let mut found =
        contacts::page(db, scope, Some(&digits), PAGE + 1, (page_no - 1) * PAGE).await?;
    let more = found.len() as i64 > PAGE;
    found.truncate(PAGE as usize);
    let ids: Vec<i64> = found.iter().map(|c| c.id).collect();
    let mut linked: HashMap<i64, Vec<String>> = HashMap::new();
    for (contact, code, village) in households::of_contacts(db, &ids).await? {
        // A phone shared with a household elsewhere: only the caller's households are named.
        if c.caller.scope.covers(&village) {
            linked.entry(contact).or_default().push(code);
        }
    }
    let opted = consent::opted_out(db, &ids).await?;
    let detail = format!("{} contacts (console), page {page_no}", found.len());
    audit_phones(app, &c.caller, "list", None, &detail).await?;
    let rows = found
        .into_iter()
        .map(|k| {
            let (consent, badge) =
                consent_words(t, opted.get(&k.id).map_or(&[][..], Vec::as_slice));
            Row {
                phone: Msisdn::stored(&k.msisdn).map_or_else(|| k.msisdn.clone(), |m| m.national()),
                households: linked.remove(&k.id).unwrap_or_default(),
                language: k.language.clone().unwrap_or_else(|| "vi".into()),
                script: t.msg_id(match k.script {
                    contacts::Script::Full => msg_id("console-script-full"),
                    contacts::Script::Unaccented => msg_id("console-script-unaccented"),
                }),
                consent,
                badge,
            }
        })
        .collect();
    let tpl = ContactsPage {
        l: Layout::new(app, c, "/console/contacts"),
        t: t.clone(),
        rows,
        page: page_no,
        prev: (page_no > 1).then(|| href(&search, page_no - 1)),
        next: more.then(|| href(&search, page_no + 1)),
        q: search,
    };
    Ok(page(StatusCode::OK, &tpl, Vec::new()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_number_is_looked_for_in_any_spelling() {
        assert_eq!(digits_of("0912 001 001"), "84912001001");
        assert_eq!(digits_of("+84 912.001.001"), "84912001001");
        assert_eq!(digits_of("001001"), "01001");
        assert_eq!(digits_of("1001"), "1001");
        assert_eq!(digits_of(""), "");
    }
}
