//! No input stalls the inbox: what PostgreSQL cannot store as it came (a NUL,
//! a lone UTF-16 surrogate) is made storable and handled; what cannot be read
//! at all is set aside with its reason, counted, and its sender told. In
//! long polling and in webhook mode.

use propdesk::i18n::Text;
use propdesk::store::inbox;

use crate::support::*;

const OWNER: i64 = 720_001;

/// A message update's JSON text from `user`, with `content` (JSON object
/// members, as text: it may hold escapes a `Value` cannot) after the common fields.
fn message(update_id: i64, user: i64, message_id: i64, content: &str) -> String {
    format!(
        r#"{{"update_id":{update_id},"message":{{"message_id":{message_id},"date":1765000000,"chat":{{"id":{user},"type":"private","first_name":"王芳"}},"from":{{"id":{user},"is_bot":false,"first_name":"王芳","language_code":"zh-hans"}},{content}}}}}"#
    )
}

/// Just the body under `message` (for the emulator's raw updates).
fn message_body(user: i64, message_id: i64, content: &str) -> String {
    let whole = message(0, user, message_id, content);
    let start = whole.find(r#""message":"#).unwrap() + r#""message":"#.len();
    whole[start..whole.len() - 1].to_owned()
}

/// What each case sends, as the message's content; `Some(text)` where the
/// stored text must read so afterwards (repaired), `None` where the update
/// is set aside and the sender told so.
/// Where the stored update must read what (a JSON pointer, the text).
type Repaired = Option<(&'static str, &'static str)>;

fn cases() -> Vec<(&'static str, String, Repaired)> {
    vec![
        ("a text with a NUL", r#""text":"你好\u0000我家漏水""#.into(), Some(("/message/text", "你好\u{FFFD}我家漏水"))),
        (
            "a text with a lone surrogate",
            r#""text":"阳台\ud800漏水""#.into(),
            Some(("/message/text", "阳台\u{FFFD}漏水")),
        ),
        (
            "a caption with a NUL",
            r#""photo":[{"file_id":"p1","file_unique_id":"u1","width":1,"height":1}],"caption":"水管\u0000""#.into(),
            Some(("/message/caption", "水管\u{FFFD}")),
        ),
        (
            "a document's file name with a NUL",
            r#""document":{"file_id":"d1","file_unique_id":"u2","file_name":"报修\u0000.pdf"}"#.into(),
            Some(("/message/document/file_name", "报修\u{FFFD}.pdf")),
        ),
        (
            "a contact with NULs",
            r#""contact":{"phone_number":"138\u000000","first_name":"王\u0000"}"#.into(),
            Some(("/message/contact/phone_number", "138\u{FFFD}00")),
        ),
        (
            "a venue title with a NUL",
            r#""location":{"latitude":31.2,"longitude":121.5},"venue":{"location":{"latitude":31.2,"longitude":121.5},"title":"小区\u0000大门","address":"路\udc00"}"#.into(),
            Some(("/message/venue/title", "小区\u{FFFD}大门")),
        ),
        ("a date out of range", r#""text":"你好","edit_date":1e999"#.into(), None),
        // (The second `date` replaces the first: a message teloxide cannot read.)
        ("a date that is not a date", r#""text":"你好","date":"昨天""#.into(), None),
    ]
}

async fn set_aside_reason(app: &TestApp, update_id: i64) -> Option<String> {
    sqlx::query_scalar("SELECT last_error FROM inbox WHERE update_id = $1")
        .bind(update_id)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

async fn stored_at(app: &TestApp, update_id: i64, pointer: &str) -> String {
    let payload: serde_json::Value = sqlx::query_scalar("SELECT payload FROM inbox WHERE update_id = $1")
        .bind(update_id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    payload.pointer(pointer).and_then(|v| v.as_str()).unwrap_or_default().to_owned()
}

#[tokio::test]
async fn in_long_polling_nothing_unstorable_stalls_the_bot_and_everyone_is_answered() {
    let app = TestApp::spawn_with_endpoints().await;
    let owner = app.owner(OWNER, "王芳", "3-2-1201", "8613800000001").await;
    let sorry = owner.t(Text::new("error-update-set-aside"));

    for (i, (what, content, repaired)) in cases().into_iter().enumerate() {
        let before = owner.seq();
        let update_id = app.emu.send_raw_update("message", &message_body(OWNER, 500 + i as i64, &content));
        let reply = owner.wait(before, &format!("an answer to {what}"), |_| true).await;
        match repaired {
            Some((pointer, text)) => {
                assert_eq!(stored_at(&app, update_id, pointer).await, text, "{what}");
                assert_ne!(reply.text.as_deref(), Some(sorry.as_str()), "{what} is handled like any message");
            }
            None => {
                assert_eq!(reply.text.as_deref(), Some(sorry.as_str()), "{what}");
                let reason = set_aside_reason(&app, update_id).await.unwrap_or_default();
                assert!(reason.starts_with("set aside: "), "{what}: {reason}");
            }
        }
    }

    // Callback data with a NUL: answered as any stale or forged button is.
    let query = owner.press_data("tk:1:\u{0}");
    let answer = owner.answer_to(&query).await;
    assert_eq!(answer.as_deref(), Some(owner.t(Text::new("error-button-expired")).as_str()));
    // Callback data of the wrong type: set aside, the press still answered, the presser told.
    let before = owner.seq();
    let body = format!(
        r#"{{"id":"forged-1","from":{{"id":{OWNER},"is_bot":false,"first_name":"王芳"}},"chat_instance":"c","data":12345}}"#
    );
    let update_id = app.emu.send_raw_update("callback_query", &body);
    owner.expect(before, Text::new("error-update-set-aside")).await;
    assert!(set_aside_reason(&app, update_id).await.unwrap().contains("unparseable"));

    // And the bot goes on.
    owner.settle().await;
    assert_eq!(app.count("SELECT count(*) FROM inbox WHERE handled_at IS NULL").await, 0);
    let metrics = reqwest::get(format!("{}/metrics", app.http())).await.unwrap().text().await.unwrap();
    for line in [
        "propdesk_updates_set_aside_total{reason=\"unreadable\"} 1",
        "propdesk_updates_set_aside_total{reason=\"unparseable\"} 2",
        "propdesk_updates_repaired_total 7",
    ] {
        assert!(metrics.contains(line), "{line} in\n{metrics}");
    }
    app.stop().await;
}

#[tokio::test]
async fn in_webhook_mode_nothing_unstorable_is_refused_and_everyone_is_answered() {
    let app = TestApp::spawn_webhook().await;
    // Not bound: in this mode the test posts every update itself.
    let owner = app.person(OWNER, "王芳", "zh-hans", "8613800000001");
    // The emulator lets the bot write to people who wrote to it first.
    app.emu.send_text(OWNER, "/start");
    let sorry = owner.t(Text::new("error-update-set-aside"));
    let client = reqwest::Client::new();

    for (i, (what, content, repaired)) in cases().into_iter().enumerate() {
        let update_id = 9_000 + i as i64;
        let before = owner.seq();
        let status = client
            .post(format!("{}/telegram", app.http()))
            .header(propdesk::bot::webhook::SECRET_HEADER, WEBHOOK_SECRET)
            .header("content-type", "application/json")
            .body(message(update_id, OWNER, 600 + i as i64, &content))
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, 200, "{what}: anything else and Telegram sends it again on its one connection");
        match repaired {
            Some((pointer, text)) => {
                owner.wait(before, &format!("an answer to {what}"), |_| true).await;
                assert_eq!(stored_at(&app, update_id, pointer).await, text, "{what}");
            }
            None => {
                owner.wait(before, what, |m| m.text.as_deref() == Some(sorry.as_str())).await;
            }
        }
    }
    assert_eq!(app.count("SELECT count(*) FROM inbox WHERE handled_at IS NULL").await, 0);
    app.stop().await;
}

/// The net under the intake: if PostgreSQL refuses one update of a batch
/// anyway, the others are stored and that one is set aside with the SQLSTATE.
#[tokio::test]
async fn an_update_postgresql_refuses_is_set_aside_and_its_batch_is_stored() {
    let db = propdesk::store::testdb::fresh_database().await.unwrap();
    let row = |id: i64, text: &str| {
        let raw = serde_json::json!({"update_id": id, "message": {"text": text}});
        inbox::InboxRow::arrived(id, Some(5), raw)
    };
    // Built past the intake, which would have replaced the NUL.
    let (good, bad, also_good) = (row(1, "好"), row(2, "坏\u{0}"), row(3, "好"));
    let refused = inbox::store(&db.pool, &[&good, &bad, &also_good], &[], chrono::Utc::now()).await.unwrap();
    assert_eq!(refused, [2]);
    let rows: Vec<(i64, bool, Option<String>)> =
        sqlx::query_as("SELECT update_id, handled_at IS NOT NULL, last_error FROM inbox ORDER BY update_id")
            .fetch_all(&db.pool)
            .await
            .unwrap();
    assert_eq!(rows[0], (1, false, None));
    assert_eq!(rows[1], (2, true, Some("set aside: unstorable: 22P05".into())));
    assert_eq!(rows[2], (3, false, None));
}
