//! Which gateways one instance runs: real gateways, or simulator mode. Never both.
//!
//! The simulator is a phone network for training and demos. In simulator mode it is the only
//! way out (with any simulated networks of kind `simulator` beside it), and a real gateway file
//! in the folder stops start-up; with real gateways, no simulated network exists, so a message
//! that no real gateway can take stays queued instead of "reaching" a phone that is not there.

use std::path::{Path, PathBuf};

use super::files::{self, GatewayFile, GatewayFileError, SIMULATOR, USSD};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Real gateways only.
    Live,
    /// The built-in simulator (and simulated networks) only: `loa serve --demo`, the tests,
    /// or `simulator.enabled = true`.
    Simulator,
}

/// The enabled gateway files this instance runs, and what start-up should warn about.
#[derive(Debug, Default)]
pub struct Plan {
    pub files: Vec<(PathBuf, GatewayFile)>,
    pub warnings: Vec<String>,
}

/// Reads `dir` and checks its files against `mode`.
pub fn plan(dir: &Path, mode: Mode) -> Result<Plan, GatewayFileError> {
    let mut warnings = Vec::new();
    // In simulator mode a missing folder is the usual case (the demo on a laptop): no networks
    // beside the simulator, nothing to warn about.
    if !dir.is_dir() && mode == Mode::Live {
        return Err(GatewayFileError::MissingDir(dir.to_path_buf()));
    }
    let files: Vec<(PathBuf, GatewayFile)> = files::read_dir(dir)?
        .into_iter()
        .filter(|(_, f)| f.enabled)
        .collect();
    match mode {
        Mode::Simulator => {
            let real: Vec<String> = files
                .iter()
                .filter(|(_, f)| f.kind != SIMULATOR)
                .map(|(p, f)| format!("{} ({}, {})", f.id, f.kind, p.display()))
                .collect();
            if !real.is_empty() {
                return Err(GatewayFileError::SimulatorBesideReal(real.join(", ")));
            }
        }
        Mode::Live => {
            if let Some((path, _)) = files.iter().find(|(_, f)| f.kind == SIMULATOR) {
                return Err(GatewayFileError::Invalid {
                    path: path.clone(),
                    problem: "a simulated network (kind `simulator`) runs only in simulator mode; \
                              with real gateways it would swallow real messages"
                        .into(),
                });
            }
            if !files.iter().any(|(_, f)| f.kind != USSD) {
                warnings.push(format!(
                    "no SMS gateway is configured in {}: every message stays queued",
                    dir.display()
                ));
            }
        }
    }
    for (path, f) in &files {
        if f.webhook.insecure_open_webhook && files::open_webhook(f) {
            warnings.push(format!(
                "gateway {} ({}): its webhooks are open to anyone (insecure_open_webhook = true)",
                f.id,
                path.display()
            ));
        }
    }
    Ok(Plan { files, warnings })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gateway::files::dir_with;

    const JASMIN: &str = "id = \"j\"\nkind = \"jasmin\"\nrate = 1\n[jasmin]\n\
        send_url = \"http://127.0.0.1:1401/send\"\nusername = \"u\"\npassword_env = \"P\"\n\
        dlr_url = \"http://x/d\"\n[webhook]\nsecret_env = \"S\"\n";
    const SIM: &str = "id = \"sim-b\"\nkind = \"simulator\"\nrate = 1\n";

    #[test]
    fn simulator_mode_refuses_a_real_gateway_beside_it_naming_it() {
        let dir = dir_with(&[("j.toml", JASMIN)]);
        let err = plan(dir.path(), Mode::Simulator).unwrap_err().to_string();
        assert!(
            err.contains("simulator mode") && err.contains("j (jasmin"),
            "{err}"
        );
        let dir = dir_with(&[("s.toml", SIM)]);
        assert_eq!(
            plan(dir.path(), Mode::Simulator).expect("ok").files.len(),
            1
        );
    }

    #[test]
    fn live_mode_refuses_a_simulated_network_and_a_missing_folder() {
        let dir = dir_with(&[("j.toml", JASMIN), ("s.toml", SIM)]);
        let err = plan(dir.path(), Mode::Live).unwrap_err().to_string();
        assert!(
            err.contains("s.toml") && err.contains("simulator mode"),
            "{err}"
        );
        let err = plan(Path::new("/nonexistent/gw"), Mode::Live)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("/nonexistent/gw") && err.contains("does not exist"),
            "{err}"
        );
        let p = plan(Path::new("/nonexistent/gw"), Mode::Simulator).expect("the usual demo");
        assert!(
            p.files.is_empty() && p.warnings.is_empty(),
            "{:?}",
            p.warnings
        );
    }

    #[test]
    fn live_mode_without_an_sms_gateway_warns() {
        let dir = dir_with(&[]);
        let p = plan(dir.path(), Mode::Live).expect("ok");
        assert!(p.warnings[0].contains("stays queued"), "{:?}", p.warnings);
    }
}
