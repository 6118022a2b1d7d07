//! The USSD grammar: a session's inputs walked through the menu tree, answered with one screen.
//!
//! The `text` of a request (every input of the session so far, joined by `*`) is the source of
//! truth: the screen is derived from all of it, so any instance answers any step, and a replayed
//! or late request gets the screen it got before. The session row (`ussd_sessions`) is for expiry,
//! auditing, and for knowing where an unknown or expired session started over.

pub mod menu;
pub mod render;
pub mod status;
pub mod walk;

#[cfg(test)]
mod tests;

use chrono::{DateTime, TimeDelta, Utc};

use crate::app::App;
use crate::contacts;
use crate::db::Db;
use crate::i18n::{Msg, FALLBACK};
use crate::phone::Msisdn;
use crate::{execute, with_db};
use walk::{Fetched, Outcome, Walk};

/// A session unanswered this long is over; its next request starts over at the main menu.
pub const SESSION_SECONDS: i64 = 180;
/// Expired session rows are kept this long for auditing, then deleted by housekeeping.
pub const KEEP_EXPIRED_HOURS: i64 = 24;

#[derive(Debug, thiserror::Error)]
pub enum UssdError {
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
}

/// One step of a session, whatever the gateway's wire format.
#[derive(Clone, Debug)]
pub struct Step<'a> {
    pub gateway_id: &'a str,
    pub session_id: &'a str,
    pub phone: &'a Msisdn,
    pub service_code: &'a str,
    pub network_code: Option<&'a str>,
    /// The inputs so far, joined by `*`; empty on the first screen.
    pub text: &'a str,
}

/// The answer to a step: a screen, and whether the session ends with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Screen {
    pub end: bool,
    pub text: String,
}

/// A phone's contact and a session, either of which may not exist yet.
#[derive(sqlx::FromRow)]
struct Lookup {
    contact_id: Option<i64>,
    language: Option<String>,
    input_offset: Option<i64>,
    expires_at: Option<DateTime<Utc>>,
}

/// The inputs of a `text`: none for the first screen.
pub fn inputs(text: &str) -> Vec<&str> {
    if text.is_empty() {
        Vec::new()
    } else {
        text.split('*').collect()
    }
}

/// Answers one step at time `now` (tests move the clock).
pub async fn answer(app: &App, step: &Step<'_>, now: DateTime<Utc>) -> Result<Screen, UssdError> {
    // The contact and the session in one round trip; a first contact is created.
    let found: Lookup = with_db!(&app.db, |pool| sqlx::query_as(
        "SELECT c.id AS contact_id, c.language, s.input_offset, s.expires_at
           FROM (SELECT 1 AS one) AS x
           LEFT JOIN contacts c ON c.msisdn = $1
           LEFT JOIN ussd_sessions s ON s.gateway_id = $2 AND s.session_id = $3"
    )
    .bind(step.phone.as_str())
    .bind(step.gateway_id)
    .bind(step.session_id)
    .fetch_one(pool)
    .await)?;
    let (contact_id, language) = match found.contact_id {
        Some(id) => (id, found.language),
        None => {
            let c = contacts::find_or_create(&app.db, step.phone).await?;
            (c.id, c.language)
        }
    };
    let lang = language.unwrap_or_else(|| FALLBACK.to_string());
    let inputs = inputs(step.text);
    let row = found.input_offset.zip(found.expires_at);

    let (offset, restarted, walked) = match row {
        // A live session: its inputs count from where it last started.
        Some((offset, expires_at)) if expires_at > now => {
            (usize::try_from(offset).unwrap_or(0), false, None)
        }
        // It expired: whatever came before is stale, and the person starts over.
        Some(_) => (inputs.len(), true, None),
        // Never seen: a dial string (`*123*4*1#` arrives as `4*1`) when it is a valid path,
        // else a session lost somewhere else, which starts over cleanly.
        None => {
            let w = walk_live(app, step.phone, &lang, &inputs).await?;
            if w.clean {
                (0, false, Some(w))
            } else {
                (inputs.len(), true, None)
            }
        }
    };
    let Walk { outcome, .. } = match walked {
        Some(w) => w,
        // A request older than the session's last start (it arrived late) shows the main menu.
        None => {
            walk_live(
                app,
                step.phone,
                &lang,
                inputs.get(offset..).unwrap_or_default(),
            )
            .await?
        }
    };

    let (screen, screen_id) = match outcome {
        Outcome::Screen { id, page, error } => {
            let text = render::with_error(&app.locales, &lang, error, &page);
            (
                Screen {
                    end: false,
                    text: render::fit(&text),
                },
                id,
            )
        }
        // walk_live fetched every live text the inputs open, so the walk never stops at one.
        Outcome::Exit | Outcome::Fetch(_) => {
            let text = render::plain(&app.locales, &lang, &Msg::new("ussd-goodbye"));
            (
                Screen {
                    end: true,
                    text: render::fit(&text),
                },
                "exit".to_string(),
            )
        }
        Outcome::Pick { choice, value } => {
            (choice.apply)(app, contact_id, &value).await?;
            let (in_lang, msg) = (choice.done)(&app.locales, &value);
            let text = render::plain(&app.locales, &in_lang, &msg);
            (
                Screen {
                    end: true,
                    text: render::fit(&text),
                },
                format!("{}={value}", choice.id),
            )
        }
    };

    let ended_at = screen.end.then_some(now);
    execute!(&app.db, |pool| {
        sqlx::query(
        "INSERT INTO ussd_sessions (gateway_id, session_id, msisdn, service_code, network_code,
                input_offset, steps, restarts, last_screen, created_at, updated_at, expires_at, ended_at)
         VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $8, $9, $9, $10, $11)
         ON CONFLICT (gateway_id, session_id) DO UPDATE SET
                input_offset = excluded.input_offset,
                steps = ussd_sessions.steps + 1,
                restarts = ussd_sessions.restarts + excluded.restarts,
                last_screen = excluded.last_screen,
                updated_at = excluded.updated_at,
                expires_at = excluded.expires_at,
                ended_at = COALESCE(ussd_sessions.ended_at, excluded.ended_at)"
    )
    .bind(step.gateway_id)
    .bind(step.session_id)
    .bind(step.phone.as_str())
    .bind(step.service_code)
    .bind(step.network_code)
    .bind(i64::try_from(offset).unwrap_or(i64::MAX))
    .bind(i64::from(restarted))
    .bind(&screen_id)
    .bind(now)
    .bind(now + TimeDelta::seconds(SESSION_SECONDS))
    .bind(ended_at)
    .execute(pool)
    .await
    })?;
    tracing::debug!(phone = %step.phone, screen = %screen_id, end = screen.end, "ussd step");
    Ok(screen)
}

/// Walks `inputs`, fetching for `phone` each live text they open (at most one per live target).
async fn walk_live(
    app: &App,
    phone: &Msisdn,
    lang: &str,
    inputs: &[&str],
) -> Result<Walk, UssdError> {
    let mut live = Fetched::new();
    loop {
        let w = walk::walk(&app.locales, lang, inputs, &live);
        match w.outcome {
            Outcome::Fetch(l) if !live.contains_key(l.id) => {
                let lines = (l.fetch)(app, phone, lang).await?;
                live.insert(l.id, lines);
            }
            _ => return Ok(w),
        }
    }
}

/// Deletes session rows that expired before `now` minus [`KEEP_EXPIRED_HOURS`].
pub async fn forget_expired(db: &Db, now: DateTime<Utc>) -> Result<u64, sqlx::Error> {
    execute!(db, |pool| sqlx::query(
        "DELETE FROM ussd_sessions WHERE expires_at < $1"
    )
    .bind(now - TimeDelta::hours(KEEP_EXPIRED_HOURS))
    .execute(pool)
    .await)
}
