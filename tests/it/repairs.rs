//! Repairs end to end: an owner files, the dispatcher assigns, the
//! technician works it, the owner confirms and rates.

use propdesk::domain::callback::TicketOp;
use propdesk::domain::{CallbackData, Category, TicketKind, Trade, Urgency};
use propdesk::i18n::Text;

use crate::support::{TestApp, file_repair, unit};

#[tokio::test]
async fn an_owner_files_a_repair_and_the_technician_works_it_to_a_rating() {
    let app = TestApp::spawn().await;
    let supervisor = app.staff(2001, "周经理", Trade::CustomerService, true).await;
    let plumber = app.staff(2002, "刘师傅", Trade::Plumbing, false).await;
    let owner = app.owner(1001, "王芳", "3-2-1201", "8613800138000").await;

    let (sup_before, plumber_before) = (supervisor.seq(), plumber.seq());
    let number = file_repair(&owner, 2, Urgency::Emergency).await;
    assert!(number.starts_with("BX-") && number.ends_with("-0001"), "{number}");

    // The supervisor hears of the emergency at once; the plumber gets the card with the photos.
    supervisor
        .wait(sup_before, "the emergency alert", |m| m.text.as_deref().is_some_and(|t| t.starts_with("🚨")))
        .await;
    let card =
        plumber.wait(plumber_before, "the card", |m| m.text.as_deref().is_some_and(|t| t.contains(&number))).await;
    assert!(card.text.as_deref().unwrap().contains("8613800138000"), "a tap-to-call phone");
    let photos = plumber.emu.bot_messages(plumber.id).iter().filter(|m| m.photo_file_id.is_some()).count();
    assert_eq!(photos, 2, "the owner's photos come with the card");
    let owner_before = owner.seq();
    let filed = owner.bot_texts().into_iter().find(|t| t.contains(&number)).unwrap();
    assert!(filed.contains(&owner.t(Text::new("repair-filed-assigned").arg("assignee", "刘师傅"))), "{filed}");

    // Accept → on my way → arrived → done with a note and a photo.
    let q = plumber.press_shown(Text::new("btn-accept")).await;
    assert_eq!(plumber.answer_to(&q).await, Some(plumber.t(Text::new("ticket-accepted-toast"))));
    plumber.press_shown(Text::new("btn-on-my-way")).await;
    owner.wait(owner_before, "on the way", |m| m.text.as_deref().is_some_and(|t| t.contains("已出发"))).await;
    plumber.press_shown(Text::new("btn-arrived")).await;
    owner.wait(owner_before, "started", |m| m.text.as_deref().is_some_and(|t| t.contains("已到场"))).await;
    plumber.press_and_get(Text::new("btn-done"), Text::new("ticket-ask-done-note")).await;
    plumber.says_and_gets("更换了下水管", Text::new("ticket-ask-done-photos").arg("max", 5usize)).await;
    let before = plumber.seq();
    plumber.emu.send_photo(plumber.id, vec![0xFF, 0xD8, 0x42], None);
    plumber.expect_containing(before, Text::new("repair-photo-received").arg("count", 1usize).arg("max", 5usize)).await;
    plumber.press_and_get(Text::new("btn-photos-done").arg("count", 1usize), Text::new("ticket-done-staff")).await;

    // The owner confirms and rates.
    owner
        .wait(owner_before, "the done notice", |m| m.text.as_deref().is_some_and(|t| t.contains("更换了下水管")))
        .await;
    owner.press_and_get(Text::new("btn-fixed"), TicketKind::Repair.words(Text::new("ticket-ask-rating"))).await;
    owner
        .press_and_get(Text::new("btn-stars").arg("stars", 5i64), Text::new("ticket-ask-comment").arg("stars", 5i64))
        .await;
    owner.says_and_gets("师傅很专业，谢谢", Text::new("ticket-thanks-rating")).await;

    let (status, rating, comment, onsite, done): (String, Option<i16>, Option<String>, bool, bool) = sqlx::query_as(
        "SELECT status, rating, rating_comment, onsite_at IS NOT NULL, first_done_at IS NOT NULL FROM tickets",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        (status.as_str(), rating, comment.as_deref(), onsite, done),
        ("closed", Some(5), Some("师傅很专业，谢谢"), true, true)
    );
    let kinds: Vec<String> =
        sqlx::query_scalar("SELECT kind FROM ticket_events ORDER BY id").fetch_all(&app.pool).await.unwrap();
    assert_eq!(kinds, ["created", "assign", "accept", "start_travel", "arrive", "complete", "confirm_fixed"]);
    assert_eq!(app.count("SELECT count(*) FROM ticket_photos WHERE stage = 'result'").await, 1);
    app.stop().await;
}

#[tokio::test]
async fn a_declined_ticket_goes_to_the_next_technician_and_the_supervisor_is_told() {
    let app = TestApp::spawn().await;
    let supervisor = app.staff(2001, "周经理", Trade::CustomerService, true).await;
    let first = app.staff(2002, "刘师傅", Trade::Plumbing, false).await;
    let second = app.staff(2003, "赵师傅", Trade::Plumbing, false).await;
    let owner = app.owner(1001, "王芳", "3-2-1201", "8613800138000").await;
    let before_first = first.seq();
    let number = file_repair(&owner, 0, Urgency::Emergency).await;
    first.wait(before_first, "the card", |m| m.text.as_deref().is_some_and(|t| t.contains(&number))).await;

    let (sup_before, second_before) = (supervisor.seq(), second.seq());
    first.press_and_get(Text::new("btn-decline"), Text::new("ticket-ask-decline-reason")).await;
    first.says_and_gets("今天休息", Text::new("ticket-declined-staff")).await;
    second.wait(second_before, "the card", |m| m.text.as_deref().is_some_and(|t| t.contains(&number))).await;
    let notice =
        supervisor.wait(sup_before, "the decline", |m| m.text.as_deref().is_some_and(|t| t.contains("今天休息"))).await;
    assert!(notice.text.unwrap().contains("赵师傅"));
    let assignee: i64 = sqlx::query_scalar("SELECT assignee_id FROM tickets").fetch_one(&app.pool).await.unwrap();
    assert_eq!(assignee, second.id);

    // The decliner's old card no longer works.
    let q = first.press_data(&CallbackData::Ticket { id: 1, op: TicketOp::Accept }.encode());
    assert_eq!(first.answer_to(&q).await, Some(first.t(Text::new("error-not-allowed"))));
    app.stop().await;
}

#[tokio::test]
async fn not_fixed_reopens_to_the_same_technician() {
    let app = TestApp::spawn().await;
    let supervisor = app.staff(2001, "周经理", Trade::CustomerService, true).await;
    let plumber = app.staff(2002, "刘师傅", Trade::Plumbing, false).await;
    let owner = app.owner(1001, "王芳", "3-2-1201", "8613800138000").await;
    let before = plumber.seq();
    let number = file_repair(&owner, 0, Urgency::Emergency).await;
    plumber.wait(before, "the card", |m| m.text.as_deref().is_some_and(|t| t.contains(&number))).await;
    plumber.press_shown(Text::new("btn-accept")).await;
    plumber.press_shown(Text::new("btn-arrived")).await;
    plumber.press_and_get(Text::new("btn-done"), Text::new("ticket-ask-done-note")).await;
    plumber.says("拧紧了接头").await;
    let owner_before = owner.seq();
    plumber.press_and_get(Text::new("btn-skip-photos"), Text::new("ticket-done-staff")).await;
    let done_notice = owner.wait(owner_before, "the done notice", |m| m.inline_keyboard.is_some()).await;

    let (sup_before, plumber_before) = (supervisor.seq(), plumber.seq());
    // Asked why, the owner first leaves with /cancel: the notice keeps its buttons,
    // and nothing was reopened yet.
    owner.press_and_get(Text::new("btn-not-fixed"), Text::new("ticket-ask-not-fixed-reason")).await;
    owner.says_and_gets("/cancel", Text::new("cancelled")).await;
    assert_eq!(app.count("SELECT count(*) FROM tickets WHERE status = 'done'").await, 1);
    owner.press_and_get(Text::new("btn-not-fixed"), Text::new("ticket-ask-not-fixed-reason")).await;
    owner.says_and_gets("还是在滴水", Text::new("ticket-reopened-owner")).await;
    // Answered: the notice's buttons are spent.
    let notice = owner.emu.bot_messages(owner.id).into_iter().find(|m| m.message_id == done_notice.message_id).unwrap();
    assert_eq!(notice.inline_buttons().count(), 0, "{notice:?}");
    plumber
        .wait(plumber_before, "the reopened card", |m| m.text.as_deref().is_some_and(|t| t.contains("还是在滴水")))
        .await;
    supervisor
        .wait(sup_before, "the reopen notice", |m| m.text.as_deref().is_some_and(|t| t.contains("还是在滴水")))
        .await;
    let (status, reopened, assignee): (String, i32, i64) =
        sqlx::query_as("SELECT status, reopen_count, assignee_id FROM tickets").fetch_one(&app.pool).await.unwrap();
    assert_eq!((status.as_str(), reopened, assignee), ("assigned", 1, plumber.id));
    app.stop().await;
}

#[tokio::test]
async fn on_hold_pauses_the_resolution_clock() {
    let app = TestApp::spawn().await;
    let plumber = app.staff(2002, "刘师傅", Trade::Plumbing, false).await;
    let owner = app.owner(1001, "王芳", "3-2-1201", "8613800138000").await;
    let before = plumber.seq();
    let number = file_repair(&owner, 0, Urgency::Emergency).await;
    plumber.wait(before, "the card", |m| m.text.as_deref().is_some_and(|t| t.contains(&number))).await;
    plumber.press_shown(Text::new("btn-accept")).await;
    plumber.press_shown(Text::new("btn-arrived")).await;
    let due_before: chrono::DateTime<chrono::Utc> =
        sqlx::query_scalar("SELECT resolve_due_at FROM tickets").fetch_one(&app.pool).await.unwrap();
    plumber.press_and_get(Text::new("btn-hold"), Text::new("ticket-ask-hold-reason")).await;
    plumber.says_and_gets("等配件", Text::new("ticket-ask-hold-until")).await;
    plumber.says_and_gets("明天吧", Text::new("ticket-hold-date-unreadable")).await;
    let owner_before = owner.seq();
    let before = plumber.seq();
    plumber.press_shown(Text::new("btn-hold-3")).await;
    plumber.wait(before, "on hold", |m| m.text.as_deref().is_some_and(|t| t.contains("已暂停"))).await;
    owner.wait(owner_before, "the hold notice", |m| m.text.as_deref().is_some_and(|t| t.contains("等配件"))).await;
    assert_eq!(app.count("SELECT count(*) FROM tickets WHERE status = 'on_hold' AND hold_until IS NOT NULL").await, 1);

    plumber.press_shown(Text::new("btn-resume")).await;
    owner.wait(owner_before, "resumed", |m| m.text.as_deref().is_some_and(|t| t.contains("已恢复处理"))).await;
    let due_after: chrono::DateTime<chrono::Utc> =
        sqlx::query_scalar("SELECT resolve_due_at FROM tickets").fetch_one(&app.pool).await.unwrap();
    assert!(due_after > due_before, "the time on hold moved the deadline: {due_before} → {due_after}");
    app.stop().await;
}

#[tokio::test]
async fn with_nobody_eligible_the_ticket_waits_and_the_supervisor_is_told() {
    let app = TestApp::spawn().await;
    let supervisor = app.staff(2001, "周经理", Trade::CustomerService, true).await;
    let owner = app.owner(1001, "王芳", "3-2-1201", "8613800138000").await;
    let before = supervisor.seq();
    file_repair(&owner, 0, Urgency::Emergency).await;
    owner.expect_containing(0, Text::new("repair-filed-queued")).await;
    supervisor.wait(before, "the queue notice", |m| m.text.as_deref().is_some_and(|t| t.starts_with("⚠️"))).await;
    assert_eq!(app.count("SELECT count(*) FROM tickets WHERE status = 'queued' AND assignee_id IS NULL").await, 1);
    app.stop().await;
}

#[tokio::test]
async fn a_patrol_finding_goes_to_general_repairs() {
    let app = TestApp::spawn().await;
    let guard = app.staff(2005, "钱保安", Trade::Security, false).await;
    let handyman = app.staff(2006, "孙师傅", Trade::GeneralRepair, false).await;
    app.roster("1-1-101", "某业主", "8613800000101").await;
    let before = guard.seq();
    guard.taps(Text::new("menu-patrol")).await;
    guard.expect(before, Text::new("repair-ask-category")).await;
    guard.press_and_get(Category::DoorsWindows.label(), Text::new("repair-ask-common-area")).await;
    let before = guard.seq();
    guard.emu.send_location(guard.id, 31.2, 121.5);
    guard.expect(before, Text::new("repair-location-received")).await;
    guard.says_and_gets("3栋大堂", Text::new("repair-ask-description")).await;
    guard.says_and_gets("单元门闭门器坏了", Text::new("repair-ask-photos").arg("max", 5usize)).await;
    guard.press_and_get(Text::new("btn-skip-photos"), Text::new("repair-ask-urgency")).await;
    guard.press_and_get(Urgency::Routine.label(), Text::new("repair-ask-window")).await;
    guard.press_and_get(Text::new("window-any"), Text::new("repair-field-category")).await;
    let handyman_before = handyman.seq();
    guard.press_and_get(Text::new("btn-confirm"), Text::new("repair-filed-assigned").arg("assignee", "孙师傅")).await;
    handyman.wait(handyman_before, "the card", |m| m.text.as_deref().is_some_and(|t| t.contains("3栋大堂"))).await;
    let (staff_report, latitude): (bool, Option<f64>) =
        sqlx::query_as("SELECT reported_by_staff, latitude FROM tickets").fetch_one(&app.pool).await.unwrap();
    assert!(staff_report);
    assert_eq!(latitude, Some(31.2));

    // Fixed and confirmed by its finder: closed, and nobody is asked for stars (no owner to ask).
    handyman.press_shown(Text::new("btn-accept")).await;
    handyman.press_shown(Text::new("btn-arrived")).await;
    handyman.press_and_get(Text::new("btn-done"), Text::new("ticket-ask-done-note")).await;
    handyman.says_and_gets("更换了闭门器", Text::new("ticket-ask-done-photos").arg("max", 5usize)).await;
    handyman.press_and_get(Text::new("btn-skip-photos"), Text::new("ticket-done-staff")).await;
    guard.press_and_get(Text::new("btn-fixed"), Text::new("ticket-closed-no-rating")).await;
    let asked = guard.t(TicketKind::Repair.words(Text::new("ticket-ask-rating")));
    assert!(!guard.bot_texts().contains(&asked));
    assert_eq!(app.count("SELECT count(*) FROM tickets WHERE status = 'closed' AND rating IS NULL").await, 1);
    app.stop().await;
}

#[tokio::test]
async fn filing_steps_refuse_bad_input_and_back_and_edit_keep_what_was_typed() {
    let app = TestApp::spawn().await;
    app.staff(2002, "刘师傅", Trade::Plumbing, false).await;
    let other_unit = app.roster("9-9-909", "别人", "8613900000009").await;
    let owner = app.owner(1001, "王芳", "3-2-1201", "8613800138000").await;
    let before = owner.seq();
    owner.taps(Text::new("menu-repair")).await;
    owner.expect(before, Text::new("repair-ask-category")).await;
    for what in ["sticker", "text"] {
        let before = owner.seq();
        if what == "sticker" {
            owner.emu.send_sticker(owner.id);
        } else {
            owner.emu.send_text(owner.id, &"水".repeat(5000));
        }
        owner.expect(before, Text::new("repair-use-buttons")).await;
    }
    owner.press_and_get(Category::Plumbing.label(), Text::new("repair-ask-place")).await;
    // Someone else's unit, forged.
    let q = owner.press_data(&CallbackData::Filing(propdesk::domain::callback::FilingOp::Unit(other_unit)).encode());
    assert_eq!(owner.answer_to(&q).await, Some(owner.t(Text::new("error-not-allowed"))));
    owner.press_and_get(unit("3", "2", "1201"), Text::new("repair-ask-description")).await;
    // A category button from the first message is stale now.
    let q =
        owner.press_data(&CallbackData::Filing(propdesk::domain::callback::FilingOp::Category(Category::Gas)).encode());
    assert_eq!(owner.answer_to(&q).await, Some(owner.t(Text::new("error-button-expired"))));
    owner.says_and_gets(&"漏".repeat(5000), Text::new("error-too-long").arg("max", 500usize)).await;
    let before = owner.seq();
    owner.emu.send_voice(owner.id);
    owner.expect(before, Text::new("error-text-expected")).await;
    owner.says_and_gets("/frobnicate", Text::new("error-unknown-command")).await;
    owner.says_and_gets("门锁坏了", Text::new("repair-ask-photos").arg("max", 5usize)).await;
    owner.says_and_gets("没有照片", Text::new("repair-photos-use-button").arg("max", 5usize)).await;
    // Back returns to the description; the category and place are kept.
    owner.press_and_get(Text::new("btn-back"), Text::new("repair-ask-description")).await;
    owner.says_and_gets("水龙头坏了", Text::new("repair-ask-photos").arg("max", 5usize)).await;
    owner.press_and_get(Text::new("btn-skip-photos"), Text::new("repair-ask-urgency")).await;
    owner.press_and_get(Urgency::Routine.label(), Text::new("repair-ask-window")).await;
    owner.says_and_gets(&"周".repeat(80), Text::new("error-too-long").arg("max", 50usize)).await;
    let summary = owner.says("周六上午").await;
    let text = summary.text.unwrap();
    assert!(
        text.contains("水龙头坏了") && text.contains("周六上午") && text.contains(&owner.t(unit("3", "2", "1201"))),
        "{text}"
    );
    // Edit the urgency only, and come straight back to the summary.
    owner.press_and_get(Text::new("btn-edit"), Text::new("repair-edit-which")).await;
    owner.press_and_get(Text::new("repair-field-urgency"), Text::new("repair-ask-urgency")).await;
    let summary = owner.press_and_get(Urgency::Urgent.label(), Text::new("repair-field-category")).await;
    assert!(summary.text.unwrap().contains(&owner.t(Urgency::Urgent.label())));
    // /cancel leaves without filing.
    owner.says_and_gets("/cancel", Text::new("cancelled")).await;
    assert_eq!(app.count("SELECT count(*) FROM tickets").await, 0);
    app.stop().await;
}

#[tokio::test]
async fn only_the_ticket_s_people_can_act_on_it_and_a_double_tap_acts_once() {
    let app = TestApp::spawn().await;
    let plumber = app.staff(2002, "刘师傅", Trade::Plumbing, false).await;
    let electrician = app.staff(2003, "陈师傅", Trade::Electrical, false).await;
    let owner = app.owner(1001, "王芳", "3-2-1201", "8613800138000").await;
    let neighbour = app.owner(1002, "李明", "3-2-1202", "8613800138001").await;
    let before = plumber.seq();
    let number = file_repair(&owner, 0, Urgency::Emergency).await;
    let card = plumber.wait(before, "the card", |m| m.text.as_deref().is_some_and(|t| t.contains(&number))).await;
    let accept = CallbackData::Ticket { id: 1, op: TicketOp::Accept }.encode();

    // Another technician cannot accept it; a neighbour cannot confirm or cancel it.
    let q = electrician.press_data(&accept);
    assert_eq!(electrician.answer_to(&q).await, Some(electrician.t(Text::new("error-not-allowed"))));
    for op in [TicketOp::Fixed, TicketOp::Cancel] {
        let q = neighbour.press_data(&CallbackData::Ticket { id: 1, op }.encode());
        assert_eq!(neighbour.answer_to(&q).await, Some(neighbour.t(Text::new("error-not-allowed"))));
    }
    // A ticket that does not exist.
    let q = plumber.press_data(&CallbackData::Ticket { id: 999, op: TicketOp::Accept }.encode());
    assert_eq!(plumber.answer_to(&q).await, Some(plumber.t(Text::new("error-button-expired"))));

    // Accept twice on the same card: one effect, the second is told why.
    let q1 = plumber.emu.press_inline(plumber.id, card.message_id, &accept);
    let q2 = plumber.emu.press_inline(plumber.id, card.message_id, &accept);
    assert_eq!(plumber.answer_to(&q1).await, Some(plumber.t(Text::new("ticket-accepted-toast"))));
    let second = plumber.answer_to(&q2).await.unwrap();
    assert!(second.contains(&plumber.t(propdesk::domain::Status::Accepted.label())), "{second}");
    assert_eq!(app.count("SELECT count(*) FROM ticket_events WHERE kind = 'accept'").await, 1);

    // Work started: the owner can no longer cancel.
    plumber.press_shown(Text::new("btn-arrived")).await;
    plumber.settle().await;
    let q = owner.press_data(&CallbackData::Ticket { id: 1, op: TicketOp::Cancel }.encode());
    assert!(owner.answer_to(&q).await.unwrap().contains(&owner.t(propdesk::domain::Status::InProgress.label())));
    app.stop().await;
}

#[tokio::test]
async fn a_patrol_finding_can_be_kept_by_the_one_who_found_it() {
    let app = TestApp::spawn().await;
    let handyman = app.staff(2006, "孙师傅", Trade::GeneralRepair, false).await;
    app.roster("1-1-101", "某业主", "8613800000101").await;
    let before = handyman.seq();
    handyman.taps(Text::new("menu-patrol")).await;
    handyman.expect(before, Text::new("repair-ask-category")).await;
    handyman.press_and_get(Category::CommonFacilities.label(), Text::new("repair-ask-common-area")).await;
    handyman.says_and_gets("2栋电梯厅", Text::new("repair-ask-description")).await;
    handyman.says_and_gets("灯不亮", Text::new("repair-ask-photos").arg("max", 5usize)).await;
    handyman.press_and_get(Text::new("btn-skip-photos"), Text::new("repair-ask-urgency")).await;
    handyman.press_and_get(Urgency::Routine.label(), Text::new("repair-ask-window")).await;
    handyman.press_and_get(Text::new("window-any"), Text::new("repair-field-category")).await;
    handyman
        .press_and_get(Text::new("btn-confirm-self"), Text::new("repair-filed-assigned").arg("assignee", "孙师傅"))
        .await;
    handyman.wait(0, "their own card", |m| m.text.as_deref().is_some_and(|t| t.contains("2栋电梯厅"))).await;
    let assignee: i64 = sqlx::query_scalar("SELECT assignee_id FROM tickets").fetch_one(&app.pool).await.unwrap();
    assert_eq!(assignee, handyman.id);
    // Owners have no such button: forged, it is refused.
    let owner = app.owner(1001, "王芳", "3-2-1201", "8613800138000").await;
    let q = owner.press_data(&CallbackData::Filing(propdesk::domain::callback::FilingOp::ConfirmSelf).encode());
    assert_eq!(owner.answer_to(&q).await, Some(owner.t(Text::new("error-button-expired"))));
    app.stop().await;
}

#[tokio::test]
async fn staff_and_owner_answers_refuse_bad_input_and_keep_the_step() {
    let app = TestApp::spawn().await;
    let plumber = app.staff(2002, "刘师傅", Trade::Plumbing, false).await;
    let owner = app.owner(1001, "王芳", "3-2-1201", "8613800138000").await;
    let before = plumber.seq();
    let number = file_repair(&owner, 0, Urgency::Emergency).await;
    plumber.wait(before, "the card", |m| m.text.as_deref().is_some_and(|t| t.contains(&number))).await;

    // The decline reason: not a sticker, not a wall of text.
    plumber.press_and_get(Text::new("btn-decline"), Text::new("ticket-ask-decline-reason")).await;
    let before = plumber.seq();
    plumber.emu.send_sticker(plumber.id);
    plumber.expect(before, Text::new("error-text-expected")).await;
    plumber.says_and_gets(&"忙".repeat(5000), Text::new("error-too-long").arg("max", 200usize)).await;
    // /cancel leaves without declining.
    plumber.says_and_gets("/cancel", Text::new("cancelled")).await;
    assert_eq!(app.count("SELECT count(*) FROM ticket_events WHERE kind = 'decline'").await, 0);

    plumber.press_shown(Text::new("btn-accept")).await;
    plumber.press_shown(Text::new("btn-arrived")).await;
    plumber.press_and_get(Text::new("btn-done"), Text::new("ticket-ask-done-note")).await;
    let before = plumber.seq();
    plumber.emu.send_photo(plumber.id, vec![1, 2, 3], None);
    plumber.expect(before, Text::new("error-text-expected")).await;
    plumber.says("换了密封圈").await;
    plumber.says_and_gets("好了", Text::new("repair-photos-use-button").arg("max", 5usize)).await;
    let owner_before = owner.seq();
    plumber.press_and_get(Text::new("btn-skip-photos"), Text::new("ticket-done-staff")).await;
    owner.wait(owner_before, "the done notice", |m| m.inline_keyboard.is_some()).await;

    // The owner's "not fixed" reason and the rating comment refuse media too.
    owner.press_and_get(Text::new("btn-not-fixed"), Text::new("ticket-ask-not-fixed-reason")).await;
    let before = owner.seq();
    owner.emu.send_voice(owner.id);
    owner.expect(before, Text::new("error-text-expected")).await;
    owner.says_and_gets("/help", Text::new("help-owner")).await;
    owner.says_and_gets("还漏", Text::new("ticket-reopened-owner")).await;
    assert_eq!(app.count("SELECT count(*) FROM tickets WHERE reopen_count = 1").await, 1);
    app.stop().await;
}

#[tokio::test]
async fn a_community_offers_only_the_categories_it_chose() {
    let app = TestApp::spawn().await;
    let owner = app.owner(1001, "王芳", "3-2-1201", "8613800138000").await;
    use propdesk::services::options::{OptionList, choose};
    choose(&app.pool, "测试小区", OptionList::RepairCategories, &["electrical", "plumbing"]).await.unwrap();
    let before = owner.seq();
    owner.taps(Text::new("menu-repair")).await;
    let ask = owner.expect(before, Text::new("repair-ask-category")).await;
    let offered: Vec<String> = ask.inline_keyboard.unwrap().into_iter().flatten().map(|b| b.text).collect();
    assert_eq!(
        offered,
        [owner.t(Category::Electrical.label()), owner.t(Category::Plumbing.label()), owner.t(Text::new("btn-cancel"))]
    );
    let q =
        owner.press_data(&CallbackData::Filing(propdesk::domain::callback::FilingOp::Category(Category::Gas)).encode());
    assert_eq!(owner.answer_to(&q).await, Some(owner.t(Text::new("error-button-expired"))));
    app.stop().await;
}

#[tokio::test]
async fn an_album_delivered_twice_counts_once() {
    let app = TestApp::spawn().await;
    app.staff(2002, "刘师傅", Trade::Plumbing, false).await;
    let owner = app.owner(1001, "王芳", "3-2-1201", "8613800138000").await;
    let before = owner.seq();
    owner.taps(Text::new("menu-repair")).await;
    owner.expect(before, Text::new("repair-ask-category")).await;
    owner.press_and_get(Category::Plumbing.label(), Text::new("repair-ask-place")).await;
    owner.press_and_get(unit("3", "2", "1201"), Text::new("repair-ask-description")).await;
    owner.says_and_gets("阳台地漏堵了", Text::new("repair-ask-photos").arg("max", 5usize)).await;
    let before = owner.seq();
    owner.emu.send_album(owner.id, vec![vec![1], vec![2], vec![3]]);
    owner.expect_containing(before, Text::new("repair-photo-received").arg("count", 3usize).arg("max", 5usize)).await;
    // Telegram delivers the album's last update again (a crash before confirmation).
    owner.emu.redeliver(owner.emu.last_update_id());
    owner.settle().await;
    let summary =
        owner.press_and_get(Text::new("btn-photos-done").arg("count", 3usize), Text::new("repair-ask-urgency")).await;
    assert!(summary.text.is_some());
    owner.press_and_get(Urgency::Routine.label(), Text::new("repair-ask-window")).await;
    let summary = owner.press_and_get(Text::new("window-any"), Text::new("repair-field-category")).await;
    let three = owner.t(Text::new("repair-summary")
        .arg("category", "")
        .arg("place", "")
        .arg("description", "")
        .arg("photos", 3usize)
        .arg("urgency", "")
        .arg("window", ""));
    let photos_line = three.lines().find(|l| l.contains('3')).unwrap().to_owned();
    assert!(summary.text.unwrap().contains(&photos_line), "three photos, not four");
    app.stop().await;
}

#[tokio::test]
async fn two_communities_number_their_requests_each_from_one_on_the_same_day() {
    use propdesk::domain::{PhoneNumber, Relation, UnitAddress};
    use propdesk::store;

    let app = TestApp::spawn().await;
    let first = app.owner(6101, "王芳", "3-2-1201", "8613800006101").await;
    // The same address in a second community of the same company.
    let mut conn = app.pool.acquire().await.unwrap();
    let other = store::roster::community_id_by_name_or_create(&mut conn, "第二小区").await.unwrap();
    let room = store::roster::upsert_unit(&mut conn, other, &UnitAddress::parse("3-2-1201").unwrap()).await.unwrap();
    let phone = PhoneNumber::parse("8613800006102").unwrap();
    store::roster::upsert_roster_entry(&mut conn, room, "李明", &phone, Relation::Owner).await.unwrap();
    drop(conn);
    let second = app.person(6102, "李明", "zh-hans", "8613800006102");
    let before = second.start_and_share_contact().await;
    second.wait(before, "the owner menu", |m| m.reply_keyboard.as_ref().is_some_and(|k| k.len() > 1)).await;

    let a = file_repair(&first, 0, Urgency::Routine).await;
    let b = file_repair(&second, 0, Urgency::Routine).await;
    assert!(a.ends_with("-0001") && b.ends_with("-0001"), "each service centre counts its own: {a}, {b}");
    let filed = app.count("SELECT count(DISTINCT community_id) FROM tickets").await;
    assert_eq!(filed, 2);
    app.stop().await;
}

/// `plumber` takes the owner's new repair and marks it done; the owner has
/// the done notice with Fixed / Not fixed. Returns the number.
async fn worked_to_done(owner: &crate::support::Person, plumber: &crate::support::Person) -> String {
    let before = plumber.seq();
    let number = file_repair(owner, 0, Urgency::Routine).await;
    plumber.wait(before, "the card", |m| m.text.as_deref().is_some_and(|t| t.contains(&number))).await;
    plumber.press_shown(Text::new("btn-accept")).await;
    plumber.press_shown(Text::new("btn-arrived")).await;
    plumber.press_and_get(Text::new("btn-done"), Text::new("ticket-ask-done-note")).await;
    plumber.says("拧紧了接头").await;
    let owner_before = owner.seq();
    plumber.press_and_get(Text::new("btn-skip-photos"), Text::new("ticket-done-staff")).await;
    owner.wait(owner_before, "the done notice", |m| m.inline_keyboard.is_some()).await;
    number
}

/// What reached `person` after `after` that mentions `s`.
fn told_after(person: &crate::support::Person, after: u64, s: &str) -> Vec<String> {
    person
        .emu
        .bot_messages(person.id)
        .into_iter()
        .filter(|m| m.seq > after)
        .filter_map(|m| m.text)
        .filter(|t| t.contains(s))
        .collect()
}

#[tokio::test]
async fn not_fixed_on_a_job_whose_technician_has_left_goes_to_a_colleague_and_the_owner_hears_who() {
    let app = TestApp::spawn().await;
    let supervisor = app.staff(2001, "周经理", Trade::CustomerService, true).await;
    let plumber = app.staff(2002, "刘师傅", Trade::Plumbing, false).await;
    let owner = app.owner(1001, "王芳", "3-2-1201", "8613800138000").await;
    let admin = app.admin().await;
    let number = worked_to_done(&owner, &plumber).await;
    // A second plumber joins, then 刘师傅 is deactivated: the job he marked done stays his until the owner answers.
    let colleague = app.staff(2003, "王师傅", Trade::Plumbing, false).await;
    crate::staff::deactivate(&admin, "刘师傅").await;
    assert_eq!(app.count("SELECT count(*) FROM tickets WHERE status = 'done'").await, 1);

    let (sup_before, plumber_before, colleague_before, owner_before) =
        (supervisor.seq(), plumber.seq(), colleague.seq(), owner.seq());
    owner.press_and_get(Text::new("btn-not-fixed"), Text::new("ticket-ask-not-fixed-reason")).await;
    owner.says_and_gets("还是在滴水", Text::new("ticket-reopened-owner")).await;

    // 王师傅 has the card (with the owner's phone and Accept) and what is still wrong.
    let accept = colleague.t(Text::new("btn-accept"));
    let card = colleague
        .wait(colleague_before, "the card", |m| {
            m.text.as_deref().is_some_and(|t| t.contains(&number) && t.contains("13800138000"))
                && m.inline_keyboard.as_ref().is_some_and(|k| k.iter().flatten().any(|b| b.text == accept))
        })
        .await;
    assert!(card.text.is_some());
    colleague
        .wait(colleague_before, "the reason", |m| m.text.as_deref().is_some_and(|t| t.contains("还是在滴水")))
        .await;
    // The owner is told who has it now.
    let told = owner.t(Text::new("ticket-assigned-owner").arg("ticket", "@").arg("assignee", "王师傅"));
    let tail = told.rsplit('@').next().unwrap().to_owned();
    owner.wait(owner_before, "who has it now", |m| m.text.as_deref().is_some_and(|t| t.contains(&tail))).await;
    // The supervisors hear of the reopening and where it went.
    let went = supervisor.t(Text::new("ticket-reopened-handed-over").arg("name", "刘师傅").arg("assignee", "王师傅"));
    let notice = supervisor
        .wait(sup_before, "the reopen notice", |m| m.text.as_deref().is_some_and(|t| t.contains("还是在滴水")))
        .await
        .text
        .unwrap();
    assert!(notice.contains(&number) && notice.contains(&went), "{notice}");
    let (status, reopened, assignee): (String, i32, i64) =
        sqlx::query_as("SELECT status, reopen_count, assignee_id FROM tickets").fetch_one(&app.pool).await.unwrap();
    assert_eq!((status.as_str(), reopened, assignee), ("assigned", 1, colleague.id));
    // 王师傅 can work it.
    let q = colleague.press_shown(Text::new("btn-accept")).await;
    assert_eq!(colleague.answer_to(&q).await, Some(colleague.t(Text::new("ticket-accepted-toast"))));
    assert_eq!(app.count("SELECT count(*) FROM tickets WHERE status = 'accepted'").await, 1);

    // Nothing of it reaches 刘师傅.
    plumber.settle().await;
    assert_eq!(told_after(&plumber, plumber_before, &number), Vec::<String>::new());
    assert_eq!(told_after(&plumber, plumber_before, "还是在滴水"), Vec::<String>::new());
    app.stop().await;
}

#[tokio::test]
async fn not_fixed_on_a_job_whose_technician_has_left_waits_in_the_queue_when_nobody_else_can_take_it() {
    let app = TestApp::spawn().await;
    let supervisor = app.staff(2001, "周经理", Trade::CustomerService, true).await;
    let plumber = app.staff(2002, "刘师傅", Trade::Plumbing, false).await;
    let owner = app.owner(1001, "王芳", "3-2-1201", "8613800138000").await;
    let admin = app.admin().await;
    let number = worked_to_done(&owner, &plumber).await;
    crate::staff::deactivate(&admin, "刘师傅").await;

    let (sup_before, plumber_before) = (supervisor.seq(), plumber.seq());
    owner.press_and_get(Text::new("btn-not-fixed"), Text::new("ticket-ask-not-fixed-reason")).await;
    // The owner is not told a technician was asked: it waits to be dispatched.
    owner.says_and_gets("还是在滴水", Text::new("ticket-reopened-owner-queued")).await;

    let queued = supervisor.t(Text::new("ticket-reopened-queued").arg("name", "刘师傅"));
    let notice = supervisor
        .wait(sup_before, "the reopen notice", |m| m.text.as_deref().is_some_and(|t| t.contains("还是在滴水")))
        .await
        .text
        .unwrap();
    assert!(notice.contains(&number) && notice.contains(&queued), "{notice}");
    let (status, reopened, assignee): (String, i32, Option<i64>) =
        sqlx::query_as("SELECT status, reopen_count, assignee_id FROM tickets").fetch_one(&app.pool).await.unwrap();
    assert_eq!((status.as_str(), reopened, assignee), ("queued", 1, None));
    // The owner's timeline says what happened, without naming anyone for the hand-back.
    let before = owner.seq();
    owner.taps(Text::new("menu-my-requests")).await;
    owner.expect_containing(before, Text::new("list-mine-title")).await;
    let detail = owner
        .press_and_get(Text::new("btn-open-ticket").arg("number", number.clone()), Text::new("ticket-timeline"))
        .await
        .text
        .unwrap();
    let released = owner.t(TicketKind::Repair.words(Text::new("event-release-auto")));
    assert!(detail.contains(&released), "{detail}");

    // Nothing of it reaches 刘师傅.
    plumber.settle().await;
    assert_eq!(told_after(&plumber, plumber_before, &number), Vec::<String>::new());
    app.stop().await;
}
