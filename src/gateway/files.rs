//! Gateway files: one TOML file per gateway instance in the gateway folder (`gateway_dir`).

use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;

use super::aggregator::{Aggregator, AggregatorConfig};
use super::android::{Android, AndroidConfig};
use super::breaker::BreakerConfig;
use super::http::secret;
use super::jasmin::{Jasmin, JasminConfig};
use super::kannel::{Kannel, KannelConfig};
use super::webhook::{IpNet, WebhookAuth};
use super::{Gateway, GatewayHandle};

/// What every gateway file has, whatever its kind.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GatewayFile {
    /// Names the gateway in webhooks (`/webhooks/{id}/…`), the outbox and the logs.
    pub id: String,
    pub kind: String,
    /// SMS parts per second this gateway may take. Required, except for `android`, where it
    /// defaults to 1 (a phone and its SIM take little).
    #[serde(default)]
    pub rate: Option<u32>,
    /// E.164 prefixes this gateway is preferred for (e.g. "+8486").
    #[serde(default)]
    pub prefixes: Vec<String>,
    /// Higher is tried first when no prefix matches.
    #[serde(default)]
    pub priority: i32,
    /// What one SMS part costs through this gateway, in VND (the contract's price); bulk sends
    /// show their cost from it before they go. 0: unknown.
    #[serde(default)]
    pub price_per_part: u32,
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Sender id or short code put in `from` (e.g. "9029"); none: the gateway's default.
    #[serde(default)]
    pub sender: Option<String>,
    /// Longest wait for one provider call, in seconds.
    #[serde(default = "default_timeout")]
    pub timeout_seconds: u64,
    #[serde(default)]
    pub webhook: WebhookFile,
    #[serde(default)]
    pub circuit: BreakerConfig,
    pub kannel: Option<KannelConfig>,
    pub android: Option<AndroidConfig>,
    pub jasmin: Option<JasminConfig>,
    pub aggregator: Option<AggregatorConfig>,
}

/// How webhook callers authenticate; both checks apply when both are set.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookFile {
    /// Environment variable holding the shared secret, given in the URL
    /// (`/webhooks/{id}/{event}/{secret}` or `?secret=`) or the `X-Loa-Secret` header.
    pub secret_env: Option<String>,
    /// Source addresses or CIDR blocks allowed to call; empty: any.
    #[serde(default)]
    pub allowed_ips: Vec<String>,
    /// A webhook with neither a secret nor allowed addresses (nor Android's signing key) lets
    /// anyone on the network post messages as any phone; refused unless this is written out.
    #[serde(default)]
    pub insecure_open_webhook: bool,
}

fn yes() -> bool {
    true
}

fn default_timeout() -> u64 {
    10
}

/// Parts per second for an Android phone whose file gives no rate.
pub const ANDROID_DEFAULT_RATE: u32 = 1;

impl GatewayFile {
    /// Parts per second (checked by `read_dir` to be at least 1).
    pub fn rate(&self) -> u32 {
        self.rate.unwrap_or(ANDROID_DEFAULT_RATE).max(1)
    }
}

/// The kinds this build can drive.
pub const KINDS: &[&str] = &[
    "simulator",
    "kannel",
    "android",
    "jasmin",
    "aggregator",
    "ussd",
];

/// A USSD aggregator: it sends no SMS, it calls `/webhooks/{id}/ussd` with each step of a session.
pub const USSD: &str = "ussd";

/// A simulated network: only in simulator mode (see [`super::mode`]).
pub const SIMULATOR: &str = "simulator";

/// The id of the built-in simulator; no file may take it.
pub const RESERVED_ID: &str = "simulator";

#[derive(Debug, thiserror::Error)]
pub enum GatewayFileError {
    #[error("cannot read gateway folder {path}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("gateway file {path}: {problem}")]
    Invalid { path: PathBuf, problem: String },
    #[error("gateway folder {0} (gateway_dir) does not exist: no gateway could send")]
    MissingDir(PathBuf),
    #[error(
        "simulator mode is on (`loa serve --demo` or simulator.enabled) and real gateways are \
         configured beside it: {0}. A real message must never go to the simulator: turn simulator \
         mode off, or point gateway_dir at a folder without real gateways"
    )]
    SimulatorBesideReal(String),
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
        let mut file = file;
        if file.rate.is_none() && file.kind == "android" {
            file.rate = Some(ANDROID_DEFAULT_RATE);
        }
        match file.rate {
            None if file.kind == USSD => {}
            None => return Err(invalid("rate (SMS parts per second) is required".into())),
            Some(0) => return Err(invalid("rate must be at least 1 part per second".into())),
            Some(_) => {}
        }
        if let Some(problem) = number_problem(&file) {
            return Err(invalid(problem));
        }
        if let Some(p) = file.prefixes.iter().find(|p| !is_prefix(p)) {
            return Err(invalid(format!("prefix `{p}` is not + and digits")));
        }
        if let Some(problem) = section_problem(&file) {
            return Err(invalid(problem));
        }
        if let Some(problem) = send_url_problem(&file) {
            return Err(invalid(problem));
        }
        if open_webhook(&file) && !file.webhook.insecure_open_webhook {
            return Err(invalid(
                "its webhooks would be open to anyone: set [webhook] secret_env or allowed_ips \
                 (or, knowingly, insecure_open_webhook = true)"
                    .into(),
            ));
        }
        if let Some(ip) = file
            .webhook
            .allowed_ips
            .iter()
            .find(|ip| ip.parse::<IpNet>().is_err())
        {
            return Err(invalid(format!(
                "webhook.allowed_ips: `{ip}` is not an address or CIDR block"
            )));
        }
        if file.id.is_empty()
            || !file
                .id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(invalid("id must be letters, digits, `-` and `_`".into()));
        }
        if file.id == RESERVED_ID {
            return Err(invalid(format!(
                "id `{RESERVED_ID}` is the built-in simulator's; give this gateway another id"
            )));
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

/// Each number within bounds no real gateway reaches: past them the sum of rates overflows, and
/// a cool-down of `u64::MAX` seconds cannot be added to the time the circuit opens.
fn number_problem(file: &GatewayFile) -> Option<String> {
    let c = &file.circuit;
    let rate = u64::from(file.rate.unwrap_or(1));
    [
        ("rate", rate, 1, 100_000, "parts per second"),
        ("timeout_seconds", file.timeout_seconds, 1, 120, "seconds"),
        (
            "circuit.failures",
            u64::from(c.failures),
            1,
            10_000,
            "failures",
        ),
        (
            "circuit.window_seconds",
            c.window_seconds,
            1,
            86_400,
            "seconds",
        ),
        (
            "circuit.cooldown_seconds",
            c.cooldown_seconds,
            0,
            86_400,
            "seconds",
        ),
    ]
    .into_iter()
    .find(|(_, value, min, max, _)| value < min || value > max)
    .map(|(key, value, min, max, unit)| {
        format!("{key} must be from {min} to {max} {unit} (got {value})")
    })
}

/// Where the gateway sends: a provider's address, which must be http(s) with a host.
fn send_url(file: &GatewayFile) -> Option<(&'static str, &str)> {
    match file.kind.as_str() {
        "kannel" => file
            .kannel
            .as_ref()
            .map(|c| ("kannel.sendsms_url", c.sendsms_url.as_str())),
        "android" => file
            .android
            .as_ref()
            .map(|c| ("android.url", c.url.as_str())),
        "jasmin" => file
            .jasmin
            .as_ref()
            .map(|c| ("jasmin.send_url", c.send_url.as_str())),
        "aggregator" => file
            .aggregator
            .as_ref()
            .map(|c| ("aggregator.send_url", c.send_url.as_str())),
        _ => None,
    }
}

fn send_url_problem(file: &GatewayFile) -> Option<String> {
    let (key, url) = send_url(file)?;
    let ok = reqwest::Url::parse(url)
        .ok()
        .is_some_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some());
    (!ok).then(|| format!("{key} must be an http:// or https:// address with a host"))
}

/// Whether anyone could call this gateway's webhooks: no secret, no address list, and (for
/// Android) no signing key.
pub fn open_webhook(file: &GatewayFile) -> bool {
    if file.kind == SIMULATOR {
        return false;
    }
    let signed = file
        .android
        .as_ref()
        .is_some_and(|a| a.signing_key_env.is_some());
    file.webhook.secret_env.is_none() && file.webhook.allowed_ips.is_empty() && !signed
}

fn is_prefix(p: &str) -> bool {
    p.strip_prefix('+')
        .is_some_and(|d| !d.is_empty() && d.chars().all(|c| c.is_ascii_digit()))
}

/// Exactly the section of the file's kind, and no other.
fn section_problem(file: &GatewayFile) -> Option<String> {
    let present = [
        ("kannel", file.kannel.is_some()),
        ("android", file.android.is_some()),
        ("jasmin", file.jasmin.is_some()),
        ("aggregator", file.aggregator.is_some()),
    ];
    if let Some((other, _)) = present.iter().find(|(k, p)| *p && *k != file.kind) {
        return Some(format!(
            "section [{other}] does not belong to kind `{}`",
            file.kind
        ));
    }
    let needs = file.kind != "simulator" && file.kind != USSD;
    let has = present.iter().any(|(k, p)| *p && *k == file.kind);
    (needs && !has).then(|| format!("kind `{}` needs a [{}] section", file.kind, file.kind))
}

/// How callers of this gateway's webhooks prove who they are; secrets come from the environment.
pub fn webhook_auth(path: &Path, file: &GatewayFile) -> Result<WebhookAuth, GatewayFileError> {
    let invalid = |problem: String| GatewayFileError::Invalid {
        path: path.to_path_buf(),
        problem,
    };
    Ok(WebhookAuth {
        secret: file
            .webhook
            .secret_env
            .as_deref()
            .map(secret)
            .transpose()
            .map_err(invalid)?,
        allowed: file
            .webhook
            .allowed_ips
            .iter()
            .map(|ip| ip.parse::<IpNet>())
            .collect::<Result<_, _>>()
            .map_err(invalid)?,
    })
}

/// Makes a simulated network for a file of kind `simulator`, given its id (the caller wires in
/// where it stores and reports).
pub type MakeSimulator<'a> = &'a dyn Fn(&str) -> Arc<dyn Gateway>;

/// The adapter a file describes, wrapped with its rate, routing and circuit breaker. Secrets are
/// read from the environment here, so a missing one stops start-up naming the variable.
pub fn build(
    path: &Path,
    file: &GatewayFile,
    simulated: MakeSimulator<'_>,
) -> Result<GatewayHandle, GatewayFileError> {
    let invalid = |problem: String| GatewayFileError::Invalid {
        path: path.to_path_buf(),
        problem,
    };
    let auth = webhook_auth(path, file)?;
    let client = super::http::client(Duration::from_secs(file.timeout_seconds.clamp(1, 120)));
    let sender = file.sender.clone();
    let missing = || {
        invalid(format!(
            "kind `{}` needs a [{}] section",
            file.kind, file.kind
        ))
    };
    let gateway: Arc<dyn Gateway> = match file.kind.as_str() {
        "kannel" => {
            let c = file.kannel.clone().ok_or_else(missing)?;
            let password = secret(&c.password_env).map_err(invalid)?;
            Arc::new(Kannel::new(&file.id, sender, c, password, client, auth))
        }
        "android" => {
            let c = file.android.clone().ok_or_else(missing)?;
            let password = secret(&c.password_env).map_err(invalid)?;
            let key = c
                .signing_key_env
                .as_deref()
                .map(secret)
                .transpose()
                .map_err(invalid)?;
            Arc::new(Android::new(&file.id, c, password, key, client, auth))
        }
        "jasmin" => {
            let c = file.jasmin.clone().ok_or_else(missing)?;
            let password = secret(&c.password_env).map_err(invalid)?;
            Arc::new(Jasmin::new(&file.id, sender, c, password, client, auth))
        }
        "aggregator" => {
            let c = file.aggregator.clone().ok_or_else(missing)?;
            let key = secret(&c.api_key_env).map_err(invalid)?;
            Arc::new(Aggregator::new(&file.id, sender, c, key, client, auth))
        }
        _ => simulated(&file.id),
    };
    Ok(GatewayHandle::new(
        gateway,
        NonZeroU32::new(file.rate()).unwrap_or(NonZeroU32::MIN),
        file.prefixes.clone(),
        file.priority,
    )
    .with_breaker(file.circuit)
    .with_price(file.price_per_part))
}

/// A folder of gateway files, for the tests here and in `mode`.
#[cfg(test)]
pub(crate) fn dir_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("dir");
    for (name, body) in files {
        std::fs::write(dir.path().join(name), body).expect("write");
    }
    dir
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn kind_sections_are_checked() {
        for (body, needle) in [
            ("id = \"k\"\nkind = \"kannel\"\nrate = 1\n", "needs a [kannel]"),
            ("id = \"k\"\nkind = \"jasmin\"\nrate = 1\n[kannel]\nsendsms_url = \"u\"\nusername = \"u\"\npassword_env = \"P\"\ndlr_url = \"d\"\n", "does not belong"),
            ("id = \"k\"\nkind = \"kannel\"\nrate = 1\n[kannel]\nsendsms_url = \"u\"\nusername = \"u\"\npassword = \"inline\"\ndlr_url = \"d\"\n", "password"),
            ("id = \"k\"\nkind = \"simulator\"\nrate = 1\n[webhook]\nallowed_ips = [\"10.0.0.0/99\"]\n", "allowed_ips"),
        ] {
            let dir = dir_with(&[("g.toml", body)]);
            let err = read_dir(dir.path()).expect_err(body).to_string();
            assert!(err.contains(needle), "{err}");
        }
    }

    #[test]
    fn the_shipped_examples_parse() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("gateway-config/examples");
        let files = read_dir(&dir).expect("examples parse");
        let kinds: Vec<&str> = files.iter().map(|(_, f)| f.kind.as_str()).collect();
        for kind in KINDS {
            assert!(kinds.contains(kind), "no example for {kind}");
        }
    }

    #[test]
    fn a_missing_secret_names_its_variable() {
        let body = "id = \"k\"\nkind = \"kannel\"\nrate = 1\n[kannel]\nsendsms_url = \"u\"\nusername = \"u\"\npassword_env = \"LOA_TEST_SURELY_UNSET_VAR\"\ndlr_url = \"d\"\n";
        let file: GatewayFile = toml::from_str(body).expect("parse");
        let no_simulator = |_: &str| -> Arc<dyn Gateway> { unreachable!("a kannel file") };
        let err = build(Path::new("k.toml"), &file, &no_simulator)
            .err()
            .expect("error")
            .to_string();
        assert!(err.contains("LOA_TEST_SURELY_UNSET_VAR"), "{err}");
    }

    #[test]
    fn two_files_may_not_share_an_id() {
        let g = "id = \"same\"\nkind = \"simulator\"\nrate = 1\n";
        let dir = dir_with(&[("a.toml", g), ("b.toml", g)]);
        assert!(read_dir(dir.path()).is_err());
    }

    #[test]
    fn unsafe_files_are_refused_naming_the_problem() {
        let jasmin = |url: &str, webhook: &str| {
            format!(
                "id = \"j\"\nkind = \"jasmin\"\nrate = 1\n[jasmin]\nsend_url = \"{url}\"\n\
                 username = \"u\"\npassword_env = \"P\"\ndlr_url = \"http://x/d\"\n{webhook}"
            )
        };
        let secret = "[webhook]\nsecret_env = \"S\"\n";
        for (body, needle) in [
            (jasmin("http://127.0.0.1/send", ""), "open to anyone"),
            (jasmin("file:///etc/passwd", secret), "jasmin.send_url"),
            (jasmin("127.0.0.1:1401/send", secret), "jasmin.send_url"),
            (jasmin("ftp://h/send", secret), "http:// or https://"),
            (
                "id = \"simulator\"\nkind = \"simulator\"\nrate = 1\n".to_string(),
                "built-in simulator",
            ),
            (
                "id = \"u\"\nkind = \"ussd\"\n".to_string(),
                "open to anyone",
            ),
        ] {
            let dir = dir_with(&[("g.toml", &body)]);
            let err = read_dir(dir.path()).expect_err(&body).to_string();
            assert!(err.contains("g.toml") && err.contains(needle), "{err}");
        }
        // Written out, an open webhook is the operator's choice (start-up warns about it).
        let open = jasmin(
            "https://sms.example/send",
            "[webhook]\ninsecure_open_webhook = true\n",
        );
        let dir = dir_with(&[("g.toml", &open)]);
        assert_eq!(read_dir(dir.path()).expect("allowed").len(), 1);
        let ok = jasmin("https://sms.example/send", secret);
        let dir = dir_with(&[("g.toml", &ok)]);
        assert_eq!(read_dir(dir.path()).expect("ok").len(), 1);
    }

    #[test]
    fn numbers_that_would_break_loa_are_refused_naming_the_key() {
        let sim = |extra: &str| format!("id = \"s\"\nkind = \"simulator\"\nrate = 1\n{extra}");
        for (extra, key) in [
            (
                "[circuit]\ncooldown_seconds = 18446744073709551615\n",
                "circuit.cooldown_seconds",
            ),
            ("[circuit]\nwindow_seconds = 0\n", "circuit.window_seconds"),
            ("[circuit]\nfailures = 0\n", "circuit.failures"),
            ("timeout_seconds = 0\n", "timeout_seconds"),
            ("timeout_seconds = 100000\n", "timeout_seconds"),
        ] {
            let dir = dir_with(&[("g.toml", &sim(extra))]);
            let err = read_dir(dir.path()).expect_err(extra).to_string();
            assert!(
                err.contains("g.toml") && err.contains(key),
                "{extra}: {err}"
            );
        }
        let dir = dir_with(&[(
            "g.toml",
            "id = \"s\"\nkind = \"simulator\"\nrate = 4294967295\n",
        )]);
        let err = read_dir(dir.path()).expect_err("rate").to_string();
        assert!(err.contains("rate must be from 1 to 100000"), "{err}");
        let dir = dir_with(&[("g.toml", &sim("[circuit]\ncooldown_seconds = 86400\n"))]);
        assert_eq!(read_dir(dir.path()).expect("a day is fine").len(), 1);
    }

    #[test]
    fn a_missing_folder_is_no_gateways() {
        assert!(read_dir(Path::new("/nonexistent/gateways"))
            .expect("ok")
            .is_empty());
    }
}
