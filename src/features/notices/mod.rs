//! Commune notices: a text (Vietnamese, optionally per language) to an audience, previewed with its parts and cost, sent now or at a time, cancellable, with delivery figures.
//!
//! A notice is a row; its messages are outbox rows of origin `notice:<id>`, keyed
//! `notice:<id>:<contact>` so that queuing again (after a crash, or on a second instance) adds
//! nothing twice. Queuing walks the audience in pages and enqueues in the outbox's short batches,
//! so a villager's reply never waits long for the SQLite writer. A notice due (now or at its
//! time) is queued by whoever claims it first: the request that sent it, or the `notices` job.

pub mod queue;
pub mod store;

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use chrono::{DateTime, Utc};

use crate::db::{time, Db};
use crate::features::audiences::{self, Audience, Slice};
use crate::features::contacts::Script;
use crate::features::staff::{Scope, Staff};
use crate::gateway::Gateways;
use crate::outbox::{Outbox, OutboxError};
use crate::text::{self, Encoding};

pub use queue::{queue, run_due, Outcome};
pub use store::{Notice, Status};

/// The consent topic of notices (`HUY TB`).
pub const TOPIC: &str = "notice";
/// Longest text, in characters, of any language's version (ten GSM-7 parts).
pub const MAX_CHARS: usize = 1_530;
/// Most language versions besides Vietnamese.
const MAX_VERSIONS: usize = 10;

/// What a price lookup answers: the VND cost of `parts` parts to `to`, and how many leading
/// characters of a number decide it (the longest gateway prefix). Wired to the gateways in `app`.
pub trait Prices: Send + Sync {
    fn cost(&self, to: &str, parts: u64) -> u64;
    fn prefix_len(&self) -> usize;
}

impl Prices for Gateways {
    fn cost(&self, to: &str, parts: u64) -> u64 {
        Gateways::cost(self, to, parts)
    }

    fn prefix_len(&self) -> usize {
        let longest = self.all().iter().flat_map(|g| g.prefixes.iter());
        longest.map(String::len).max().unwrap_or(0).max(3)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum NoticeError {
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("outbox: {0}")]
    Outbox(#[from] OutboxError),
    #[error("{0}")]
    Audience(#[from] audiences::AudienceError),
    #[error("the text is empty or longer than {MAX_CHARS} characters")]
    Text,
    #[error("a version for `{0}` is empty or too long, or there are too many versions")]
    Version(String),
}

/// The texts of a notice: Vietnamese, and versions for other languages.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Texts {
    /// The Vietnamese text.
    pub text: String,
    /// Other languages' versions, by language code (`hmn`, `en`, …).
    #[serde(default)]
    pub versions: BTreeMap<String, String>,
}

fn fits(t: &str) -> bool {
    !t.trim().is_empty() && t.chars().count() <= MAX_CHARS
}

impl Texts {
    pub fn checked(mut self) -> Result<Texts, NoticeError> {
        self.text = self.text.trim().to_string();
        if !fits(&self.text) {
            return Err(NoticeError::Text);
        }
        if self.versions.len() > MAX_VERSIONS {
            return Err(NoticeError::Version("…".into()));
        }
        if let Some((lang, _)) = self.versions.iter().find(|(l, t)| !fits(t) || l.len() > 8) {
            return Err(NoticeError::Version(lang.clone()));
        }
        Ok(self)
    }

    /// The text a contact of `language` and `script` gets: their version, else the Vietnamese.
    pub fn for_contact(&self, language: &str, script: Script) -> String {
        let t = self.versions.get(language).unwrap_or(&self.text);
        match script {
            Script::Full => t.clone(),
            Script::Unaccented => text::to_gsm7_lossy(t),
        }
    }
}

/// Texts rendered once per (language, script): every contact of a pair gets the same string.
#[derive(Default)]
pub struct Rendered(HashMap<(String, Script), String>);

impl Rendered {
    pub fn get(&mut self, texts: &Texts, language: &str, script: Script) -> &str {
        self.0
            .entry((language.to_string(), script))
            .or_insert_with(|| texts.for_contact(language, script))
    }
}

/// Parts of one language's version in each script.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct VersionParts {
    pub language: String,
    pub full_encoding: Encoding,
    pub full_parts: usize,
    pub unaccented_parts: usize,
}

/// What a notice will cost, before it is confirmed.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
#[schema(as = NoticePreview)]
pub struct Preview {
    pub recipients: i64,
    /// Recipients who read full Vietnamese (UCS-2) and unaccented (GSM-7).
    pub full_recipients: i64,
    pub unaccented_recipients: i64,
    pub versions: Vec<VersionParts>,
    pub total_parts: u64,
    /// VND, from each gateway's price per part (0 where a price is unknown).
    pub cost: u64,
}

/// Recipients, parts per script, total parts and cost of `texts` to `audience`, from one
/// grouped query (language × script × number prefix).
pub async fn preview(
    db: &Db,
    prices: &dyn Prices,
    audience: &Audience,
    texts: &Texts,
) -> Result<Preview, NoticeError> {
    let slices = audiences::breakdown(db, audience, TOPIC, prices.prefix_len()).await?;
    let mut rendered = Rendered::default();
    let mut p = priced(&slices, prices, |l, s| {
        text::analyze(rendered.get(texts, l, s)).parts
    });
    p.versions = version_parts(texts);
    Ok(p)
}

/// Recipients, total parts and cost of one message to `slices`, where `parts` says how many
/// parts a contact of a language and script gets (a notice, or a campaign's step). No versions.
pub fn priced(
    slices: &[Slice],
    prices: &dyn Prices,
    mut parts: impl FnMut(&str, Script) -> usize,
) -> Preview {
    let mut p = Preview {
        recipients: 0,
        full_recipients: 0,
        unaccented_recipients: 0,
        versions: Vec::new(),
        total_parts: 0,
        cost: 0,
    };
    for s in slices {
        let script = Script::from_db(&s.script);
        let n = s.count.max(0) as u64;
        let each = parts(&s.language, script) as u64;
        p.recipients += s.count;
        match script {
            Script::Full => p.full_recipients += s.count,
            Script::Unaccented => p.unaccented_recipients += s.count,
        }
        p.total_parts += each * n;
        p.cost += prices.cost(&s.prefix, each * n);
    }
    p
}

fn version_parts(texts: &Texts) -> Vec<VersionParts> {
    let langs =
        std::iter::once(crate::i18n::FALLBACK).chain(texts.versions.keys().map(|k| k.as_str()));
    langs
        .map(|l| {
            let full = text::analyze(&texts.for_contact(l, Script::Full));
            let plain = text::analyze(&texts.for_contact(l, Script::Unaccented));
            VersionParts {
                language: l.to_string(),
                full_encoding: full.encoding,
                full_parts: full.parts,
                unaccented_parts: plain.parts,
            }
        })
        .collect()
}

/// Delivery figures of a notice (or anything with an origin): rows by outbox status.
#[derive(Clone, Debug, Default, Serialize, utoipa::ToSchema)]
#[schema(as = DeliveryFigures)]
pub struct Figures {
    pub queued: i64,
    pub sent: i64,
    pub delivered: i64,
    pub failed: i64,
    pub cancelled: i64,
    pub expired: i64,
}

/// Rows of `origin` by status; `sending` counts as queued (not yet out).
pub async fn figures(outbox: &Outbox, origin: &str) -> Result<Figures, OutboxError> {
    let mut f = Figures::default();
    for (status, n) in outbox.figures(origin).await? {
        match status.as_str() {
            "queued" | "sending" => f.queued += n,
            "sent" => f.sent += n,
            "delivered" => f.delivered += n,
            "failed" => f.failed += n,
            "cancelled" => f.cancelled += n,
            _ => f.expired += n,
        }
    }
    Ok(f)
}

/// Stores a draft of `texts` to `audience` for `staff` (checked against their areas) and
/// previews it.
pub async fn create(
    db: &Db,
    prices: &dyn Prices,
    staff: &Staff,
    scope: &Scope,
    audience: Audience,
    texts: Texts,
) -> Result<(Notice, Preview), NoticeError> {
    let audience = audience.checked_for(staff, scope)?;
    let texts = texts.checked()?;
    let now = time::now();
    let id = store::insert(db, &audience, &texts, &format!("staff:{}", staff.id), now).await?;
    let p = preview(db, prices, &audience, &texts).await?;
    let notice = store::get(db, id).await?.ok_or(sqlx::Error::RowNotFound)?;
    Ok((notice, p))
}

/// Whether `scope` covers every area of the notice's audience (an audience without areas,
/// everywhere, only an admin's scope covers).
pub fn visible_to(notice: &Notice, staff: &Staff, scope: &Scope) -> bool {
    if staff.role == crate::features::staff::Role::Admin {
        return true;
    }
    !notice.audience.areas.is_empty() && notice.audience.areas.iter().all(|a| scope.covers(a))
}

/// Schedules notice `id` for `at` (now when None); false when it was already queued or
/// cancelled. The caller then runs [`queue`] (or leaves a later time to the `notices` job).
pub async fn send(db: &Db, id: i64, at: Option<DateTime<Utc>>) -> Result<bool, NoticeError> {
    let now = time::now();
    Ok(store::schedule(db, id, at.unwrap_or(now).max(now), now).await?)
}

/// Cancels notice `id`: nothing more is queued, and what is still queued is cancelled (a
/// message already handed to a gateway goes on and is counted as sent). Returns how many
/// queued messages were cancelled, or None when it was already cancelled.
pub async fn cancel(db: &Db, outbox: &Outbox, id: i64) -> Result<Option<u64>, NoticeError> {
    if !store::cancel(db, id, time::now()).await? {
        return Ok(None);
    }
    Ok(Some(outbox.cancel(&origin(id)).await?))
}

/// The outbox origin of notice `id`'s messages.
pub fn origin(id: i64) -> String {
    format!("notice:{id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_contact_gets_its_version_in_its_script() {
        let t = Texts {
            text: "Họp thôn lúc 8 giờ".into(),
            versions: [("en".to_string(), "Village meeting at 8".to_string())].into(),
        }
        .checked()
        .expect("ok");
        assert_eq!(t.for_contact("en", Script::Full), "Village meeting at 8");
        assert_eq!(
            t.for_contact("tyz", Script::Unaccented),
            "Hop thon luc 8 gio"
        );
        let v = version_parts(&t);
        assert_eq!(v[0].full_encoding, Encoding::Ucs2);
        assert_eq!((v[0].full_parts, v[0].unaccented_parts), (1, 1));
        assert!(Texts::default().checked().is_err());
    }
}
