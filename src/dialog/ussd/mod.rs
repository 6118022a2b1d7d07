//! The USSD grammar: a session's inputs walked through the menu tree, answered with one screen.
//!
//! The `text` of a request (every input of the session so far, joined by `*`) is the source of
//! truth: the screen is derived from all of it, so any instance answers any step, and a replayed
//! or late request gets the screen it got before. The session row (`ussd_sessions`) is for expiry,
//! auditing, and for knowing where an unknown or expired session started over.

pub mod legal_aid;
pub mod maternal;
pub mod menu;
pub mod render;
mod sessions;
pub mod support;
pub mod walk;

#[cfg(test)]
mod tests;

use chrono::{DateTime, Utc};

use super::{DialogError, Services};
use crate::features::contacts;
use crate::i18n::{Msg, FALLBACK};
use crate::phone::Msisdn;
use walk::{Fetched, Outcome, Walk};

pub use sessions::{forget_expired, record_batch, Record};

/// A session unanswered this long is over; its next request starts over at the main menu.
pub const SESSION_SECONDS: i64 = 180;
/// Expired session rows are kept this long for auditing, then deleted by housekeeping.
pub const KEEP_EXPIRED_HOURS: i64 = 24;

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

/// The inputs of a `text`: none for the first screen.
pub fn inputs(text: &str) -> Vec<&str> {
    if text.is_empty() {
        Vec::new()
    } else {
        text.split('*').collect()
    }
}

/// Answers one step at time `now` (tests move the clock).
pub async fn answer(
    svc: &Services,
    step: &Step<'_>,
    now: DateTime<Utc>,
) -> Result<Screen, DialogError> {
    // The contact and the session in one round trip; a first contact is created.
    let found = sessions::find(&svc.db, step).await?;
    let (contact_id, language) = match found.contact_id {
        Some(id) => (id, found.language),
        None => {
            let c = contacts::find_or_create(&svc.db, step.phone).await?;
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
            let w = walk_live(svc, step.phone, &lang, &inputs).await?;
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
                svc,
                step.phone,
                &lang,
                inputs.get(offset..).unwrap_or_default(),
            )
            .await?
        }
    };

    let (screen, screen_id) = match outcome {
        Outcome::Screen { id, page, error } => {
            let text = render::with_error(&svc.locales, &lang, error, &page);
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
            let text = render::plain(&svc.locales, &lang, &Msg::new("ussd-goodbye"));
            (
                Screen {
                    end: true,
                    text: render::fit(&text),
                },
                "exit".to_string(),
            )
        }
        Outcome::Typed { input, values } => {
            let msg = (input.submit)(svc, step.phone, &values).await?;
            let text = render::plain(&svc.locales, &lang, &msg);
            (
                Screen {
                    end: true,
                    text: render::fit(&text),
                },
                format!("{}=submitted", input.id),
            )
        }
        Outcome::Submit { form, values } => {
            let submission = menu::Submission {
                step,
                lang: &lang,
                values: &values,
            };
            let msg = (form.submit)(svc, &submission).await?;
            let text = render::plain(&svc.locales, &lang, &msg);
            (
                Screen {
                    end: true,
                    text: render::fit(&text),
                },
                format!("{}=sent", form.id),
            )
        }
        Outcome::Pick { choice, value } => {
            (choice.apply)(svc, contact_id, &value).await?;
            let (in_lang, msg) = (choice.done)(&svc.locales, &value);
            let text = render::plain(&svc.locales, &in_lang, &msg);
            (
                Screen {
                    end: true,
                    text: render::fit(&text),
                },
                format!("{}={value}", choice.id),
            )
        }
    };

    let visit = sessions::Visit {
        offset,
        restarted,
        screen_id: &screen_id,
        now,
        ended: screen.end,
    };
    let record = sessions::Record::new(step, &visit);
    svc.ussd_sessions.write(record).await?;
    tracing::debug!(phone = %step.phone, screen = %screen_id, end = screen.end, "ussd step");
    Ok(screen)
}

/// Walks `inputs`, fetching for `phone` each live text they open (at most one per live target).
async fn walk_live(
    svc: &Services,
    phone: &Msisdn,
    lang: &str,
    inputs: &[&str],
) -> Result<Walk, DialogError> {
    let mut live = Fetched::new();
    loop {
        let w = walk::walk(&svc.locales, lang, inputs, &live);
        match w.outcome {
            Outcome::Fetch(l) if !live.contains_key(l.id) => {
                let lines = (l.fetch)(svc, phone, lang).await?;
                live.insert(l.id, lines);
            }
            _ => return Ok(w),
        }
    }
}
