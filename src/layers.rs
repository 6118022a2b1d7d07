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

/// Every top-level module a source text names that lies above `module`'s layer, or beside it
/// (outside the leaves): the upward imports. `module` is the file's path in the crate
/// (`inbox`, `inbox::store`), so that `super::` is resolved from its depth; `crate::{a, b::c}`
/// names `a` and `b`. Comments and string literals are not read.
pub fn upward_imports(module: &str, source: &str) -> Vec<String> {
    let from = module.split("::").next().unwrap_or(module);
    let Some(own) = layer_of(from) else {
        return vec![format!("{from} is in no layer")];
    };
    let mut found = Vec::new();
    for (name, via_super) in root_names(module.split("::").count(), &code_only(source)) {
        if name == from {
            continue;
        }
        let ok = match layer_of(&name) {
            Some(l) => l < own || (l == 0 && own == 0),
            // `super::` past the root reaches an item of an inline module's parent, not a module.
            None => via_super,
        };
        if !ok && !found.contains(&name) {
            found.push(name);
        }
    }
    found
}

/// The source with comments and the insides of string and char literals blanked.
fn code_only(source: &str) -> String {
    let b = source.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let blank_until = |end: usize, out: &mut Vec<u8>| {
            out.extend(b[i..end].iter().map(|&c| if c == b'\n' { c } else { b' ' }));
        };
        let end = match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => b[i..]
                .iter()
                .position(|&c| c == b'\n')
                .map_or(b.len(), |p| i + p),
            b'/' if b.get(i + 1) == Some(&b'*') => {
                source[i + 2..].find("*/").map_or(b.len(), |p| i + p + 4)
            }
            b'r' if matches!(b.get(i + 1), Some(b'"' | b'#'))
                && !ident_byte(b, i.wrapping_sub(1)) =>
            {
                let hashes = b[i + 1..].iter().take_while(|&&c| c == b'#').count();
                if b.get(i + 1 + hashes) != Some(&b'"') {
                    out.push(b[i]);
                    i += 1;
                    continue;
                }
                let close = format!("\"{}", "#".repeat(hashes));
                source[i + 2 + hashes..]
                    .find(&close)
                    .map_or(b.len(), |p| i + 2 + hashes + p + close.len())
            }
            b'"' => {
                let mut j = i + 1;
                while j < b.len() && b[j] != b'"' {
                    j += if b[j] == b'\\' { 2 } else { 1 };
                }
                (j + 1).min(b.len())
            }
            // A char literal ('x', '\n', '{'), not a lifetime ('a).
            b'\'' if b.get(i + 1) == Some(&b'\\') => b[i + 2..]
                .iter()
                .position(|&c| c == b'\'')
                .map_or(b.len(), |p| i + 3 + p),
            b'\'' if b.get(i + 2) == Some(&b'\'') => i + 3,
            _ => {
                out.push(b[i]);
                i += 1;
                continue;
            }
        };
        blank_until(end, &mut out);
        i = end;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn ident_byte(b: &[u8], i: usize) -> bool {
    b.get(i)
        .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
}

/// The top-level modules that the `crate::` and `super::` paths of `code` start with, each with
/// whether it was reached by `super::`. `depth` is the file's depth in the crate (1 for
/// `inbox/mod.rs` and `app.rs`); inline `mod x { … }` blocks add to it.
fn root_names(depth: usize, code: &str) -> Vec<(String, bool)> {
    let b = code.as_bytes();
    let mut names = Vec::new();
    let (mut braces, mut mods) = (0usize, Vec::<usize>::new());
    let mut after_mod = 0u8; // 1: saw `mod`, 2: saw its name
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'{' => {
                braces += 1;
                if after_mod == 2 {
                    mods.push(braces);
                }
                after_mod = 0;
            }
            b'}' => {
                if mods.last() == Some(&braces) {
                    mods.pop();
                }
                braces = braces.saturating_sub(1);
            }
            b';' => after_mod = 0,
            c if (c.is_ascii_alphabetic() || c == b'_') && !ident_byte(b, i.wrapping_sub(1)) => {
                let word = ident_at(code, i);
                let rest = &code[i..];
                after_mod = match (word, after_mod) {
                    ("mod", _) => 1,
                    (_, 1) => 2,
                    _ => 0,
                };
                if word == "crate" && rest[5..].starts_with("::") {
                    names.extend(path_heads(&rest[7..]).into_iter().map(|n| (n, false)));
                } else if word == "super" && rest[5..].starts_with("::") {
                    let mut k = 0;
                    let mut tail = rest;
                    while let Some(t) = tail.strip_prefix("super::") {
                        k += 1;
                        tail = t.trim_start();
                    }
                    if k == depth + mods.len() {
                        names.extend(path_heads(tail).into_iter().map(|n| (n, true)));
                    }
                    i += rest.len() - tail.len();
                    continue;
                }
                i += word.len();
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    names
}

fn ident_at(code: &str, i: usize) -> &str {
    let len = code[i..]
        .bytes()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == b'_')
        .count();
    &code[i..i + len]
}

/// The first segment of a path, or of each item of a `{…}` group (nested groups skipped).
fn path_heads(path: &str) -> Vec<String> {
    let path = path.trim_start();
    let Some(group) = path.strip_prefix('{') else {
        let name = ident_at(path, 0);
        return if name.is_empty() {
            vec![]
        } else {
            vec![name.to_string()]
        };
    };
    let mut heads = Vec::new();
    let mut depth = 0usize;
    let mut item_start = true;
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => break,
            '}' => depth -= 1,
            ',' if depth == 0 => item_start = true,
            c if item_start && !c.is_whitespace() => {
                item_start = false;
                let name = ident_at(group, i);
                if !name.is_empty() && name != "self" {
                    heads.push(name.to_string());
                }
            }
            _ => {}
        }
    }
    heads
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

    /// `inbox/mod.rs` is `inbox`, `inbox/store.rs` is `inbox::store`.
    fn module_path(rel: &Path) -> String {
        let mut parts: Vec<&str> = rel
            .components()
            .filter_map(|c| c.as_os_str().to_str())
            .map(|c| c.trim_end_matches(".rs"))
            .collect();
        if parts.len() > 1 && parts.last() == Some(&"mod") {
            parts.pop();
        }
        parts.join("::")
    }

    #[test]
    fn imports_flow_one_way() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        sources(&src, &mut files);
        let mut wrong = Vec::new();
        for f in files {
            let rel = f.strip_prefix(&src).expect("under src");
            let module = module_path(rel);
            // The crate root and the binary wire everything; this file names layers in its tests.
            if matches!(module.as_str(), "lib" | "main" | "layers") {
                continue;
            }
            let text = std::fs::read_to_string(&f).expect("read");
            for up in upward_imports(&module, &text) {
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
        // A group names each item's first segment.
        assert_eq!(
            upward_imports("inbox::store", "use crate::{app::App, db::Db};"),
            ["app"]
        );
        assert_eq!(
            upward_imports(
                "gateway::kannel",
                "use crate::{\n    db::{Db, Tx},\n    outbox::{self, report::Outcome},\n    http,\n};"
            ),
            ["outbox", "http"]
        );
        assert!(upward_imports("features::audit", "use crate::{execute, with_db};").is_empty());
        // `super::` is resolved from the file's depth.
        // `inbox/mod.rs` is one deep: its `super` is the crate root.
        assert_eq!(upward_imports("inbox", "use super::app::App;"), ["app"]);
        assert_eq!(
            upward_imports("gateway::webhook", "use super::super::{http::X, phone};"),
            ["http"]
        );
        // Within its own module, or an inline test module's parent: no module of the crate.
        assert!(upward_imports("gateway::webhook", "use super::http::form_pairs;").is_empty());
        assert!(upward_imports("hash", "mod tests { use super::text_hash; }").is_empty());
        assert!(upward_imports("gateway", "mod tests { use super::http::client; }").is_empty());
        assert_eq!(
            upward_imports("gateway", "mod tests { fn f() { super::super::app::x() } }"),
            ["app"]
        );
    }

    #[test]
    fn comments_and_strings_are_not_imports() {
        assert!(
            upward_imports("gateway", "// crate::app::App\nlet s = \"crate::http\";").is_empty()
        );
        assert!(upward_imports("gateway", "let c = '{'; /* crate::inbox */").is_empty());
    }
}
