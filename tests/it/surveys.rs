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

fn unit_text(person: &Person, building: &str, entrance: &str, room: &str) -> String {
    person.t(crate::support::unit(building, entrance, room))
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

/// A two-question survey (a required rating, an optional text) straight
/// into the database, opening now for every building; the scheduler sends it.
async fn open_survey(app: &TestApp) -> i64 {
    use propdesk::domain::survey::{Question, QuestionKind, SurveySpec};
    let now = app.clock.now();
    let spec = SurveySpec {
        title: "物业服务评价".into(),
        questions: vec![
            Question { kind: QuestionKind::Rating, prompt: "总体满意度".into(), options: vec![], required: true },
            Question { kind: QuestionKind::Text, prompt: "意见和建议".into(), options: vec![], required: false },
        ],
        ..SurveySpec::default()
    };
    let mut conn = app.pool.acquire().await.unwrap();
    let community: i64 = sqlx::query_scalar("SELECT id FROM communities").fetch_one(&mut *conn).await.unwrap();
    let id =
        propdesk::store::surveys::insert(&mut conn, community, &spec, Some(crate::support::ADMIN), now).await.unwrap();
    propdesk::store::surveys::launch(&mut conn, id, now - Duration::minutes(1), now + Duration::days(3), now)
        .await
        .unwrap();
    app.scheduler().tick().await;
    id
}

async fn saved_answers(app: &TestApp) -> Vec<AnswerRow> {
    sqlx::query_as("SELECT position, rating, choices, text FROM survey_answers ORDER BY response_id, position")
        .fetch_all(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn bad_input_while_answering_gets_a_clear_answer_and_changes_nothing() {
    let c = compound().await;
    let survey = open_survey(&c.app).await;
    c.li.wait(0, "the invitation", containing("物业服务评价")).await;
    let li_response = response_id(&c.app, &c.li).await;
    c.li.press_and_get(Text::new("btn-survey-start"), question(1, 2, false)).await;

    // Typed, a sticker, a voice note where stars are expected.
    c.li.says_and_gets("5", Text::new("survey-rate-with-buttons")).await;
    let before = c.li.seq();
    c.li.emu.send_sticker(c.li.id);
    c.li.expect(before, Text::new("survey-rate-with-buttons")).await;
    let before = c.li.seq();
    c.li.emu.send_voice(c.li.id);
    c.li.expect(before, Text::new("survey-rate-with-buttons")).await;
    // A forged rating outside 1–5, and someone else's response.
    let q = c.li.press_data(&format!("sv:{li_response}:0.r6"));
    assert_eq!(c.li.answer_to(&q).await, Some(c.li.t(Text::new("error-button-expired"))));
    let q = c.wang.press_data(&format!("sv:{li_response}:0.r1"));
    assert_eq!(c.wang.answer_to(&q).await, Some(c.wang.t(Text::new("error-not-allowed"))));
    assert!(saved_answers(&c.app).await.is_empty());

    // Four stars; then a stale press on question 1 changes nothing.
    c.li.press_and_get(Text::new("btn-survey-stars").arg("n", 4u8), question(2, 2, true)).await;
    let first_question =
        c.li.emu
            .bot_messages(c.li.id)
            .into_iter()
            .find(|m| m.text.as_deref().is_some_and(|t| t.contains("总体满意度")))
            .unwrap();
    let q = c.li.emu.press_inline(c.li.id, first_question.message_id, &format!("sv:{li_response}:0.r1"));
    assert_eq!(c.li.answer_to(&q).await, Some(c.li.t(Text::new("survey-stale"))));
    assert_eq!(saved_answers(&c.app).await, vec![(0, Some(4), None, None)]);

    // At the text question: a wall of text, a photo, a command mid-survey.
    c.li.says_and_gets(&"长".repeat(5000), Text::new("error-too-long").arg("max", 1000usize)).await;
    let before = c.li.seq();
    c.li.emu.send_photo(c.li.id, vec![0xFF, 0xD8, 0x02], None);
    c.li.expect(before, Text::new("error-text-expected")).await;
    c.li.says_and_gets("/help", Text::new("help-owner")).await;
    assert_eq!(saved_answers(&c.app).await, vec![(0, Some(4), None, None)]);
    let before = c.li.seq();
    c.li.emu.send_text(c.li.id, "垃圾分类点需要多清理");
    c.li.wait(before, "thanks", containing(&head(&c.li, Text::new("survey-thanks").arg("closes", "@")))).await;

    // Answering twice: the invitation now offers to change the answers instead.
    let before = c.li.seq();
    c.li.press(Text::new("btn-survey-start"));
    c.li.wait(before, "already", containing(&head(&c.li, Text::new("survey-already-submitted").arg("closes", "@"))))
        .await;
    assert_eq!(
        saved_answers(&c.app).await,
        vec![(0, Some(4), None, None), (1, None, None, Some("垃圾分类点需要多清理".into()))]
    );

    // Owners answer; they do not design, send or read.
    let q = c.li.press_data(&format!("sa:{survey}:s"));
    assert_eq!(c.li.answer_to(&q).await, Some(c.li.t(Text::new("error-not-allowed"))));
    let q = c.li.press_data(&format!("sa:{survey}:csv"));
    assert_eq!(c.li.answer_to(&q).await, Some(c.li.t(Text::new("error-not-allowed"))));
    let q = c.li.press_data("sd:new");
    assert_eq!(c.li.answer_to(&q).await, Some(c.li.t(Text::new("error-not-allowed"))));
    let before = c.li.seq();
    c.li.emu.send_text(c.li.id, "/surveys");
    c.li.expect(before, Text::new("survey-yours")).await;
}

#[tokio::test]
async fn an_owner_changes_their_answers_until_the_survey_closes() {
    let c = compound().await;
    open_survey(&c.app).await;
    c.zhao.wait(0, "the invitation", containing("物业服务评价")).await;
    c.zhao.press_and_get(Text::new("btn-survey-start"), question(1, 2, false)).await;
    c.zhao.press_and_get(Text::new("btn-survey-stars").arg("n", 2u8), question(2, 2, true)).await;
    let before = c.zhao.seq();
    c.zhao.press(Text::new("btn-survey-skip"));
    c.zhao.wait(before, "thanks", containing(&head(&c.zhao, Text::new("survey-thanks").arg("closes", "@")))).await;
    assert_eq!(saved_answers(&c.app).await, vec![(0, Some(2), None, None)]);

    // ✏️: question 1 again, showing the answer given; five stars this time.
    let before = c.zhao.seq();
    c.zhao.press(Text::new("btn-survey-edit"));
    let again = c.zhao.expect_containing(before, question(1, 2, false)).await;
    let shown = c.zhao.t(Text::new("survey-current-answer").arg("answer", Text::new("btn-survey-stars").arg("n", 2u8)));
    assert!(again.text.unwrap().contains(&shown));
    c.zhao.press_and_get(Text::new("btn-survey-stars").arg("n", 5u8), question(2, 2, true)).await;
    let before = c.zhao.seq();
    c.zhao.press(Text::new("btn-survey-skip"));
    c.zhao.wait(before, "updated", containing(&head(&c.zhao, Text::new("survey-updated").arg("closes", "@")))).await;
    assert_eq!(saved_answers(&c.app).await, vec![(0, Some(5), None, None)]);
}

#[tokio::test]
async fn the_wizard_answers_bad_input_at_every_step_and_cancel_saves_nothing() {
    let c = compound().await;
    let admin = &c.admin;
    let before = admin.seq();
    admin.emu.send_text(admin.id, "/surveys");
    admin.expect(before, Text::new("survey-list-empty")).await;
    admin.press_and_get(Text::new("btn-survey-new"), Text::new("design-ask-title").arg("max", 100usize)).await;

    let before = admin.seq();
    admin.emu.send_sticker(admin.id);
    admin.expect(before, Text::new("error-text-expected")).await;
    let too_long =
        Text::new("design-input-refused").arg("why", Text::new("survey-error-too-long").arg("max", 100usize));
    admin.says_and_gets(&"题".repeat(5000), too_long).await;
    admin.says_and_gets("年度满意度调查", Text::new("design-ask-intro")).await;
    // A forged kind button at the intro step.
    let q = admin.press_data("sd:kr");
    assert_eq!(admin.answer_to(&q).await, Some(admin.t(Text::new("error-button-expired"))));
    admin.press_and_get(Text::new("btn-design-skip-intro"), Text::new("design-ask-kind").arg("n", 1usize)).await;
    admin.says_and_gets("评分题", Text::new("design-use-buttons")).await;
    admin
        .press_and_get(
            Text::new("survey-kind-single"),
            Text::new("design-ask-prompt").arg("n", 1usize).arg("max", 300usize),
        )
        .await;
    admin.says_and_gets("门岗服务如何？", Text::new("design-ask-options").arg("max", 8usize)).await;
    let one_option = Text::new("design-input-refused")
        .arg("why", Text::new("survey-error-option-count").arg("min", 2usize).arg("max", 8usize));
    admin.says_and_gets("很好", one_option).await;
    let twice = Text::new("design-input-refused").arg("why", Text::new("survey-error-option-twice"));
    admin.says_and_gets("好、好", twice).await;
    admin.says_and_gets("/cancel", Text::new("cancelled")).await;
    assert_eq!(c.app.count("SELECT count(*) FROM surveys").await, 0);
    // The wizard's buttons are dead once it is over.
    let q = admin.press_data("sd:ry");
    assert_eq!(admin.answer_to(&q).await, Some(admin.t(Text::new("error-button-expired"))));
}

#[tokio::test]
async fn a_scheduled_survey_opens_when_the_clock_reaches_it_and_not_before() {
    let c = compound().await;
    let spec = propdesk::domain::survey::SurveySpec {
        title: "公共设施满意度".into(),
        questions: vec![propdesk::domain::survey::Question {
            kind: propdesk::domain::survey::QuestionKind::Rating,
            prompt: "电梯运行情况".into(),
            options: vec![],
            required: true,
        }],
        ..Default::default()
    };
    // 李雷 also owns 2栋1单元202: invited once for each home.
    let second_home = c.app.roster("2-1-202", "李雷", "8613800000001").await;
    let mut conn = c.app.pool.acquire().await.unwrap();
    propdesk::store::residents::bind(
        &mut conn,
        c.li.id,
        second_home,
        "李雷",
        propdesk::domain::Relation::Owner,
        "roster",
    )
    .await
    .unwrap();
    let community: i64 = sqlx::query_scalar("SELECT id FROM communities").fetch_one(&mut *conn).await.unwrap();
    propdesk::store::surveys::insert(&mut conn, community, &spec, None, c.app.clock.now()).await.unwrap();
    drop(conn);

    let admin = &c.admin;
    let before = admin.seq();
    admin.emu.send_text(admin.id, "/surveys");
    admin.expect(before, Text::new("survey-list")).await;
    let item =
        Text::new("btn-survey-item").arg("title", "公共设施满意度").arg("phase", Text::new("survey-phase-draft"));
    admin.press_and_get(item, Text::new("survey-card-reach").arg("count", 4usize)).await;
    admin.press_and_get(Text::new("btn-survey-schedule"), Text::new("survey-ask-open-time")).await;
    admin.says_and_gets("下周吧", Text::new("survey-bad-time-format")).await;
    admin.says_and_gets("2020-01-01 09:00", Text::new("survey-bad-time")).await;
    let tomorrow = (c.app.clock.now().with_timezone(&chrono_tz::Asia::Shanghai) + Duration::days(1)).date_naive();
    let before = admin.seq();
    admin.emu.send_text(admin.id, &format!("{tomorrow} 09:00"));
    admin
        .wait(
            before,
            "scheduled",
            containing(&head(
                admin,
                Text::new("survey-scheduled").arg("opens", "@").arg("closes", "@").arg("count", "@"),
            )),
        )
        .await;

    // Not yet: ticks send nothing.
    c.app.scheduler().tick().await;
    assert_eq!(c.app.count("SELECT count(*) FROM survey_responses").await, 0);
    // A scheduled survey cannot be sent again or changed.
    let survey: i64 = sqlx::query_scalar("SELECT id FROM surveys").fetch_one(&c.app.pool).await.unwrap();
    let q = admin.press_data(&format!("sa:{survey}:sy"));
    assert_eq!(admin.answer_to(&q).await, Some(admin.t(Text::new("survey-not-draft"))));

    // The clock reaches the opening: every building's owners are invited, once.
    let opens: chrono::DateTime<chrono::Utc> =
        sqlx::query_scalar("SELECT opens_at FROM surveys").fetch_one(&c.app.pool).await.unwrap();
    c.app.advance(opens - c.app.clock.now() + Duration::minutes(1));
    c.app.scheduler().tick().await;
    c.app.scheduler().tick().await;
    for owner in [&c.li, &c.wang, &c.zhao] {
        owner.wait(0, "the invitation", containing("公共设施满意度")).await;
    }
    assert_eq!(c.app.count("SELECT count(*) FROM survey_responses").await, 4);
    assert_eq!(c.app.count("SELECT count(*) FROM outbox WHERE kind = 'survey-invitation'").await, 4);
    let homes = [unit_text(&c.li, "1", "1", "101"), unit_text(&c.li, "2", "1", "202")];
    for home in homes {
        c.li.wait(0, "an invitation for each home", containing(&home)).await;
    }
}

const FILE: &str = "title: 秋季业主满意度调查
questions:
  - type: rating
    prompt: 您对维修服务的满意程度？
  - type: single
    prompt: 报修问题是否得到解决？
    options: [已解决, 未解决]
  - type: text
    prompt: 其他建议
    required: false
";

const BAD_FILE: &str = "title: 坏文件
questions:
  - type: stars
    prompt: 满意吗？
  - type: single
    prompt: 选一个
    options: [只有一个]
";

#[tokio::test]
async fn a_survey_file_is_imported_or_refused_line_by_line_and_its_results_chart_and_csv_reach_the_admin() {
    let c = compound().await;
    let admin = &c.admin;

    // A malformed file: each problem with its line; nothing imported.
    let before = admin.seq();
    admin.emu.send_document(admin.id, "bad.yaml", BAD_FILE.as_bytes().to_vec());
    let refused = admin.wait(before, "the refusal", |m| m.text.is_some()).await.text.unwrap();
    assert!(refused.contains(&admin.t(Text::new("survey-file-refused").arg("count", 2usize))), "{refused}");
    assert!(
        refused.contains(
            &admin
                .t(Text::new("survey-file-problem-at").arg("line", 3usize).arg("reason", "@"))
                .split('@')
                .next()
                .unwrap()
                .to_owned()
        ),
        "{refused}"
    );
    assert!(refused.contains("7"), "{refused}");
    assert_eq!(c.app.count("SELECT count(*) FROM surveys").await, 0);
    // An owner's file is not a survey.
    let before = c.li.seq();
    c.li.emu.send_document(c.li.id, "survey.yaml", FILE.as_bytes().to_vec());
    c.li.expect(before, Text::new("menu-use-buttons")).await;
    assert_eq!(c.app.count("SELECT count(*) FROM surveys").await, 0);

    // A good file: a draft and its card; sent to everyone.
    let before = admin.seq();
    admin.emu.send_document(admin.id, "survey.yaml", FILE.as_bytes().to_vec());
    admin.expect(before, Text::new("survey-file-imported").arg("count", 3usize)).await;
    admin.wait(before, "the card", containing("秋季业主满意度调查")).await;
    let before = admin.seq();
    admin.press_shown(Text::new("btn-survey-send")).await;
    admin
        .wait(
            before,
            "the confirmation",
            containing(&head(admin, Text::new("survey-confirm-send").arg("count", 3usize).arg("closes", "@"))),
        )
        .await;
    admin.press(Text::new("btn-survey-confirm-send"));

    // 李雷 ★5 已解决 + a comment; 赵强 ★2 未解决; 王芳 does not answer.
    for (owner, stars, choice, comment) in [(&c.li, 5u8, "已解决", Some("师傅很专业")), (&c.zhao, 2u8, "未解决", None)]
    {
        owner.wait(0, "the invitation", containing("秋季业主满意度调查")).await;
        owner.press_and_get(Text::new("btn-survey-start"), question(1, 3, false)).await;
        owner.press_and_get(Text::new("btn-survey-stars").arg("n", stars), question(2, 3, false)).await;
        owner.press_and_get(Text::plain(choice), question(3, 3, true)).await;
        let before = owner.seq();
        match comment {
            Some(text) => drop(owner.emu.send_text(owner.id, text)),
            None => drop(owner.press(Text::new("btn-survey-skip"))),
        }
        owner.wait(before, "thanks", containing(&head(owner, Text::new("survey-thanks").arg("closes", "@")))).await;
    }

    // The report: 3 invited, 2 answered, 66%; average 3.5; the comment.
    let before = admin.seq();
    admin.press_shown(Text::new("btn-survey-results")).await;
    let report = admin.wait(before, "the report", containing("秋季业主满意度调查")).await.text.unwrap();
    let rate =
        admin.t(Text::new("survey-results-rate").arg("invited", 3usize).arg("submitted", 2usize).arg("rate", 67usize));
    assert!(report.contains(&rate), "{report}\n---\n{rate}");
    assert!(report.contains("3.5"), "{report}");
    assert!(report.contains("师傅很专业"), "{report}");

    // By building: building 1 answered 1 of 2, building 2 1 of 1; then building 2 alone.
    let before = admin.seq();
    admin.press(Text::new("btn-survey-by-building"));
    let summary = admin.wait(before, "by building", |m| m.inline_keyboard.is_some() && m.text.is_some()).await;
    let summary_text = summary.text.unwrap();
    assert!(summary_text.contains("(1/2)") || summary_text.contains("（1/2）"), "{summary_text}");
    let before = admin.seq();
    admin.press(building("2"));
    let one = admin
        .wait(before, "building 2", containing(&admin.t(Text::new("survey-results-one-building").arg("building", "2"))))
        .await;
    assert!(one.text.unwrap().contains("2.0"));

    // The chart: a PNG of plausible size.
    let before = admin.seq();
    admin.press(Text::new("btn-survey-chart"));
    let chart = admin.wait(before, "the chart", |m| m.kind == "document").await;
    let png = admin.emu.file_bytes(chart.document_file_id.as_deref().unwrap()).unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
    assert!(png.len() > 2_000 && png.len() < 2_000_000, "{} bytes", png.len());

    // The CSV, value by value.
    let before = admin.seq();
    admin.press(Text::new("btn-survey-csv"));
    let file = admin.wait(before, "the CSV", |m| m.kind == "document").await;
    let bytes = admin.emu.file_bytes(file.document_file_id.as_deref().unwrap()).unwrap();
    let text = String::from_utf8(bytes).unwrap();
    let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
    assert_eq!(header[5..], ["Q1 您对维修服务的满意程度？", "Q2 报修问题是否得到解决？", "Q3 其他建议"]);
    let mut rows: Vec<Vec<String>> = reader.records().map(|r| r.unwrap().iter().map(str::to_owned).collect()).collect();
    rows.sort_by(|a, b| a[1].cmp(&b[1]));
    assert_eq!(rows.len(), 2);
    assert_eq!((rows[0][1].as_str(), rows[0][3].as_str()), ("1", "李雷"));
    assert_eq!(rows[0][5..], ["5", "已解决", "师傅很专业"]);
    assert_eq!((rows[1][1].as_str(), rows[1][3].as_str()), ("2", "赵强"));
    assert_eq!(rows[1][5..], ["2", "未解决", ""]);
}
