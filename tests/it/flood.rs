//! The abuse limit: someone sending too much too fast is slowed, with one
//! polite notice, while everyone else is answered as usual.

use std::sync::Arc;

use propdesk::config::FloodSettings;
use propdesk::i18n::Text;

use crate::support::*;

/// Long enough that however slowly this machine handles the flood, it all
/// falls in one window; the test moves the clock past it.
const WINDOW_SECS: i64 = 600;
const LIMIT: u32 = 5;

async fn app_with_the_limit_on() -> TestApp {
    let mut app = TestApp::spawn_with_endpoints().await;
    app.stop_bot().await;
    let mut settings = (*app.settings).clone();
    settings.flood = FloodSettings { updates: LIMIT, window_secs: WINDOW_SECS };
    app.settings = Arc::new(settings);
    app.start_bot().await;
    app
}

#[tokio::test]
async fn a_flooder_is_told_once_and_ignored_while_others_are_served_and_after_the_window_they_are_served_again() {
    let app = app_with_the_limit_on().await;
    let flooder = app.person(7001, "刷屏", "zh-hans", "8613800007001");
    let neighbour = app.person(7002, "邻居", "zh-hans", "8613800007002");

    let before = flooder.seq();
    for _ in 0..LIMIT + 7 {
        app.emu.send_text(flooder.id, "/help");
    }
    // Someone else at the same moment is answered as usual.
    let reply = neighbour.says("/help").await;
    assert_eq!(reply.text, Some(neighbour.t(Text::new("help-newcomer"))));

    flooder.expect(before, Text::new("flood-slow-down")).await;
    let handled = format!("SELECT count(*) FROM inbox WHERE chat_id = {} AND handled_at IS NOT NULL", flooder.id);
    let deadline = tokio::time::Instant::now() + WAIT;
    while app.count(&handled).await < i64::from(LIMIT + 7) {
        assert!(tokio::time::Instant::now() < deadline, "the flood was never all handled");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let texts = flooder.bot_texts();
    let help = flooder.t(Text::new("help-newcomer"));
    let slow_down = flooder.t(Text::new("flood-slow-down"));
    assert_eq!(texts.iter().filter(|t| **t == help).count(), LIMIT as usize, "{texts:#?}");
    assert_eq!(texts.iter().filter(|t| **t == slow_down).count(), 1, "one notice: {texts:#?}");
    assert_eq!(texts.len(), LIMIT as usize + 1, "nothing else: {texts:#?}");
    let set_aside = format!("SELECT count(*) FROM inbox WHERE chat_id = {} AND last_error = 'throttled'", flooder.id);
    assert_eq!(app.count(&set_aside).await, 7, "the excess is marked handled, with why");
    assert!(!neighbour.bot_texts().contains(&slow_down), "the neighbour was not slowed");
    let metrics = reqwest::get(format!("{}/metrics", app.http())).await.unwrap().text().await.unwrap();
    assert!(metrics.contains("propdesk_updates_throttled_total 7"), "{metrics}");

    // Within the window: still ignored, and not told again.
    let quiet = flooder.seq();
    app.emu.send_text(flooder.id, "/help");
    let next = neighbour.says("/help").await;
    assert_eq!(next.text, Some(help.clone()));
    let deadline = tokio::time::Instant::now() + WAIT;
    while app.count(&set_aside).await < 8 {
        assert!(tokio::time::Instant::now() < deadline, "the update in the window was never set aside");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(app.emu.bot_messages(flooder.id).iter().all(|m| m.seq <= quiet), "nothing more was sent");
    // A button pressed in the window is set aside too, but answered, so the client stops spinning.
    let query = flooder.press_data("forged:1");
    let answer = app.emu.wait_for_callback_answer(&query, WAIT).await.expect("the press is answered");
    assert_eq!(answer.text, None);
    assert!(app.emu.bot_messages(flooder.id).iter().all(|m| m.seq <= quiet), "and nothing is sent");

    app.advance(chrono::Duration::seconds(WINDOW_SECS + 1));
    let served = flooder.says("/help").await;
    assert_eq!(served.text, Some(help));
    app.stop().await;
}
