//! Satisfaction surveys end to end: designed in chat, sent to one building
//! (the other building receives nothing), answered with a pause and resumed
//! after a restart, reminders to non-respondents only, a scheduled opening
//! with a moved clock, and every kind of bad input at every step.

use chrono::Duration;
use propdesk::clock::Clock as _;
use propdesk::i18n::Text;
use propdesk::sandbox::emulator::ChatMessage;

use crate::support::{Person, TestApp};

fn containing(s: &str) -> impl Fn(&ChatMessage) -> bool {
    let s = s.to_owned();
    move |m| m.text.as_deref().is_some_and(|t| t.contains(&s))
}

fn building(name: &str) -> Text {
    Text::new("survey-building").arg("building", name)
}

/// Three owners: two in building 1, one in building 2.
struct Compound {
    app: TestApp,
    admin: Person,
    li: Person,
    wang: Person,
    zhao: Person,
}

async fn compound() -> Compound {
    let app = TestApp::spawn().await;
    let li = app.owner(1001, "李雷", "1-1-101", "8613800000001").await;
    let wang = app.owner(1002, "王芳", "1-1-102", "8613800000002").await;
    let zhao = app.owner(1003, "赵强", "2-1-201", "8613800000003").await;
    let admin = app.admin().await;
    Compound { app, admin, li, wang, zhao }
}

/// The admin designs the four-question survey by clicking and typing, and
/// is shown its card. Returns the survey's id.
async fn design_four_questions(admin: &Person, app: &TestApp) -> i64 {
    let before = admin.seq();
    admin.emu.send_text(admin.id, "/surveys");
    admin.expect(before, Text::new("survey-list-empty")).await;
    admin.press_and_get(Text::new("btn-survey-new"), Text::new("design-ask-title").arg("max", 100usize)).await;
    admin.says_and_gets("2026年第四季度业主满意度调查", Text::new("design-ask-intro")).await;
    admin.says_and_gets("感谢您一年来的支持", Text::new("design-ask-kind").arg("n", 1usize)).await;

    // 1: rating, required.
    admin
        .press_and_get(
            Text::new("survey-kind-rating"),
            Text::new("design-ask-prompt").arg("n", 1usize).arg("max", 300usize),
        )
        .await;
    admin.says_and_gets("您对维修服务的满意程度？", Text::new("design-ask-required")).await;
    admin.press_and_get(Text::new("btn-design-required"), Text::new("design-ask-kind").arg("n", 2usize)).await;
    // 2: single choice, required.
    admin
        .press_and_get(
            Text::new("survey-kind-single"),
            Text::new("design-ask-prompt").arg("n", 2usize).arg("max", 300usize),
        )
        .await;
    admin.says_and_gets("小区保洁做得怎么样？", Text::new("design-ask-options").arg("max", 8usize)).await;
    admin.says_and_gets("很好、一般、较差", Text::new("design-ask-required")).await;
    admin.press_and_get(Text::new("btn-design-required"), Text::new("design-ask-kind").arg("n", 3usize)).await;
    // 3: multiple choice, optional, options one per line.
    admin
        .press_and_get(
            Text::new("survey-kind-multiple"),
            Text::new("design-ask-prompt").arg("n", 3usize).arg("max", 300usize),
        )
        .await;
    admin.says_and_gets("明年希望加强哪些服务？", Text::new("design-ask-options").arg("max", 8usize)).await;
    admin.says_and_gets("绿化\n安保\n停车管理", Text::new("design-ask-required")).await;
    admin.press_and_get(Text::new("btn-design-optional"), Text::new("design-ask-kind").arg("n", 4usize)).await;
    // 4: free text, optional.
    admin
        .press_and_get(
            Text::new("survey-kind-text"),
            Text::new("design-ask-prompt").arg("n", 4usize).arg("max", 300usize),
        )
        .await;
    admin.says_and_gets("其他意见和建议", Text::new("design-ask-required")).await;
    admin.press_and_get(Text::new("btn-design-optional"), Text::new("design-ask-kind").arg("n", 5usize)).await;
    let before = admin.seq();
    admin.press_shown(Text::new("btn-design-finish").arg("count", 4usize)).await;
    admin.expect(before, Text::new("design-saved")).await;
    admin.wait(before, "the card", containing("2026年第四季度业主满意度调查")).await;
    sqlx::query_scalar("SELECT id FROM surveys").fetch_one(&app.pool).await.unwrap()
}

/// Chooses building 1 only and sends now.
async fn send_to_building_one(admin: &Person) {
    admin
        .press_and_get(Text::new("btn-survey-audience"), Text::new("survey-choose-audience").arg("count", 3usize))
        .await;
    admin.press(Text::new("btn-survey-unticked").arg("option", building("1")));
    // The card's buttons are redrawn in place: building 1 ticked, 2 reached.
    admin.press_shown(Text::new("btn-survey-done")).await;
    admin
        .wait(0, "the card for building 1", containing(&admin.t(Text::new("survey-card-reach").arg("count", 2usize))))
        .await;
    let before = admin.seq();
    admin.press_shown(Text::new("btn-survey-send")).await;
    let confirm = admin.t(Text::new("survey-confirm-send").arg("count", 2usize).arg("closes", "@"));
    let head = confirm.split('@').next().unwrap().to_owned();
    admin.wait(before, "the confirmation", containing(&head)).await;
    let before = admin.seq();
    admin.press(Text::new("btn-survey-confirm-send"));
    let sent = admin.t(Text::new("survey-sent").arg("count", 2usize).arg("closes", "@"));
    admin.wait(before, "sent", containing(sent.split('@').next().unwrap())).await;
}

fn question(n: usize, total: usize, optional: bool) -> Text {
    Text::new("survey-question-head")
        .arg("n", n)
        .arg("total", total)
        .arg("optional", if optional { "yes" } else { "no" })
}

async fn response_id(app: &TestApp, owner: &Person) -> i64 {
    sqlx::query_scalar("SELECT id FROM survey_responses WHERE telegram_id = $1")
        .bind(owner.id)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

/// A saved answer: position, rating, choices, text.
type AnswerRow = (i16, Option<i16>, Option<Vec<i16>>, Option<String>);

/// The part of `text` before an argument given as "@" (a time that varies).
fn head(person: &Person, text: Text) -> String {
    person.t(text).split('@').next().unwrap().to_owned()
}

#[tokio::test]
async fn a_survey_built_by_clicking_reaches_one_building_and_is_answered_across_a_pause_and_a_restart() {
    let mut c = compound().await;
    let survey = design_four_questions(&c.admin, &c.app).await;
    let questions: i64 = sqlx::query_scalar("SELECT count(*) FROM survey_questions WHERE survey_id = $1")
        .bind(survey)
        .fetch_one(&c.app.pool)
        .await
        .unwrap();
    assert_eq!(questions, 4);
    send_to_building_one(&c.admin).await;

    // Building 1's owners are invited; building 2's owner is not.
    let title = "2026年第四季度业主满意度调查";
    c.li.wait(0, "the invitation", containing(title)).await;
    c.wang.wait(0, "the invitation", containing(title)).await;
    let invited: Vec<i64> = sqlx::query_scalar("SELECT telegram_id FROM survey_responses ORDER BY telegram_id")
        .fetch_all(&c.app.pool)
        .await
        .unwrap();
    assert_eq!(invited, vec![1001, 1002]);

    // 李雷 answers three questions and stops at the fourth.
    c.li.press_and_get(Text::new("btn-survey-start"), question(1, 4, false)).await;
    c.li.press_and_get(Text::new("btn-survey-stars").arg("n", 4u8), question(2, 4, false)).await;
    c.li.press_and_get(Text::plain("一般"), question(3, 4, true)).await;
    c.li.press(Text::new("btn-survey-unticked").arg("option", "安保"));
    c.li.press_shown(Text::new("btn-survey-unticked").arg("option", "停车管理")).await;
    let ticked = c.li.t(Text::new("btn-survey-ticked").arg("option", "停车管理"));
    c.li.wait(0, "停车管理 ticked", move |m| {
        m.inline_keyboard.as_ref().is_some_and(|k| k.iter().flatten().any(|b| b.text == ticked))
    })
    .await;
    c.li.press_and_get(Text::new("btn-survey-done"), question(4, 4, true)).await;
    let before = c.li.seq();
    c.li.press(Text::new("btn-survey-pause"));
    c.li.wait(
        before,
        "paused",
        containing(&head(&c.li, Text::new("survey-paused").arg("title", title).arg("closes", "@"))),
    )
    .await;

    // The bot restarts; the invitation's button continues at question 4.
    c.app.stop_bot().await;
    c.app.start_bot().await;
    let before = c.li.seq();
    c.li.press(Text::new("btn-survey-start"));
    let q4 = c.li.expect_containing(before, question(4, 4, true)).await;
    assert!(q4.text.unwrap().contains("其他意见和建议"));
    let before = c.li.seq();
    c.li.emu.send_text(c.li.id, "电梯间的灯坏了好几天");
    c.li.wait(before, "thanks", containing(&head(&c.li, Text::new("survey-thanks").arg("closes", "@")))).await;

    // What was saved, value by value.
    let rid = response_id(&c.app, &c.li).await;
    let rows: Vec<AnswerRow> = sqlx::query_as(
        "SELECT position, rating, choices, text FROM survey_answers WHERE response_id = $1 ORDER BY position",
    )
    .bind(rid)
    .fetch_all(&c.app.pool)
    .await
    .unwrap();
    assert_eq!(
        rows,
        vec![
            (0, Some(4), None, None),
            (1, None, Some(vec![1]), None),
            (2, None, Some(vec![1, 2]), None),
            (3, None, None, Some("电梯间的灯坏了好几天".to_owned())),
        ]
    );
    let submitted: i64 = sqlx::query_scalar("SELECT count(*) FROM survey_responses WHERE submitted_at IS NOT NULL")
        .fetch_one(&c.app.pool)
        .await
        .unwrap();
    assert_eq!(submitted, 1);

    // Half a day before closing: 王芳 (who has not answered) is reminded, once; 李雷 is not.
    let closes: chrono::DateTime<chrono::Utc> =
        sqlx::query_scalar("SELECT closes_at FROM surveys").fetch_one(&c.app.pool).await.unwrap();
    let wang_before = c.wang.seq();
    c.app.advance(closes - c.app.clock.now() - Duration::hours(12));
    c.app.scheduler().tick().await;
    c.app.scheduler().tick().await;
    c.wang
        .wait(
            wang_before,
            "the reminder",
            containing(&head(
                &c.wang,
                Text::new("survey-reminder").arg("title", title).arg("unit", "@").arg("closes", "@"),
            )),
        )
        .await;
    let reminders: Vec<i64> = sqlx::query_scalar("SELECT chat_id FROM outbox WHERE kind = 'survey-reminder'")
        .fetch_all(&c.app.pool)
        .await
        .unwrap();
    assert_eq!(reminders, vec![1002]);

    // Building 2 received nothing about it.
    assert!(!c.zhao.bot_texts().iter().any(|t| t.contains(title)));

    // After the closing, a press is refused and nothing changes.
    c.app.advance(Duration::hours(13));
    let q = c.wang.press(Text::new("btn-survey-start"));
    assert_eq!(c.wang.answer_to(&q).await, Some(c.wang.t(Text::new("survey-closed"))));
    let started: i64 = sqlx::query_scalar("SELECT count(*) FROM survey_responses WHERE started_at IS NOT NULL")
        .fetch_one(&c.app.pool)
        .await
        .unwrap();
    assert_eq!(started, 1);
}
