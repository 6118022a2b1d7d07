//! What a campaign will cost before it is made: the recipients its audience has now, and for each step the parts in each script, with total parts and cost.
//!
//! The campaign is checked as `create` checks it, so a preview and a refusal say the same; the
//! audience is counted once (`audiences::breakdown`, with the campaigns' consent topic) and
//! priced per step by `notices::priced`, the notices' own arithmetic.

use std::collections::HashMap;

use super::{checked, run, CampaignError, NewCampaign, TOPIC};
use crate::db::Db;
use crate::features::audiences;
use crate::features::contacts::Script;
use crate::features::notices::{self, Prices};
use crate::features::staff::{Scope, Staff};
use crate::i18n::{Locales, FALLBACK};
use crate::text;

/// One step's figures: parts of its Vietnamese text in each script, and over the audience.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepPreview {
    pub no: i64,
    pub day: i64,
    pub full_parts: usize,
    pub unaccented_parts: usize,
    pub total_parts: u64,
    /// VND (0 where a gateway's price is unknown).
    pub cost: u64,
}

/// A campaign's figures if everyone in its audience now got every step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CampaignPreview {
    pub recipients: i64,
    pub full_recipients: i64,
    pub unaccented_recipients: i64,
    pub steps: Vec<StepPreview>,
    pub total_parts: u64,
    pub cost: u64,
}

/// Checks `c` for `staff` as [`super::create`] does, and previews it.
pub async fn preview(
    db: &Db,
    prices: &dyn Prices,
    locales: &Locales,
    staff: &Staff,
    scope: &Scope,
    c: NewCampaign,
) -> Result<CampaignPreview, CampaignError> {
    let (c, steps) = checked(c, staff, scope)?;
    let slices = audiences::breakdown(db, &c.audience, TOPIC, prices.prefix_len()).await?;
    let mut out = CampaignPreview {
        recipients: 0,
        full_recipients: 0,
        unaccented_recipients: 0,
        steps: Vec::new(),
        total_parts: 0,
        cost: 0,
    };
    for step in &steps {
        let parts =
            |lang: &str, script| text::analyze(&run::render(locales, step, lang, script)).parts;
        let mut known: HashMap<(String, Script), usize> = HashMap::new();
        let p = notices::priced(&slices, prices, |lang, script| {
            *known
                .entry((lang.to_string(), script))
                .or_insert_with(|| parts(lang, script))
        });
        (
            out.recipients,
            out.full_recipients,
            out.unaccented_recipients,
        ) = (p.recipients, p.full_recipients, p.unaccented_recipients);
        out.total_parts += p.total_parts;
        out.cost += p.cost;
        out.steps.push(StepPreview {
            no: step.no,
            day: step.day_offset,
            full_parts: parts(FALLBACK, Script::Full),
            unaccented_parts: parts(FALLBACK, Script::Unaccented),
            total_parts: p.total_parts,
            cost: p.cost,
        });
    }
    Ok(out)
}
