//! Staff joining by one-time invite; admins listing and deactivating them.

use propdesk::domain::{TicketKind, Trade};
use propdesk::i18n::Text;

use crate::support::TestApp;

/// The admin creates an invite for `trade` and returns the code from the link.
async fn invite(app: &TestApp, trade: Trade, supervisor: bool) -> String {
    let admin = app.admin().await;
    let before = admin.seq();
    admin.emu.send_text(admin.id, "/invite");
    admin.expect(before, Text::new("invite-choose-trade")).await;
    admin.press(trade.label());
    admin
        .wait(before, "the role question", |m| m.inline_keyboard.as_ref().is_some_and(|k| k[0].len() == 2) && m.edited)
        .await;
    let before = admin.seq();
    admin.press(if supervisor { Text::new("role-supervisor") } else { Text::new("role-member") });
    let created =
        admin.wait(before, "the invite link", |m| m.text.as_deref().is_some_and(|t| t.contains("?start="))).await;
    let text = created.text.unwrap();
    let link =
        text.split_whitespace().find(|w| w.starts_with("https://t.me/propdesk_test_bot?start=")).expect("a t.me link");
    link.rsplit('=').next().unwrap().to_owned()
}

#[tokio::test]
async fn a_staff_member_joins_with_an_invite_and_a_reused_invite_is_refused() {
    let app = TestApp::spawn().await;
    let code = invite(&app, Trade::Plumbing, false).await;

    let plumber = app.person(3001, "刘师傅", "zh-hans", "8613700000001");
    let admin = app.person(crate::support::ADMIN, "管理员", "zh-hans", "8613700000099");
    let admin_before = admin.seq();
    plumber
        .says_and_gets(
            &format!("/start {code}"),
            Text::new("staff-welcome").arg("name", "刘师傅").arg("trade", Text::new("trade-plumbing")),
        )
        .await;
    assert_eq!(
        plumber.keyboard(),
        [Text::new("menu-tasks"), Text::new("menu-patrol"), Text::new("menu-language"), Text::new("menu-help")]
            .map(|t| plumber.t(t))
    );
    admin
        .expect(
            admin_before,
            Text::new("staff-joined-admin-notice").arg("name", "刘师傅").arg("trade", Text::new("trade-plumbing")),
        )
        .await;
    let row: (String, bool, bool) =
        sqlx::query_as("SELECT trade, is_supervisor, active FROM staff WHERE telegram_id = 3001")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(row, ("plumbing".to_owned(), false, true));

    let someone = app.person(3002, "路人", "zh-hans", "8613700000002");
    someone.says_and_gets(&format!("/start {code}"), Text::new("invite-used")).await;
    someone.says_and_gets("/start NoSuchCode123", Text::new("invite-unknown")).await;
    someone.says_and_gets("/start ../../etc/passwd", Text::new("invite-unknown")).await;
    assert_eq!(app.count("SELECT count(*) FROM staff").await, 1);
    app.stop().await;
}

#[tokio::test]
async fn only_admins_can_invite() {
    let app = TestApp::spawn().await;
    let plumber = app.staff(3001, "刘师傅", Trade::Plumbing, false).await;
    plumber.says_and_gets("/invite", Text::new("error-not-allowed")).await;
    // A forged press on an invite button is refused too.
    let q = plumber
        .press_data(&propdesk::domain::CallbackData::InviteRole { trade: Trade::Plumbing, supervisor: true }.encode());
    assert_eq!(plumber.answer_to(&q).await, Some(plumber.t(Text::new("error-not-allowed"))));
    assert_eq!(app.count("SELECT count(*) FROM staff_invites").await, 0);
    app.stop().await;
}

#[tokio::test]
async fn an_admin_lists_and_deactivates_staff() {
    let app = TestApp::spawn().await;
    let cleaner = app.staff(3003, "孙阿姨", Trade::Cleaning, false).await;
    app.staff(3004, "周经理", Trade::CustomerService, true).await;
    let admin = app.admin().await;

    let before = admin.seq();
    admin.emu.send_text(admin.id, "/staff");
    let list = admin.expect_containing(before, Text::new("staff-list-title").arg("count", 2usize)).await;
    let text = list.text.unwrap();
    assert!(text.contains(&admin.t(
        Text::new("staff-list-line-supervisor").arg("name", "周经理").arg("trade", Text::new("trade-customer-service"))
    )));
    assert!(text.contains(
        &admin.t(Text::new("staff-list-line").arg("name", "孙阿姨").arg("trade", Text::new("trade-cleaning")))
    ));

    let before = admin.seq();
    let cleaner_before = cleaner.seq();
    admin.press(Text::new("btn-deactivate").arg("name", "孙阿姨"));
    admin.expect(before, Text::new("staff-deactivated").arg("name", "孙阿姨")).await;
    cleaner.expect(cleaner_before, Text::new("staff-deactivated-notice")).await;
    assert_eq!(app.count("SELECT count(*) FROM staff WHERE active").await, 1);

    // The deactivated member no longer has the staff menu.
    cleaner.says_and_gets("/start", Text::new("welcome").arg("name", "孙阿姨")).await;
    app.stop().await;
}

/// The admin deactivates `name` from /staff.
pub async fn deactivate(admin: &crate::support::Person, name: &str) {
    let before = admin.seq();
    admin.emu.send_text(admin.id, "/staff");
    let label = admin.t(Text::new("btn-deactivate").arg("name", name));
    admin
        .wait(before, "the staff list", |m| {
            m.inline_keyboard.as_ref().is_some_and(|k| k.iter().flatten().any(|b| b.text == label))
        })
        .await;
    let before = admin.seq();
    admin.press(Text::new("btn-deactivate").arg("name", name));
    admin.expect_containing(before, Text::new("staff-deactivated").arg("name", name)).await;
}

#[tokio::test]
async fn a_supervisor_deactivated_while_typing_a_period_gets_no_figures_no_export_and_no_survey_results() {
    use propdesk::domain::CallbackData;
    use propdesk::domain::callback::SurveyOp;
    use propdesk::domain::period::Period;

    let app = TestApp::spawn().await;
    let supervisor = app.staff(3004, "周经理", Trade::CustomerService, true).await;
    let admin = app.admin().await;

    // This month's figures, with their export button; then a custom period, half typed.
    supervisor.says_and_gets("/stats", Text::new("stats-choose-period")).await;
    supervisor.press_and_get(Text::new("btn-this-month"), Period::ThisMonth.label()).await;
    supervisor.says_and_gets("/stats", Text::new("stats-choose-period")).await;
    supervisor.press_and_get(Text::new("btn-custom-period"), Text::new("stats-ask-range")).await;

    deactivate(&admin, "周经理").await;

    // The period they were typing: refused, no figures.
    let before = supervisor.seq();
    supervisor.emu.send_text(supervisor.id, "2026-11-01 2026-11-30");
    supervisor.expect(before, Text::new("error-not-allowed")).await;
    supervisor.settle().await;
    let title = supervisor.t(Text::new("stats-title").arg("period", "@"));
    let title = title.split('@').next().unwrap().to_owned();
    let figures = supervisor.bot_texts().into_iter().filter(|t| t.starts_with(&title)).count();
    assert_eq!(figures, 1, "only the report from before");

    // The export button on the old report: refused, no file.
    let q = supervisor.press(Text::new("btn-export-csv"));
    assert_eq!(supervisor.answer_to(&q).await, Some(supervisor.t(Text::new("error-not-allowed"))));
    // A survey's results, forged: refused.
    let q = supervisor.press_data(&CallbackData::Survey { id: 1, op: SurveyOp::Results }.encode());
    assert_eq!(supervisor.answer_to(&q).await, Some(supervisor.t(Text::new("error-not-allowed"))));
    supervisor.settle().await;
    assert!(supervisor.emu.bot_messages(supervisor.id).iter().all(|m| m.kind != "document"));
    app.stop().await;
}

fn containing(s: String) -> impl Fn(&propdesk::sandbox::emulator::ChatMessage) -> bool {
    move |m| m.text.as_deref().is_some_and(|t| t.contains(&s))
}

#[tokio::test]
async fn a_deactivated_technician_hands_their_open_repair_to_a_colleague_and_hears_nothing_more() {
    use propdesk::domain::Urgency;

    let app = TestApp::spawn().await;
    let liu = app.staff(3001, "刘师傅", Trade::Plumbing, false).await;
    let supervisor = app.staff(3004, "周经理", Trade::CustomerService, true).await;
    let owner = app.owner(1001, "王芳", "3-2-1201", "8613800000001").await;
    let admin = app.admin().await;
    let before = liu.seq();
    let number = crate::support::file_repair(&owner, 0, Urgency::Routine).await;
    liu.wait(before, "the card", containing(number.clone())).await;
    liu.press_shown(Text::new("btn-accept")).await;
    // A second plumber joins after the ticket was given out.
    let wang = app.staff(3002, "王师傅", Trade::Plumbing, false).await;

    let (liu_before, wang_before, owner_before, sup_before) = (liu.seq(), wang.seq(), owner.seq(), supervisor.seq());
    deactivate(&admin, "刘师傅").await;

    // 王师傅 has the card (with the owner's phone), the owner is told who, the supervisors where it went.
    let card = wang.wait(wang_before, "the card", containing(number.clone())).await;
    assert!(card.text.unwrap().contains("13800000001"));
    let row: (String, Option<i64>) =
        sqlx::query_as("SELECT status, assignee_id FROM tickets").fetch_one(&app.pool).await.unwrap();
    assert_eq!(row, ("assigned".to_owned(), Some(wang.id)));
    let told = owner.t(Text::new("ticket-assigned-owner").arg("ticket", "@").arg("assignee", "王师傅"));
    let told_tail = told.rsplit('@').next().unwrap().to_owned();
    owner.wait(owner_before, "who has it now", containing(told_tail)).await;
    let head = supervisor.t(Text::new("staff-handover-supervisor").arg("name", "刘师傅").arg("count", 1usize));
    let handover = supervisor.wait(sup_before, "the hand-over", containing(head)).await.text.unwrap();
    assert!(handover.contains(&number) && handover.contains("王师傅"), "{handover}");

    // The owner adds information: it reaches 王师傅, never 刘师傅.
    let info = "水已经漫到客厅了";
    let before = owner.seq();
    owner.taps(Text::new("menu-my-requests")).await;
    owner.expect_containing(before, Text::new("list-mine-title")).await;
    owner.press_and_get(Text::new("btn-open-ticket").arg("number", number.clone()), Text::new("ticket-timeline")).await;
    owner.press_and_get(Text::new("btn-follow-up"), TicketKind::Repair.words(Text::new("ticket-ask-follow-up"))).await;
    let wang_before = wang.seq();
    owner.says_and_gets(info, TicketKind::Repair.words(Text::new("ticket-follow-up-sent"))).await;
    wang.wait(wang_before, "the follow-up", containing(info.to_owned())).await;
    liu.settle().await;
    let after: Vec<String> =
        liu.emu.bot_messages(liu.id).into_iter().filter(|m| m.seq > liu_before).filter_map(|m| m.text).collect();
    assert!(
        after.iter().all(|t| !t.contains(&number) && !t.contains("13800000001")),
        "nothing about the ticket reaches 刘师傅 any more: {after:?}"
    );
    assert!(after.iter().all(|t| !t.contains(info)), "{after:?}");
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM outbox WHERE chat_id = {} AND to_staff AND state = 'pending'",
            liu.id
        ))
        .await,
        0
    );
    assert!(after.iter().any(|t| *t == liu.t(Text::new("staff-deactivated-notice"))));
    app.stop().await;
}

#[tokio::test]
async fn a_message_queued_for_someone_as_their_deactivation_commits_is_cancelled_by_the_sender_never_sent() {
    use propdesk::domain::Outgoing;
    use propdesk::services::notify;
    use propdesk::store::outbox::NOT_STAFF_AT_SEND;

    let app = TestApp::spawn().await;
    let liu = app.staff(3001, "刘师傅", Trade::Plumbing, false).await;
    let admin = app.admin().await;
    let liu_before = liu.seq();

    // A transaction queues a message to 刘师傅 as staff while he is active,
    // and commits only after his deactivation did: the deactivation could
    // not withdraw a row it could not see.
    let secret = "业主电话 13800000001";
    let mut tx = app.pool.begin().await.unwrap();
    let message = Outgoing::new(Text::plain(secret));
    let queued =
        notify::to_staff(&mut tx, liu.id, "ticket-follow-up", &message, chrono::Utc::now(), None).await.unwrap();
    assert!(queued, "he is still active when it is queued");
    deactivate(&admin, "刘师傅").await;
    tx.commit().await.unwrap();

    // The sender comes to it, finds him no longer staff and cancels it.
    let rows =
        app.outbox_when(liu.id, |rows| rows.iter().any(|r| r.kind == "ticket-follow-up" && r.state != "pending")).await;
    let row = rows.iter().find(|r| r.kind == "ticket-follow-up").unwrap();
    assert_eq!((row.state.as_str(), row.last_error.as_deref()), ("cancelled", Some(NOT_STAFF_AT_SEND)), "{rows:?}");
    liu.settle().await;
    let after: Vec<String> =
        liu.emu.bot_messages(liu.id).into_iter().filter(|m| m.seq > liu_before).filter_map(|m| m.text).collect();
    assert!(after.iter().all(|t| !t.contains(secret)), "{after:?}");
    // What he is owed as a person still reaches him.
    assert!(after.iter().any(|t| *t == liu.t(Text::new("staff-deactivated-notice"))), "{after:?}");
    app.stop().await;
}
