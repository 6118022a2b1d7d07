//! Gateway files: one TOML file per gateway instance in the gateway folder (`gateway_dir`).

use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;

use super::simulator::Simulator;
use super::{Gateway, GatewayHandle};
use crate::db::Db;

/// What every gateway file has, whatever its kind.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GatewayFile {
    /// Names the gateway in webhooks (`/webhooks/{id}/…`), the outbox and the logs.
    pub id: String,
    pub kind: String,
    /// SMS parts per second this gateway may take.
    pub rate: u32,
    /// E.164 prefixes this gateway is preferred for (e.g. "+8486").
    #[serde(default)]
    pub prefixes: Vec<String>,
    /// Higher is tried first when no prefix matches.
    #[serde(default)]
    pub priority: i32,
    #[serde(default = "yes")]
    pub enabled: bool,
}

fn yes() -> bool {
    true
}

/// The kinds this build can drive.
pub const KINDS: &[&str] = &["simulator"];

#[derive(Debug, thiserror::Error)]
pub enum GatewayFileError {
    #[error("cannot read gateway folder {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("gateway file {path}: {problem}")]
    Invalid { path: PathBuf, problem: String },
}

/// Every `*.toml` directly in `dir` (sub-folders such as `examples/` are not read). A missing
/// folder means no gateway files.
pub fn read_dir(dir: &Path) -> Result<Vec<(PathBuf, GatewayFile)>, GatewayFileError> {
    let io = |source| GatewayFileError::Io {
        path: dir.to_path_buf(),
        source,
    };
    if !dir.exists() {
        return Ok(Vec::new());
    }
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "toml"))
        .collect();
    paths.sort();
    let mut out: Vec<(PathBuf, GatewayFile)> = Vec::new();
    for path in paths {
        let invalid = |problem: String| GatewayFileError::Invalid {
            path: path.clone(),
            problem,
        };
        let text = std::fs::read_to_string(&path).map_err(|e| invalid(e.to_string()))?;
        let file: GatewayFile = toml::from_str(&text).map_err(|e| invalid(e.to_string()))?;
        if !KINDS.contains(&file.kind.as_str()) {
            return Err(invalid(format!(
                "kind `{}` is not one this build drives ({})",
                file.kind,
                KINDS.join(", ")
            )));
        }
        if file.rate == 0 {
            return Err(invalid("rate must be at least 1 part per second".into()));
        }
        if let Some(p) = file.prefixes.iter().find(|p| !is_prefix(p)) {
            return Err(invalid(format!("prefix `{p}` is not + and digits")));
        }
        if let Some((other, _)) = out.iter().find(|(_, f)| f.id == file.id) {
            return Err(invalid(format!(
                "id `{}` is also used by {}",
                file.id,
                other.display()
            )));
        }
        out.push((path, file));
    }
    Ok(out)
}

fn is_prefix(p: &str) -> bool {
    p.strip_prefix('+')
        .is_some_and(|d| !d.is_empty() && d.chars().all(|c| c.is_ascii_digit()))
}

/// The adapter a file describes, wrapped with its rate and routing.
pub fn build(file: &GatewayFile, db: &Db) -> GatewayHandle {
    // `read_dir` let through only the kinds in KINDS; each new kind adds its adapter here.
    let gateway: Arc<dyn Gateway> = Arc::new(Simulator::with_id(db.clone(), &file.id));
    GatewayHandle::new(
        gateway,
        NonZeroU32::new(file.rate).unwrap_or(NonZeroU32::MIN),
        file.prefixes.clone(),
        file.priority,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir_with(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("dir");
        for (name, body) in files {
            std::fs::write(dir.path().join(name), body).expect("write");
        }
        dir
    }

    #[test]
    fn reads_the_files_directly_in_the_folder() {
        let dir = dir_with(&[
            (
                "a.toml",
                "id = \"sim-a\"\nkind = \"simulator\"\nrate = 5\nprefixes = [\"+8496\"]\n",
            ),
            ("notes.txt", "not a gateway"),
        ]);
        std::fs::create_dir(dir.path().join("examples")).expect("mkdir");
        std::fs::write(dir.path().join("examples/x.toml"), "garbage").expect("write");
        let files = read_dir(dir.path()).expect("read");
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].1.id, "sim-a");
        assert!(files[0].1.enabled);
    }

    #[test]
    fn a_bad_file_names_itself_and_the_problem() {
        for (body, needle) in [
            (
                "id = \"x\"\nkind = \"smoke-signals\"\nrate = 1\n",
                "smoke-signals",
            ),
            ("id = \"x\"\nkind = \"simulator\"\nrate = 0\n", "rate"),
            (
                "id = \"x\"\nkind = \"simulator\"\nrate = 1\nprefixes = [\"096\"]\n",
                "096",
            ),
            ("id = \"x\"\nkind = \"simulator\"\n", "rate"),
            (
                "id = \"x\"\nkind = \"simulator\"\nrate = 1\npassword = \"inline\"\n",
                "password",
            ),
        ] {
            let dir = dir_with(&[("g.toml", body)]);
            let err = read_dir(dir.path()).expect_err(body).to_string();
            assert!(err.contains("g.toml") && err.contains(needle), "{err}");
        }
    }

    #[test]
    fn two_files_may_not_share_an_id() {
        let g = "id = \"same\"\nkind = \"simulator\"\nrate = 1\n";
        let dir = dir_with(&[("a.toml", g), ("b.toml", g)]);
        assert!(read_dir(dir.path()).is_err());
    }

    #[test]
    fn a_missing_folder_is_no_gateways() {
        assert!(read_dir(Path::new("/nonexistent/gateways"))
            .expect("ok")
            .is_empty());
    }
}
