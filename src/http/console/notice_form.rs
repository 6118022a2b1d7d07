//! The notice compose form: what it sends (the API's audience and texts, and a time to send), read from its fields, and the draft the page shows again with what to fix by each field.
//!
//! The audience and the texts are the API's own types (`audiences::Audience`, `notices::Texts`),
//! checked by the same functions; the form only turns fields into them. Checkboxes repeat a
//! field name, so the form is read as a list of pairs.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

use super::{role_msg, Console, Texts};
use crate::dialog::sms::language_name;
use crate::features::audiences::{Audience, AudienceError, HOUSEHOLD};
use crate::features::notices::{self, NoticeError};
use crate::features::staff::Role;
use crate::i18n::{msg_id, Msg};

/// Contacts' languages, as loa ships them (the audience's language filter; versions for all
/// but Vietnamese, which is the notice's text).
pub const LANGUAGES: &[&str] = &["vi", "en", "tyz", "nut", "ium", "hmn"];

/// The roles a notice may go to besides households (the staff who work in the villages).
const STAFF_ROLES: &[Role] = &[
    Role::VillageHealthWorker,
    Role::VillageMidwife,
    Role::CommuneHealth,
    Role::CommuneOfficer,
    Role::LegalAid,
];

/// Households' poverty classes, as the audience names them.
const POVERTY: &[(&str, &str)] = &[
    ("poor", msg_id("console-notice-poverty-poor")),
    ("near_poor", msg_id("console-notice-poverty-near-poor")),
    ("none", msg_id("console-notice-poverty-none")),
];

/// A poverty class's name, for the class's value in an audience.
pub fn poverty_name(t: &Texts, value: &str) -> String {
    POVERTY
        .iter()
        .find(|(v, _)| *v == value)
        .map_or_else(|| value.to_string(), |(_, id)| t.msg_id(id))
}

/// The fields as sent.
#[derive(Default, Clone)]
pub struct ComposeForm {
    pub csrf: String,
    pub areas: String,
    pub text: String,
    /// `preview`, or `send` (confirmed after a preview).
    pub action: String,
    /// When to send, as the browser's `datetime-local` gives it (local time); empty: now.
    pub at: String,
    pub ethnic_groups: String,
    pub languages: Vec<String>,
    pub roles: Vec<String>,
    pub poverty: Vec<String>,
    /// Versions by language (`version-<lang>` fields).
    pub versions: BTreeMap<String, String>,
}

impl ComposeForm {
    pub fn read(pairs: Vec<(String, String)>) -> ComposeForm {
        let mut f = ComposeForm::default();
        for (k, v) in pairs {
            match k.as_str() {
                "csrf" => f.csrf = v,
                "areas" => f.areas = v,
                "text" => f.text = v,
                "action" => f.action = v,
                "at" => f.at = v.trim().to_string(),
                "ethnic_groups" => f.ethnic_groups = v,
                "languages" => f.languages.push(v),
                "roles" => f.roles.push(v),
                "poverty" => f.poverty.push(v),
                _ => {
                    if let Some(lang) = k.strip_prefix("version-") {
                        f.versions.insert(lang.to_string(), v);
                    }
                }
            }
        }
        f
    }

    /// The audience the fields name (unchecked).
    pub fn audience(&self) -> Audience {
        Audience {
            areas: list(&self.areas, |c| c == ',' || c.is_whitespace()),
            languages: self.languages.clone(),
            ethnic_groups: list(&self.ethnic_groups, |c| c == ',' || c == ';'),
            roles: self.roles.clone(),
            poverty: self.poverty.clone(),
        }
    }

    /// The texts the fields give (unchecked): versions left empty are none.
    pub fn texts(&self) -> notices::Texts {
        let versions = self
            .versions
            .iter()
            .filter(|(l, v)| l.as_str() != "vi" && !v.trim().is_empty())
            .map(|(l, v)| (l.clone(), v.trim().to_string()))
            .collect();
        notices::Texts {
            text: self.text.clone(),
            versions,
        }
    }

    /// The time to send in `tz`, None for now; Err for a time the form cannot mean.
    pub fn send_at(&self, tz: Tz) -> Result<Option<DateTime<Utc>>, ()> {
        local_time(&self.at, tz)
    }
}

/// A `datetime-local` field's time in `tz`: None when empty, Err for a time it cannot mean.
pub fn local_time(typed: &str, tz: Tz) -> Result<Option<DateTime<Utc>>, ()> {
    let typed = typed.trim();
    if typed.is_empty() {
        return Ok(None);
    }
    let local = NaiveDateTime::parse_from_str(typed, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(typed, "%Y-%m-%dT%H:%M:%S"))
        .map_err(|_| ())?;
    let at = tz.from_local_datetime(&local).earliest().ok_or(())?;
    Ok(Some(at.with_timezone(&Utc)))
}

/// The non-empty, trimmed pieces of `typed` between separators.
fn list(typed: &str, sep: impl Fn(char) -> bool) -> Vec<String> {
    typed
        .split(sep)
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(str::to_string)
        .collect()
}

/// A checkbox: its value, its label, whether it is ticked.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub checked: bool,
}

/// A version's field: its language code, the language's name, what was typed.
pub struct Version {
    pub lang: &'static str,
    pub label: String,
    pub value: String,
}

/// What to fix, by field.
#[derive(Default)]
pub struct Errors {
    pub areas: Option<String>,
    pub text: Option<String>,
    pub versions: Option<String>,
    pub ethnic: Option<String>,
    pub roles: Option<String>,
    pub poverty: Option<String>,
    pub at: Option<String>,
}

impl Errors {
    pub fn any(&self) -> bool {
        [
            &self.areas,
            &self.text,
            &self.versions,
            &self.ethnic,
            &self.roles,
            &self.poverty,
            &self.at,
        ]
        .iter()
        .any(|e| e.is_some())
    }

    /// Each field's error by the field's name (the live preview's answer).
    pub fn by_field(&self) -> BTreeMap<&'static str, String> {
        [
            ("areas", &self.areas),
            ("text", &self.text),
            ("versions", &self.versions),
            ("ethnic_groups", &self.ethnic),
            ("roles", &self.roles),
            ("poverty", &self.poverty),
            ("at", &self.at),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.clone().map(|v| (k, v)))
        .collect()
    }
}

/// The form as the page shows it again.
pub struct Fields {
    pub f: ComposeForm,
    pub languages: Vec<Choice>,
    pub roles: Vec<Choice>,
    pub poverty: Vec<Choice>,
    pub versions: Vec<Version>,
    /// Whether the optional fields are shown open (any of them used).
    pub more: bool,
}

impl Fields {
    pub fn new(t: &Texts, f: ComposeForm) -> Fields {
        let tick = |v: &[String], value: &str| v.iter().any(|x| x == value);
        let languages = LANGUAGES
            .iter()
            .map(|l| Choice {
                value: (*l).to_string(),
                label: language_name(l).map_or_else(|| (*l).to_string(), |id| t.msg_id(id)),
                checked: tick(&f.languages, l),
            })
            .collect();
        let household = Choice {
            value: HOUSEHOLD.to_string(),
            label: t.msg_id("console-notice-role-household"),
            checked: tick(&f.roles, HOUSEHOLD),
        };
        let roles = std::iter::once(household)
            .chain(STAFF_ROLES.iter().map(|r| Choice {
                value: r.as_str().to_string(),
                label: t.msg_id(role_msg(*r)),
                checked: tick(&f.roles, r.as_str()),
            }))
            .collect();
        let poverty = POVERTY
            .iter()
            .map(|(v, id)| Choice {
                value: (*v).to_string(),
                label: t.msg_id(id),
                checked: tick(&f.poverty, v),
            })
            .collect();
        let versions = LANGUAGES
            .iter()
            .filter(|l| **l != "vi")
            .map(|l| Version {
                lang: l,
                label: language_name(l).map_or_else(|| (*l).to_string(), |id| t.msg_id(id)),
                value: f.versions.get(*l).cloned().unwrap_or_default(),
            })
            .collect();
        let more = !(f.languages.is_empty()
            && f.roles.is_empty()
            && f.poverty.is_empty()
            && f.ethnic_groups.trim().is_empty()
            && f.at.is_empty()
            && f.versions.values().all(|v| v.trim().is_empty()));
        Fields {
            f,
            languages,
            roles,
            poverty,
            versions,
            more,
        }
    }
}

/// The audience the form names, checked for the caller as the API checks it; None when
/// refused, the fix then filed by its field. The notices' and the campaigns' forms both use it.
pub fn checked_audience(c: &Console, f: &ComposeForm, errors: &mut Errors) -> Option<Audience> {
    match f.audience().checked_for(&c.caller.staff, &c.caller.scope) {
        Ok(a) => Some(a),
        Err(e) => {
            audience_refusal(&c.t, e, f, errors);
            None
        }
    }
}

/// What a refused audience says, by the field it belongs to.
pub fn audience_refusal(t: &Texts, e: AudienceError, f: &ComposeForm, errors: &mut Errors) {
    match e {
        AudienceError::OutsideScope(a) => {
            let msg = Msg::new("console-notice-area-outside").arg("area", a);
            errors.areas = Some(t.render(&msg));
        }
        AudienceError::Role(_) => errors.roles = Some(t.msg_id("console-notice-roles-bad")),
        AudienceError::Poverty(_) => errors.poverty = Some(t.msg_id("console-notice-poverty-bad")),
        AudienceError::TooMany => {
            let a = f.audience();
            let msg = Some(t.msg_id("console-notice-too-many"));
            if a.ethnic_groups.len() > a.areas.len() {
                errors.ethnic = msg;
            } else {
                errors.areas = msg;
            }
        }
    }
}

/// What a refused audience or text says, by the field it belongs to; Err for an error that is
/// not the form's.
pub fn refusal_of(
    t: &Texts,
    e: NoticeError,
    f: &ComposeForm,
    errors: &mut Errors,
) -> Result<(), NoticeError> {
    match e {
        NoticeError::Audience(e) => audience_refusal(t, e, f, errors),
        NoticeError::Version(lang) => {
            let name = language_name(&lang).map_or(lang, |id| t.msg_id(id));
            let msg = Msg::new("console-notice-version-bad").arg("language", name);
            errors.versions = Some(t.render(&msg));
        }
        NoticeError::Text => errors.text = Some(t.msg_id("console-notice-text-bad")),
        other => return Err(other),
    }
    Ok(())
}

/// A preview's figures in words, as a Preview submit shows them on the page and the live
/// preview gets them (its JSON keys are these fields' names, the cells' `data-figure`).
#[derive(serde::Serialize)]
pub struct Shown {
    pub recipients: String,
    /// Recipients who read full Vietnamese / unaccented.
    pub scripts: String,
    /// Parts of each message (a notice's versions, a campaign's steps).
    pub each: String,
    pub parts: String,
    pub cost: String,
}

impl Shown {
    pub fn new(t: &Texts, p: &notices::Preview, each: Vec<String>) -> Shown {
        Shown {
            recipients: t.int(p.recipients),
            scripts: format!(
                "{} / {}",
                t.int(p.full_recipients),
                t.int(p.unaccented_recipients)
            ),
            each: each.join("; "),
            parts: t.int(p.total_parts as i64),
            cost: format!("{} ₫", t.int(p.cost as i64)),
        }
    }
}

/// The live preview's answer: the figures, or each field's fix (400). Not `ApiError`'s body:
/// a form's refusal is several fixes by field, in the page's language, for the page's script
/// to put by the fields (see the README's console section).
pub fn live_answer(r: Result<Shown, BTreeMap<&'static str, String>>) -> Response {
    match r {
        Ok(shown) => Json(shown).into_response(),
        Err(errors) => {
            let body = serde_json::json!({ "errors": errors });
            (StatusCode::BAD_REQUEST, Json(body)).into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect()
    }

    #[test]
    fn fields_become_the_apis_audience_and_texts() {
        let f = ComposeForm::read(pairs(&[
            ("areas", " B0102, B010201  B0103,"),
            ("ethnic_groups", "Tày; Dao ,"),
            ("roles", "household"),
            ("roles", "village_midwife"),
            ("poverty", "poor"),
            ("languages", "tyz"),
            ("text", "Họp"),
            ("version-tyz", " Pày họp "),
            ("version-hmn", "  "),
        ]));
        let a = f.audience();
        assert_eq!(a.areas, ["B0102", "B010201", "B0103"]);
        assert_eq!(a.ethnic_groups, ["Tày", "Dao"]);
        assert_eq!(a.roles, ["household", "village_midwife"]);
        assert_eq!(
            (a.poverty, a.languages),
            (vec!["poor".into()], vec!["tyz".into()])
        );
        let texts = f.texts();
        assert_eq!(texts.versions.len(), 1, "an empty version is none");
        assert_eq!(texts.versions["tyz"], "Pày họp");
    }

    #[test]
    fn a_time_is_local_and_a_bad_one_refused() {
        let tz = chrono_tz::Asia::Ho_Chi_Minh;
        let mut f = ComposeForm::default();
        assert_eq!(f.send_at(tz), Ok(None));
        f.at = "2026-12-05T08:30".into();
        let at = f.send_at(tz).expect("a time").expect("some");
        assert_eq!(at.to_rfc3339(), "2026-12-05T01:30:00+00:00");
        f.at = "05/12/2026".into();
        assert!(f.send_at(tz).is_err());
    }
}
