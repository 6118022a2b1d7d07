//! One USSD step in the Africa's Talking convention: read with the gateway's parser, answered by
//! the USSD dialog, written back as `CON …` / `END …` in the HTTP response.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

use super::error::ApiError;
use crate::db::time;
use crate::dialog::ussd::{self, Step};
use crate::dialog::Services;
use crate::gateway::africas_talking_ussd::{self as wire, UssdReply};
use crate::text::strip_controls;

/// Answers one step posted to gateway `gateway_id` (already authenticated by the caller): a
/// 400 with the JSON error body when the form cannot be read, and nothing stored.
pub async fn step(svc: &Services, gateway_id: &str, body: &[u8]) -> Result<Response, ApiError> {
    let req = wire::parse(body)?;
    // Stored in the session row: what the aggregator sent, without control characters.
    let session_id = strip_controls(&req.session_id);
    let service_code = strip_controls(&req.service_code);
    let network_code = req.network_code.as_deref().map(strip_controls);
    let text = strip_controls(&req.text);
    let step = Step {
        gateway_id,
        session_id: &session_id,
        phone: &req.phone,
        service_code: &service_code,
        network_code: network_code.as_deref(),
        text: &text,
    };
    let screen = ussd::answer(svc, &step, time::now()).await?;
    let reply = UssdReply {
        end: screen.end,
        text: screen.text,
    };
    let content_type = [(header::CONTENT_TYPE, "text/plain; charset=utf-8")];
    Ok((StatusCode::OK, content_type, reply.to_wire()).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::phone::Msisdn;
    use proptest::prelude::*;

    fn form(pairs: &[(&str, &str)]) -> Vec<u8> {
        serde_urlencoded::to_string(pairs)
            .expect("form")
            .into_bytes()
    }

    fn sqlite_app(rt: &tokio::runtime::Runtime, dir: &tempfile::TempDir) -> crate::app::AppState {
        let url = format!("sqlite://{}/ussd.db", dir.path().display());
        rt.block_on(async {
            let db = crate::db::connect(&url).await.expect("db");
            crate::db::migrate(&db).await.expect("migrate");
            crate::app::App::build(crate::config::Config::default(), db).expect("app")
        })
    }

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime")
    }

    /// The clock moved, not waited for: a step within 180 s of the last goes on, one later starts over.
    #[test]
    fn a_session_lives_180_seconds_after_its_last_step() {
        let rt = runtime();
        let dir = tempfile::tempdir().expect("dir");
        let app = sqlite_app(&rt, &dir);
        let phone = Msisdn::parse("0912001001").expect("phone");
        let at = |text: &'static str, secs: i64| {
            let step = Step {
                gateway_id: "g",
                session_id: "clock",
                phone: &phone,
                service_code: "*123#",
                network_code: None,
                text,
            };
            let now = time::now() + chrono::TimeDelta::seconds(secs);
            rt.block_on(ussd::answer(&app.services, &step, now))
                .expect("answer")
                .text
        };
        let main = at("", 0);
        let marriage = at("4", 179);
        assert_ne!(main, marriage);
        assert_eq!(
            at("4*0", 179 + 179),
            main,
            "179 s after the last step: still the session"
        );
        assert_eq!(at("4*0*4", 358 + 181), main, "181 s: expired, starts over");
        assert_eq!(
            at("4*0*4*4", 539 + 10),
            marriage,
            "and goes on from the new start"
        );
    }

    /// The whole handler, on a real (SQLite) database, with any `text` a phone or a fuzzer sends:
    /// never a panic or an error, always one CON/END screen of at most 182 GSM-7 characters.
    #[test]
    fn the_handler_answers_any_text_with_one_screen() {
        use crate::dialog::ussd::render::{septets, MAX_SCREEN};
        use proptest::test_runner::{Config, TestRunner};

        let rt = runtime();
        let dir = tempfile::tempdir().expect("dir");
        let app = sqlite_app(&rt, &dir);
        let answer = |body: Vec<u8>| {
            rt.block_on(async {
                let res = step(&app.services, "fuzz", &body).await?;
                let status = res.status();
                let bytes = axum::body::to_bytes(res.into_body(), 4096)
                    .await
                    .map_err(|e| ApiError::Internal(Box::new(e)))?;
                Ok::<_, ApiError>((status, String::from_utf8_lossy(&bytes).into_owned()))
            })
        };
        let text = prop_oneof![
            any::<String>(),
            "[0-9*#a-z ]{0,80}",
            "[0-9]{1,2}(\\*[0-9]{1,2}){0,20}",
            "(4|5|0|9|1|2|3|x)(\\*(4|5|0|9|1|2|3|x)){0,30}",
        ];
        let phones = prop_oneof![Just("0912001001"), Just("+84961234567")];
        let mut runner = TestRunner::new(Config::with_cases(256));
        runner
            .run(&(text, 0u8..6, phones), |(text, session, phone)| {
                let body = form(&[
                    ("sessionId", &format!("fuzz-{session}")),
                    ("phoneNumber", phone),
                    ("text", &text),
                ]);
                let (status, reply) =
                    answer(body).map_err(|e| TestCaseError::fail(format!("{text:?}: {e}")))?;
                prop_assert_eq!(status, StatusCode::OK);
                let screen = reply
                    .strip_prefix("CON ")
                    .or_else(|| reply.strip_prefix("END "))
                    .ok_or_else(|| TestCaseError::fail(format!("no CON/END: {reply:?}")))?;
                prop_assert!(crate::text::is_gsm7(screen), "{:?}", screen);
                prop_assert!(septets(screen) <= MAX_SCREEN, "{}", screen);
                prop_assert!(!screen.trim().is_empty());
                Ok(())
            })
            .expect("fuzz");
    }
}
