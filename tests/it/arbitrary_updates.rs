//! The net under the intake and the runner: arbitrary well-formed Telegram
//! updates — texts, captions, file names, contacts, venues and button data
//! with control characters, NULs, bidi marks, lone surrogates and 5,000
//! characters; update kinds the bot does not know — pushed through the real
//! bot (webhook mode: the test posts each update's JSON text itself, as
//! Telegram would, so it can send what a well-behaved client cannot). For
//! every sequence: each post is answered 200, each update ends in the inbox
//! handled or set aside (none left waiting, none given up on after failing),
//! and the bot still answers the next person.

use proptest::prelude::*;
use proptest::test_runner::{RngSeed, TestRunner};
use serde_json::{Value, json};

use propdesk::domain::{Relation, Trade};
use propdesk::store;

use crate::support::*;

/// Until the updates `first..=last` are all handled (or set aside).
async fn until_handled(app: &TestApp, first: i64, last: i64) {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let done = app
            .count(&format!(
                "SELECT count(*) FROM inbox WHERE update_id BETWEEN {first} AND {last} AND handled_at IS NOT NULL"
            ))
            .await;
        if done == last - first + 1 {
            return;
        }
        assert!(std::time::Instant::now() < deadline, "{done} of {} updates handled", last - first + 1);
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// Who sends: a bound owner, a stranger, a staff member.
const PEOPLE: [i64; 3] = [730_001, 730_002, 730_003];
/// Update kinds that are not messages or presses (unknown to the bot, or to teloxide).
const OTHER_KINDS: [&str; 5] = ["message_reaction", "chat_boost", "poll", "business_message", "zz_unknown_kind"];
/// Stands for a lone UTF-16 surrogate: replaced by `\ud800` in the JSON text.
const LONE: char = '\u{10FFFF}';

fn tricky_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => any::<char>(),
        1 => Just('\0'),
        1 => Just(LONE),
        1 => prop::sample::select(vec!['\u{202E}', '\u{200F}', '\u{2066}', '\u{FEFF}', '\u{200B}', '\r', '\t', '\u{7}', '"', '\\']),
        2 => prop::sample::select(vec!['漏', '水', '报', '修', '😀', 'a', ' ', '/']),
    ]
}

fn tricky_text() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => prop::collection::vec(tricky_char(), 0..40).prop_map(|cs| cs.into_iter().collect()),
        1 => (tricky_char(), 4_990usize..5_010).prop_map(|(c, n)| std::iter::repeat_n(c, n).collect()),
        1 => prop::sample::select(vec!["/start".to_owned(), "/help".into(), "/cancel".into(), "取消".into()]),
    ]
}

#[derive(Debug, Clone)]
enum Input {
    Text(String),
    Caption(String),
    Document(String),
    Contact(String, String),
    Venue(String),
    Sticker,
    Press(String),
    Other(&'static str, String),
}

fn input() -> impl Strategy<Value = Input> {
    prop_oneof![
        4 => tricky_text().prop_map(Input::Text),
        1 => tricky_text().prop_map(Input::Caption),
        1 => tricky_text().prop_map(Input::Document),
        1 => (tricky_text(), tricky_text()).prop_map(|(p, n)| Input::Contact(p, n)),
        1 => tricky_text().prop_map(Input::Venue),
        1 => Just(Input::Sticker),
        3 => tricky_text().prop_map(Input::Press),
        1 => (prop::sample::select(OTHER_KINDS.to_vec()), tricky_text()).prop_map(|(k, t)| Input::Other(k, t)),
    ]
}

/// The update's JSON text, as a Bot API server would send it.
fn update_text(update_id: i64, from: i64, input: &Input) -> String {
    let user = json!({"id": from, "is_bot": false, "first_name": "住户", "language_code": "zh-hans"});
    let chat = json!({"id": from, "type": "private", "first_name": "住户"});
    let message = |content: Value| {
        let mut m = json!({"message_id": update_id, "date": 1_765_000_000, "chat": chat, "from": user});
        m.as_object_mut().unwrap().extend(content.as_object().unwrap().clone());
        m
    };
    let photo = json!([{"file_id": "p", "file_unique_id": "u", "width": 1, "height": 1}]);
    let (kind, body) = match input {
        Input::Text(t) => ("message", message(json!({"text": t}))),
        Input::Caption(t) => ("message", message(json!({"photo": photo, "caption": t}))),
        Input::Document(n) => {
            ("message", message(json!({"document": {"file_id": "d", "file_unique_id": "u", "file_name": n}})))
        }
        Input::Contact(p, n) => ("message", message(json!({"contact": {"phone_number": p, "first_name": n}}))),
        Input::Venue(t) => {
            let at = json!({"latitude": 31.2, "longitude": 121.5});
            ("message", message(json!({"location": at, "venue": {"location": at, "title": t, "address": t}})))
        }
        Input::Sticker => (
            "message",
            message(json!({"sticker": {"file_id": "s", "file_unique_id": "u", "width": 1, "height": 1,
                "is_animated": false, "is_video": false, "type": "regular"}})),
        ),
        Input::Press(data) => (
            "callback_query",
            json!({"id": format!("q{update_id}"), "from": user, "chat_instance": "c", "data": data,
                "message": message(json!({"text": "卡片", "from": {"id": 1, "is_bot": true, "first_name": "bot"}}))}),
        ),
        Input::Other(kind, t) => (*kind, json!({"chat": chat, "user": user, "text": t, "date": 1_765_000_000})),
    };
    let text = json!({"update_id": update_id, kind: body}).to_string();
    text.replace(LONE, "\\ud800")
}

#[test]
fn arbitrary_updates_never_stall_the_bot_nor_fail_to_be_handled() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let default = ProptestConfig::default();
    let rng_seed = match default.rng_seed {
        RngSeed::Random => RngSeed::Fixed(0x6e65_745f_756e_6465),
        chosen => chosen,
    };
    let cases = if std::env::var_os("PROPTEST_CASES").is_some() { default.cases } else { 6 };
    let config = ProptestConfig {
        cases,
        rng_seed,
        failure_persistence: None,
        max_shrink_iters: 16,
        ..ProptestConfig::default()
    };
    let sequences = prop::collection::vec((0..PEOPLE.len(), input()), 1..16);
    TestRunner::new(config)
        .run(&sequences, |sequence| {
            rt.block_on(handle_all(sequence));
            Ok(())
        })
        .unwrap();
}

async fn handle_all(sequence: Vec<(usize, Input)>) {
    let app = TestApp::spawn_webhook().await;
    let client = reqwest::Client::new();
    let [owner, stranger, staff] = PEOPLE;
    app.person(owner, "王芳", "zh-hans", "8613800000099");
    app.person(stranger, "路人", "en", "8613900000099");
    app.person(staff, "刘师傅", "zh-hans", "8613700000099");
    let post = |text: String| {
        let client = client.clone();
        let url = format!("{}/telegram", app.http());
        async move {
            client
                .post(url)
                .header(propdesk::bot::webhook::SECRET_HEADER, WEBHOOK_SECRET)
                .header("content-type", "application/json")
                .body(text)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    // Each has written to the bot (the emulator lets the bot answer only
    // them) and is known to it; then the owner is bound and the staff member enlisted.
    for (i, id) in PEOPLE.into_iter().enumerate() {
        app.emu.send_text(id, "/start");
        let update_id = 40_000 + i as i64;
        assert_eq!(post(update_text(update_id, id, &Input::Text("/start".into()))).await, 200);
    }
    until_handled(&app, 40_000, 40_002).await;
    let unit = app.roster("3-2-1201", "王芳", "8613800000099").await;
    let mut conn = app.pool.acquire().await.unwrap();
    store::residents::bind(&mut conn, owner, unit, "王芳", Relation::Owner, "roster").await.unwrap();
    store::staff::enlist(&mut conn, staff, "刘师傅", Trade::Plumbing, false, None).await.unwrap();
    drop(conn);

    let first = 50_000;
    for (i, (who, input)) in sequence.iter().enumerate() {
        let update_id = first + i as i64;
        let status = post(update_text(update_id, PEOPLE[*who], input)).await;
        assert_eq!(status, 200, "update {i} ({input:?}) must be taken, whatever it holds");
    }
    let last = first + sequence.len() as i64 - 1;

    // Every update ends handled or set aside; none is left waiting.
    until_handled(&app, first, last).await;
    let gave_up = app.count("SELECT count(*) FROM inbox WHERE last_error = 'gave up'").await;
    let failed = app.count("SELECT count(*) FROM inbox WHERE attempts > 0").await;
    assert_eq!((gave_up, failed), (0, 0), "no handler failed on any of {sequence:?}");

    // And the next person is answered.
    let before = app.emu.seq();
    let probe = last + 1;
    let help = json!({"update_id": probe, "message": {"message_id": probe, "date": 1_765_000_000,
        "chat": {"id": stranger, "type": "private", "first_name": "路人"},
        "from": {"id": stranger, "is_bot": false, "first_name": "路人", "language_code": "en"}, "text": "/help"}});
    assert_eq!(post(help.to_string()).await, 200);
    app.emu
        .wait_for_bot_message(stranger, before, |m| m.text.as_deref().is_some_and(|t| !t.is_empty()), WAIT)
        .await
        .unwrap_or_else(|e| panic!("the bot stopped answering after {sequence:?}: {e}"));
    app.stop().await;
}
