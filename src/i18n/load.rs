//! Reading `.ftl` files into bundles, from the binary or from a folder given in the configuration.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::FluentResource;
use include_dir::{include_dir, Dir};
use unic_langid::LanguageIdentifier;

use super::{Lang, Locales, FALLBACK};

static EMBEDDED: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/locales");

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read locales from {path}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{file}: fluent syntax errors: {errors}")]
    Syntax { file: String, errors: String },
    #[error("{file}: {errors}")]
    Bundle { file: String, errors: String },
    #[error("`{0}` is not a language code")]
    BadLanguage(String),
    #[error("the fallback language `{FALLBACK}` is missing")]
    NoFallback,
}

/// One `.ftl` file: its language folder, its name, its text.
pub(super) struct Source {
    pub lang: String,
    pub file: String,
    pub text: String,
}

pub(super) fn embedded() -> Result<Locales, LoadError> {
    let mut sources = Vec::new();
    for dir in EMBEDDED.dirs() {
        let lang = dir.path().to_string_lossy().into_owned();
        for file in dir.files() {
            if file.path().extension().is_some_and(|e| e == "ftl") {
                sources.push(Source {
                    lang: lang.clone(),
                    file: file.path().display().to_string(),
                    text: String::from_utf8_lossy(file.contents()).into_owned(),
                });
            }
        }
    }
    build(sources)
}

pub(super) fn from_dir(root: &Path) -> Result<Locales, LoadError> {
    let io = |path: &Path| {
        let path = path.display().to_string();
        move |source| LoadError::Io { path, source }
    };
    let mut sources = Vec::new();
    for entry in std::fs::read_dir(root).map_err(io(root))? {
        let entry = entry.map_err(io(root))?;
        if !entry.path().is_dir() {
            continue;
        }
        let lang = entry.file_name().to_string_lossy().into_owned();
        for file in std::fs::read_dir(entry.path()).map_err(io(&entry.path()))? {
            let path = file.map_err(io(&entry.path()))?.path();
            if path.extension().is_some_and(|e| e == "ftl") {
                let text = std::fs::read_to_string(&path).map_err(io(&path))?;
                sources.push(Source {
                    lang: lang.clone(),
                    file: path.display().to_string(),
                    text,
                });
            }
        }
    }
    build(sources)
}

fn langid(code: &str) -> Result<LanguageIdentifier, LoadError> {
    code.parse()
        .map_err(|_| LoadError::BadLanguage(code.to_string()))
}

/// The bundle's locale list decides plural rules; CLDR has none for Tày, Nùng, Dao or H'Mông, so
/// those take Vietnamese rules rather than falling to English ones.
fn bundle_locales(code: &str) -> Result<Vec<LanguageIdentifier>, LoadError> {
    const WITH_CLDR_RULES: &[&str] = &["vi", "en"];
    let own = langid(code)?;
    if WITH_CLDR_RULES.contains(&code) {
        Ok(vec![own])
    } else {
        Ok(vec![langid(FALLBACK)?, own])
    }
}

pub(super) fn build(mut sources: Vec<Source>) -> Result<Locales, LoadError> {
    sources.sort_by(|a, b| (&a.lang, &a.file).cmp(&(&b.lang, &b.file)));
    let mut langs: BTreeMap<String, Lang> = BTreeMap::new();
    for src in sources {
        let resource =
            FluentResource::try_new(src.text).map_err(|(_, errors)| LoadError::Syntax {
                file: src.file.clone(),
                errors: format!("{errors:?}"),
            })?;
        let ids: Vec<String> = resource
            .entries()
            .filter_map(|e| match e {
                fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_string()),
                _ => None,
            })
            .collect();
        let lang = match langs.entry(src.lang.clone()) {
            std::collections::btree_map::Entry::Occupied(o) => o.into_mut(),
            std::collections::btree_map::Entry::Vacant(v) => {
                let mut bundle = FluentBundle::new_concurrent(bundle_locales(&src.lang)?);
                // Isolation marks (U+2068/U+2069) are not GSM-7: they would make every SMS UCS-2.
                bundle.set_use_isolating(false);
                v.insert(Lang {
                    bundle,
                    ids: BTreeSet::new(),
                })
            }
        };
        lang.bundle
            .add_resource(resource)
            .map_err(|errors| LoadError::Bundle {
                file: src.file.clone(),
                errors: format!("{errors:?}"),
            })?;
        lang.ids.extend(ids);
    }
    if !langs.contains_key(FALLBACK) {
        return Err(LoadError::NoFallback);
    }
    Ok(Locales { langs })
}
