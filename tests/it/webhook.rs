//! Webhook mode and the operator endpoints, over real HTTP: updates posted
//! to the app's webhook land in the inbox before the 200 and are handled
//! once; a request without the right secret is refused and stores nothing;
//! /healthz, /readyz and /metrics answer what they should, and a flood of
//! them neither delays the bot nor floods the database.

use std::time::Duration;

use propdesk::bot::webhook::SECRET_HEADER;
use propdesk::domain::Outgoing;
use propdesk::i18n::Text;
use propdesk::store::outbox::{self, NewMessage, Priority};
use serde_json::Value;
use teloxide::prelude::Requester;

use crate::support::{TestApp, WAIT, WEBHOOK_SECRET};

async fn post(app: &TestApp, secret: Option<&str>, body: &Value) -> reqwest::StatusCode {
    let mut request = reqwest::Client::new().post(format!("{}/telegram", app.http())).json(body);
    if let Some(secret) = secret {
        request = request.header(SECRET_HEADER, secret);
    }
    request.send().await.expect("the webhook answers").status()
}

async fn get(app: &TestApp, path: &str) -> (u16, String) {
    let answer = reqwest::get(format!("{}{path}", app.http())).await.expect("the endpoint answers");
    (answer.status().as_u16(), answer.text().await.unwrap())
}

/// The value of one sample line of /metrics (`name{labels}`), 0 when absent.
fn sample(metrics: &str, series: &str) -> f64 {
    metrics
        .lines()
        .find_map(|l| l.strip_prefix(series).and_then(|rest| rest.strip_prefix(' ')))
        .map_or(0.0, |v| v.trim().parse().unwrap())
}

async fn inbox_rows(app: &TestApp, update_id: i64) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM inbox WHERE update_id = $1")
        .bind(update_id)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_webhook_update_is_stored_then_handled_once() {
    let app = TestApp::spawn_webhook().await;
    // setWebhook was called with the URL and the kinds the tree uses; getUpdates is off.
    let info = app.bot.get_webhook_info().await.unwrap();
    assert_eq!(info.url.as_ref().map(|u| u.as_str()), Some("https://propdesk.test/telegram"));
    assert!(app.emu.allowed_updates().unwrap().contains(&"my_chat_member".to_owned()));
    assert_eq!(app.emu.request_count("getUpdates"), 0);

    let owner = app.person(710_001, "王芳", "zh-hans", "8613800000001");
    let before = owner.seq();
    app.emu.send_text(owner.id, "/start");
    let update_id = app.emu.last_update_id();
    let update = app.emu.raw_update(update_id).unwrap();

    assert_eq!(post(&app, Some(WEBHOOK_SECRET), &update).await, reqwest::StatusCode::OK);
    // The 200 came after the row was stored.
    assert_eq!(inbox_rows(&app, update_id).await, 1);
    let greeting = owner.wait(before, "the greeting", |_| true).await;
    assert!(greeting.text.is_some());

    // Telegram sending it again (a lost 200) changes nothing.
    tokio::time::sleep(Duration::from_millis(600)).await; // every reply to /start is out
    let answered = app.emu.bot_messages(owner.id).len();
    assert_eq!(post(&app, Some(WEBHOOK_SECRET), &update).await, reqwest::StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(inbox_rows(&app, update_id).await, 1);
    assert_eq!(app.emu.bot_messages(owner.id).len(), answered, "the update was handled twice");
    let (_, metrics) = get(&app, "/metrics").await;
    assert_eq!(sample(&metrics, "propdesk_updates_handled_total{outcome=\"handled\"}"), 1.0, "{metrics}");
    assert_eq!(sample(&metrics, "propdesk_updates_handled_total{outcome=\"failed\"}"), 0.0);
    assert_eq!(sample(&metrics, "propdesk_update_handling_seconds_count"), 1.0);
    app.stop().await;
}

#[tokio::test]
async fn an_earlier_update_another_replica_stored_is_handled_before_the_later_one() {
    let app = TestApp::spawn_webhook().await;
    let owner = app.person(710_004, "赵磊", "zh-hans", "8613800000004");
    // /start reached another replica, which stored it and died before
    // handling it: it is in the inbox, and this replica was never handed it.
    app.emu.send_text(owner.id, "/start");
    let first = app.emu.raw_update(app.emu.last_update_id()).unwrap();
    let stored = propdesk::bot::listener::arrived(first).unwrap();
    propdesk::store::inbox::store_batch(&app.pool, [&stored.row]).await.unwrap();
    // /help reaches this replica.
    let before = owner.seq();
    app.emu.send_text(owner.id, "/help");
    let second = app.emu.raw_update(app.emu.last_update_id()).unwrap();
    assert_eq!(post(&app, Some(WEBHOOK_SECRET), &second).await, reqwest::StatusCode::OK);
    owner.expect(before, Text::new("help-newcomer")).await;
    let texts = owner.bot_texts();
    let help = texts.iter().position(|t| *t == owner.t(Text::new("help-newcomer"))).unwrap();
    assert!(help > 0, "the greeting for /start came first: {texts:?}");
    let unhandled: i64 =
        sqlx::query_scalar("SELECT count(*) FROM inbox WHERE handled_at IS NULL").fetch_one(&app.pool).await.unwrap();
    assert_eq!(unhandled, 0, "both handled, each once");
    app.stop().await;
}

#[tokio::test]
async fn a_webhook_request_without_the_secret_is_refused_and_stores_nothing() {
    let app = TestApp::spawn_webhook().await;
    let owner = app.person(710_002, "李明", "zh-hans", "8613800000002");
    app.emu.send_text(owner.id, "/start");
    let update_id = app.emu.last_update_id();
    let update = app.emu.raw_update(update_id).unwrap();

    assert_eq!(post(&app, None, &update).await, reqwest::StatusCode::UNAUTHORIZED);
    assert_eq!(post(&app, Some("wrong-secret"), &update).await, reqwest::StatusCode::UNAUTHORIZED);
    let longer = format!("{WEBHOOK_SECRET}x");
    assert_eq!(post(&app, Some(&longer), &update).await, reqwest::StatusCode::UNAUTHORIZED);
    // Garbage with the right secret: no panic, and answered 200 (counted and
    // dropped): anything else and Telegram would send it again for ever on
    // the one connection it keeps to the webhook.
    assert_eq!(post(&app, Some(WEBHOOK_SECRET), &serde_json::json!({"no": "id"})).await, 200);
    let raw = reqwest::Client::new()
        .post(format!("{}/telegram", app.http()))
        .header(SECRET_HEADER, WEBHOOK_SECRET)
        .body("not json {")
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 200);

    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(app.count("SELECT count(*) FROM inbox").await, 0);
    assert!(app.emu.bot_messages(owner.id).is_empty());
    let (_, metrics) = get(&app, "/metrics").await;
    assert_eq!(sample(&metrics, "propdesk_webhook_rejected_total"), 3.0, "{metrics}");
    assert_eq!(sample(&metrics, "propdesk_updates_set_aside_total{reason=\"unreadable\"}"), 2.0, "{metrics}");
    app.stop().await;
}

#[tokio::test]
async fn health_readiness_and_metrics_in_polling_mode() {
    let app = TestApp::spawn_with_endpoints().await;
    assert_eq!(get(&app, "/healthz").await.0, 200);
    let (status, body) = get(&app, "/readyz").await;
    assert_eq!((status, body.trim()), (200, "ready"));

    // Some traffic: an update handled, an outbox message sent, one waiting.
    let owner = app.person(710_003, "张伟", "zh-hans", "8613800000003");
    owner.says("/start").await;
    let mut conn = app.pool.acquire().await.unwrap();
    let message = Outgoing::new(Text::new("error-generic"));
    for (key, not_before) in [("now", chrono::Utc::now()), ("later", chrono::Utc::now() + chrono::Duration::hours(1))] {
        let new = NewMessage {
            chat_id: owner.id,
            kind: "test",
            priority: Priority::Notification,
            message: &message,
            not_before,
            dedup_key: Some(key.into()),
        };
        outbox::enqueue(&mut conn, new).await.unwrap();
    }
    drop(conn);
    app.outbox_when(owner.id, |rows| rows.iter().any(|r| r.state == "sent")).await;

    let (status, metrics) = get(&app, "/metrics").await;
    assert_eq!(status, 200);
    assert!(sample(&metrics, "propdesk_updates_handled_total{outcome=\"handled\"}") >= 1.0, "{metrics}");
    assert!(sample(&metrics, "propdesk_update_handling_seconds_count") >= 1.0);
    assert!(sample(&metrics, "propdesk_update_handling_seconds_sum") > 0.0);
    assert_eq!(sample(&metrics, "propdesk_outbox_sends_total{result=\"sent\"}"), 1.0);
    assert_eq!(sample(&metrics, "propdesk_outbox_sends_total{result=\"dead\"}"), 0.0);
    assert_eq!(sample(&metrics, "propdesk_outbox_pending{priority=\"notification\"}"), 1.0);
    assert_eq!(sample(&metrics, "propdesk_outbox_pending{priority=\"broadcast\"}"), 0.0);
    assert!(metrics.contains("propdesk_telegram_429_total{source=\"outbox\"} 0"));

    // A migration the binary carries is missing from the database: not ready.
    let newest: i64 = sqlx::query_scalar(
        "DELETE FROM _sqlx_migrations WHERE version = (SELECT max(version) FROM _sqlx_migrations) RETURNING version",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    // Readiness is asked at most once a second; a second later it is asked again.
    app.advance(chrono::Duration::seconds(2));
    let (status, body) = get(&app, "/readyz").await;
    assert_eq!(status, 503);
    assert!(body.contains("migrations not applied") && body.contains(&newest.to_string()), "{body}");

    // The database is gone: not ready, still alive.
    let pool = app.pool.clone();
    tokio::spawn(async move { pool.close().await });
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let (status, body) = get(&app, "/readyz").await;
        if status == 503 && body.contains("database") {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "still {status} {body}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(get(&app, "/healthz").await.0, 200);
    app.stop().await;
}

/// 200 /readyz and 200 /metrics at once, while the readiness query waits on a lock (as on a
/// database under load, each such query would hold its connection for up to 2 s): an owner who
/// talks to the bot meanwhile is answered, because the probes never touch the pool that stores
/// updates; they share one connection of their own and ask at most once a second per endpoint.
#[tokio::test]
async fn a_flood_of_probes_neither_delays_the_bot_nor_floods_the_database() {
    use sqlx::Connection as _;
    let app = TestApp::spawn_with_endpoints().await;
    let owner = app.person(710_005, "陈静", "zh-hans", "8613800000005");
    let mut blocker = sqlx::PgConnection::connect_with(&app.pool.connect_options()).await.unwrap();
    sqlx::raw_sql("BEGIN; LOCK TABLE _sqlx_migrations IN ACCESS EXCLUSIVE MODE").execute(&mut blocker).await.unwrap();

    let started = std::time::Instant::now();
    let client = reqwest::Client::new();
    let probes: Vec<_> = (0..400)
        .map(|i| {
            let request = client.get(format!("{}{}", app.http(), if i % 2 == 0 { "/readyz" } else { "/metrics" }));
            tokio::spawn(async move {
                let answer = request.send().await.expect("the endpoint answers");
                (answer.status().as_u16(), answer.text().await.unwrap())
            })
        })
        .collect();
    // The flood is on: a readiness query waits for the lock.
    let waiting = "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation \
                   WHERE NOT l.granted AND c.relname = '_sqlx_migrations'";
    while app.count(waiting).await == 0 {
        assert!(started.elapsed() < WAIT, "no probe reached the database");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    // The owner is answered while it lasts.
    let greeting = owner.says("/start").await;
    assert!(greeting.text.is_some_and(|t| !t.is_empty()));
    let connections = "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'propdesk-ops' \
                       AND datname = current_database()";
    assert_eq!(app.count(connections).await, 1, "the probes use one connection of their own");

    let mut answers = Vec::new();
    for probe in probes {
        answers.push(probe.await.unwrap());
    }
    let elapsed = started.elapsed();
    sqlx::raw_sql("ROLLBACK").execute(&mut blocker).await.unwrap();
    let readiness: Vec<_> = answers.iter().step_by(2).collect();
    assert!(
        readiness.iter().all(|(status, body)| *status == 503 && body.trim() == "database: no answer in time"),
        "{readiness:?}"
    );
    assert!(answers.iter().skip(1).step_by(2).all(|(status, _)| *status == 200));

    // Each endpoint asked the database at most once a second (however long the flood took to
    // serve), not once per probe.
    let (_, metrics) = get(&app, "/metrics").await;
    let bound = 2.0 + elapsed.as_secs_f64().ceil();
    for endpoint in ["readyz", "metrics"] {
        let asked = sample(&metrics, &format!("propdesk_probe_queries_total{{endpoint=\"{endpoint}\"}}"));
        assert!((1.0..=bound).contains(&asked), "{endpoint}: {asked} queries for 200 probes in {elapsed:?}");
        eprintln!("{endpoint}: {asked} queries for 200 probes in {elapsed:?}");
    }
    // The lock is gone; a second later readiness is asked again and holds.
    app.advance(chrono::Duration::seconds(2));
    assert_eq!(get(&app, "/readyz").await, (200, "ready\n".to_owned()));
    app.stop().await;
}
