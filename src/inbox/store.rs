//! The `inbound_messages` table: each message stored once, then marked handled or ignored.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::Stored;
use crate::db::lock::xact_lock;
use crate::db::sql::{Bind, Sql};
use crate::db::tx::{on_tx, Tx};
use crate::db::Db;
use crate::dialog::sms::{self, Asked, Pure};
use crate::dialog::{DialogError, Services};
use crate::features::contacts;
use crate::outbox::OutboxError;
use crate::phone::Msisdn;
use crate::{bind_all, execute, with_db, with_tx};

/// A message with the columns the inbox works out for it.
pub struct NewRow {
    pub gateway_id: String,
    pub provider_id: Option<String>,
    pub channel: &'static str,
    pub sender: String,
    pub text: String,
    pub hash: String,
    pub now: DateTime<Utc>,
    /// Without a provider id, the same sender and text since then is a repeat.
    pub since: DateTime<Utc>,
}

impl NewRow {
    /// One lock per (gateway, sender, text): two instances given the same id-less message at
    /// once store it once.
    fn lock_key(&self) -> String {
        format!("inbox:{}:{}:{}", self.gateway_id, self.sender, self.hash)
    }
}

/// A write the inbox's writer puts in a batch.
pub enum Write {
    /// Stored `new`, to be handled after the commit.
    Store(NewRow),
    /// Stored, answered (its reply counted and queued) and marked handled in one transaction:
    /// a message whose answer needs nothing but its sender's contact.
    Answer {
        row: NewRow,
        from: Msisdn,
        pure: Pure,
    },
    Mark {
        id: i64,
        status: &'static str,
        note: &'static str,
    },
}

/// What became of a write.
#[derive(Debug)]
pub enum Done {
    Stored(Stored),
    /// Stored and answered (unless it was a repeat: then only found).
    Answered(Stored),
    Marked,
}

/// A store of a batch: its place in the batch, its row, and for an answered message the status
/// and note it is stored with.
type Store<'w> = (usize, &'w NewRow, Option<&'static str>);

/// Writes `writes` inside the writer's transaction; the answers come in their order. On
/// PostgreSQL the batch takes its locks in one order: the new contacts' rows by number, the
/// id-less messages' locks by key, the messages with ids by (gateway, id), the replies'
/// recipients by number; so two instances' batches never wait on each other crosswise.
pub async fn write_batch(
    svc: &Services,
    tx: &mut Tx<'_>,
    writes: &[&Write],
) -> Result<Vec<Done>, sqlx::Error> {
    let mut done: Vec<Option<Done>> = writes.iter().map(|_| None).collect();
    let senders: Vec<&Msisdn> = writes
        .iter()
        .filter_map(|w| match w {
            Write::Answer { from, .. } => Some(from),
            _ => None,
        })
        .collect();
    let contacts = contacts::find_or_create_many_tx(tx, &senders).await?;
    let stores = |with_id: bool| {
        let mut rows: Vec<Store> = writes
            .iter()
            .enumerate()
            .filter_map(|(i, w)| match w {
                Write::Store(r) => Some((i, r, None)),
                Write::Answer { row, pure, .. } => Some((i, row, Some(pure.note))),
                Write::Mark { .. } => None,
            })
            .filter(|(_, r, _)| r.provider_id.is_some() == with_id)
            .collect();
        rows.sort_by_key(|(_, r, _)| (r.lock_key(), r.provider_id.clone()));
        rows
    };
    let (no_id, with_id) = (stores(false), stores(true));
    let mut stored = Vec::with_capacity(writes.len());
    for (i, row, handled) in no_id {
        stored.push((i, insert_unless_recent(tx, row, handled).await?));
    }
    stored.extend(insert_with_ids(tx, &with_id).await?);
    let mut asked = Vec::new();
    for (i, s) in stored {
        match writes[i] {
            Write::Answer { from, pure, .. } if !s.duplicate => {
                let contact = contacts
                    .get(from.as_str())
                    .ok_or(sqlx::Error::RowNotFound)?;
                asked.push(Asked {
                    inbound_id: s.id,
                    from,
                    contact,
                    pure,
                });
                done[i] = Some(Done::Answered(s));
            }
            Write::Answer { .. } => done[i] = Some(Done::Answered(s)),
            _ => done[i] = Some(Done::Stored(s)),
        }
    }
    let notes = sms::answer_pure_tx(svc, tx, &asked)
        .await
        .map_err(dialog_error)?;
    for (a, note) in asked.iter().zip(notes) {
        // Stored with the note of a reply that went; the guards may have said otherwise.
        if note != a.pure.note {
            mark_tx(tx, a.inbound_id, "handled", note).await?;
        }
    }
    for (i, w) in writes.iter().enumerate() {
        if let Write::Mark { id, status, note } = w {
            mark_tx(tx, *id, status, note).await?;
            done[i] = Some(Done::Marked);
        }
    }
    done.into_iter()
        .collect::<Option<Vec<Done>>>()
        .ok_or_else(|| sqlx::Error::Protocol("an inbox write got no answer".into()))
}

/// The dialog's answering in the writer's transaction fails only in the database.
fn dialog_error(err: DialogError) -> sqlx::Error {
    match err {
        DialogError::Db(e) | DialogError::Outbox(OutboxError::Db(e)) => e,
        other => sqlx::Error::Protocol(other.to_string()),
    }
}

/// The status, note and time a row is stored with: `new` and none, or handled with its note.
fn state(row: &NewRow, handled: Option<&'static str>) -> [Bind; 3] {
    match handled {
        Some(note) => [
            Bind::Text("handled".into()),
            Bind::OptText(Some(note.into())),
            Bind::OptTime(Some(row.now)),
        ],
        None => [
            Bind::Text("new".into()),
            Bind::OptText(None),
            Bind::OptTime(None),
        ],
    }
}

/// Messages with provider ids in one multi-row `INSERT`: the unique (gateway, provider id)
/// decides what is a repeat, of a stored message or of one earlier in the same batch.
async fn insert_with_ids(
    tx: &mut Tx<'_>,
    rows: &[Store<'_>],
) -> Result<Vec<(usize, Stored)>, sqlx::Error> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::ordered(
        tx.backend(),
        "INSERT INTO inbound_messages (gateway_id, provider_id, channel, sender, text, text_hash,
            received_at, status, note, handled_at) VALUES ",
    );
    sql.push_rows(rows.iter().map(|(_, r, handled)| {
        let [status, note, at] = state(r, *handled);
        [
            Bind::Text(r.gateway_id.clone()),
            Bind::OptText(r.provider_id.clone()),
            Bind::Text(r.channel.to_string()),
            Bind::Text(r.sender.clone()),
            Bind::Text(r.text.clone()),
            Bind::Text(r.hash.clone()),
            Bind::Time(r.now),
            status,
            note,
            at,
        ]
    }));
    sql.push(" ON CONFLICT DO NOTHING RETURNING id, gateway_id, provider_id");
    let inserted: Vec<(i64, String, String)> = on_tx!(tx, conn => {
        // The text changes with the batch's size: kept out of the statement cache.
        bind_all!(sqlx::query_as(&sql.text).persistent(false), sql).fetch_all(conn).await
    })?;
    let mut fresh: HashMap<(String, String), i64> = inserted
        .into_iter()
        .map(|(id, gateway, provider)| ((gateway, provider), id))
        .collect();
    let mut earlier: HashMap<(String, String), i64> = HashMap::new();
    let mut out = Vec::with_capacity(rows.len());
    for (i, row, _) in rows {
        let key = (
            row.gateway_id.clone(),
            row.provider_id.clone().unwrap_or_default(),
        );
        let stored = match fresh.remove(&key) {
            Some(id) => Stored {
                id,
                duplicate: false,
            },
            None => {
                let id = match earlier.get(&key) {
                    Some(id) => *id,
                    None => existing_id(tx, &key.0, &key.1).await?,
                };
                Stored {
                    id,
                    duplicate: true,
                }
            }
        };
        earlier.insert(key, stored.id);
        out.push((*i, stored));
    }
    Ok(out)
}

async fn existing_id(tx: &mut Tx<'_>, gateway: &str, provider: &str) -> Result<i64, sqlx::Error> {
    on_tx!(tx, conn => sqlx::query_scalar(
        "SELECT id FROM inbound_messages WHERE gateway_id = $1 AND provider_id = $2"
    )
    .bind(gateway)
    .bind(provider)
    .fetch_one(conn)
    .await)
}

/// Without a provider id, the same sender and text since `row.since` is a repeat; the check and
/// the insert hold the row's lock.
async fn insert_unless_recent(
    tx: &mut Tx<'_>,
    row: &NewRow,
    handled: Option<&'static str>,
) -> Result<Stored, sqlx::Error> {
    xact_lock(tx, &row.lock_key()).await?;
    let seen: Option<i64> = on_tx!(tx, conn => sqlx::query_scalar(
        "SELECT id FROM inbound_messages
          WHERE gateway_id = $1 AND sender = $2 AND text_hash = $3 AND received_at >= $4
          LIMIT 1",
    )
    .bind(&row.gateway_id)
    .bind(&row.sender)
    .bind(&row.hash)
    .bind(row.since)
    .fetch_optional(conn)
    .await)?;
    if let Some(id) = seen {
        return Ok(Stored {
            id,
            duplicate: true,
        });
    }
    let mut sql = Sql::ordered(
        tx.backend(),
        "INSERT INTO inbound_messages (gateway_id, provider_id, channel, sender, text, text_hash,
            received_at, status, note, handled_at) VALUES ",
    );
    let [status, note, at] = state(row, handled);
    sql.push_rows([[
        Bind::Text(row.gateway_id.clone()),
        Bind::OptText(None),
        Bind::Text(row.channel.to_string()),
        Bind::Text(row.sender.clone()),
        Bind::Text(row.text.clone()),
        Bind::Text(row.hash.clone()),
        Bind::Time(row.now),
        status,
        note,
        at,
    ]]);
    sql.push(" RETURNING id");
    let id: i64 = on_tx!(tx, conn => {
        bind_all!(sqlx::query_scalar(&sql.text), sql).fetch_one(conn).await
    })?;
    Ok(Stored {
        id,
        duplicate: false,
    })
}

async fn mark_tx(tx: &mut Tx<'_>, id: i64, status: &str, note: &str) -> Result<(), sqlx::Error> {
    on_tx!(tx, conn => sqlx::query(
        "UPDATE inbound_messages SET status = $2, note = $3, handled_at = $4 WHERE id = $1"
    )
    .bind(id)
    .bind(status)
    .bind(note)
    .bind(crate::db::time::now())
    .execute(conn)
    .await
    .map(drop))
}

/// A stored message still waiting to be handled.
#[derive(sqlx::FromRow)]
pub struct Pending {
    pub sender: String,
    pub text: Option<String>,
    status: String,
}

/// Row `id` if it is still `new`.
pub async fn pending(db: &Db, id: i64) -> Result<Option<Pending>, sqlx::Error> {
    let row: Option<Pending> = with_db!(db, pool => sqlx::query_as(
        "SELECT sender, text, status FROM inbound_messages WHERE id = $1"
    )
    .bind(id)
    .fetch_optional(pool)
    .await)?;
    Ok(row.filter(|r| r.status == "new"))
}

/// Marks row `id` on its own (the sweep's way; live messages are marked through the writer).
pub async fn mark(
    db: &Db,
    id: i64,
    status: &'static str,
    note: &'static str,
) -> Result<(), sqlx::Error> {
    with_tx!(db, tx => mark_tx(&mut Tx::from(tx), id, status, note).await?);
    Ok(())
}

/// Stores `row` unless it is a repeat, in a transaction of its own.
pub async fn store(db: &Db, row: &NewRow) -> Result<Stored, sqlx::Error> {
    Ok(with_tx!(db, tx => {
        let mut tx = Tx::from(tx);
        match row.provider_id {
            None => insert_unless_recent(&mut tx, row, None).await?,
            Some(_) => {
                let mut stored = insert_with_ids(&mut tx, &[(0, row, None)]).await?;
                stored
                    .pop()
                    .map(|(_, s)| s)
                    .ok_or_else(|| sqlx::Error::Protocol("a store got no answer".into()))?
            }
        }
    }))
}

pub async fn unhandled(db: &Db, before: DateTime<Utc>) -> Result<Vec<i64>, sqlx::Error> {
    with_db!(db, pool => sqlx::query_scalar(
        "SELECT id FROM inbound_messages WHERE status = 'new' AND channel = 'sms'
            AND received_at < $1 ORDER BY id LIMIT 500"
    )
    .bind(before)
    .fetch_all(pool)
    .await)
}

pub async fn forget_bodies(db: &Db, before: DateTime<Utc>) -> Result<u64, sqlx::Error> {
    execute!(db, pool => sqlx::query(
        "UPDATE inbound_messages SET text = NULL
          WHERE received_at < $1 AND text IS NOT NULL AND status <> 'new'"
    )
    .bind(before)
    .execute(pool)
    .await)
}

/// When each reply that a gateway took in `[from, to)` was asked and when it went:
/// `(received_at, sent_at)`, the newest `limit` of them (of the replies to `recipients` only,
/// when given). A reply's origin is `reply:<inbound id>`.
pub async fn reply_times(
    db: &Db,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    limit: i64,
    recipients: Option<&[String]>,
) -> Result<Vec<(DateTime<Utc>, DateTime<Utc>)>, sqlx::Error> {
    let Some(recipients) = recipients else {
        return replies_to(db, from, to, limit, None).await;
    };
    let mut out = Vec::new();
    // A chunk of recipients per statement (under both backends' bind limits).
    for chunk in recipients.chunks(1000) {
        out.append(&mut replies_to(db, from, to, limit, Some(chunk)).await?);
    }
    out.sort_by_key(|r| std::cmp::Reverse(r.1));
    out.truncate(usize::try_from(limit).unwrap_or(0));
    Ok(out)
}

/// One statement of [`reply_times`].
async fn replies_to(
    db: &Db,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    limit: i64,
    only: Option<&[String]>,
) -> Result<Vec<(DateTime<Utc>, DateTime<Utc>)>, sqlx::Error> {
    let marks: Vec<String> = (0..only.map_or(0, <[String]>::len))
        .map(|i| format!("${}", i + 4))
        .collect();
    let to_them = only.map_or_else(String::new, |_| {
        format!(" AND o.recipient IN ({})", marks.join(", "))
    });
    let sql = format!(
        "SELECT i.received_at, o.sent_at FROM outbox o
           JOIN inbound_messages i ON i.id = CAST(substr(o.origin, 7) AS BIGINT)
          WHERE o.sent_at >= $1 AND o.sent_at < $2 AND o.origin LIKE 'reply:%'{to_them}
          ORDER BY o.sent_at DESC LIMIT $3"
    );
    with_db!(db, pool => {
        let mut q = sqlx::query_as(&sql).bind(from).bind(to).bind(limit);
        for r in only.unwrap_or_default() {
            q = q.bind(r);
        }
        q.fetch_all(pool).await
    })
}
