//! The consent ledger: append-only opt-outs and opt-ins, for all messages or one topic.

use futures::future::BoxFuture;
use serde::Serialize;

use crate::db::{time, Db};
use crate::outbox::dispatcher::SendGuard;
use crate::{execute, with_db};

/// Topics a contact can opt out of one by one; every bulk or scheduled message names one.
pub const TOPICS: &[&str] = &["notice", "campaign", "reminder"];

/// The scope that covers every topic.
pub const ALL: &str = "all";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    OptOut,
    OptIn,
}

impl Action {
    fn as_str(self) -> &'static str {
        match self {
            Action::OptOut => "opt_out",
            Action::OptIn => "opt_in",
        }
    }
}

/// Where a consent came from, kept for the record (the `channel` column).
#[derive(Clone, Copy, Debug)]
pub enum Source {
    Sms,
    Ussd,
    Api,
}

impl Source {
    fn as_str(self) -> &'static str {
        match self {
            Source::Sms => "sms",
            Source::Ussd => "ussd",
            Source::Api => "api",
        }
    }
}

/// Appends one event. `inbound_id` ties it to the message that asked, so handling that message
/// again records nothing new.
pub async fn record(
    db: &Db,
    contact_id: i64,
    action: Action,
    scope: &str,
    source: Source,
    inbound_id: Option<i64>,
) -> Result<(), sqlx::Error> {
    execute!(db, pool => sqlx::query(
        "INSERT INTO consent_events (contact_id, action, scope, channel, inbound_id, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT DO NOTHING"
    )
    .bind(contact_id)
    .bind(action.as_str())
    .bind(scope)
    .bind(source.as_str())
    .bind(inbound_id)
    .bind(time::now())
    .execute(pool)
    .await)?;
    Ok(())
}

/// Whether a message on `topic` (None: a message with no topic, which only an all-scope
/// opt-out blocks) may not go to `msisdn`. Replies never ask this.
pub async fn blocks(db: &Db, msisdn: &str, topic: Option<&str>) -> Result<bool, sqlx::Error> {
    let events: Vec<(String, String)> = with_db!(db, pool => sqlx::query_as(
        "SELECT e.action, e.scope FROM consent_events e JOIN contacts c ON c.id = e.contact_id
          WHERE c.msisdn = $1 ORDER BY e.id"
    )
    .bind(msisdn)
    .fetch_all(pool)
    .await)?;
    Ok(replay(
        events.iter().map(|(a, s)| (a.as_str(), s.as_str())),
        topic,
    ))
}

/// Which of `contact_ids` may not get a message on `topic`: one query for a page of a scheduled
/// job's rows, instead of one per row. At most a few hundred ids at a time.
pub async fn blocked_among(
    db: &Db,
    contact_ids: &[i64],
    topic: Option<&str>,
) -> Result<std::collections::HashSet<i64>, sqlx::Error> {
    if contact_ids.is_empty() {
        return Ok(Default::default());
    }
    // Integers only, formatted here: nothing from outside reaches the statement's text.
    let list = contact_ids
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let sql = format!(
        "SELECT contact_id, action, scope FROM consent_events
          WHERE contact_id IN ({list}) ORDER BY contact_id, id"
    );
    let events: Vec<(i64, String, String)> =
        with_db!(db, pool => sqlx::query_as(&sql).fetch_all(pool).await)?;
    let mut out = std::collections::HashSet::new();
    for chunk in events.chunk_by(|a, b| a.0 == b.0) {
        let ev = chunk.iter().map(|(_, a, s)| (a.as_str(), s.as_str()));
        if replay(ev, topic) {
            out.insert(chunk[0].0);
        }
    }
    Ok(out)
}

/// What each of `contact_ids` has opted out of now: `["all"]`, some of [`TOPICS`], or nothing
/// (a contact without events is left out). At most a page of ids at a time.
pub async fn opted_out(
    db: &Db,
    contact_ids: &[i64],
) -> Result<std::collections::HashMap<i64, Vec<&'static str>>, sqlx::Error> {
    if contact_ids.is_empty() {
        return Ok(Default::default());
    }
    // Integers only, formatted here: nothing from outside reaches the statement's text.
    let list = contact_ids
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let sql = format!(
        "SELECT contact_id, action, scope FROM consent_events
          WHERE contact_id IN ({list}) ORDER BY contact_id, id"
    );
    let events: Vec<(i64, String, String)> =
        with_db!(db, pool => sqlx::query_as(&sql).fetch_all(pool).await)?;
    let mut out = std::collections::HashMap::new();
    for chunk in events.chunk_by(|a, b| a.0 == b.0) {
        let ev = || chunk.iter().map(|(_, a, s)| (a.as_str(), s.as_str()));
        let scopes: Vec<&'static str> = if replay(ev(), None) {
            vec![ALL]
        } else {
            TOPICS
                .iter()
                .copied()
                .filter(|t| replay(ev(), Some(t)))
                .collect()
        };
        out.insert(chunk[0].0, scopes);
    }
    Ok(out)
}

/// Replays the ledger in order: an all-scope opt-in clears every earlier opt-out, an all-scope
/// opt-out blocks everything, a topic event sets that topic alone.
fn replay<'a>(events: impl Iterator<Item = (&'a str, &'a str)>, topic: Option<&str>) -> bool {
    let mut all_out = false;
    let mut topic_out = false;
    for (action, scope) in events {
        let out = action == Action::OptOut.as_str();
        if scope == ALL {
            all_out = out;
            if !out {
                topic_out = false;
            }
        } else if Some(scope) == topic {
            topic_out = out;
        }
    }
    all_out || topic_out
}

/// The dispatcher's question, answered from the ledger: wired in at start-up, so the outbox
/// never reads the consent tables itself.
pub struct ConsentGuard(pub Db);

impl SendGuard for ConsentGuard {
    fn blocks<'a>(
        &'a self,
        recipient: &'a str,
        topic: Option<&'a str>,
    ) -> BoxFuture<'a, Result<bool, sqlx::Error>> {
        Box::pin(blocks(&self.0, recipient, topic))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_latest_event_wins() {
        let ev = [("opt_out", "all"), ("opt_in", "all")];
        assert!(!replay(ev.into_iter(), Some("campaign")));
        let ev = [("opt_in", "all"), ("opt_out", "all")];
        assert!(replay(ev.into_iter(), None));
    }

    #[test]
    fn a_topic_opt_out_blocks_that_topic_only() {
        let ev = [("opt_out", "campaign")];
        assert!(replay(ev.into_iter(), Some("campaign")));
        assert!(!replay(ev.into_iter(), Some("notice")));
        assert!(!replay(ev.into_iter(), None));
    }

    #[test]
    fn opting_in_to_all_clears_topic_opt_outs() {
        let ev = [("opt_out", "campaign"), ("opt_in", "all")];
        assert!(!replay(ev.into_iter(), Some("campaign")));
    }

    #[test]
    fn an_all_scope_opt_out_blocks_a_message_without_topic() {
        // What `opted_out` reads as "all": a message with no topic is blocked only by it.
        assert!(replay([("opt_out", "all")].into_iter(), None));
        assert!(!replay([("opt_out", "notice")].into_iter(), None));
    }

    #[test]
    fn no_events_blocks_nothing() {
        assert!(!replay(std::iter::empty(), Some("notice")));
    }
}
