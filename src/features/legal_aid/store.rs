//! The SQL of legal aid: requests, their history and notes, the SMS exchange's drafts, hints and figures.

use chrono::{DateTime, TimeDelta, Utc};
use serde::Serialize;

use super::{Category, Change, Intake, LegalAidError, Mode, Request, Status};
use crate::db::{time, Db};
use crate::phone::Msisdn;
use crate::{execute, with_db, with_tx};

const SELECT: &str = "SELECT id, reference, msisdn, category, description, contact_mode, channel,
    household_id, village_code, commune_code, province_code, status, assigned_to, eligibility,
    created_at, updated_at FROM legal_aid_requests";

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    reference: String,
    msisdn: String,
    category: String,
    description: Option<String>,
    contact_mode: String,
    channel: String,
    household_id: Option<i64>,
    village_code: Option<String>,
    commune_code: Option<String>,
    province_code: Option<String>,
    status: String,
    assigned_to: Option<i64>,
    eligibility: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl Row {
    /// The CHECK constraints hold the columns to known values; a row that breaks them is skipped.
    fn into_request(self) -> Option<Request> {
        Some(Request {
            id: self.id,
            reference: self.reference,
            msisdn: self.msisdn,
            category: Category::from_db(&self.category)?,
            description: self.description,
            contact_mode: Mode::from_db(&self.contact_mode)?,
            channel: self.channel,
            household_id: self.household_id,
            village_code: self.village_code,
            commune_code: self.commune_code,
            province_code: self.province_code,
            status: Status::from_db(&self.status)?,
            assigned_to: self.assigned_to,
            eligibility: self.eligibility,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// Where a request belongs: the phone's household, village, commune and province (the first
/// household by code when the phone is in several), or the home province alone.
#[derive(Clone, Debug, Default, sqlx::FromRow)]
pub(super) struct Place {
    pub household: Option<i64>,
    pub village: Option<String>,
    pub commune: Option<String>,
    pub province: Option<String>,
}

pub(super) async fn place_of(db: &Db, phone: &Msisdn) -> Result<Place, sqlx::Error> {
    let row: Option<Place> = with_db!(db, pool => sqlx::query_as(
        "SELECT h.id AS household, v.code AS village, c.code AS commune, p.code AS province
           FROM households h
           JOIN household_contacts hc ON hc.household_id = h.id
           JOIN contacts ct ON ct.id = hc.contact_id
           LEFT JOIN areas v ON v.code = h.village_code
           LEFT JOIN areas c ON c.code = v.parent_code
           LEFT JOIN areas p ON p.code = c.parent_code
          WHERE ct.msisdn = $1 ORDER BY h.code LIMIT 1"
    )
    .bind(phone.as_str())
    .fetch_optional(pool)
    .await)?;
    Ok(row.unwrap_or_default())
}

/// The codes of the database's provinces (a country has a few dozen).
pub(super) async fn province_codes(db: &Db) -> Result<Vec<String>, sqlx::Error> {
    with_db!(db, pool => sqlx::query_scalar(
        "SELECT code FROM areas WHERE level = 'province' ORDER BY code"
    )
    .fetch_all(pool)
    .await)
}

/// Tries to draw a reference this many times before giving up (a clash is one in millions).
const REFERENCE_TRIES: usize = 5;

pub(super) async fn insert(
    db: &Db,
    intake: &Intake<'_>,
    description: Option<&str>,
    place: &Place,
) -> Result<Request, sqlx::Error> {
    for _ in 0..REFERENCE_TRIES {
        match try_insert(db, intake, description, place, &super::new_reference()).await {
            // A clash of references: draw again. A clash of sources is no error (DO NOTHING).
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => continue,
            Err(e) => return Err(e),
            Ok(_) => break,
        }
    }
    by_source(db, intake.source_key)
        .await?
        .ok_or(sqlx::Error::RowNotFound)
}

async fn try_insert(
    db: &Db,
    intake: &Intake<'_>,
    description: Option<&str>,
    place: &Place,
    reference: &str,
) -> Result<Option<i64>, sqlx::Error> {
    let now = time::now();
    let id = with_tx!(db, tx => {
        // The same source (an SMS handled again after a crash, a replayed USSD step) inserts nothing.
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO legal_aid_requests (reference, msisdn, category, description, contact_mode,
                 channel, source_key, household_id, village_code, commune_code, province_code,
                 status, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'received', $12, $12)
             ON CONFLICT (source_key) DO NOTHING RETURNING id",
        )
        .bind(reference)
        .bind(intake.phone.as_str())
        .bind(intake.category.as_str())
        .bind(description)
        .bind(intake.mode.as_str())
        .bind(intake.channel.as_str())
        .bind(intake.source_key)
        .bind(place.household)
        .bind(place.village.as_deref())
        .bind(place.commune.as_deref())
        .bind(place.province.as_deref())
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(id) = id {
            sqlx::query(
                "INSERT INTO legal_aid_history (request_id, from_status, to_status, changed_by, changed_at)
                 VALUES ($1, NULL, 'received', 'requester', $2)",
            )
            .bind(id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        id
    });
    Ok(id)
}

/// A unique key of a request.
enum Key<'a> {
    Id(i64),
    Text(&'static str, &'a str),
}

async fn one(db: &Db, key: Key<'_>) -> Result<Option<Request>, sqlx::Error> {
    let column = match key {
        Key::Id(_) => "id",
        Key::Text(column, _) => column,
    };
    let sql = format!("{SELECT} WHERE {column} = $1");
    let row: Option<Row> = with_db!(db, pool => {
        let q = sqlx::query_as(&sql);
        let q = match key {
            Key::Id(id) => q.bind(id),
            Key::Text(_, text) => q.bind(text),
        };
        q.fetch_optional(pool).await
    })?;
    Ok(row.and_then(Row::into_request))
}

async fn by_source(db: &Db, source_key: &str) -> Result<Option<Request>, sqlx::Error> {
    one(db, Key::Text("source_key", source_key)).await
}

pub async fn by_reference(db: &Db, reference: &str) -> Result<Option<Request>, sqlx::Error> {
    one(db, Key::Text("reference", reference)).await
}

pub async fn by_id(db: &Db, id: i64) -> Result<Option<Request>, sqlx::Error> {
    one(db, Key::Id(id)).await
}

/// One statement for a known and an unknown reference alike: the answer for another phone's
/// request is the answer for no request.
pub(super) async fn by_reference_and_phone(
    db: &Db,
    reference: &str,
    phone: &Msisdn,
) -> Result<Option<Request>, sqlx::Error> {
    let sql = format!("{SELECT} WHERE reference = $1 AND msisdn = $2");
    let row: Option<Row> = with_db!(db, pool => sqlx::query_as(&sql)
        .bind(reference)
        .bind(phone.as_str())
        .fetch_optional(pool)
        .await)?;
    Ok(row.and_then(Row::into_request))
}

/// Moves `req` to `to` with `assigned_to`, only if it is still as read (so two officers acting
/// at once cannot both move it), and appends the history row, in one transaction.
pub(super) async fn change(
    db: &Db,
    req: &Request,
    to: Status,
    assigned_to: Option<i64>,
    actor: &str,
) -> Result<Change, LegalAidError> {
    let now = time::now();
    let history_id: Option<i64> = with_tx!(db, tx => {
        let moved = sqlx::query(
            "UPDATE legal_aid_requests SET status = $1, assigned_to = $2, updated_at = $3
              WHERE id = $4 AND status = $5 AND COALESCE(assigned_to, 0) = $6",
        )
        .bind(to.as_str())
        .bind(assigned_to)
        .bind(now)
        .bind(req.id)
        .bind(req.status.as_str())
        .bind(req.assigned_to.unwrap_or(0))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if moved == 1 {
            Some(sqlx::query_scalar(
                "INSERT INTO legal_aid_history
                     (request_id, from_status, to_status, assigned_to, changed_by, changed_at)
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(req.id)
            .bind(req.status.as_str())
            .bind(to.as_str())
            .bind(assigned_to)
            .bind(actor)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?)
        } else {
            None
        }
    });
    let history_id = history_id.ok_or(LegalAidError::Conflict)?;
    Ok(Change { history_id, to })
}

/// One line of a request's history, oldest first.
#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
#[schema(as = LegalAidHistoryLine)]
pub struct HistoryLine {
    pub id: i64,
    pub from_status: Option<String>,
    pub to_status: String,
    pub assigned_to: Option<i64>,
    pub changed_by: String,
    pub changed_at: DateTime<Utc>,
}

pub async fn history(db: &Db, request_id: i64) -> Result<Vec<HistoryLine>, sqlx::Error> {
    with_db!(db, pool => sqlx::query_as(
        "SELECT id, from_status, to_status, assigned_to, changed_by, changed_at
           FROM legal_aid_history WHERE request_id = $1 ORDER BY id"
    )
    .bind(request_id)
    .fetch_all(pool)
    .await)
}

/// An officer's note on a request (staff only; never sent to anyone).
#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
#[schema(as = LegalAidNote)]
pub struct Note {
    pub id: i64,
    pub staff_id: i64,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

pub async fn add_note(
    db: &Db,
    request_id: i64,
    staff_id: i64,
    body: &str,
) -> Result<i64, sqlx::Error> {
    with_db!(db, pool => sqlx::query_scalar(
        "INSERT INTO legal_aid_notes (request_id, staff_id, body, created_at)
         VALUES ($1, $2, $3, $4) RETURNING id"
    )
    .bind(request_id)
    .bind(staff_id)
    .bind(body)
    .bind(time::now())
    .fetch_one(pool)
    .await)
}

pub async fn notes(db: &Db, request_id: i64) -> Result<Vec<Note>, sqlx::Error> {
    with_db!(db, pool => sqlx::query_as(
        "SELECT id, staff_id, body, created_at FROM legal_aid_notes
          WHERE request_id = $1 ORDER BY id"
    )
    .bind(request_id)
    .fetch_all(pool)
    .await)
}

pub async fn set_eligibility(db: &Db, request_id: i64, group: &str) -> Result<(), sqlx::Error> {
    execute!(db, pool => sqlx::query(
        "UPDATE legal_aid_requests SET eligibility = $1, updated_at = $2 WHERE id = $3"
    )
    .bind(group)
    .bind(time::now())
    .bind(request_id)
    .execute(pool)
    .await)?;
    Ok(())
}

/// What the officers' list asks for; every field narrows it.
#[derive(Clone, Debug, Default)]
pub struct Query {
    pub status: Option<Status>,
    pub category: Option<Category>,
    pub commune: Option<String>,
    /// Only requests created before this (older than an age).
    pub created_before: Option<DateTime<Utc>>,
}

/// Most rows one list reads before the caller's scope and page are applied: a province's
/// requests for years, far beyond what the queue holds open.
const LIST_SCAN: i64 = 20_000;

/// Requests matching `q`, newest first (the caller's scope is applied by the caller).
pub async fn list(db: &Db, q: &Query) -> Result<Vec<Request>, sqlx::Error> {
    let sql = format!(
        "{SELECT} WHERE ($1 IS NULL OR status = $1) AND ($2 IS NULL OR category = $2)
            AND ($3 IS NULL OR commune_code = $3) AND ($4 IS NULL OR created_at < $4)
          ORDER BY id DESC LIMIT $5"
    );
    let rows: Vec<Row> = with_db!(db, pool => sqlx::query_as(&sql)
        .bind(q.status.map(Status::as_str))
        .bind(q.category.map(Category::as_str))
        .bind(q.commune.as_deref())
        .bind(q.created_before)
        .bind(LIST_SCAN)
        .fetch_all(pool)
        .await)?;
    Ok(rows.into_iter().filter_map(Row::into_request).collect())
}

/// What loa's data says about the requester's eligibility, for the officer: hints only.
#[derive(Clone, Debug, Default, Serialize, utoipa::ToSchema)]
#[schema(as = LegalAidHints)]
pub struct Hints {
    pub household: Option<String>,
    pub ethnic_group: Option<String>,
    pub poverty_class: Option<String>,
    pub village_especially_difficult: Option<bool>,
    pub commune_especially_difficult: Option<bool>,
    /// `Khu vực` (I, II, III) of the commune, as the areas file gives it.
    pub region: Option<String>,
    /// Groups of art. 7 these facts point to; the officer decides.
    pub suggested: Vec<&'static str>,
}

type HintRow = (
    String,
    Option<String>,
    String,
    Option<bool>,
    Option<bool>,
    Option<String>,
);

pub async fn hints(db: &Db, req: &Request) -> Result<Hints, sqlx::Error> {
    let Some(household) = req.household_id else {
        return Ok(Hints::default());
    };
    let row: Option<HintRow> = with_db!(db, pool => sqlx::query_as(
        "SELECT h.code, h.ethnic_group, h.poverty_class, v.especially_difficult,
                c.especially_difficult, c.region
           FROM households h
           LEFT JOIN areas v ON v.code = h.village_code
           LEFT JOIN areas c ON c.code = v.parent_code
          WHERE h.id = $1"
    )
    .bind(household)
    .fetch_optional(pool)
    .await)?;
    let Some((code, ethnic, poverty, village_dbkk, commune_dbkk, region)) = row else {
        return Ok(Hints::default());
    };
    let mut suggested = Vec::new();
    if poverty == "poor" {
        suggested.push("poor_household");
    }
    let minority = ethnic.as_deref().is_some_and(|e| {
        !matches!(
            crate::text::unaccent(e).trim().to_lowercase().as_str(),
            "kinh" | ""
        )
    });
    if minority && (village_dbkk == Some(true) || commune_dbkk == Some(true)) {
        suggested.push("ethnic_minority_difficult_area");
    }
    if poverty == "near_poor" && req.category == Category::Criminal {
        suggested.push("accused_near_poor");
    }
    Ok(Hints {
        household: Some(code),
        ethnic_group: ethnic,
        poverty_class: Some(poverty),
        village_especially_difficult: village_dbkk,
        commune_especially_difficult: commune_dbkk,
        region,
        suggested,
    })
}

/// One cell of the figures: requests of a month, commune, category and status.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, utoipa::ToSchema)]
#[schema(as = LegalAidFigureRow)]
pub struct FigureRow {
    pub month: String,
    pub province: Option<String>,
    pub commune: Option<String>,
    pub category: String,
    pub status: String,
    pub requests: i64,
}

type FactRow = (
    DateTime<Utc>,
    Option<String>,
    Option<String>,
    String,
    String,
);

/// The facts figures are counted from (no phone, no description), created in `[from, to)`.
pub(super) async fn facts(
    db: &Db,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
) -> Result<Vec<FactRow>, sqlx::Error> {
    with_db!(db, pool => sqlx::query_as(
        "SELECT created_at, province_code, commune_code, category, status FROM legal_aid_requests
          WHERE ($1 IS NULL OR created_at >= $1) AND ($2 IS NULL OR created_at < $2)"
    )
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await)
}

/// Requests created since `since`, counted by commune, province and status.
pub(super) async fn count_by_place(
    db: &Db,
    since: DateTime<Utc>,
) -> Result<Vec<(Option<String>, Option<String>, String, i64)>, sqlx::Error> {
    with_db!(db, pool => sqlx::query_as(
        "SELECT commune_code, province_code, status, COUNT(*) FROM legal_aid_requests
          WHERE created_at >= $1 GROUP BY commune_code, province_code, status"
    )
    .bind(since)
    .fetch_all(pool)
    .await)
}

/// Open requests nobody was assigned, created before `before`.
pub(super) async fn unassigned_before(
    db: &Db,
    before: DateTime<Utc>,
) -> Result<Vec<Request>, sqlx::Error> {
    let sql = format!(
        "{SELECT} WHERE status = 'received' AND assigned_to IS NULL AND created_at < $1 ORDER BY id"
    );
    let rows: Vec<Row> = with_db!(db, pool => sqlx::query_as(&sql)
        .bind(before)
        .fetch_all(pool)
        .await)?;
    Ok(rows.into_iter().filter_map(Row::into_request).collect())
}

/// Who is reminded of a request in `area` (its village, or the home province for a phone in no
/// household): the legal aid officers whose areas hold it (the area, its commune or its
/// province). A request with no area at all is for admins only: the admins.
pub(super) async fn officers_for(
    db: &Db,
    area: Option<&str>,
) -> Result<Vec<(i64, String)>, sqlx::Error> {
    with_db!(db, pool => sqlx::query_as(
        "SELECT s.id, s.msisdn FROM staff s
          WHERE ($1 IS NULL AND s.role = 'admin')
             OR ($1 IS NOT NULL AND s.role = 'legal_aid' AND EXISTS (
                 SELECT 1 FROM staff_areas sa
                  WHERE sa.staff_id = s.id AND sa.area_code IN (
                      SELECT v.code FROM areas v WHERE v.code = $1
                      UNION SELECT v.parent_code FROM areas v WHERE v.code = $1
                      UNION SELECT c.parent_code FROM areas v JOIN areas c ON c.code = v.parent_code
                             WHERE v.code = $1)))
          ORDER BY s.id"
    )
    .bind(area)
    .fetch_all(pool)
    .await)
}

// ------------------------------------------------------------------ the SMS exchange

/// How long the exchange waits for the next answer.
pub const DRAFT_MINUTES: i64 = 30;

/// Where a phone's exchange stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Draft {
    /// `TGPL` was sent: a category number is awaited.
    Category,
    /// The category was chosen: a contact mode is awaited.
    Mode(Category),
}

/// Starts (or starts over) the exchange of `phone`.
pub async fn draft_start(db: &Db, phone: &Msisdn) -> Result<(), sqlx::Error> {
    draft_put(db, phone, "category", None, None).await
}

/// Keeps the category (and the description) and waits for the mode.
pub async fn draft_category(
    db: &Db,
    phone: &Msisdn,
    category: Category,
    description: Option<&str>,
) -> Result<(), sqlx::Error> {
    draft_put(db, phone, "mode", Some(category.as_str()), description).await
}

async fn draft_put(
    db: &Db,
    phone: &Msisdn,
    stage: &str,
    category: Option<&str>,
    description: Option<&str>,
) -> Result<(), sqlx::Error> {
    let expires = time::now() + TimeDelta::minutes(DRAFT_MINUTES);
    execute!(db, pool => sqlx::query(
        "INSERT INTO legal_aid_drafts (msisdn, stage, category, description, expires_at)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (msisdn) DO UPDATE SET stage = $2, category = $3, description = $4,
             expires_at = $5"
    )
    .bind(phone.as_str())
    .bind(stage)
    .bind(category)
    .bind(description)
    .bind(expires)
    .execute(pool)
    .await)?;
    Ok(())
}

/// The exchange `phone` has under way, if it has not expired.
pub async fn draft(db: &Db, phone: &Msisdn) -> Result<Option<Draft>, sqlx::Error> {
    let row: Option<(String, Option<String>)> = with_db!(db, pool => sqlx::query_as(
        "SELECT stage, category FROM legal_aid_drafts WHERE msisdn = $1 AND expires_at > $2"
    )
    .bind(phone.as_str())
    .bind(time::now())
    .fetch_optional(pool)
    .await)?;
    Ok(row.and_then(|(stage, cat)| match stage.as_str() {
        "category" => Some(Draft::Category),
        _ => cat.as_deref().and_then(Category::from_db).map(Draft::Mode),
    }))
}

/// Ends the exchange of `phone`, once: the category and description it held, if it was waiting
/// for a mode and had not expired (of two answers at once, one takes it).
pub async fn draft_take(
    db: &Db,
    phone: &Msisdn,
) -> Result<Option<(Category, Option<String>)>, sqlx::Error> {
    let row: Option<(Option<String>, Option<String>)> = with_db!(db, pool => sqlx::query_as(
        "DELETE FROM legal_aid_drafts WHERE msisdn = $1 AND stage = 'mode' AND expires_at > $2
         RETURNING category, description"
    )
    .bind(phone.as_str())
    .bind(time::now())
    .fetch_optional(pool)
    .await)?;
    Ok(row.and_then(|(cat, desc)| Some((Category::from_db(cat.as_deref()?)?, desc))))
}

/// Deletes exchanges that expired (they may hold a description).
pub async fn forget_expired_drafts(db: &Db, now: DateTime<Utc>) -> Result<u64, sqlx::Error> {
    execute!(db, pool => sqlx::query("DELETE FROM legal_aid_drafts WHERE expires_at <= $1")
        .bind(now)
        .execute(pool)
        .await)
}
