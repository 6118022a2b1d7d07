//! The `inbound_messages` table: each message stored once, then marked handled or ignored.

use chrono::{DateTime, Utc};

use super::Stored;
use crate::db::lock::xact_lock;
use crate::db::tx::Tx;
use crate::db::Db;
use crate::gateway::Inbound;
use crate::{execute, with_db, with_tx};

/// A message with the columns the inbox works out for it.
pub struct NewRow<'a> {
    pub msg: &'a Inbound,
    pub sender: String,
    pub hash: String,
    pub now: DateTime<Utc>,
}

const INSERT: &str = "INSERT INTO inbound_messages
        (gateway_id, provider_id, channel, sender, text, text_hash, received_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT DO NOTHING
     RETURNING id";

/// With a provider id, the unique (gateway, provider id) decides what is a repeat.
pub async fn insert_with_id(
    db: &Db,
    row: &NewRow<'_>,
    provider_id: &str,
) -> Result<Stored, sqlx::Error> {
    let msg = row.msg;
    let id: Option<i64> = with_db!(db, pool => sqlx::query_scalar(INSERT)
        .bind(&msg.gateway_id)
        .bind(provider_id)
        .bind(msg.channel.as_str())
        .bind(&row.sender)
        .bind(&msg.text)
        .bind(&row.hash)
        .bind(row.now)
        .fetch_optional(pool)
        .await)?;
    if let Some(id) = id {
        return Ok(Stored {
            id,
            duplicate: false,
        });
    }
    let id: i64 = with_db!(db, pool => sqlx::query_scalar(
        "SELECT id FROM inbound_messages WHERE gateway_id = $1 AND provider_id = $2"
    )
    .bind(&msg.gateway_id)
    .bind(provider_id)
    .fetch_one(pool)
    .await)?;
    Ok(Stored {
        id,
        duplicate: true,
    })
}

/// Without one, the same sender and text since `since` is a repeat. The check and the insert
/// hold one lock per (gateway, sender, text), so two instances given the same message at once
/// store it once.
pub async fn insert_unless_recent(
    db: &Db,
    row: &NewRow<'_>,
    since: DateTime<Utc>,
) -> Result<Stored, sqlx::Error> {
    let msg = row.msg;
    let key = format!("inbox:{}:{}:{}", msg.gateway_id, row.sender, row.hash);
    let stored = with_tx!(db, tx => {
        xact_lock(&mut Tx::from(&mut *tx), &key).await?;
        let seen: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM inbound_messages
              WHERE gateway_id = $1 AND sender = $2 AND text_hash = $3 AND received_at >= $4
              LIMIT 1",
        )
        .bind(&msg.gateway_id)
        .bind(&row.sender)
        .bind(&row.hash)
        .bind(since)
        .fetch_optional(&mut *tx)
        .await?;
        match seen {
            Some(id) => Stored {
                id,
                duplicate: true,
            },
            None => {
                let id: i64 = sqlx::query_scalar(INSERT)
                    .bind(&msg.gateway_id)
                    .bind(None::<String>)
                    .bind(msg.channel.as_str())
                    .bind(&row.sender)
                    .bind(&msg.text)
                    .bind(&row.hash)
                    .bind(row.now)
                    .fetch_one(&mut *tx)
                    .await?;
                Stored {
                    id,
                    duplicate: false,
                }
            }
        }
    });
    Ok(stored)
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

pub async fn mark(db: &Db, id: i64, status: &str, note: &str) -> Result<(), sqlx::Error> {
    execute!(db, pool => sqlx::query(
        "UPDATE inbound_messages SET status = $2, note = $3, handled_at = $4 WHERE id = $1"
    )
    .bind(id)
    .bind(status)
    .bind(note)
    .bind(crate::db::time::now())
    .execute(pool)
    .await)?;
    Ok(())
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
