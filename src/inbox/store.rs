//! The `inbound_messages` table: each message stored once, then marked handled or ignored.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::Stored;
use crate::db::lock::xact_lock;
use crate::db::sql::{Bind, Sql};
use crate::db::tx::{on_tx, Tx};
use crate::db::Db;
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
    Store(NewRow),
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
    Marked,
}

/// Writes `writes` in one transaction; the answers come in their order. Id-less messages take
/// their locks in key order and messages with ids go in (gateway, id) order, so two instances'
/// batches never wait on each other crosswise.
pub async fn write_batch(db: &Db, writes: &[&Write]) -> Result<Vec<Done>, sqlx::Error> {
    let mut done: Vec<Option<Done>> = writes.iter().map(|_| None).collect();
    let stores = |with_id: bool| {
        let mut rows: Vec<(usize, &NewRow)> = writes
            .iter()
            .enumerate()
            .filter_map(|(i, w)| match w {
                Write::Store(r) if r.provider_id.is_some() == with_id => Some((i, r)),
                _ => None,
            })
            .collect();
        rows.sort_by_key(|(_, r)| (r.lock_key(), r.provider_id.clone()));
        rows
    };
    let (no_id, with_id) = (stores(false), stores(true));
    with_tx!(db, tx => {
        let mut tx = Tx::from(tx);
        for (i, row) in no_id {
            done[i] = Some(Done::Stored(insert_unless_recent(&mut tx, row).await?));
        }
        for (i, stored) in insert_with_ids(&mut tx, &with_id).await? {
            done[i] = Some(Done::Stored(stored));
        }
        for (i, w) in writes.iter().enumerate() {
            if let Write::Mark { id, status, note } = w {
                mark_tx(&mut tx, *id, status, note).await?;
                done[i] = Some(Done::Marked);
            }
        }
    });
    done.into_iter()
        .collect::<Option<Vec<Done>>>()
        .ok_or_else(|| sqlx::Error::Protocol("an inbox write got no answer".into()))
}

/// Messages with provider ids in one multi-row `INSERT`: the unique (gateway, provider id)
/// decides what is a repeat, of a stored message or of one earlier in the same batch.
async fn insert_with_ids(
    tx: &mut Tx<'_>,
    rows: &[(usize, &NewRow)],
) -> Result<Vec<(usize, Stored)>, sqlx::Error> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::ordered(
        tx.backend(),
        "INSERT INTO inbound_messages
            (gateway_id, provider_id, channel, sender, text, text_hash, received_at) VALUES ",
    );
    sql.push_rows(rows.iter().map(|(_, r)| {
        [
            Bind::Text(r.gateway_id.clone()),
            Bind::OptText(r.provider_id.clone()),
            Bind::Text(r.channel.to_string()),
            Bind::Text(r.sender.clone()),
            Bind::Text(r.text.clone()),
            Bind::Text(r.hash.clone()),
            Bind::Time(r.now),
        ]
    }));
    sql.push(" ON CONFLICT DO NOTHING RETURNING id, gateway_id, provider_id");
    let inserted: Vec<(i64, String, String)> = on_tx!(tx, conn => {
        bind_all!(sqlx::query_as(&sql.text), sql).fetch_all(conn).await
    })?;
    let mut fresh: HashMap<(String, String), i64> = inserted
        .into_iter()
        .map(|(id, gateway, provider)| ((gateway, provider), id))
        .collect();
    let mut earlier: HashMap<(String, String), i64> = HashMap::new();
    let mut out = Vec::with_capacity(rows.len());
    for (i, row) in rows {
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
async fn insert_unless_recent(tx: &mut Tx<'_>, row: &NewRow) -> Result<Stored, sqlx::Error> {
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
    let id: i64 = on_tx!(tx, conn => sqlx::query_scalar(
        "INSERT INTO inbound_messages
            (gateway_id, provider_id, channel, sender, text, text_hash, received_at)
         VALUES ($1, NULL, $2, $3, $4, $5, $6)
         RETURNING id",
    )
    .bind(&row.gateway_id)
    .bind(row.channel)
    .bind(&row.sender)
    .bind(&row.text)
    .bind(&row.hash)
    .bind(row.now)
    .fetch_one(conn)
    .await)?;
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
    write_batch(db, &[&Write::Mark { id, status, note }])
        .await
        .map(drop)
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
