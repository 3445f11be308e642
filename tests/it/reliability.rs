//! The inbox, dialogue state and outbox under restarts, redelivery and
//! Telegram's refusals.

use propdesk::domain::{Relation, Trade};
use propdesk::i18n::Text;
use propdesk::sandbox::emulator::{Fault, FaultKind};
use propdesk::store;

use crate::support::{TestApp, WAIT, unit};

#[tokio::test]
async fn a_restart_mid_onboarding_resumes_at_the_same_step_and_loses_nothing() {
    let mut app = TestApp::spawn().await;
    app.roster("5-1-302", "房东", "13900000000").await;
    let owner = app.person(1201, "张伟", "zh-hans", "8613911112222");
    let before = owner.start_and_share_contact().await;
    owner.expect(before, Text::new("onboarding-not-on-roster")).await;

    app.stop_bot().await;
    // Written while the bot is down: Telegram keeps it until it is confirmed.
    let before = owner.seq();
    owner.emu.send_text(owner.id, "5-1-302");
    app.start_bot().await;
    owner.expect(before, Text::new("onboarding-ask-name").arg("unit", unit("5", "1", "302"))).await;

    app.stop_bot().await;
    app.start_bot().await;
    owner.says_and_gets("张伟", Text::new("onboarding-ask-relation")).await;
    assert_eq!(app.count("SELECT count(*) FROM inbox WHERE handled_at IS NULL").await, 0);
    app.stop().await;
}

#[tokio::test]
async fn an_update_stored_before_a_crash_is_handled_on_start() {
    let mut app = TestApp::spawn().await;
    let owner = app.person(1202, "王芳", "zh-hans", "8613800000101");
    owner.says("/start").await;
    app.stop_bot().await;

    // As if the listener stored this update and the process died before
    // handling it: it is in the inbox, confirmed to Telegram, unhandled.
    let before = owner.seq();
    owner.emu.send_text(owner.id, "/help");
    let update_id = owner.emu.last_update_id();
    let raw = owner.emu.raw_update(update_id).expect("the emulator keeps the update");
    store::inbox::store_batch(&app.pool, [&propdesk::bot::listener::arrived(raw).unwrap().row]).await.unwrap();
    owner.emu.confirm_through(update_id);

    // Written while the bot is down: answered only after the reply owed before it.
    owner.emu.send_text(owner.id, "/language");
    app.start_bot().await;
    let help = owner.expect(before, Text::new("help-newcomer")).await;
    let language = owner.wait(before, "the answer to /language", |m| m.inline_keyboard.is_some()).await;
    assert!(help.seq < language.seq, "the reply owed from before the crash comes first");
    owner.settle().await;
    let helps = owner.bot_texts().iter().filter(|t| **t == owner.t(Text::new("help-newcomer"))).count();
    assert_eq!(helps, 2, "the stored /help and the settle probe, each answered once");
    app.stop().await;
}

#[tokio::test]
async fn a_redelivered_update_has_no_second_effect() {
    let app = TestApp::spawn().await;
    app.roster("5-1-302", "房东", "13900000000").await;
    let cs = app.staff(2001, "周经理", Trade::CustomerService, false).await;
    let owner = app.person(1203, "张伟", "zh-hans", "8613911112222");
    owner.request_verification("张伟", Relation::Owner).await;
    let press = owner.emu.last_update_id();

    owner.emu.redeliver(press);
    owner.settle().await;
    cs.settle().await;
    assert_eq!(app.count("SELECT count(*) FROM verification_requests").await, 1);
    assert_eq!(app.count("SELECT count(*) FROM outbox WHERE kind = 'verification-request'").await, 1);
    let filed = owner.bot_texts().iter().filter(|t| **t == owner.t(Text::new("onboarding-request-filed"))).count();
    assert_eq!(filed, 1);
    let card_title = cs.t(Text::new("verify-request-card")
        .arg("name", "张伟")
        .arg("unit", unit("5", "1", "302"))
        .arg("relation", Text::new("relation-owner"))
        .arg("phone", "+8613911112222"));
    let cards = cs.bot_texts().iter().filter(|t| **t == card_title).count();
    assert_eq!(cards, 1, "customer service was told once");
    app.stop().await;
}

#[tokio::test]
async fn a_notification_that_meets_a_flood_limit_is_delivered_after_retry_after() {
    let app = TestApp::spawn().await;
    app.roster("5-1-302", "房东", "13900000000").await;
    let cs = app.staff(2001, "周经理", Trade::CustomerService, false).await;
    app.emu.add_fault(Fault {
        method: Some("sendMessage".into()),
        chat_id: Some(cs.id),
        kind: FaultKind::RetryAfter(1),
        times: 1,
    });
    let owner = app.person(1204, "张伟", "zh-hans", "8613911112222");
    let cs_before = cs.seq();
    owner.request_verification("张伟", Relation::Owner).await;

    cs.wait(cs_before, "the card after the flood wait", |m| m.inline_keyboard.is_some()).await;
    let rows = app.outbox_when(cs.id, |rows| rows.iter().all(|r| r.state == "sent")).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].state, "sent");
    assert_eq!(rows[0].attempts, 0, "a flood wait is not a failed attempt");
    assert!(rows[0].last_error.is_none());
    assert!(app.emu.request_count("sendMessage") >= 2);
    app.stop().await;
}

#[tokio::test]
async fn a_notification_to_someone_who_blocked_the_bot_ends_dead() {
    let app = TestApp::spawn().await;
    app.roster("5-1-302", "房东", "13900000000").await;
    let cs = app.staff(2001, "周经理", Trade::CustomerService, false).await;
    let owner = app.person(1205, "张伟", "zh-hans", "8613911112222");
    let cs_before = cs.seq();
    owner.request_verification("张伟", Relation::Owner).await;
    cs.wait(cs_before, "the card", |m| m.inline_keyboard.is_some()).await;

    owner.emu.set_blocked(owner.id, true);
    cs.press(Text::new("btn-approve"));
    // The blocked owner's notice dies at once and they are marked unreachable.
    let rows = app.outbox_when(owner.id, |rows| rows.iter().any(|r| r.state == "dead")).await;
    assert_eq!(rows[0].attempts, 1, "dead after one attempt, not retried");
    assert!(rows[0].last_error.as_deref().unwrap().contains("blocked"));
    let reachable: bool = sqlx::query_scalar("SELECT reachable FROM users WHERE telegram_id = $1")
        .bind(owner.id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(!reachable);

    // Unblocking and writing again makes them reachable.
    owner.emu.set_blocked(owner.id, false);
    owner.says("/start").await;
    let reachable: bool = sqlx::query_scalar("SELECT reachable FROM users WHERE telegram_id = $1")
        .bind(owner.id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(reachable);
    app.stop().await;
}

#[tokio::test]
async fn a_webhook_left_from_an_earlier_deployment_does_not_stop_long_polling() {
    use teloxide::prelude::Requester;
    let mut app = TestApp::spawn().await;
    app.stop_bot().await;
    app.bot.set_webhook("https://example.invalid/hook".parse().unwrap()).await.unwrap();
    app.start_bot().await;
    let owner = app.person(1206, "王芳", "zh-hans", "8613800000101");
    owner.says_and_gets("/help", Text::new("help-newcomer")).await;
    app.stop().await;
}

/// Makes the next `times` saves of `chat`'s dialogue state fail, as a
/// database error in the middle of a unit of work would.
async fn fail_state_saves(app: &TestApp, chat: i64, times: i64) {
    for sql in [
        "CREATE SEQUENCE injected_failures".to_owned(),
        format!(
            "CREATE FUNCTION inject_failure() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN
                 IF NEW.chat_id = {chat} AND (SELECT NOT is_called OR last_value < {times} FROM injected_failures) THEN
                     PERFORM nextval('injected_failures');
                     RAISE EXCEPTION 'injected failure';
                 END IF;
                 RETURN NEW;
             END $$"
        ),
        "CREATE TRIGGER inject_failure BEFORE INSERT OR UPDATE ON dialogues
         FOR EACH ROW EXECUTE FUNCTION inject_failure()"
            .to_owned(),
    ] {
        sqlx::query(&sql).execute(&app.pool).await.unwrap();
    }
}

#[tokio::test]
async fn a_failed_update_is_tried_again_before_anything_the_chat_sent_after_it() {
    let app = TestApp::spawn().await;
    let owner = app.owner(1301, "王芳", "2-1-1201", "8613800001301").await;
    fail_state_saves(&app, owner.id, 1).await;
    let before = owner.seq();
    // Two updates at once: the first fails once (its state cannot be saved).
    owner.emu.send_text(owner.id, &owner.t(Text::new("menu-repair")));
    owner.emu.send_text(owner.id, "/menu");
    owner.expect(before, Text::new("menu-home")).await;
    let texts = owner.bot_texts();
    let asked = texts.iter().position(|t| *t == owner.t(Text::new("repair-ask-category")));
    let home = texts.iter().rposition(|t| *t == owner.t(Text::new("menu-home")));
    // (The runner's line keeps the order; so does the claim, which refuses an
    // update while an earlier one of its chat is unhandled.)
    assert!(asked.is_some() && asked < home, "answered in the order sent: {texts:?}");
    let attempts: i32 = sqlx::query_scalar("SELECT max(attempts) FROM inbox").fetch_one(&app.pool).await.unwrap();
    assert_eq!(attempts, 1, "one failed attempt recorded");
    assert!(!texts.contains(&owner.t(Text::new("error-generic"))), "no apology for a retry that worked");
    app.stop().await;
}

#[tokio::test]
async fn an_update_that_keeps_failing_is_set_aside_with_an_apology_and_the_chat_goes_on() {
    let app = TestApp::spawn().await;
    let owner = app.owner(1302, "李明", "2-1-1202", "8613800001302").await;
    fail_state_saves(&app, owner.id, 3).await;
    let before = owner.seq();
    owner.emu.send_text(owner.id, &owner.t(Text::new("menu-repair")));
    let failing = owner.emu.last_update_id();
    owner.expect(before, Text::new("error-generic")).await;
    let (attempts, error): (i32, Option<String>) =
        sqlx::query_as("SELECT attempts, last_error FROM inbox WHERE update_id = $1 AND handled_at IS NOT NULL")
            .bind(failing)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!((attempts, error.as_deref()), (3, Some("gave up")));
    // The chat is not stuck behind it.
    owner.says_and_gets(&owner.t(Text::new("menu-repair")), Text::new("repair-ask-category")).await;
    app.stop().await;
}

/// The reply rows of `chat` in `state`.
async fn replies_in(app: &TestApp, chat: i64, state: &str) -> i64 {
    app.count(&format!(
        "SELECT count(*) FROM outbox WHERE chat_id = {chat} AND reply_of IS NOT NULL AND state = '{state}'"
    ))
    .await
}

/// Until every reply to `chat` so far is out (a step may answer with several messages).
async fn until_replies_settled(app: &TestApp, chat: i64) {
    let deadline = std::time::Instant::now() + WAIT;
    while replies_in(app, chat, "sending").await + replies_in(app, chat, "pending").await > 0 {
        assert!(std::time::Instant::now() < deadline, "replies to {chat} did not settle");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// `owner` has started; then Telegram takes the bot's next message to them
/// and never answers, so their `/help` is committed, its reply kept and on
/// the way, when the bot is killed. Returns the sequence number from before
/// the `/help`.
async fn killed_while_answering_help(app: &mut TestApp, owner: &crate::support::Person) -> u64 {
    owner.says("/start").await;
    until_replies_settled(app, owner.id).await;
    app.emu.add_fault(Fault::new(FaultKind::Stall).method("sendMessage").chat(owner.id));
    let before = owner.seq();
    owner.emu.send_text(owner.id, "/help");
    let deadline = std::time::Instant::now() + WAIT;
    while replies_in(app, owner.id, "sending").await == 0 {
        assert!(std::time::Instant::now() < deadline, "the reply was never kept");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    app.kill_bot().await;
    app.emu.clear_faults();
    before
}

#[tokio::test]
async fn a_reply_cut_off_by_a_crash_after_the_commit_arrives_after_the_restart() {
    let mut app = TestApp::spawn().await;
    let owner = app.person(1210, "王芳", "zh-hans", "8613800000110");
    let before = killed_while_answering_help(&mut app, &owner).await;
    assert_eq!(app.count("SELECT count(*) FROM inbox WHERE handled_at IS NULL").await, 0, "the update was committed");

    // Written while the bot is down: answered only after the reply owed before it.
    owner.emu.send_text(owner.id, "/language");
    app.start_bot().await;
    let help = owner.expect(before, Text::new("help-newcomer")).await;
    let language = owner.wait(before, "the answer to /language", |m| m.inline_keyboard.is_some()).await;
    assert!(help.seq < language.seq, "the reply owed from before the crash comes first");
    owner.settle().await;
    let helps = owner.bot_texts().iter().filter(|t| **t == owner.t(Text::new("help-newcomer"))).count();
    assert_eq!(
        helps,
        2,
        "the /help cut off by the crash and the settle probe, each answered once: {:?}",
        owner.bot_texts()
    );
    // And each reply row ends settled, the resent one by the sender.
    until_replies_settled(&app, owner.id).await;
    app.stop().await;
}

#[tokio::test]
async fn a_reply_telegram_keeps_refusing_for_a_while_is_handed_to_the_sender_and_arrives() {
    let app = TestApp::spawn().await;
    let owner = app.person(1211, "王芳", "zh-hans", "8613800000111");
    owner.says("/start").await;
    until_replies_settled(&app, owner.id).await;
    // More flood waits than the runner sits out while the person waits.
    app.emu.add_fault(Fault::new(FaultKind::RetryAfter(1)).method("sendMessage").chat(owner.id).times(4));
    let before = owner.seq();
    owner.emu.send_text(owner.id, "/help");
    owner.expect(before, Text::new("help-newcomer")).await;
    until_replies_settled(&app, owner.id).await;
    // What the runner sent is deleted once sent; what the sender sent stays, marked.
    assert_eq!(replies_in(&app, owner.id, "sent").await, 1, "the sender delivered it");
    let helps = owner.bot_texts().iter().filter(|t| **t == owner.t(Text::new("help-newcomer"))).count();
    assert_eq!(helps, 1, "sent once, by the sender");
    app.stop().await;
}

#[tokio::test]
async fn a_reply_cut_off_by_a_crash_reaches_a_chat_that_says_nothing_more() {
    let mut app = TestApp::spawn().await;
    let owner = app.person(1212, "王芳", "zh-hans", "8613800000112");
    let before = killed_while_answering_help(&mut app, &owner).await;
    app.start_bot().await;
    // Nothing more from the owner: the sender sends it once the dead runner's
    // heartbeat is old enough.
    owner.expect(before, Text::new("help-newcomer")).await;
    until_replies_settled(&app, owner.id).await;
    app.stop().await;
}
