//! Configuration: built-in defaults, then a TOML file, then `LOA_*` environment variables.

use std::net::SocketAddr;
use std::path::PathBuf;

use chrono::NaiveTime;
use chrono_tz::Tz;
use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};

/// Everything `loa serve` needs. Every field has a default, so no file at all is a valid setup:
/// the embedded default (SQLite under `./data/`, the simulator gateway, 127.0.0.1:8080).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub database_url: String,
    pub listen: String,
    /// Folder with one TOML file per gateway instance.
    pub gateway_dir: PathBuf,
    /// IANA name of the time zone people live in (quiet hours, cron jobs, dates in texts).
    pub timezone: String,
    /// A folder of `<lang>/*.ftl` that replaces the embedded locales, for translators.
    pub locales_dir: Option<PathBuf>,
    /// Message bodies older than this are deleted; the metadata stays.
    pub retention_days: u32,
    /// Names this process in leases; defaults to host name and process id.
    pub instance_id: Option<String>,
    pub quiet_hours: QuietHours,
    pub simulator: SimulatorConfig,
    pub dispatcher: DispatcherConfig,
    /// Bearer token of the staff API (`/api/v1/…`); unset, the API refuses every request.
    #[serde(default)]
    pub api_token: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuietHours {
    /// Local time ("HH:MM") after which bulk messages wait.
    pub start: String,
    /// Local time ("HH:MM") at which they go again.
    pub end: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimulatorConfig {
    pub enabled: bool,
    /// SMS parts per second the simulated network accepts.
    pub rate: u32,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DispatcherConfig {
    /// Rows claimed at once.
    pub batch_size: u32,
    /// A row left in `sending` longer than this (a crash) is claimed again.
    pub lease_seconds: u64,
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
            listen: "127.0.0.1:8080".into(),
            gateway_dir: PathBuf::from("gateway-config"),
            timezone: "Asia/Ho_Chi_Minh".into(),
            locales_dir: None,
            retention_days: 180,
            instance_id: None,
            quiet_hours: QuietHours {
                start: "21:00".into(),
                end: "07:00".into(),
            },
            simulator: SimulatorConfig {
                enabled: true,
                rate: 100,
            },
            dispatcher: DispatcherConfig {
                batch_size: 50,
                lease_seconds: 60,
                poll_millis: 500,
                concurrency: 8,
                max_backoff_seconds: 900,
                reply_ttl_hours: 24,
                bulk_ttl_hours: 72,
            },
            api_token: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration: {0}")]
    Parse(String),
    #[error("configuration key `{key}`: {problem}")]
    Invalid { key: &'static str, problem: String },
    #[error("configuration file {0} does not exist")]
    MissingFile(PathBuf),
}

/// The environment variables `loa` reads; anything else starting with `LOA_` is probably a typo.
const KNOWN_ENV: &[&str] = &[
    "DATABASE_URL",
    "LISTEN",
    "GATEWAY_DIR",
    "TIMEZONE",
    "LOCALES_DIR",
    "RETENTION_DAYS",
    "INSTANCE_ID",
    "QUIET_HOURS__START",
    "QUIET_HOURS__END",
    "SIMULATOR__ENABLED",
    "SIMULATOR__RATE",
    "DISPATCHER__BATCH_SIZE",
    "DISPATCHER__LEASE_SECONDS",
    "DISPATCHER__POLL_MILLIS",
    "DISPATCHER__CONCURRENCY",
    "DISPATCHER__MAX_BACKOFF_SECONDS",
    "DISPATCHER__REPLY_TTL_HOURS",
    "DISPATCHER__BULK_TTL_HOURS",
    "API_TOKEN",
];

/// Prefixes of `LOA_` variables that are not configuration: the tests', CI's and benchmarks' own,
/// and secrets that gateway files name.
const NOT_CONFIG_PREFIXES: &[&str] = &["LOA_TEST_", "LOA_CI_", "LOA_BENCH_", "LOA_SECRET_"];

fn is_config_env(name: &str) -> bool {
    !NOT_CONFIG_PREFIXES.iter().any(|p| name.starts_with(p))
}

impl Config {
    /// Defaults, then `file` (which must exist when given), then `LOA_*` variables; validated.
    pub fn load(file: Option<&std::path::Path>) -> Result<Config, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(path) = file {
            if !path.exists() {
                return Err(ConfigError::MissingFile(path.to_path_buf()));
            }
            figment = figment.merge(Toml::file_exact(path));
        }
        // Only the variables a key reads; any other LOA_* is warned about (unknown_env_vars), not
        // fatal, so that scripts may keep their own LOA_ variables beside ours.
        figment = figment.merge(
            Env::prefixed("LOA_")
                .filter(|k| KNOWN_ENV.contains(&k.as_str().to_uppercase().as_str()))
                .split("__"),
        );
        let config: Config = figment
            .extract()
            .map_err(|e| ConfigError::Parse(e.to_string()))?;
        config.validate()?;
        Ok(config)
    }

    /// `LOA_*` variables set in the environment that no key reads.
    pub fn unknown_env_vars() -> Vec<String> {
        std::env::vars()
            .map(|(k, _)| k)
            .filter(|k| {
                k.strip_prefix("LOA_")
                    .is_some_and(|rest| is_config_env(k) && !KNOWN_ENV.contains(&rest))
            })
            .collect()
    }

    fn validate(&self) -> Result<(), ConfigError> {
        crate::db::Backend::from_url(&self.database_url).ok_or(ConfigError::Invalid {
            key: "database_url",
            problem: "must start with sqlite: or postgres://".into(),
        })?;
        self.listen_addr()?;
        self.tz()?;
        self.quiet_window()?;
        if self.retention_days == 0 {
            return Err(ConfigError::Invalid {
                key: "retention_days",
                problem: "must be at least 1".into(),
            });
        }
        if self.simulator.rate == 0 {
            return Err(ConfigError::Invalid {
                key: "simulator.rate",
                problem: "must be at least 1 part per second".into(),
            });
        }
        let d = &self.dispatcher;
        for (key, value) in [
            ("dispatcher.batch_size", d.batch_size as u64),
            ("dispatcher.lease_seconds", d.lease_seconds),
            ("dispatcher.poll_millis", d.poll_millis),
            ("dispatcher.concurrency", d.concurrency as u64),
            ("dispatcher.max_backoff_seconds", d.max_backoff_seconds),
            ("dispatcher.reply_ttl_hours", d.reply_ttl_hours as u64),
            ("dispatcher.bulk_ttl_hours", d.bulk_ttl_hours as u64),
        ] {
            if value == 0 {
                return Err(ConfigError::Invalid {
                    key,
                    problem: "must be greater than 0".into(),
                });
            }
        }
        Ok(())
    }

    pub fn listen_addr(&self) -> Result<SocketAddr, ConfigError> {
        self.listen.parse().map_err(|_| ConfigError::Invalid {
            key: "listen",
            problem: format!(
                "`{}` is not an address and port such as 127.0.0.1:8080",
                self.listen
            ),
        })
    }

    pub fn tz(&self) -> Result<Tz, ConfigError> {
        self.timezone.parse().map_err(|_| ConfigError::Invalid {
            key: "timezone",
            problem: format!(
                "`{}` is not an IANA time zone such as Asia/Ho_Chi_Minh",
                self.timezone
            ),
        })
    }

    pub fn quiet_window(&self) -> Result<(NaiveTime, NaiveTime), ConfigError> {
        let parse = |key: &'static str, v: &str| {
            NaiveTime::parse_from_str(v, "%H:%M").map_err(|_| ConfigError::Invalid {
                key,
                problem: format!("`{v}` is not a time of day as HH:MM"),
            })
        };
        Ok((
            parse("quiet_hours.start", &self.quiet_hours.start)?,
            parse("quiet_hours.end", &self.quiet_hours.end)?,
        ))
    }

    pub fn instance(&self) -> String {
        self.instance_id.clone().unwrap_or_else(|| {
            let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "loa".into());
            format!("{host}-{}", std::process::id())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn with_file(body: &str) -> Result<Config, ConfigError> {
        let mut f = tempfile::NamedTempFile::new().expect("temp file");
        f.write_all(body.as_bytes()).expect("write");
        Config::load(Some(f.path()))
    }

    #[test]
    fn defaults_are_the_embedded_setup() {
        let c = Config::default();
        c.validate().expect("defaults valid");
        assert!(c.database_url.starts_with("sqlite:"));
        assert_eq!(c.listen, "127.0.0.1:8080");
        assert_eq!(c.tz().expect("tz"), chrono_tz::Asia::Ho_Chi_Minh);
    }

    #[test]
    fn a_bad_value_names_its_key() {
        let err = with_file("timezone = \"Mars/Olympus\"\n").unwrap_err();
        assert!(err.to_string().contains("`timezone`"), "{err}");
        let err = with_file("[quiet_hours]\nstart = \"9pm\"\nend = \"07:00\"\n").unwrap_err();
        assert!(err.to_string().contains("quiet_hours.start"), "{err}");
        let err = with_file("listen = \"everywhere\"\n").unwrap_err();
        assert!(err.to_string().contains("`listen`"), "{err}");
    }

    #[test]
    fn an_unknown_key_is_refused_by_name() {
        let err = with_file("retention_dayz = 3\n").unwrap_err();
        assert!(err.to_string().contains("retention_dayz"), "{err}");
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
}
