//! The `loa` command: serve, migrate, and the small tools operators script against.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};

use loa::config::Config;
use loa::i18n::{msg_id, Locales, Msg};

#[derive(Parser)]
#[command(
    name = "loa",
    version,
    about = "SMS and USSD citizen service for mountain communes"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP server, the dispatcher and the scheduler.
    Serve {
        /// TOML configuration file; LOA_* environment variables override it.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Load the demo places and phone numbers (demo/*.csv) before starting.
        #[arg(long)]
        demo: bool,
    },
    /// Apply database migrations and exit.
    Migrate {
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// How TEXT goes over SMS: encoding, length, parts, and the same for its unaccented form.
    SmsInfo {
        /// Print JSON: `encoding`, `chars`, `parts`, and `unaccented` with `text` and the same three.
        #[arg(long)]
        json: bool,
        /// Language of the output.
        #[arg(long, default_value = "vi", value_parser = ["vi", "en"])]
        lang: String,
        text: String,
    },
    /// The E.164 form of a Vietnamese mobile number (exit status 2 if it is not one).
    Phone {
        /// Print JSON: `e164`, `national`, `converted_from` (or `error` with the reason).
        #[arg(long)]
        json: bool,
        /// Language of the output.
        #[arg(long, default_value = "vi", value_parser = ["vi", "en"])]
        lang: String,
        number: String,
    },
    /// Import a spreadsheet: areas, households, support records, staff or pregnancies.
    /// Every row is checked; a file with any problem imports nothing.
    Import {
        #[arg(value_enum)]
        kind: ImportKind,
        /// The file: .csv (UTF-8, UTF-16 or Windows-1258), .txt (Excel's "Unicode text"), .xlsx,
        /// .xlsm or .ods (first sheet).
        file: PathBuf,
        /// Check and report only; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Language of the report.
        #[arg(long, default_value = "vi", value_parser = ["vi", "en"])]
        lang: String,
        /// Another spelling of a column: `--map "Điện thoại liên hệ=phones"` (repeatable).
        #[arg(long = "map", value_name = "HEADER=FIELD")]
        map: Vec<String>,
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Staff accounts of the console and the API: `add`, `passwd`, `disable`, `list`.
    User {
        #[command(subcommand)]
        action: UserAction,
        #[arg(long, global = true)]
        config: Option<PathBuf>,
        /// Language of the output.
        #[arg(long, global = true, default_value = "vi", value_parser = ["vi", "en"])]
        lang: String,
    },
    /// Figures without personal data, as CSV on stdout.
    Report {
        #[command(subcommand)]
        what: ReportKind,
    },
    /// How many messages each language translates.
    Locales {
        /// Language of the output.
        #[arg(long, default_value = "vi", value_parser = ["vi", "en"])]
        lang: String,
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum UserAction {
    /// Make an account, tied to a staff member (`--staff PHONE`: their role and areas) or an
    /// admin or monitor without a staff row (`--role`). Without `--password-stdin` a password
    /// is made and printed once.
    Add {
        username: String,
        #[arg(long, conflicts_with = "role", required_unless_present = "role")]
        staff: Option<String>,
        #[arg(long, value_parser = ["admin", "monitor"])]
        role: Option<String>,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set a new password (read from standard input, or made and printed); signs the account out.
    Passwd {
        username: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// Disable an account: it cannot sign in, its sessions end and its API tokens stop working.
    Disable { username: String },
    /// Every account, its role and staff row, and whether it is disabled.
    List,
}

#[derive(Subcommand)]
enum ReportKind {
    /// Legal aid requests by month, province, commune, category and status.
    LegalAid {
        /// The month, written YYYY-MM (local time); every month when left out.
        #[arg(long, value_parser = parse_month)]
        month: Option<chrono::NaiveDate>,
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

fn parse_month(text: &str) -> Result<chrono::NaiveDate, String> {
    loa::features::legal_aid::figures::parse_month(text)
        .ok_or_else(|| format!("`{text}` is not a month written YYYY-MM"))
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ImportKind {
    Areas,
    Households,
    Support,
    Staff,
    Pregnancies,
}

fn init_logging() {
    use std::io::IsTerminal;
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn,tokio_cron_scheduler=warn".into()),
        )
        // Colour codes only for a person at a terminal, never into a file or a pipe.
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr)
        .init();
}

/// The locales the configuration names (a folder), or the ones built in.
fn locales_of(config: &Config) -> anyhow::Result<Locales> {
    Ok(match &config.locales_dir {
        Some(dir) => Locales::from_dir(dir)?,
        None => Locales::embedded()?,
    })
}

/// The built-in locales, for the commands that read no configuration.
fn embedded_locales() -> Result<Locales, ExitCode> {
    Locales::embedded().map_err(|err| {
        eprintln!("loa: {err}");
        ExitCode::FAILURE
    })
}

fn load_config(path: Option<&std::path::Path>) -> anyhow::Result<Config> {
    for name in Config::unknown_env_vars() {
        tracing::warn!(variable = %name, "unknown LOA_ environment variable (a typo?)");
    }
    Ok(Config::load(path)?)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::SmsInfo { json, lang, text } => sms_info(json, &lang, &text),
        Command::Phone { json, lang, number } => phone(json, &lang, &number),
        command => {
            init_logging();
            let runtime = match tokio::runtime::Runtime::new() {
                Ok(rt) => rt,
                Err(err) => {
                    eprintln!("loa: cannot start the runtime: {err}");
                    return ExitCode::FAILURE;
                }
            };
            match runtime.block_on(run(command)) {
                Ok(()) => ExitCode::SUCCESS,
                Err(err) => {
                    eprintln!("loa: {err:#}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}

async fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Serve { config, demo } => {
            let config = load_config(config.as_deref())?;
            loa::server::serve(config, demo).await?;
        }
        Command::Migrate { config } => {
            let config = load_config(config.as_deref())?;
            let db = loa::db::connect(&config.database_url).await?;
            loa::db::migrate(&db).await.context("migrating")?;
            db.close().await;
            println!("migrations applied");
        }
        Command::Locales { lang, config } => {
            let config = load_config(config.as_deref())?;
            let locales = locales_of(&config)?;
            for c in locales.coverage() {
                let line = Msg::new("cli-locales-line")
                    .arg("lang", c.lang.clone())
                    .num("translated", c.translated as i64)
                    .num("total", c.total as i64);
                println!("{}", locales.render(&lang, &line));
            }
        }
        Command::Import {
            kind,
            file,
            dry_run,
            lang,
            map,
            config,
        } => {
            let config = load_config(config.as_deref())?;
            import(config, kind, &file, dry_run, &lang, &map).await?;
        }
        Command::User {
            action,
            config,
            lang,
        } => {
            let config = load_config(config.as_deref())?;
            let locales = locales_of(&config)?;
            let db = loa::db::connect(&config.database_url).await?;
            loa::db::migrate(&db).await.context("migrating")?;
            let say = Say {
                locales: &locales,
                lang: &lang,
            };
            let done = user(&db, action, say).await;
            db.close().await;
            done?;
        }
        Command::Report {
            what: ReportKind::LegalAid { month, config },
        } => {
            let config = load_config(config.as_deref())?;
            let db = loa::db::connect(&config.database_url).await?;
            loa::db::migrate(&db).await.context("migrating")?;
            let figures = loa::features::legal_aid::figures::figures(&db, config.timezone, month);
            let rows = figures.await?;
            print!("{}", loa::features::legal_aid::figures::to_csv(&rows));
            db.close().await;
        }
        Command::SmsInfo { .. } | Command::Phone { .. } => {
            unreachable!("handled without a runtime")
        }
    }
    Ok(())
}

async fn import(
    config: Config,
    kind: ImportKind,
    file: &std::path::Path,
    dry_run: bool,
    lang: &str,
    map: &[String],
) -> anyhow::Result<()> {
    use loa::features::import::{self, Kind, Options};
    let kind = match kind {
        ImportKind::Areas => Kind::Areas,
        ImportKind::Households => Kind::Households,
        ImportKind::Support => Kind::Support,
        ImportKind::Staff => Kind::Staff,
        ImportKind::Pregnancies => Kind::Pregnancies,
    };
    let header_map = map
        .iter()
        .map(|m| {
            m.split_once('=')
                .map(|(h, f)| (h.trim().to_string(), f.trim().to_string()))
                .with_context(|| format!("--map {m:?}: expected HEADER=FIELD"))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let db = loa::db::connect(&config.database_url).await?;
    loa::db::migrate(&db).await.context("migrating")?;
    // Everything the import needs after writing (locales, keywords, the outbox) is built and
    // checked before it writes; gateways are `loa serve`'s and are not read here.
    let svc = loa::app::App::services(&config, db.clone())?;
    let opts = Options {
        dry_run,
        header_map,
        progress: true,
        actor: None,
        schedule: config.maternal.schedule,
        timezone: config.timezone,
        now: None,
    };
    let report = match import::run(&db, kind, file, &opts).await {
        Ok(r) => r,
        Err(err) => {
            db.close().await;
            // A file that cannot be read is told in the office's language, with advice.
            let Some(msg) = err.msg() else {
                return Err(err.into());
            };
            anyhow::bail!("{}: {}", file.display(), svc.locales.render(lang, &msg));
        }
    };
    println!("{}", report.render(&svc.locales, lang));
    if !report.ok() {
        db.close().await;
        let failed = Msg::new("cli-import-failed").arg("file", file.display().to_string());
        anyhow::bail!("{}", svc.locales.render(lang, &failed));
    }
    if !report.changes.is_empty() {
        // Queued now, sent by the dispatcher of `loa serve`. The changes are committed and
        // marked to announce: if queuing fails here, `loa serve` queues them within a minute.
        match loa::features::support::announce::announce(
            &db,
            &svc.locales,
            &svc.outbox,
            &report.changes,
        )
        .await
        {
            Ok(queued) => {
                let queued = Msg::new("import-messages-queued").num("count", queued as i64);
                eprintln!("{}", svc.locales.render(lang, &queued));
            }
            Err(err) => {
                db.close().await;
                anyhow::bail!(
                    "{}: the data ARE imported; queuing the status SMS failed ({err}); \
                     `loa serve` queues them within a minute",
                    file.display()
                );
            }
        }
    }
    db.close().await;
    Ok(())
}

/// The password to set: the first line of standard input, or a new one (printed).
fn password(from_stdin: bool) -> anyhow::Result<(String, bool)> {
    if !from_stdin {
        return Ok((loa::features::accounts::generate_password(), true));
    }
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .context("reading the password from standard input")?;
    Ok((line.trim_end_matches(['\r', '\n']).to_string(), false))
}

/// What a command says, in the language asked for (`--lang`, Vietnamese by default).
#[derive(Clone, Copy)]
struct Say<'a> {
    locales: &'a Locales,
    lang: &'a str,
}

impl Say<'_> {
    fn text(&self, msg: &Msg) -> String {
        self.locales.render(self.lang, msg)
    }

    fn line(&self, msg: &Msg) {
        println!("{}", self.text(msg));
    }

    /// A refusal, said as the command's error (`loa: …`, a failing exit status).
    fn refuse(&self, msg: &Msg) -> anyhow::Error {
        anyhow::anyhow!(self.text(msg))
    }
}

/// Why an account could not be made or changed, as the person at the keyboard is told it.
fn account_refusal(err: &loa::features::accounts::AccountError) -> Option<Msg> {
    use loa::features::accounts::{AccountError as E, MAX_PASSWORD, MIN_PASSWORD};
    Some(match err {
        E::BadUsername => Msg::new("cli-user-bad-username"),
        E::BadPassword => Msg::new("cli-user-bad-password")
            .num("min", MIN_PASSWORD as i64)
            .num("max", MAX_PASSWORD as i64),
        E::RoleNeedsStaff => Msg::new("cli-user-role-needs-staff"),
        E::Taken => Msg::new("cli-user-taken"),
        E::NoSuchStaff => Msg::new("cli-user-no-staff"),
        E::NotFound => Msg::new("cli-user-not-found"),
        E::Db(_) | E::Hash(_) => return None,
    })
}

/// An account error: a refusal in words, anything else (the database) as it is.
fn account_error(say: Say<'_>, err: loa::features::accounts::AccountError) -> anyhow::Error {
    match account_refusal(&err) {
        Some(msg) => say.refuse(&msg),
        None => err.into(),
    }
}

/// The staff row `--staff PHONE` names.
async fn staff_of(db: &loa::db::Db, say: Say<'_>, phone: &str) -> anyhow::Result<i64> {
    let m = loa::phone::Msisdn::parse(phone).map_err(|e| {
        let reason = say.text(&e.msg());
        say.refuse(&Msg::new("cli-user-bad-staff-phone").arg("reason", reason))
    })?;
    match loa::features::staff::by_phone(db, &m).await? {
        Some(s) => Ok(s.id),
        None => Err(say.refuse(&Msg::new("cli-user-no-staff-phone").arg("phone", phone))),
    }
}

/// A password made by loa is shown this once.
fn show_made(say: Say<'_>, made: bool, pw: &str) {
    if made {
        say.line(&Msg::new("cli-user-password").arg("password", pw));
    }
}

async fn user(db: &loa::db::Db, action: UserAction, say: Say<'_>) -> anyhow::Result<()> {
    use loa::features::accounts::{self, NewAccount};
    use loa::features::staff::Role;
    match action {
        UserAction::Add {
            username,
            staff: phone,
            role,
            password_stdin,
        } => {
            let staff_id = match phone {
                Some(p) => Some(staff_of(db, say, &p).await?),
                None => None,
            };
            let role = role.as_deref().and_then(Role::from_db);
            let (pw, made) = password(password_stdin)?;
            let new = NewAccount {
                username: &username,
                password: &pw,
                staff_id,
                role,
            };
            let a = accounts::add(db, &new)
                .await
                .map_err(|e| account_error(say, e))?;
            let msg = Msg::new("cli-user-added")
                .arg("username", a.username.clone())
                .num("id", a.id);
            say.line(&msg);
            show_made(say, made, &pw);
        }
        UserAction::Passwd {
            username,
            password_stdin,
        } => {
            let (pw, made) = password(password_stdin)?;
            accounts::set_password(db, &username, &pw)
                .await
                .map_err(|e| account_error(say, e))?;
            say.line(&Msg::new("cli-user-password-changed").arg("username", username));
            show_made(say, made, &pw);
        }
        UserAction::Disable { username } => {
            accounts::disable(db, &username)
                .await
                .map_err(|e| account_error(say, e))?;
            say.line(&Msg::new("cli-user-disabled").arg("username", username));
        }
        UserAction::List => list_users(db, say).await?,
    }
    Ok(())
}

/// Every account: username, role (and staff row), active or disabled.
async fn list_users(db: &loa::db::Db, say: Say<'_>) -> anyhow::Result<()> {
    use loa::features::{accounts, staff};
    for a in accounts::store::list(db).await? {
        let role = match (a.own_role, a.staff_id) {
            (Some(r), _) => say.text(&Msg::new(role_msg(r))),
            (None, Some(id)) => match staff::by_id(db, id).await? {
                Some(s) => {
                    let of = Msg::new("cli-user-staff-role")
                        .arg_msg("role", role_msg(s.role))
                        .num("id", id);
                    say.text(&of)
                }
                None => "?".into(),
            },
            (None, None) => "?".into(),
        };
        let state = if a.disabled {
            msg_id("cli-user-state-disabled")
        } else {
            msg_id("cli-user-state-active")
        };
        let state = say.text(&Msg::new(state));
        println!("{:<24} {:<36} {state}", a.username, role);
    }
    Ok(())
}

/// A role's name, as the console says it.
fn role_msg(role: loa::features::staff::Role) -> &'static str {
    loa::http::console::role_msg(role)
}

fn sms_info(json: bool, lang: &str, text: &str) -> ExitCode {
    let r = loa::text::report(text);
    if json {
        match serde_json::to_string_pretty(&r) {
            Ok(s) => println!("{s}"),
            Err(err) => {
                eprintln!("loa: {err}");
                return ExitCode::FAILURE;
            }
        }
        return ExitCode::SUCCESS;
    }
    let locales = match embedded_locales() {
        Ok(l) => l,
        Err(code) => return code,
    };
    let line = |id: &'static str, info: &loa::text::SmsInfo| {
        Msg::new(id)
            .arg("encoding", info.encoding.as_str())
            .num("chars", info.chars as i64)
            .num("parts", info.parts as i64)
    };
    println!("{}", locales.render(lang, &line("cli-sms-info", &r.info)));
    let plain =
        line("cli-sms-info-unaccented", &r.unaccented.info).arg("text", r.unaccented.text.clone());
    println!("{}", locales.render(lang, &plain));
    ExitCode::SUCCESS
}

fn phone(json: bool, lang: &str, number: &str) -> ExitCode {
    let parsed = loa::phone::Msisdn::parse_with_note(number);
    if json {
        let v = match &parsed {
            Ok((m, conversion)) => serde_json::json!({
                "e164": m.as_str(),
                "national": m.national(),
                "converted_from": conversion.as_ref().map(|c| c.old.clone()),
            }),
            Err(err) => serde_json::json!({ "error": err.to_string() }),
        };
        println!("{v}");
        return if parsed.is_ok() {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(2)
        };
    }
    let locales = match embedded_locales() {
        Ok(l) => l,
        Err(code) => return code,
    };
    match parsed {
        Ok((m, conversion)) => {
            println!("{}", m.as_str());
            if let Some(c) = conversion {
                let note = Msg::new("cli-phone-converted")
                    .arg("old", c.old)
                    .arg("new", c.new);
                eprintln!("{}", locales.render(lang, &note));
            }
            ExitCode::SUCCESS
        }
        Err(err) => {
            let msg = Msg::new("cli-phone-invalid")
                .arg("number", number)
                .arg("reason", locales.render(lang, &err.msg()));
            eprintln!("loa: {}", locales.render(lang, &msg));
            ExitCode::from(2)
        }
    }
}
