//! Staff accounts: the `loa user` command, the demo's accounts, sign-in, sessions, CSRF, throttling and API tokens.

use std::process::Command;

use loa::features::accounts::{self, sessions, store, throttle};

use crate::common::{self, TestApp, PASSWORD};

/// Runs `loa user …` on the test's database, with `stdin` as standard input.
fn loa_user(db_url: &str, args: &[&str], stdin: &str) -> (bool, String) {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_loa"))
        .arg("user")
        .args(args)
        .env("LOA_DATABASE_URL", db_url)
        .env("RUST_LOG", "warn")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run loa");
    if let Some(mut s) = child.stdin.take() {
        s.write_all(stdin.as_bytes()).expect("stdin");
    }
    let out = child.wait_with_output().expect("loa output");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[tokio::test]
async fn the_user_command_adds_changes_disables_and_lists_accounts() {
    let t = common::spawn().await;
    let url = t.db.url.clone();
    let db = t.app.services.db.clone();
    let run = move |args: Vec<&'static str>, stdin: &'static str| {
        let url = url.clone();
        tokio::task::spawn_blocking(move || loa_user(&url, &args, stdin))
    };

    // Vietnamese unless asked otherwise, as the rest of the command line.
    let (ok, out) = run(vec!["add", "root", "--role", "admin"], "")
        .await
        .expect("join");
    assert!(ok && out.contains("Đã tạo tài khoản root"), "{out}");
    let made = out
        .lines()
        .find_map(|l| l.strip_prefix("Mật khẩu: "))
        .expect("a made password is printed")
        .to_string();
    let (a, hash) = store::by_username(&db, "root")
        .await
        .expect("db")
        .expect("root");
    assert!(hash.starts_with("$argon2id$"), "argon2id at rest");
    assert!(accounts::verify_password(Some(hash), &made).await);
    assert_eq!(a.own_role, Some(loa::features::staff::Role::Admin));

    let (ok, out) = run(
        vec!["add", "quyet", "--staff", "0912009003", "--password-stdin"],
        "a long password 1\n",
    )
    .await
    .expect("join");
    assert!(ok && !out.contains("Mật khẩu:"), "{out}");
    for (args, stdin, said) in [
        (
            vec!["add", "quyet", "--role", "monitor"],
            "",
            "Tên đăng nhập này đã có người dùng",
        ),
        (
            vec!["add", "quyet", "--role", "monitor", "--lang", "en"],
            "",
            "the username is taken",
        ),
        (
            vec!["add", "nobody", "--staff", "0912999999"],
            "",
            "không có cán bộ nào dùng số 0912999999",
        ),
        (
            vec!["add", "nobody", "--staff", "12ab"],
            "",
            "--staff: số điện thoại chỉ gồm chữ số",
        ),
        (
            vec!["add", "short", "--role", "admin", "--password-stdin"],
            "abc\n",
            "Mật khẩu dài 10 đến 256 byte",
        ),
        (vec!["disable", "nobody"], "", "Không có tài khoản này"),
    ] {
        let (ok, out) = run(args, stdin).await.expect("join");
        assert!(!ok && out.contains(said), "{said}: {out}");
    }

    let (ok, out) = run(
        vec!["passwd", "quyet", "--password-stdin"],
        "another long one\n",
    )
    .await
    .expect("join");
    assert!(ok && out.contains("Đã đổi mật khẩu của quyet"), "{out}");
    let (_, hash) = store::by_username(&db, "quyet")
        .await
        .expect("db")
        .expect("quyet");
    assert!(accounts::verify_password(Some(hash), "another long one").await);

    let (ok, out) = run(vec!["disable", "quyet"], "").await.expect("join");
    assert!(ok && out.contains("Đã khóa tài khoản quyet"), "{out}");
    let (ok, out) = run(vec!["list"], "").await.expect("join");
    assert!(ok, "{out}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(lines[0].starts_with("quyet") && lines[0].contains("cán bộ xã (cán bộ số"));
    assert!(lines[0].ends_with("đã khóa"), "{out}");
    assert!(
        lines[1].starts_with("root") && lines[1].ends_with("đang hoạt động"),
        "{out}"
    );
    let (ok, out) = run(vec!["list", "--lang", "en"], "").await.expect("join");
    assert!(ok, "{out}");
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].contains("commune officer (staff") && lines[0].ends_with("disabled"));
    assert!(
        lines[1].contains("admin") && lines[1].ends_with("active"),
        "{out}"
    );
    t.stop().await;
}

#[tokio::test]
async fn the_demo_makes_an_admin_and_one_account_per_staff_row_and_never_resets_one() {
    let t = common::spawn().await;
    let db = &t.app.services.db;
    // An account of a demo name made before (by staff, or a real one of the same name).
    let mine = "own-password-1234";
    let new = accounts::NewAccount {
        username: "admin",
        password: mine,
        staff_id: None,
        role: Some(loa::features::staff::Role::Admin),
    };
    accounts::add(db, &new)
        .await
        .expect("an admin made by hand");
    let first = loa::demo::accounts(db).await.expect("demo accounts");
    let names: Vec<&str> = first.iter().map(|a| a.username.as_str()).collect();
    assert_eq!(
        names,
        vec![
            "admin",
            "ha.thi.duyen",
            "dam.thi.lan",
            "hoang.van.quyet",
            "le.minh.tam"
        ]
    );
    assert_eq!(first[0].password, None, "admin was there: no new password");
    for a in &first[1..] {
        let (acc, hash) = store::by_username(db, &a.username)
            .await
            .expect("db")
            .expect("row");
        let password = a.password.as_deref().expect("made now, with a password");
        assert!(accounts::verify_password(Some(hash), password).await);
        assert!(acc.staff_id.is_some());
    }
    // Staff change a demo password, then the demo starts again: no account is made or reset.
    accounts::set_password(db, "hoang.van.quyet", "changed-by-staff-1")
        .await
        .expect("passwd");
    let second = loa::demo::accounts(db).await.expect("again");
    assert_eq!(store::list(db).await.expect("list").len(), 5);
    assert!(second.iter().all(|a| a.password.is_none()), "{second:?}");
    let addr = "127.0.0.1".parse().expect("ip");
    for (name, password) in [("admin", mine), ("hoang.van.quyet", "changed-by-staff-1")] {
        let signed = sessions::sign_in(db, name, password, addr)
            .await
            .expect("sign in");
        assert!(matches!(signed, sessions::SignIn::Ok { .. }), "{name}");
    }
    t.stop().await;
}

/// `RequestBuilder::form` without reqwest's `form` feature.
trait FormBody {
    fn form_body<T: serde::Serialize + ?Sized>(self, form: &T) -> Self;
}

impl FormBody for reqwest::RequestBuilder {
    fn form_body<T: serde::Serialize + ?Sized>(self, form: &T) -> Self {
        self.header("content-type", "application/x-www-form-urlencoded")
            .body(serde_urlencoded::to_string(form).expect("form"))
    }
}

/// A client that does not follow redirects, so a test sees each answer.
fn plain_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// The `Set-Cookie` header for cookie `name`, whole.
fn set_cookie(res: &reqwest::Response, name: &str) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(str::to_string)
}

fn cookie_value(set_cookie: &str) -> String {
    set_cookie
        .split(';')
        .next()
        .and_then(|kv| kv.split_once('='))
        .map(|(_, v)| v.to_string())
        .unwrap_or_default()
}

/// The value of the hidden `csrf` field of the first form on a page.
pub fn csrf_field(html: &str) -> String {
    html.split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("csrf field")
        .to_string()
}

/// Signs in through the form (with `headers` added): the answer.
async fn post_login(
    t: &TestApp,
    c: &reqwest::Client,
    username: &str,
    password: &str,
    extra: &[(&str, &str)],
) -> reqwest::Response {
    let page = c.get(t.url("/login")).send().await.expect("login page");
    let pre = set_cookie(&page, "loa_login").expect("login cookie");
    let csrf = csrf_field(&page.text().await.expect("html"));
    let mut req = c
        .post(t.url("/login"))
        .header("cookie", format!("loa_login={}", cookie_value(&pre)))
        .form_body(&[
            ("username", username),
            ("password", password),
            ("csrf", &csrf),
        ]);
    for (k, v) in extra {
        req = req.header(*k, *v);
    }
    req.send().await.expect("post login")
}

/// A signed-in session: the `Cookie` header value and the session's CSRF token.
pub async fn sign_in(t: &TestApp, username: &str, password: &str) -> (String, String) {
    let c = plain_client();
    let res = post_login(t, &c, username, password, &[]).await;
    assert_eq!(res.status(), 303, "sign-in of {username}");
    let session = set_cookie(&res, "loa_session").expect("session cookie");
    let cookie = format!("loa_session={}", cookie_value(&session));
    let home = c
        .get(t.url("/console"))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("console");
    assert_eq!(home.status(), 200);
    let csrf = csrf_field(&home.text().await.expect("html"));
    (cookie, csrf)
}

async fn audit_actions(t: &TestApp) -> Vec<(String, String)> {
    let f = loa::features::audit::Filter {
        limit: 500,
        ..Default::default()
    };
    let lines = loa::features::audit::list(&t.app.services.db, &f)
        .await
        .expect("audit");
    lines
        .into_iter()
        .map(|l| (l.action, l.detail.unwrap_or_default()))
        .collect()
}

#[tokio::test]
async fn sign_in_gives_a_strict_session_cookie_csrf_guards_changes_and_sign_out_ends_it() {
    let t = common::spawn().await;
    let c = plain_client();
    let officer = t.account(Some("0912009003")).await;

    let res = post_login(&t, &c, &officer, PASSWORD, &[]).await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/console");
    let raw = set_cookie(&res, "loa_session").expect("session cookie");
    assert!(
        raw.contains("HttpOnly") && raw.contains("SameSite=Strict"),
        "{raw}"
    );
    assert!(!raw.contains("Secure"), "plain HTTP: {raw}");
    let tls = post_login(
        &t,
        &c,
        &officer,
        PASSWORD,
        &[("x-forwarded-proto", "https")],
    )
    .await;
    let raw_tls = set_cookie(&tls, "loa_session").expect("cookie");
    assert!(raw_tls.contains("; Secure"), "{raw_tls}");

    let (cookie, csrf) = sign_in(&t, &officer, PASSWORD).await;
    let areas = c
        .get(t.url("/api/v1/areas"))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("areas");
    assert_eq!(areas.status(), 200, "a session works on the API");

    // A state-changing API call with the session cookie needs the session's CSRF token.
    let link = |token: Option<&str>| {
        let mut req = c
            .post(t.url("/api/v1/households/CG-0001/contacts"))
            .header("cookie", &cookie)
            .json(&serde_json::json!({ "phone": "0912555001" }));
        if let Some(tok) = token {
            req = req.header("x-csrf-token", tok);
        }
        req.send()
    };
    let refused = link(None).await.expect("post");
    assert_eq!(refused.status(), 403);
    let body: serde_json::Value = refused.json().await.expect("json");
    assert_eq!(body["error"]["code"], "csrf");
    assert_eq!(link(Some("0000")).await.expect("post").status(), 403);
    assert_eq!(link(Some(&csrf)).await.expect("post").status(), 200);

    // Sign-out needs the CSRF token too, then the session is gone everywhere.
    let out = c
        .post(t.url("/logout"))
        .header("cookie", &cookie)
        .form_body(&[("csrf", "nope")])
        .send()
        .await
        .expect("logout");
    assert_eq!(out.status(), 403);
    let out = c
        .post(t.url("/logout"))
        .header("cookie", &cookie)
        .form_body(&[("csrf", &csrf)])
        .send()
        .await
        .expect("logout");
    assert_eq!(out.status(), 303);
    assert!(set_cookie(&out, "loa_session")
        .expect("cleared")
        .contains("Max-Age=0"));
    let home = c
        .get(t.url("/console"))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("home");
    assert_eq!(
        (
            home.status().as_u16(),
            home.headers()["location"].to_str().ok()
        ),
        (303, Some("/login"))
    );
    let areas = c
        .get(t.url("/api/v1/areas"))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("areas");
    assert_eq!(areas.status(), 401);

    let actions = audit_actions(&t).await;
    assert!(actions.iter().any(|(a, _)| a == "sign_in"), "{actions:?}");
    assert!(
        actions
            .iter()
            .any(|(a, d)| a == "change" && d.starts_with("linked") && !d.contains("555001")),
        "the phone change is audited, masked: {actions:?}"
    );
    t.stop().await;
}

#[tokio::test]
async fn the_sign_in_form_refuses_a_post_without_its_own_token() {
    let t = common::spawn().await;
    let c = plain_client();
    let officer = t.account(Some("0912009003")).await;
    let res = c
        .post(t.url("/login"))
        .header("cookie", "loa_login=abc")
        .form_body(&[
            ("username", officer.as_str()),
            ("password", PASSWORD),
            ("csrf", "xyz"),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 403);
    assert!(set_cookie(&res, "loa_session").is_none());
    let html = res.text().await.expect("html");
    assert!(
        html.contains(&format!("value=\"{officer}\"")),
        "the username is kept"
    );
    t.stop().await;
}

#[tokio::test]
async fn wrong_passwords_are_throttled_per_account_and_per_address_across_restarts() {
    let t = common::spawn().await;
    let c = plain_client();
    let officer = t.account(Some("0912009003")).await;
    for _ in 0..throttle::PER_ACCOUNT {
        let res = post_login(&t, &c, &officer, "wrong password!", &[]).await;
        assert_eq!(res.status(), 401);
        let html = res.text().await.expect("html");
        assert!(
            html.contains("Sai tên đăng nhập hoặc mật khẩu"),
            "said beside the form, in vi"
        );
    }
    let res = post_login(&t, &c, &officer, PASSWORD, &[]).await;
    assert_eq!(res.status(), 429, "even the right password waits");
    let t = t.restart().await;
    let c = plain_client();
    let res = post_login(&t, &c, &officer, PASSWORD, &[]).await;
    assert_eq!(res.status(), 429, "a restart does not reset the count");
    // Another account from the same address still signs in …
    let admin = t.account(None).await;
    sign_in(&t, &admin, PASSWORD).await;
    // … until the address has used its tries, whatever the usernames.
    let db = &t.app.services.db;
    let used = loa::with_db!(db, pool => sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM login_failures WHERE key = 'addr:127.0.0.1'"
    ).fetch_one(pool).await)
    .expect("count");
    for i in used..throttle::PER_ADDRESS {
        let res = post_login(&t, &c, &format!("nobody{i}"), "x", &[]).await;
        assert_eq!(res.status(), 401);
    }
    let res = post_login(&t, &c, &admin, PASSWORD, &[]).await;
    assert_eq!(res.status(), 429, "the address is throttled");
    let actions = audit_actions(&t).await;
    let failed = actions
        .iter()
        .filter(|(a, _)| a == "sign_in_failed")
        .count();
    assert!(failed as i64 >= throttle::PER_ADDRESS, "{failed}");
    assert!(
        actions.iter().all(|(_, d)| !d.contains("nobody")),
        "unknown usernames are not written down"
    );
    t.stop().await;
}

/// How many failed sign-ins the throttle holds under `key` (`addr:<ip>`, `user:<name>`).
async fn failures_under(t: &TestApp, key: &str) -> i64 {
    loa::with_db!(&t.app.services.db, pool => sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM login_failures WHERE key = $1"
    ).bind(key).fetch_one(pool).await)
    .expect("count")
}

#[tokio::test]
async fn a_forwarded_address_from_an_untrusted_peer_does_not_escape_the_address_throttle() {
    // No trusted proxies (the default): X-Forwarded-For is whatever the client says.
    let t = common::spawn().await;
    let c = plain_client();
    let admin = t.account(None).await;
    for i in 0..throttle::PER_ADDRESS {
        let spoofed = format!("203.0.113.{i}");
        let extra = [("x-forwarded-for", spoofed.as_str())];
        let res = post_login(&t, &c, &format!("nobody{i}"), "x", &extra).await;
        assert_eq!(res.status(), 401);
    }
    let fresh = [("x-forwarded-for", "198.51.100.200")];
    let res = post_login(&t, &c, &admin, PASSWORD, &fresh).await;
    assert_eq!(res.status(), 429, "a new forged address is the same client");
    assert!(failures_under(&t, "addr:127.0.0.1").await >= throttle::PER_ADDRESS);
    assert_eq!(failures_under(&t, "addr:203.0.113.1").await, 0);
    t.stop().await;
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_client_has_its_own_address_throttle() {
    let t =
        common::spawn_with(|c| c.trusted_proxies = vec!["127.0.0.1".parse().expect("net")]).await;
    let c = plain_client();
    let admin = t.account(None).await;
    // What the client wrote comes first; the proxy appended the address it saw.
    for i in 0..throttle::PER_ADDRESS {
        let header = format!("10.9.9.{i}, 198.51.100.7");
        let extra = [("x-forwarded-for", header.as_str())];
        let res = post_login(&t, &c, &format!("nobody{i}"), "x", &extra).await;
        assert_eq!(res.status(), 401);
    }
    assert_eq!(
        failures_under(&t, "addr:198.51.100.7").await,
        throttle::PER_ADDRESS
    );
    assert_eq!(
        failures_under(&t, "addr:127.0.0.1").await,
        0,
        "not the proxy's"
    );
    let same = [("x-forwarded-for", "192.0.2.1, 198.51.100.7")];
    let res = post_login(&t, &c, &admin, PASSWORD, &same).await;
    assert_eq!(res.status(), 429, "a forged prefix does not escape it");
    let other = [("x-forwarded-for", "198.51.100.8")];
    let res = post_login(&t, &c, &admin, PASSWORD, &other).await;
    assert_eq!(
        res.status(),
        303,
        "another client behind the proxy signs in"
    );
    t.stop().await;
}

#[tokio::test]
async fn api_tokens_are_made_from_a_session_shown_once_hashed_and_revocable() {
    let t = common::spawn().await;
    let c = plain_client();
    let officer = t.account(Some("0912009003")).await;
    let (cookie, csrf) = sign_in(&t, &officer, PASSWORD).await;
    let res = c
        .post(t.url("/api/v1/tokens"))
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf)
        .json(&serde_json::json!({ "name": "province report" }))
        .send()
        .await
        .expect("create");
    assert_eq!(res.status(), 201);
    let v: serde_json::Value = res.json().await.expect("json");
    let token = v["token"].as_str().expect("token").to_string();
    let id = v["id"].as_i64().expect("id");
    let stored: String = loa::with_db!(&t.app.services.db, pool => sqlx::query_scalar(
        "SELECT token_hash FROM api_tokens WHERE id = $1"
    ).bind(id).fetch_one(pool).await)
    .expect("row");
    assert_ne!(stored, token);
    assert!(!stored.contains(&token[4..]), "only a hash is kept");

    let get = |path: &'static str, tok: String| c.get(t.url(path)).bearer_auth(tok).send();
    assert_eq!(
        get("/api/v1/households/CG-0001", token.clone())
            .await
            .expect("get")
            .status(),
        200
    );
    let list: serde_json::Value = get("/api/v1/tokens", token.clone())
        .await
        .expect("list")
        .json()
        .await
        .expect("json");
    assert_eq!(list["tokens"][0]["name"], "province report");
    assert!(
        list["tokens"][0].get("token").is_none(),
        "never shown again"
    );
    let more = c
        .post(t.url("/api/v1/tokens"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"name": "x"}))
        .send()
        .await
        .expect("post");
    assert_eq!(more.status(), 403, "a token does not make tokens");

    let other = t.token(Some("0912009001")).await;
    let del = |tok: &str| {
        c.delete(t.url(&format!("/api/v1/tokens/{id}")))
            .bearer_auth(tok)
            .send()
    };
    assert_eq!(
        del(&other).await.expect("delete").status(),
        404,
        "not another's"
    );
    assert_eq!(del(&token).await.expect("delete").status(), 200);
    let res = get("/api/v1/households/CG-0001", token.clone())
        .await
        .expect("get");
    assert_eq!(res.status(), 401, "a revoked token is refused");

    // Disabling the account stops its tokens and sessions.
    accounts::disable(&t.app.services.db, &officer)
        .await
        .expect("disable");
    let areas = c
        .get(t.url("/api/v1/areas"))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("areas");
    assert_eq!(areas.status(), 401);
    t.stop().await;
}

#[tokio::test]
async fn every_answer_carries_the_security_headers() {
    let t = common::spawn().await;
    let c = plain_client();
    for path in [
        "/login",
        "/healthz",
        "/api/v1/areas",
        "/console",
        "/console/static/console.css",
        "/simulator",
        "/simulator/static/simulator.js",
    ] {
        let res = c.get(t.url(path)).send().await.expect("get");
        let h = res.headers().clone();
        if path == "/simulator" {
            // The page's script and style are files: the one policy fits it too.
            let html = res.text().await.expect("page");
            assert!(
                !html.contains("<script>") && !html.contains("<style"),
                "inline"
            );
            assert!(html.contains("<script src=\"/simulator/static/simulator.js\">"));
        }
        let csp = h["content-security-policy"].to_str().expect("csp");
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
            "{path}: {csp}"
        );
        assert!(csp.contains("frame-ancestors 'none'"), "{path}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["referrer-policy"], "same-origin", "{path}");
    }
    t.stop().await;
}

#[tokio::test]
async fn metrics_and_gateways_need_an_account_or_a_token() {
    let t = common::spawn().await;
    let c = plain_client();
    for path in ["/metrics", "/api/v1/gateways"] {
        assert_eq!(
            c.get(t.url(path)).send().await.expect("get").status(),
            401,
            "{path}"
        );
    }
    let token = t.token(None).await;
    for path in ["/metrics", "/api/v1/gateways"] {
        let res = c
            .get(t.url(path))
            .bearer_auth(&token)
            .send()
            .await
            .expect("get");
        assert_eq!(res.status(), 200, "{path}");
    }
    t.stop().await;
}
