//! Configuration: built-in defaults, then a TOML file, then `LOA_*` environment variables, parsed
//! into typed values once here so that a bad value stops start-up and no caller parses text again.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::LazyLock;

use chrono::NaiveTime;
use chrono_tz::Tz;
use figment::providers::{Format, Serialized, Toml};
use figment::value::{Dict, Map, Value};
use figment::{Figment, Metadata, Profile, Provider};
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Everything `loa serve` needs. Every field has a default, so no file at all is a valid setup:
/// the embedded default (SQLite under `./data/`, the gateways of `gateway-config/`,
/// 127.0.0.1:8080). `loa serve --demo` turns simulator mode on.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub database_url: String,
    /// Written "127.0.0.1:8080".
    #[serde(deserialize_with = "listen_addr")]
    pub listen: SocketAddr,
    /// Folder with one TOML file per gateway instance.
    pub gateway_dir: PathBuf,
    /// Where people live (quiet hours, cron jobs, dates in texts); written as its IANA name.
    #[serde(serialize_with = "as_text", deserialize_with = "time_zone")]
    pub timezone: Tz,
    /// A folder of `<lang>/*.ftl` that replaces the embedded locales, for translators.
    pub locales_dir: Option<PathBuf>,
    /// Message bodies older than this are deleted; the metadata stays.
    pub retention_days: u32,
    /// Names this process in leases; defaults to host name and process id.
    pub instance_id: Option<String>,
    pub quiet_hours: QuietHours,
    pub simulator: SimulatorConfig,
    pub dispatcher: DispatcherConfig,
    pub replies: RepliesConfig,
    /// Bearer token of the staff API (`/api/v1/…`); unset, the API refuses every request.
    #[serde(default)]
    pub api_token: Option<Secret>,
    /// Prenatal checkup reminders (Project 7.3): which visit schedule, and when reminders go out.
    #[serde(default)]
    pub maternal: MaternalConfig,
    #[serde(default)]
    pub legal_aid: LegalAidConfig,
    /// Reverse proxies in front of loa (addresses or CIDR blocks, `["127.0.0.1", "10.0.0.0/8"]`):
    /// from them, the client's address (login throttling, webhooks' `allowed_ips`) is the right-most
    /// `X-Forwarded-For` entry not among them. Empty (default): the header is never read.
    #[serde(default)]
    pub trusted_proxies: Vec<crate::net::IpNet>,
}

/// Which antenatal visit schedule a deployment follows: the Ministry of Health's (at least four
/// visits, Decision 4128/QĐ-BYT) or WHO's 2016 model (eight contacts). The weeks are data, in
/// `src/features/maternal/schedules.toml`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AncSchedule {
    Moh,
    Who,
}

impl AncSchedule {
    pub fn as_str(self) -> &'static str {
        match self {
            AncSchedule::Moh => "moh",
            AncSchedule::Who => "who",
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaternalConfig {
    /// `moh` (default) or `who`.
    pub schedule: AncSchedule,
    /// Local times, "HH:MM": reminders go out only between these, the morning they are for.
    #[serde(with = "hh_mm")]
    pub window_start: NaiveTime,
    #[serde(with = "hh_mm")]
    pub window_end: NaiveTime,
}

impl Default for MaternalConfig {
    fn default() -> Self {
        MaternalConfig {
            schedule: AncSchedule::Moh,
            window_start: NaiveTime::from_hms_opt(7, 0, 0).expect("a time of day"),
            window_end: NaiveTime::from_hms_opt(11, 0, 0).expect("a time of day"),
        }
    }
}

/// Legal aid: what counts as a working day for the reminder of unassigned requests, and whose
/// requests from a phone in no household are.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LegalAidConfig {
    /// Public holidays, written "YYYY-MM-DD" (Saturdays and Sundays are never working days).
    /// Tết and the Hùng Kings' day move with the lunar calendar: list each year's days.
    #[serde(default)]
    pub holidays: Vec<chrono::NaiveDate>,
    /// The area code of the province whose legal aid officers take requests from phones in no
    /// household. Unset: the only province of the database, if it has exactly one; otherwise
    /// such requests are for admins only.
    #[serde(default)]
    pub home_province: Option<String>,
}

/// Local times, written "HH:MM", between which only replies go out; equal times mean none.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuietHours {
    /// After this bulk messages wait.
    #[serde(with = "hh_mm")]
    pub start: NaiveTime,
    /// At this they go again.
    #[serde(with = "hh_mm")]
    pub end: NaiveTime,
}

/// Simulator mode: the built-in simulated phone network is the only gateway, and
/// `/simulator/…` (SMS as any phone, broadcasts, USSD) is served. For training, demos and tests;
/// off by default, on with `loa serve --demo`. Refused beside real gateway files.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimulatorConfig {
    pub enabled: bool,
    /// SMS parts per second the simulated network accepts.
    pub rate: u32,
}

/// The reply budget of one phone number: at most `budget` replies in `window_minutes`, then one
/// "try later" line, then nothing until the window has passed. Counted in the database, so
/// several instances share it.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RepliesConfig {
    pub budget: u32,
    pub window_minutes: u32,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DispatcherConfig {
    /// Rows claimed at once.
    pub batch_size: u32,
    /// A row left in `sending` longer than this (a crash) is claimed again.
    pub lease_seconds: u64,
    /// One instance sends at a time; it renews its hold on sending this often in thirds, and
    /// another instance takes over this long after the holder stopped renewing.
    pub hold_seconds: u64,
    /// How often the dispatcher looks for due rows when nothing woke it.
    pub poll_millis: u64,
    /// Sends in flight at once, over all gateways.
    pub concurrency: usize,
    /// Longest wait between two attempts of one message.
    pub max_backoff_seconds: u64,
    /// Time to live of a reply; bulk messages get `bulk_ttl_hours`.
    pub reply_ttl_hours: u32,
    pub bulk_ttl_hours: u32,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            database_url: "sqlite://data/loa.db".into(),
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            gateway_dir: PathBuf::from("gateway-config"),
            timezone: chrono_tz::Asia::Ho_Chi_Minh,
            locales_dir: None,
            retention_days: 180,
            instance_id: None,
            quiet_hours: QuietHours {
                start: NaiveTime::from_hms_opt(21, 0, 0).expect("a time of day"),
                end: NaiveTime::from_hms_opt(7, 0, 0).expect("a time of day"),
            },
            simulator: SimulatorConfig {
                enabled: false,
                rate: 100,
            },
            dispatcher: DispatcherConfig {
                batch_size: 50,
                lease_seconds: 60,
                hold_seconds: 15,
                poll_millis: 500,
                concurrency: 8,
                max_backoff_seconds: 900,
                reply_ttl_hours: 24,
                bulk_ttl_hours: 72,
            },
            replies: RepliesConfig {
                budget: 10,
                window_minutes: 10,
            },
            api_token: None,
            maternal: MaternalConfig::default(),
            legal_aid: LegalAidConfig::default(),
            trusted_proxies: Vec::new(),
        }
    }
}

/// What a secret prints as, wherever it is printed.
const REDACTED: &str = "***";

/// A value that must not reach a log, an error message or a dump of the configuration: Debug,
/// Display and Serialize all give `***`. It can only be compared.
#[derive(Clone, Deserialize)]
#[serde(try_from = "String")]
pub struct Secret(String);

impl Secret {
    /// Whether `given` is the secret, in time that depends on neither's length nor on how much
    /// of a guess is right: both are hashed, and the hashes compared in constant time.
    pub fn matches(&self, given: &str) -> bool {
        let given = Sha256::digest(given.as_bytes());
        let expected = Sha256::digest(self.0.as_bytes());
        given.as_slice().ct_eq(expected.as_slice()).into()
    }

    /// An empty token is taken as no token (`LOA_API_TOKEN=` turns the API off).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret(value.to_owned())
    }
}

impl TryFrom<String> for Secret {
    type Error = String;

    /// `***` is refused so that a dumped configuration read back fails instead of starting
    /// with a token anyone can guess.
    fn try_from(value: String) -> Result<Self, String> {
        if value == REDACTED {
            Err(format!(
                "`{REDACTED}` is how loa prints a secret, not a secret: give the real value"
            ))
        } else {
            Ok(Secret(value))
        }
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(REDACTED)
    }
}

fn as_text<S: Serializer>(value: &impl fmt::Display, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(value)
}

/// Parses a text value, with an error that shows the value and what a good one looks like
/// (serde's own say only "invalid socket address syntax").
fn from_text<'de, D: Deserializer<'de>, T: std::str::FromStr>(
    d: D,
    expected: &str,
) -> Result<T, D::Error> {
    let text = String::deserialize(d)?;
    text.parse()
        .map_err(|_| D::Error::custom(format!("`{text}` is not {expected}")))
}

fn listen_addr<'de, D: Deserializer<'de>>(d: D) -> Result<SocketAddr, D::Error> {
    from_text(d, "an address and port such as 127.0.0.1:8080")
}

fn time_zone<'de, D: Deserializer<'de>>(d: D) -> Result<Tz, D::Error> {
    from_text(d, "an IANA time zone such as Asia/Ho_Chi_Minh")
}

/// Times of day as "HH:MM", the form the README documents; chrono's own serde form has seconds.
mod hh_mm {
    use chrono::NaiveTime;
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serializer};

    const FORMAT: &str = "%H:%M";

    pub fn serialize<S: Serializer>(time: &NaiveTime, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&time.format(FORMAT))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveTime, D::Error> {
        let text = String::deserialize(d)?;
        NaiveTime::parse_from_str(&text, FORMAT)
            .map_err(|_| D::Error::custom(format!("`{text}` is not a time of day as HH:MM")))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration: {0}")]
    Parse(String),
    #[error("configuration key `{key}`: {problem}")]
    Invalid { key: String, problem: String },
    #[error("configuration file {0} does not exist")]
    MissingFile(PathBuf),
}

impl From<figment::Error> for ConfigError {
    fn from(err: figment::Error) -> Self {
        let path = &err.path;
        if path.is_empty() {
            // Not about one key (a file that is not TOML): figment's message says where.
            return ConfigError::Parse(err.to_string());
        }
        let origin = match &err.metadata {
            Some(md) if md.name == ENV_SOURCE => {
                format!(" (from {})", md.interpolate(&Profile::Default, path))
            }
            Some(md) => match &md.source {
                Some(source) => format!(" (in {} {source})", md.name),
                None => format!(" (in {})", md.name),
            },
            None => String::new(),
        };
        ConfigError::Invalid {
            key: path.join("."),
            problem: format!("{}{origin}", err.kind),
        }
    }
}

/// Names the `LOA_*` layer in errors; also how an error is recognized as coming from it.
const ENV_SOURCE: &str = "`LOA_` environment variables";

/// Prefixes of `LOA_` variables that are not configuration: the tests', CI's and benchmarks' own,
/// and secrets that gateway files name.
const NOT_CONFIG_PREFIXES: &[&str] = &["LOA_TEST_", "LOA_CI_", "LOA_BENCH_", "LOA_SECRET_"];

fn is_config_env(name: &str) -> bool {
    !NOT_CONFIG_PREFIXES.iter().any(|p| name.starts_with(p))
}

/// The variables `loa` reads, without `LOA_`: one per leaf key of [`Config`], tables joined
/// with `__` (`QUIET_HOURS__START`). Walked from the serialized defaults, so a new key has its
/// variable without a list to keep in step. (An `Option` of a table whose default is `None`
/// would show as one leaf; give such a table a default instead.)
fn env_names() -> &'static [String] {
    static NAMES: LazyLock<Vec<String>> = LazyLock::new(|| {
        let defaults =
            Value::serialize(Config::default()).expect("the default configuration serializes");
        let mut names = Vec::new();
        leaf_names(&defaults, &mut Vec::new(), &mut names);
        names
    });
    &NAMES
}

fn leaf_names(value: &Value, path: &mut Vec<String>, names: &mut Vec<String>) {
    match value.as_dict() {
        Some(dict) => {
            for (key, value) in dict {
                path.push(key.clone());
                leaf_names(value, path, names);
                path.pop();
            }
        }
        None => names.push(env_name(path)),
    }
}

fn env_name(path: &[impl AsRef<str>]) -> String {
    let parts: Vec<String> = path
        .iter()
        .map(|p| p.as_ref().to_ascii_uppercase())
        .collect();
    parts.join("__")
}

/// Keys whose variable is always text: an area code such as `01` would otherwise read as the
/// number 1 and lose its leading zero.
const TEXT_KEYS: &[&str] = &["legal_aid__home_province"];

/// The `LOA_*` layer, from the variables it is given rather than the process's, so that tests
/// neither depend on nor change the environment they run in. Reads as figment's `Env` did:
/// prefix in any case, `__` nests, values parsed the same way ("100" a number, "22:00" text).
struct EnvVars(Vec<(String, String)>);

impl EnvVars {
    /// Only the variables a key reads; any other `LOA_*` is warned about (`unknown_env_vars`),
    /// not fatal, so that scripts may keep their own `LOA_` variables beside ours.
    fn new(vars: impl IntoIterator<Item = (String, String)>) -> Self {
        let known = env_names();
        EnvVars(
            vars.into_iter()
                .filter_map(|(name, value)| {
                    let prefix = name.get(..4)?;
                    let rest = name.get(4..)?.trim().to_ascii_uppercase();
                    (prefix.eq_ignore_ascii_case("LOA_") && known.contains(&rest))
                        .then(|| (rest.to_ascii_lowercase(), value))
                })
                .collect(),
        )
    }
}

impl Provider for EnvVars {
    fn metadata(&self) -> Metadata {
        Metadata::named(ENV_SOURCE)
            .interpolater(|_: &Profile, keys: &[&str]| format!("LOA_{}", env_name(keys)))
    }

    fn data(&self) -> Result<Map<Profile, Dict>, figment::Error> {
        // Built by hand, not from a figment of our own: values must carry no tag, so that the
        // figment merging this layer tags them as ours and its errors name the variable.
        let mut dict = Dict::new();
        for (name, text) in &self.0 {
            let value: Value = if TEXT_KEYS.contains(&name.as_str()) {
                Value::from(text.clone())
            } else {
                text.parse().unwrap_or_else(|never| match never {})
            };
            insert(&mut dict, name, value);
        }
        Ok(Profile::Default.collect(dict))
    }
}

/// Puts `value` at `name` (`quiet_hours__start`), making the tables on the way.
fn insert(dict: &mut Dict, name: &str, value: Value) {
    match name.split_once("__") {
        None => {
            dict.insert(name.to_owned(), value);
        }
        Some((table, rest)) => {
            let table = dict
                .entry(table.to_owned())
                .or_insert_with(|| Dict::new().into());
            if let Value::Dict(_, inner) = table {
                insert(inner, rest, value);
            }
        }
    }
}

impl Config {
    /// Defaults, then `file` (which must exist when given), then `LOA_*` variables; validated.
    pub fn load(file: Option<&std::path::Path>) -> Result<Config, ConfigError> {
        Config::load_from(file, env_vars())
    }

    fn load_from(
        file: Option<&std::path::Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(path) = file {
            if !path.exists() {
                return Err(ConfigError::MissingFile(path.to_path_buf()));
            }
            figment = figment.merge(Toml::file_exact(path));
        }
        let config: Config = figment.merge(EnvVars::new(env)).extract()?;
        config.validate()?;
        Ok(config)
    }

    /// `LOA_*` variables set in the environment that no key reads.
    pub fn unknown_env_vars() -> Vec<String> {
        unknown_in(env_vars())
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |key: &str, problem: &str| ConfigError::Invalid {
            key: key.into(),
            problem: problem.into(),
        };
        crate::db::Backend::from_url(&self.database_url)
            .ok_or_else(|| invalid("database_url", "must start with sqlite: or postgres://"))?;
        if let Some(problem) = sqlite_problem(&self.database_url) {
            return Err(invalid("database_url", problem));
        }
        if self
            .instance_id
            .as_deref()
            .is_some_and(|i| i.trim().is_empty())
        {
            return Err(invalid(
                "instance_id",
                "must not be empty (leave it out for the default)",
            ));
        }
        if let Some(code) = &self.legal_aid.home_province {
            let is_code = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
            if code.is_empty() || code.len() > 32 || !code.chars().all(is_code) {
                return Err(invalid(
                    "legal_aid.home_province",
                    "must be a province's area code (letters, digits, - or _; at most 32)",
                ));
            }
        }
        if self.maternal.window_start >= self.maternal.window_end {
            return Err(invalid(
                "maternal.window_end",
                "must be later than maternal.window_start (the same morning)",
            ));
        }
        let d = &self.dispatcher;
        // Each number must be at least 1 and at most a bound no real setup reaches: past it,
        // times overflow (a lease of 10^16 s, a time to live of 2^32 hours) and loa would panic
        // at the first message instead of refusing here.
        for (key, value, max, unit) in [
            (
                "retention_days",
                u64::from(self.retention_days),
                36_500,
                "days",
            ),
            (
                "simulator.rate",
                u64::from(self.simulator.rate),
                100_000,
                "parts per second",
            ),
            (
                "dispatcher.batch_size",
                u64::from(d.batch_size),
                10_000,
                "rows",
            ),
            (
                "dispatcher.lease_seconds",
                d.lease_seconds,
                86_400,
                "seconds",
            ),
            ("dispatcher.hold_seconds", d.hold_seconds, 86_400, "seconds"),
            (
                "dispatcher.poll_millis",
                d.poll_millis,
                3_600_000,
                "milliseconds",
            ),
            (
                "dispatcher.concurrency",
                d.concurrency as u64,
                1_024,
                "sends",
            ),
            (
                "dispatcher.max_backoff_seconds",
                d.max_backoff_seconds,
                604_800,
                "seconds",
            ),
            (
                "dispatcher.reply_ttl_hours",
                u64::from(d.reply_ttl_hours),
                8_760,
                "hours",
            ),
            (
                "dispatcher.bulk_ttl_hours",
                u64::from(d.bulk_ttl_hours),
                8_760,
                "hours",
            ),
            // 0 would turn the budget off without a word; a window of 2^32 minutes reaches
            // before the year PostgreSQL can store, and every reply would fail.
            (
                "replies.budget",
                u64::from(self.replies.budget),
                1_000,
                "replies",
            ),
            (
                "replies.window_minutes",
                u64::from(self.replies.window_minutes),
                1_440,
                "minutes",
            ),
        ] {
            if value == 0 || value > max {
                return Err(invalid(
                    key,
                    &format!("must be from 1 to {max} {unit} (got {value})"),
                ));
            }
        }
        Ok(())
    }

    /// The quiet hours as the dispatcher takes them: (start, end).
    pub fn quiet_window(&self) -> (NaiveTime, NaiveTime) {
        (self.quiet_hours.start, self.quiet_hours.end)
    }

    pub fn instance(&self) -> String {
        self.instance_id.clone().unwrap_or_else(|| {
            let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "loa".into());
            format!("{host}-{}", std::process::id())
        })
    }
}

/// A SQLite URL that names no file: every pooled connection would open its own empty database
/// in memory, and what one request writes another would not see.
fn sqlite_problem(url: &str) -> Option<&'static str> {
    let rest = url.strip_prefix("sqlite:")?;
    let path = rest.trim_start_matches("//");
    let (path, query) = path.split_once('?').unwrap_or((path, ""));
    if path.is_empty() || path == ":memory:" || query.contains("mode=memory") {
        return Some("names no SQLite file (e.g. sqlite://data/loa.db); a database in memory is not shared between connections");
    }
    None
}

/// The process's variables; one that is not Unicode is read lossily, as figment's `Env` did,
/// rather than panicking as `std::env::vars` would.
fn env_vars() -> impl Iterator<Item = (String, String)> {
    std::env::vars_os().map(|(k, v)| {
        (
            k.to_string_lossy().into_owned(),
            v.to_string_lossy().into_owned(),
        )
    })
}

fn unknown_in(vars: impl IntoIterator<Item = (String, String)>) -> Vec<String> {
    let known = env_names();
    vars.into_iter()
        .map(|(k, _)| k)
        .filter(|k| {
            k.strip_prefix("LOA_")
                .is_some_and(|rest| is_config_env(k) && !known.iter().any(|n| n == rest))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// Every test names its environment, so none reads or changes the process's.
    fn load(file: Option<&str>, env: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let env = env.iter().map(|(k, v)| (k.to_string(), v.to_string()));
        match file {
            None => Config::load_from(None, env),
            Some(body) => {
                let mut f = tempfile::NamedTempFile::new().expect("temp file");
                f.write_all(body.as_bytes()).expect("write");
                Config::load_from(Some(f.path()), env)
            }
        }
    }

    fn with_file(body: &str) -> Result<Config, ConfigError> {
        load(Some(body), &[])
    }

    fn with_env(env: &[(&str, &str)]) -> Result<Config, ConfigError> {
        load(None, env)
    }

    fn hm(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).expect("time")
    }

    #[test]
    fn defaults_are_the_embedded_setup() {
        let c = Config::default();
        c.validate().expect("defaults valid");
        assert!(c.database_url.starts_with("sqlite:"));
        assert_eq!(c.listen, "127.0.0.1:8080".parse().expect("addr"));
        assert_eq!(c.timezone, chrono_tz::Asia::Ho_Chi_Minh);
        assert_eq!(c.quiet_window(), (hm(21, 0), hm(7, 0)));
        assert!(c.api_token.is_none());
    }

    #[test]
    fn no_file_and_no_variables_load_the_defaults() {
        let c = with_env(&[]).expect("loads");
        let d = Config::default();
        assert_eq!(c.listen, d.listen);
        assert_eq!(c.timezone, d.timezone);
        assert_eq!(c.quiet_window(), d.quiet_window());
        assert_eq!(c.database_url, d.database_url);
    }

    #[test]
    fn typed_values_are_read_in_their_written_forms() {
        let c = with_file(
            "listen = \"0.0.0.0:9000\"\ntimezone = \"Asia/Bangkok\"\n\
             [quiet_hours]\nstart = \"22:30\"\nend = \"06:15\"\n",
        )
        .expect("loads");
        assert_eq!(c.listen, SocketAddr::from(([0, 0, 0, 0], 9000)));
        assert_eq!(c.timezone, chrono_tz::Asia::Bangkok);
        assert_eq!(c.quiet_window(), (hm(22, 30), hm(6, 15)));
    }

    #[test]
    fn trusted_proxies_are_read_from_the_file_and_the_environment_and_checked() {
        assert!(Config::default().trusted_proxies.is_empty());
        let c = with_file("trusted_proxies = [\"127.0.0.1\", \"10.0.0.0/8\"]\n").expect("loads");
        let ip = |s: &str| s.parse::<std::net::IpAddr>().expect("ip");
        assert_eq!(c.trusted_proxies.len(), 2);
        assert!(c.trusted_proxies[1].contains(ip("10.9.8.7")));
        let c = with_env(&[("LOA_TRUSTED_PROXIES", "[\"192.168.0.0/16\"]")]).expect("loads");
        assert!(c.trusted_proxies[0].contains(ip("192.168.1.1")));
        let err = with_file("trusted_proxies = [\"10.0.0.0/40\"]\n").expect_err("refused");
        assert!(err.to_string().contains("10.0.0.0/40"), "{err}");
    }

    #[test]
    fn the_readme_environment_forms_work() {
        let c = with_env(&[
            ("LOA_QUIET_HOURS__START", "22:00"),
            ("LOA_QUIET_HOURS__END", "05:30"),
            ("LOA_LISTEN", "127.0.0.1:0"),
            ("LOA_TIMEZONE", "UTC"),
            ("LOA_API_TOKEN", "s3cret-token"),
            ("LOA_DISPATCHER__BATCH_SIZE", "7"),
        ])
        .expect("loads");
        assert_eq!(c.quiet_window(), (hm(22, 0), hm(5, 30)));
        assert_eq!(c.listen.port(), 0);
        assert_eq!(c.timezone, chrono_tz::UTC);
        assert!(c.api_token.expect("token").matches("s3cret-token"));
        assert_eq!(c.dispatcher.batch_size, 7);
    }

    #[test]
    fn legal_aid_holidays_are_dates_in_the_file_or_a_variable() {
        let day = |s: &str| s.parse::<chrono::NaiveDate>().expect("date");
        let c =
            with_file("[legal_aid]\nholidays = [\"2026-04-30\", \"2026-05-01\"]\n").expect("loads");
        assert_eq!(
            c.legal_aid.holidays,
            vec![day("2026-04-30"), day("2026-05-01")]
        );
        let c = with_env(&[("LOA_LEGAL_AID__HOLIDAYS", "[\"2026-09-02\"]")]).expect("loads");
        assert_eq!(c.legal_aid.holidays, vec![day("2026-09-02")]);
        let err = with_file("[legal_aid]\nholidays = [\"30/04/2026\"]\n").unwrap_err();
        assert!(err.to_string().contains("legal_aid.holidays"), "{err}");
        assert!(Config::default().legal_aid.holidays.is_empty());
    }

    #[test]
    fn legal_aid_home_province_is_an_area_code() {
        let c = with_env(&[("LOA_LEGAL_AID__HOME_PROVINCE", "01")]).expect("loads");
        assert_eq!(
            c.legal_aid.home_province.as_deref(),
            Some("01"),
            "leading zero kept"
        );
        let c = with_file("[legal_aid]\nhome_province = \"19\"\n").expect("loads");
        assert_eq!(c.legal_aid.home_province.as_deref(), Some("19"));
        assert_eq!(Config::default().legal_aid.home_province, None);
        for bad in ["", "19 20", "Thái Nguyên"] {
            let file = format!("[legal_aid]\nhome_province = \"{bad}\"\n");
            let err = with_file(&file).unwrap_err();
            assert!(err.to_string().contains("legal_aid.home_province"), "{err}");
        }
    }

    #[test]
    fn variables_override_the_file() {
        let c = load(
            Some("timezone = \"Asia/Bangkok\"\nretention_days = 30\n"),
            &[("LOA_TIMEZONE", "Asia/Tokyo")],
        )
        .expect("loads");
        assert_eq!(c.timezone, chrono_tz::Asia::Tokyo);
        assert_eq!(c.retention_days, 30);
    }

    #[test]
    fn a_bad_value_names_its_key() {
        let err = with_file("timezone = \"Mars/Olympus\"\n").unwrap_err();
        assert!(err.to_string().contains("`timezone`"), "{err}");
        assert!(err.to_string().contains("Mars/Olympus"), "{err}");
        let err = with_file("[quiet_hours]\nstart = \"9pm\"\nend = \"07:00\"\n").unwrap_err();
        assert!(err.to_string().contains("`quiet_hours.start`"), "{err}");
        let err = with_file("[quiet_hours]\nstart = \"25:00\"\n").unwrap_err();
        assert!(err.to_string().contains("`quiet_hours.start`"), "{err}");
        assert!(err.to_string().contains("HH:MM"), "{err}");
        let err = with_file("listen = \"everywhere\"\n").unwrap_err();
        assert!(err.to_string().contains("`listen`"), "{err}");
    }

    #[test]
    fn a_bad_variable_names_its_key_and_variable() {
        let err = with_env(&[("LOA_TIMEZONE", "Mars/Base")]).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("`timezone`"), "{msg}");
        assert!(msg.contains("`Mars/Base`"), "{msg}");
        assert!(msg.contains("LOA_TIMEZONE"), "{msg}");
        let err = with_env(&[("LOA_LISTEN", "nonsense")]).unwrap_err();
        assert!(err.to_string().contains("`listen`"), "{err}");
        assert!(err.to_string().contains("LOA_LISTEN"), "{err}");
        let err = with_env(&[("LOA_QUIET_HOURS__END", "7am")]).unwrap_err();
        assert!(err.to_string().contains("`quiet_hours.end`"), "{err}");
        assert!(err.to_string().contains("LOA_QUIET_HOURS__END"), "{err}");
    }

    #[test]
    fn a_rule_broken_names_its_key() {
        let err = with_env(&[("LOA_DISPATCHER__CONCURRENCY", "0")]).unwrap_err();
        assert!(
            err.to_string().contains("`dispatcher.concurrency`"),
            "{err}"
        );
        let err = with_env(&[("LOA_MATERNAL__SCHEDULE", "nice")]).unwrap_err();
        assert!(err.to_string().contains("`maternal.schedule`"), "{err}");
        let err = with_env(&[("LOA_MATERNAL__WINDOW_END", "06:00")]).unwrap_err();
        assert!(err.to_string().contains("`maternal.window_end`"), "{err}");
        let err = with_file("database_url = \"mysql://x\"\n").unwrap_err();
        assert!(err.to_string().contains("`database_url`"), "{err}");
    }

    #[test]
    fn values_that_would_break_loa_are_refused_naming_the_key() {
        for (var, value, key) in [
            (
                "LOA_DISPATCHER__LEASE_SECONDS",
                "10000000000000000",
                "dispatcher.lease_seconds",
            ),
            (
                "LOA_DISPATCHER__LEASE_SECONDS",
                "18446744073709551615",
                "dispatcher.lease_seconds",
            ),
            (
                "LOA_DISPATCHER__MAX_BACKOFF_SECONDS",
                "18446744073709551615",
                "dispatcher.max_backoff_seconds",
            ),
            (
                "LOA_DISPATCHER__REPLY_TTL_HOURS",
                "4294967295",
                "dispatcher.reply_ttl_hours",
            ),
            (
                "LOA_DISPATCHER__BULK_TTL_HOURS",
                "4294967295",
                "dispatcher.bulk_ttl_hours",
            ),
            (
                "LOA_DISPATCHER__POLL_MILLIS",
                "18446744073709551615",
                "dispatcher.poll_millis",
            ),
            (
                "LOA_DISPATCHER__BATCH_SIZE",
                "4294967295",
                "dispatcher.batch_size",
            ),
            ("LOA_RETENTION_DAYS", "4294967295", "retention_days"),
            ("LOA_DATABASE_URL", "sqlite:", "database_url"),
            ("LOA_DATABASE_URL", "sqlite://", "database_url"),
            ("LOA_DATABASE_URL", "sqlite::memory:", "database_url"),
            (
                "LOA_DATABASE_URL",
                "sqlite://x.db?mode=memory",
                "database_url",
            ),
            ("LOA_INSTANCE_ID", " ", "instance_id"),
            ("LOA_REPLIES__BUDGET", "0", "replies.budget"),
            ("LOA_REPLIES__BUDGET", "4294967295", "replies.budget"),
            ("LOA_REPLIES__WINDOW_MINUTES", "0", "replies.window_minutes"),
            (
                "LOA_REPLIES__WINDOW_MINUTES",
                "4294967295",
                "replies.window_minutes",
            ),
        ] {
            let err = with_env(&[(var, value)]).expect_err(value).to_string();
            assert!(err.contains(&format!("`{key}`")), "{var}={value}: {err}");
        }
        with_env(&[("LOA_DISPATCHER__LEASE_SECONDS", "86400")]).expect("a day is fine");
        with_env(&[("LOA_REPLIES__WINDOW_MINUTES", "1440")]).expect("a day is fine");
        with_env(&[("LOA_DATABASE_URL", "sqlite://data/loa.db?mode=rwc")]).expect("a file");
    }

    #[test]
    fn an_unknown_key_is_refused_by_name() {
        let err = with_file("retention_dayz = 3\n").unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.starts_with("configuration key `retention_dayz`:"),
            "{msg}"
        );
        let err = with_file("[quiet_hours]\nstat = \"22:00\"\n").unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.starts_with("configuration key `quiet_hours.stat`:"),
            "{msg}"
        );
    }

    #[test]
    fn a_wrong_type_names_its_key() {
        let err = with_file("retention_days = \"many\"\n").unwrap_err();
        assert!(err.to_string().contains("retention_days"), "{err}");
    }

    #[test]
    fn a_missing_file_is_an_error() {
        let err = Config::load(Some(std::path::Path::new("/nonexistent/loa.toml"))).unwrap_err();
        assert!(matches!(err, ConfigError::MissingFile(_)));
    }

    #[test]
    fn the_api_token_never_prints() {
        let token = "tok-7c1f-very-secret";
        let c = with_env(&[("LOA_API_TOKEN", token)]).expect("loads");
        let secret = c.api_token.clone().expect("token");
        assert_eq!(format!("{secret}"), "***");
        assert_eq!(format!("{secret:?}"), "***");
        for shown in [
            format!("{c:?}"),
            format!("{c:#?}"),
            serde_json::to_string(&c).expect("json"),
            toml::to_string(&c).expect("toml"),
            format!("{:?}", Value::serialize(&c).expect("figment value")),
        ] {
            assert!(!shown.contains(token), "{shown}");
        }
    }

    #[test]
    fn a_dumped_token_read_back_is_refused_not_used() {
        let err = with_env(&[("LOA_API_TOKEN", "***")]).unwrap_err();
        assert!(err.to_string().contains("`api_token`"), "{err}");
        let dumped = toml::to_string(&Config {
            api_token: Some("real".into()),
            ..Config::default()
        })
        .expect("toml");
        assert!(with_file(&dumped).is_err(), "{dumped}");
    }

    #[test]
    fn the_token_matches_only_itself() {
        let s = Secret::from("abc123");
        assert!(s.matches("abc123"));
        assert!(!s.matches("abc12"));
        assert!(!s.matches("abc1234"));
        assert!(!s.matches(""));
        assert!(!s.matches("ABC123"));
        assert!(Secret::from("").is_empty());
    }

    #[test]
    fn the_defaults_survive_their_own_serialization() {
        // `load` starts from the serialized defaults; a typed field that wrote a form its reader
        // refuses would stop every start-up.
        let text = toml::to_string(&Config::default()).expect("toml");
        let c = with_file(&text).expect("reads back");
        assert_eq!(c.quiet_window(), (hm(21, 0), hm(7, 0)));
        assert_eq!(c.timezone, chrono_tz::Asia::Ho_Chi_Minh);
        assert_eq!(c.listen, Config::default().listen);
    }

    #[test]
    fn the_variables_are_every_key_of_the_struct() {
        let names = env_names();
        // Options unset by default and nested tables are the cases a walk could miss.
        for name in [
            "DATABASE_URL",
            "LISTEN",
            "TIMEZONE",
            "LOCALES_DIR",
            "INSTANCE_ID",
            "API_TOKEN",
            "QUIET_HOURS__START",
            "QUIET_HOURS__END",
            "SIMULATOR__RATE",
            "DISPATCHER__BULK_TTL_HOURS",
        ] {
            assert!(names.iter().any(|n| n == name), "{name} missing: {names:?}");
        }
        assert!(!names.iter().any(|n| n == "QUIET_HOURS"), "{names:?}");
    }

    /// A configuration that differs from the defaults in every key, written out as `LOA_*`
    /// variables through the derived names, must load back whole: each key has a working
    /// variable. Adding a field to `Config` breaks the literal below, so it is covered too.
    #[test]
    fn every_key_is_read_from_its_variable() {
        let want = Config {
            database_url: "postgres://u@db/loa".into(),
            listen: SocketAddr::from(([10, 0, 0, 2], 9090)),
            gateway_dir: PathBuf::from("/etc/loa/gateways"),
            timezone: chrono_tz::Asia::Bangkok,
            locales_dir: Some(PathBuf::from("/srv/locales")),
            retention_days: 30,
            instance_id: Some("node-a".into()),
            quiet_hours: QuietHours {
                start: hm(22, 15),
                end: hm(5, 45),
            },
            simulator: SimulatorConfig {
                enabled: true,
                rate: 3,
            },
            dispatcher: DispatcherConfig {
                batch_size: 11,
                lease_seconds: 12,
                hold_seconds: 18,
                poll_millis: 13,
                concurrency: 14,
                max_backoff_seconds: 15,
                reply_ttl_hours: 16,
                bulk_ttl_hours: 17,
            },
            replies: RepliesConfig {
                budget: 18,
                window_minutes: 19,
            },
            api_token: Some("t0ken".into()),
            maternal: MaternalConfig {
                schedule: AncSchedule::Who,
                window_start: hm(6, 30),
                window_end: hm(10, 0),
            },
            legal_aid: LegalAidConfig {
                holidays: vec![chrono::NaiveDate::from_ymd_opt(2026, 9, 2).expect("date")],
                home_province: Some("19".into()),
            },
            trusted_proxies: vec!["10.0.0.0/8".parse().expect("net")],
        };
        let mut env = Vec::new();
        flatten(
            &Value::serialize(&want).expect("value"),
            &mut Vec::new(),
            &mut env,
        );
        // The token serializes as `***`; give the variable the real one.
        for (name, value) in &mut env {
            if name == "LOA_API_TOKEN" {
                *value = "t0ken".into();
            }
        }
        assert_eq!(env.len(), env_names().len(), "{env:?}");
        let got = Config::load_from(None, env).expect("loads");
        assert!(got.api_token.as_ref().expect("token").matches("t0ken"));
        let shown = |c: &Config| serde_json::to_value(c).expect("json");
        assert_eq!(shown(&got), shown(&want));
    }

    fn flatten(value: &Value, path: &mut Vec<String>, out: &mut Vec<(String, String)>) {
        match value {
            Value::Dict(_, dict) => {
                for (key, value) in dict {
                    path.push(key.clone());
                    flatten(value, path, out);
                    path.pop();
                }
            }
            Value::String(_, s) => out.push((format!("LOA_{}", env_name(path)), s.clone())),
            Value::Bool(_, b) => out.push((format!("LOA_{}", env_name(path)), b.to_string())),
            Value::Num(_, n) => {
                let n = n.to_u128().expect("unsigned");
                out.push((format!("LOA_{}", env_name(path)), n.to_string()));
            }
            // A list of texts, written as TOML writes it: `["2026-09-02"]`.
            Value::Array(_, items) => {
                let texts: Vec<String> = items
                    .iter()
                    .map(|v| format!("{:?}", v.as_str().expect("a list of texts")))
                    .collect();
                out.push((
                    format!("LOA_{}", env_name(path)),
                    format!("[{}]", texts.join(", ")),
                ));
            }
            other => panic!("no variable form for {other:?} at {path:?}"),
        }
    }

    #[test]
    fn variables_no_key_reads_are_reported() {
        let vars = [
            ("LOA_TIMEZON", "x"),
            ("LOA_TIMEZONE", "UTC"),
            ("LOA_QUIET_HOURS__START", "22:00"),
            ("LOA_QUIET_HOURS", "x"),
            ("LOA_TEST_DATABASE_URL", "x"),
            ("LOA_SECRET_KANNEL", "x"),
            ("HOME", "/root"),
        ];
        let unknown = unknown_in(vars.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        assert_eq!(unknown, ["LOA_TIMEZON", "LOA_QUIET_HOURS"]);
        // Ignored by the loader too, not an error: scripts may keep their own.
        with_env(&vars).expect("loads");
    }
}
