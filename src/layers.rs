//! The spine's layers, lowest first, and a test that reads the sources and refuses an upward import.
//!
//! `ls src/` and the README's diagram: a message comes in at `http`, is stored by the `inbox`,
//! answered by the `dialog` through `features`, and leaves through the `outbox`, whose dispatcher
//! calls a `gateway` adapter. A module may use the modules of lower layers only; the leaves
//! (`db`, `phone`, `text`, `i18n`, `hash`, `config`, `net`) may use each other. `app` builds the parts
//! and is the state of the HTTP edge; `server` starts the edge, the dispatcher and the scheduler.

/// Top-level modules by layer, lowest first.
pub const LAYERS: &[&[&str]] = &[
    &["db", "phone", "text", "i18n", "hash", "config", "net"],
    &["gateway"],
    &["outbox"],
    &["features"],
    &["dialog"],
    &["inbox"],
    &["scheduler"],
    // The HTTP edge's state, the only place that holds every part at once; the demo data.
    &["app", "demo"],
    &["http"],
    &["server", "layers"],
];

/// The layer of a top-level module (the crate's macros live in `db`).
pub fn layer_of(module: &str) -> Option<usize> {
    let module = match module {
        "with_db" | "execute" | "with_tx" | "bind_all" => "db",
        m => m,
    };
    LAYERS.iter().position(|l| l.contains(&module))
}

/// Every `crate::<module>` a source text names that lies above `from`'s layer, or beside it
/// (outside the leaves): the upward imports.
pub fn upward_imports(from: &str, source: &str) -> Vec<String> {
    let Some(own) = layer_of(from) else {
        return vec![format!("{from} is in no layer")];
    };
    let mut found = Vec::new();
    for (i, _) in source.match_indices("crate::") {
        let name: String = source[i + "crate::".len()..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if name.is_empty() || name == from {
            continue;
        }
        let ok = match layer_of(&name) {
            Some(l) => l < own || (l == 0 && own == 0),
            None => false,
        };
        if !ok && !found.contains(&name) {
            found.push(name);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn sources(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("read src").flatten() {
            let p = entry.path();
            if p.is_dir() {
                sources(&p, out);
            } else if p.extension().is_some_and(|e| e == "rs") {
                out.push(p);
            }
        }
    }

    #[test]
    fn imports_flow_one_way() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        sources(&src, &mut files);
        let mut wrong = Vec::new();
        for f in files {
            let rel = f.strip_prefix(&src).expect("under src");
            let top = rel
                .components()
                .next()
                .and_then(|c| c.as_os_str().to_str())
                .unwrap_or("")
                .trim_end_matches(".rs");
            // The crate root and the binary wire everything; this file names layers in its tests.
            if matches!(top, "lib" | "main" | "layers") {
                continue;
            }
            let text = std::fs::read_to_string(&f).expect("read");
            for up in upward_imports(top, &text) {
                wrong.push(format!("{} uses crate::{up}", rel.display()));
            }
        }
        assert!(wrong.is_empty(), "upward imports:\n{}", wrong.join("\n"));
    }

    #[test]
    fn every_top_level_module_has_a_layer() {
        let lib = include_str!("lib.rs");
        for line in lib.lines() {
            if let Some(m) = line.trim().strip_prefix("pub mod ") {
                let m = m.trim_end_matches(';');
                assert!(layer_of(m).is_some(), "src/{m} is in no layer of LAYERS");
            }
        }
    }

    #[test]
    fn an_upward_import_is_caught() {
        assert_eq!(
            upward_imports("gateway", "use crate::outbox::DeliveryStatus;"),
            ["outbox"]
        );
        assert_eq!(
            upward_imports("inbox", "crate::app::App; crate::http::x"),
            ["app", "http"]
        );
        assert!(upward_imports("dialog", "crate::features::support; crate::with_db!").is_empty());
        assert!(upward_imports("text", "crate::i18n::Msg").is_empty());
        assert_eq!(
            upward_imports("outbox", "crate::features::consent"),
            ["features"]
        );
    }
}
