//! Complaints, suggestions and praise end to end: filed → taken → replies
//! both ways → closed → resolved → rated; not resolved; the Take race; the
//! named-staff rule; forged buttons; privacy; the first-reply target.

use chrono::Duration;
use propdesk::domain::callback::TicketOp;
use propdesk::domain::{CallbackData, Subject, TicketKind, Trade};
use propdesk::i18n::Text;
use propdesk::sandbox::emulator::ChatMessage;

use crate::support::{Person, TestApp};

const PHONE: &str = "8613800138000";

fn containing(s: &str) -> impl Fn(&ChatMessage) -> bool {
    let s = s.to_owned();
    move |m| m.text.as_deref().is_some_and(|t| t.contains(&s))
}

/// The owner files a `kind` about `subject` (naming `named` for staff
/// conduct), with one photo, and says whether customer service may call.
/// Returns the number.
async fn file(owner: &Person, kind: TicketKind, subject: Subject, named: Option<&str>, call: bool) -> String {
    let before = owner.seq();
    owner.taps(Text::new("menu-complaint")).await;
    owner.expect(before, Text::new("case-ask-kind")).await;
    owner.press_and_get(kind.label(), Text::new("case-ask-subject")).await;
    if subject == Subject::StaffConduct && kind == TicketKind::Complaint {
        owner.press_and_get(subject.label(), Text::new("case-ask-named")).await;
        let who = match named {
            Some(name) => Text::plain(name),
            None => Text::new("btn-case-dont-know"),
        };
        owner.press_and_get(who, Text::new("case-ask-description")).await;
    } else {
        owner.press_and_get(subject.label(), Text::new("case-ask-description")).await;
    }
    owner.says_and_gets("晚上十一点以后楼上还在装修，很吵", Text::new("repair-ask-photos").arg("max", 5usize)).await;
    let before = owner.seq();
    owner.emu.send_photo(owner.id, vec![0xFF, 0xD8, 0x01], None);
    owner.expect_containing(before, Text::new("repair-photo-received").arg("count", 1usize).arg("max", 5usize)).await;
    owner.press_and_get(Text::new("btn-photos-done").arg("count", 1usize), Text::new("case-ask-contact")).await;
    let contact = if call { Text::new("btn-case-contact-yes") } else { Text::new("btn-case-contact-no") };
    let before = owner.seq();
    owner.press_shown(contact).await;
    let confirm = owner.t(Text::new("btn-confirm"));
    owner
        .wait(before, "the summary", |m| {
            m.inline_keyboard.as_ref().is_some_and(|k| k.iter().flatten().any(|b| b.text == confirm))
        })
        .await;
    let before = owner.seq();
    owner.press(Text::new("btn-confirm"));
    let prefix = kind.prefix();
    let filed = owner.wait(before, "the number", containing(&format!("{prefix}-"))).await;
    let re = regex::Regex::new(&format!(r"{prefix}-\d{{8}}-\d{{4}}")).unwrap();
    re.find(&filed.text.unwrap()).expect("a number").as_str().to_owned()
}

struct Desk {
    app: TestApp,
    supervisor: Person,
    cs: Person,
    cs2: Person,
    owner: Person,
}

async fn desk() -> Desk {
    let app = TestApp::spawn().await;
    let supervisor = app.staff(2001, "周经理", Trade::CustomerService, true).await;
    let cs = app.staff(2002, "陈客服", Trade::CustomerService, false).await;
    let cs2 = app.staff(2003, "林客服", Trade::CustomerService, false).await;
    let owner = app.owner(1001, "王芳", "3-2-1201", PHONE).await;
    Desk { app, supervisor, cs, cs2, owner }
}

async fn ticket_id(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT id FROM tickets").fetch_one(&app.pool).await.unwrap()
}

#[tokio::test]
async fn a_complaint_is_taken_answered_both_ways_closed_resolved_and_rated() {
    let d = desk().await;
    let (cs_before, cs2_before) = (d.cs.seq(), d.cs2.seq());
    let number = file(&d.owner, TicketKind::Complaint, Subject::Noise, None, true).await;
    assert!(number.starts_with("TS-") && number.ends_with("-0001"), "{number}");
    let filed = d.owner.bot_texts().into_iter().find(|t| t.contains(&number)).unwrap();
    assert!(filed.contains(&d.owner.t(Text::new("kind-complaint"))), "{filed}");

    // Every customer-service colleague gets the card with Take; no phone on it.
    let card = d.cs.wait(cs_before, "the card", containing(&number)).await;
    assert!(!card.text.unwrap().contains(PHONE));
    d.cs2.wait(cs2_before, "the card", containing(&number)).await;

    // 陈客服 takes it; 林客服 is too late.
    let owner_before = d.owner.seq();
    let before = d.cs.seq();
    let q = d.cs.press_shown(Text::new("btn-take")).await;
    assert_eq!(d.cs.answer_to(&q).await, Some(d.cs.t(Text::new("case-taken-toast"))));
    let handler_card = d.cs.wait(before, "the handler card", containing(PHONE)).await;
    assert!(handler_card.text.unwrap().contains("王芳"));
    // The card's button may already be gone (the card is withdrawn): the press a slow client still sends.
    let take = CallbackData::Ticket { id: ticket_id(&d.app).await, op: TicketOp::Take }.encode();
    let q = d.cs2.press_data(&take);
    assert_eq!(d.cs2.answer_to(&q).await, Some(d.cs2.t(Text::new("case-already-taken-by").arg("name", "陈客服"))));
    d.owner.wait(owner_before, "taken", containing(&d.owner.t(Text::new("kind-complaint")))).await;

    // Reply → the owner → reply back → the handler.
    d.cs.press_and_get(Text::new("btn-case-reply"), Text::new("case-ask-reply")).await;
    d.cs.says_and_gets("您好，我们已联系楼上业主", Text::new("case-reply-sent")).await;
    let relayed = d.owner.wait(owner_before, "the reply", containing("您好，我们已联系楼上业主")).await;
    assert!(relayed.text.unwrap().contains("客服回复："));
    let cs_before = d.cs.seq();
    d.owner.press_and_get(Text::new("btn-case-owner-reply"), Text::new("case-ask-owner-reply")).await;
    d.owner.says_and_gets("谢谢，请继续跟进", Text::new("case-owner-reply-sent")).await;
    d.cs.wait(cs_before, "the owner's reply", containing("谢谢，请继续跟进")).await;

    // Close with an outcome → Resolved → stars.
    d.cs.press_and_get(Text::new("btn-case-close"), Text::new("case-ask-outcome")).await;
    d.cs.says_and_gets("已要求装修仅在白天进行", Text::new("case-closed-staff")).await;
    d.owner.wait(owner_before, "the outcome", containing("已要求装修仅在白天进行")).await;
    d.owner
        .press_and_get(Text::new("btn-case-resolved"), TicketKind::Complaint.words(Text::new("ticket-ask-rating")))
        .await;
    d.owner
        .press_and_get(Text::new("btn-stars").arg("stars", 4i64), Text::new("ticket-ask-comment").arg("stars", 4i64))
        .await;
    d.owner.press_and_get(Text::new("btn-no-comment"), Text::new("ticket-thanks-rating")).await;

    let row: (String, String, Option<i16>, bool, Option<String>, i64) =
        sqlx::query_as("SELECT kind, status, rating, first_reply_at IS NOT NULL, outcome, assignee_id FROM tickets")
            .fetch_one(&d.app.pool)
            .await
            .unwrap();
    assert_eq!(
        row,
        ("complaint".into(), "closed".into(), Some(4), true, Some("已要求装修仅在白天进行".into()), d.cs.id)
    );
    let kinds: Vec<String> =
        sqlx::query_scalar("SELECT kind FROM ticket_events ORDER BY id").fetch_all(&d.app.pool).await.unwrap();
    assert_eq!(kinds, ["created", "take", "staff_reply", "owner_reply", "conclude", "confirm_fixed"]);
    assert_eq!(d.app.count("SELECT count(*) FROM ticket_photos").await, 1);
    // A complaint is no repair: the repair queue and the technicians' lists do not see it.
    assert_eq!(d.app.count("SELECT count(*) FROM staff WHERE last_assigned_at IS NOT NULL").await, 0);
    // The stars count in the satisfaction report, under the complaint's subject and its handler.
    let report = d.supervisor.says("/stats satisfaction").await.text.unwrap();
    assert!(report.contains("\n投诉·噪音扰民：1 条，平均 4.0 分，满意率 100%\n"), "{report}");
    assert!(report.ends_with("\n陈客服：1 条，平均 4.0 分，满意率 100%"), "{report}");
    d.app.stop().await;
}

#[tokio::test]
async fn not_resolved_goes_back_to_the_same_handler_and_the_supervisor_is_told() {
    let d = desk().await;
    let before = d.cs.seq();
    let number = file(&d.owner, TicketKind::Complaint, Subject::Parking, None, false).await;
    d.cs.wait(before, "the card", containing(&number)).await;
    let before = d.cs.seq();
    d.cs.press_shown(Text::new("btn-take")).await;
    let card = d.cs.wait(before, "the handler card", containing(&d.cs.t(Text::new("case-contact-none")))).await;
    assert!(!card.text.unwrap().contains(PHONE), "the owner did not allow a call: no phone");
    d.cs.press_and_get(Text::new("btn-case-close"), Text::new("case-ask-outcome")).await;
    let owner_before = d.owner.seq();
    d.cs.says_and_gets("已张贴停车告示", Text::new("case-closed-staff")).await;
    d.owner.wait(owner_before, "the outcome", containing("已张贴停车告示")).await;

    let (sup_before, cs_before) = (d.supervisor.seq(), d.cs.seq());
    d.owner.press_and_get(Text::new("btn-case-unresolved"), Text::new("case-ask-unresolved-reason")).await;
    // Nothing changes until the owner says what is still wrong; bad input is answered and the step stays.
    let owner = &d.owner;
    let before = owner.seq();
    owner.emu.send_sticker(owner.id);
    owner.expect(before, Text::new("error-text-expected")).await;
    let before = owner.seq();
    owner.emu.send_photo(owner.id, vec![0xFF, 0xD8, 0x07], None);
    owner.expect(before, Text::new("error-text-expected")).await;
    owner.says_and_gets(&"堵".repeat(5000), Text::new("error-too-long").arg("max", 1000usize)).await;
    owner.says("/help").await;
    owner.says_and_gets("/frobnicate", Text::new("error-unknown-command")).await;
    let status: String = sqlx::query_scalar("SELECT status FROM tickets").fetch_one(&d.app.pool).await.unwrap();
    assert_eq!(status, "done", "not reopened before the owner answers");
    owner.says_and_gets("晚上还是有外来车辆占用消防通道", Text::new("case-unresolved-owner")).await;

    let reason = "晚上还是有外来车辆占用消防通道";
    let notice = d.supervisor.wait(sup_before, "the notice", containing(reason)).await.text.unwrap();
    assert!(notice.contains("陈客服") && notice.contains(&number), "{notice}");
    let told = d.cs.wait(cs_before, "the notice", containing(reason)).await.text.unwrap();
    assert!(told.contains(&number), "{told}");
    d.cs.wait(cs_before, "back with the handler", containing(&number)).await;
    let (status, reopened, assignee): (String, i32, i64) =
        sqlx::query_as("SELECT status, reopen_count, assignee_id FROM tickets").fetch_one(&d.app.pool).await.unwrap();
    assert_eq!((status.as_str(), reopened, assignee), ("accepted", 1, d.cs.id));
    let note: Option<String> = sqlx::query_scalar("SELECT note FROM ticket_events WHERE kind = 'unresolved'")
        .fetch_one(&d.app.pool)
        .await
        .unwrap();
    assert_eq!(note.as_deref(), Some(reason));
    // The outcome's buttons are gone now that the owner has answered.
    let outcome = d.owner.emu.bot_messages(d.owner.id).into_iter().find(containing("已张贴停车告示")).unwrap();
    assert!(outcome.inline_keyboard.is_none(), "{outcome:?}");
    // The handler can answer again.
    d.cs.press_and_get(Text::new("btn-case-reply"), Text::new("case-ask-reply")).await;
    d.app.stop().await;
}

#[tokio::test]
async fn the_named_staff_member_neither_sees_nor_takes_the_complaint_and_forged_buttons_are_refused() {
    let d = desk().await;
    let (named_before, other_before) = (d.cs2.seq(), d.cs.seq());
    let number = file(&d.owner, TicketKind::Complaint, Subject::StaffConduct, Some("林客服"), true).await;
    d.cs.wait(other_before, "the card", containing(&number)).await;
    d.cs.settle().await;
    d.cs2.settle().await;
    assert!(
        !d.cs2.emu.bot_messages(d.cs2.id).iter().skip_while(|m| m.seq <= named_before).any(containing(&number)),
        "the named colleague is not told"
    );
    let named: Option<i64> =
        sqlx::query_scalar("SELECT named_staff_id FROM tickets").fetch_one(&d.app.pool).await.unwrap();
    assert_eq!(named, Some(d.cs2.id));
    let id = ticket_id(&d.app).await;

    // A forged Take by the named colleague, and by the owner.
    let q = d.cs2.press_data(&CallbackData::Ticket { id, op: TicketOp::Take }.encode());
    assert_eq!(d.cs2.answer_to(&q).await, Some(d.cs2.t(Text::new("error-not-allowed"))));
    let q = d.owner.press_data(&CallbackData::Ticket { id, op: TicketOp::Take }.encode());
    assert_eq!(d.owner.answer_to(&q).await, Some(d.owner.t(Text::new("error-not-allowed"))));

    d.cs.press_shown(Text::new("btn-take")).await;
    d.cs.wait(0, "the handler card", |m| {
        m.inline_keyboard
            .as_ref()
            .is_some_and(|k| k.iter().flatten().any(|b| b.text == d.cs.t(Text::new("btn-case-reply"))))
    })
    .await;
    // Reply / Close by someone else, Resolved by someone who is not the owner.
    for (who, op) in [(&d.cs2, TicketOp::Reply), (&d.supervisor, TicketOp::CloseCase), (&d.cs2, TicketOp::Resolved)] {
        let q = who.press_data(&CallbackData::Ticket { id, op }.encode());
        assert_eq!(who.answer_to(&q).await, Some(who.t(Text::new("error-not-allowed"))), "{op:?}");
    }
    // Repair buttons on a complaint do nothing.
    let q = d.cs.press_data(&CallbackData::Ticket { id, op: TicketOp::OnMyWay }.encode());
    assert_eq!(d.cs.answer_to(&q).await, Some(d.cs.t(Text::new("error-not-allowed"))));
    let status: String = sqlx::query_scalar("SELECT status FROM tickets").fetch_one(&d.app.pool).await.unwrap();
    assert_eq!(status, "accepted");
    d.app.stop().await;
}

#[tokio::test]
async fn a_missed_first_reply_reminds_the_handler_and_escalates_to_the_supervisors_once() {
    let d = desk().await;
    let before = d.cs.seq();
    let number = file(&d.owner, TicketKind::Complaint, Subject::Hygiene, None, true).await;
    d.cs.wait(before, "the card", containing(&number)).await;
    d.cs.press_shown(Text::new("btn-take")).await;
    d.cs.settle().await;

    d.app.advance(Duration::hours(23));
    assert_eq!(d.app.scheduler().tick().await.complaint_breaches, 0, "24 hours for the first reply");
    let (sup_before, cs_before) = (d.supervisor.seq(), d.cs.seq());
    d.app.advance(Duration::hours(2));
    d.supervisor.wait(sup_before, "the escalation", |m| m.text.as_deref().is_some_and(|t| t.starts_with("⏰"))).await;
    d.cs.wait(cs_before, "the reminder", |m| m.text.as_deref().is_some_and(|t| t.starts_with("⏰"))).await;
    assert_eq!(d.app.scheduler().tick().await.complaint_breaches, 0, "once");
    assert_eq!(d.app.count("SELECT count(*) FROM ticket_events WHERE kind = 'sla_breach'").await, 1);
    assert_eq!(d.app.count("SELECT count(*) FROM tickets WHERE reply_breached_at IS NOT NULL").await, 1);
    d.app.stop().await;
}

#[tokio::test]
async fn a_suggestion_is_routed_without_deadlines_and_stays_out_of_the_repair_lists() {
    let d = desk().await;
    let before = d.cs.seq();
    let number = file(&d.owner, TicketKind::Suggestion, Subject::Other, None, true).await;
    assert!(number.starts_with("JY-"), "{number}");
    d.cs.wait(before, "the card", containing(&number)).await;
    let dues: (Option<chrono::DateTime<chrono::Utc>>, Option<chrono::DateTime<chrono::Utc>>) =
        sqlx::query_as("SELECT reply_due_at, outcome_due_at FROM tickets").fetch_one(&d.app.pool).await.unwrap();
    assert_eq!(dues, (None, None));
    // The supervisor's repair queue does not list it.
    d.supervisor.says_and_gets("/queue", Text::new("list-queue-empty")).await;
    // The owner's own list shows it, labelled.
    let before = d.owner.seq();
    d.owner.taps(Text::new("menu-my-requests")).await;
    d.owner.wait(before, "my requests", containing(&d.owner.t(Text::new("kind-suggestion")))).await;
    d.app.stop().await;
}

#[tokio::test]
async fn bad_input_at_each_step_is_answered_and_changes_nothing() {
    let d = desk().await;
    let owner = &d.owner;
    let before = owner.seq();
    owner.taps(Text::new("menu-complaint")).await;
    owner.expect(before, Text::new("case-ask-kind")).await;
    // Text where a button is expected.
    owner.says_and_gets("投诉", Text::new("repair-use-buttons")).await;
    owner.press_and_get(TicketKind::Complaint.label(), Text::new("case-ask-subject")).await;
    let before = owner.seq();
    owner.emu.send_sticker(owner.id);
    owner.expect(before, Text::new("repair-use-buttons")).await;
    owner.press_and_get(Subject::Noise.label(), Text::new("case-ask-description")).await;
    // A sticker, a photo without words, 5000 characters: the step stays.
    let before = owner.seq();
    owner.emu.send_sticker(owner.id);
    owner.expect(before, Text::new("error-text-expected")).await;
    let before = owner.seq();
    owner.emu.send_voice(owner.id);
    owner.expect(before, Text::new("error-text-expected")).await;
    let before = owner.seq();
    owner.emu.send_photo(owner.id, vec![0xFF, 0xD8, 0x09], None);
    owner.expect(before, Text::new("error-text-expected")).await;
    owner.says_and_gets(&"吵".repeat(5000), Text::new("error-too-long").arg("max", 1000usize)).await;
    // A command mid-dialogue: /help answers and the step stays.
    owner.says("/help").await;
    owner.says_and_gets("楼下广场舞音乐太大", Text::new("repair-ask-photos").arg("max", 5usize)).await;
    // Text where photos are expected.
    owner.says_and_gets("没有照片", Text::new("repair-photos-use-button").arg("max", 5usize)).await;
    owner.press_and_get(Text::new("btn-skip-photos"), Text::new("case-ask-contact")).await;
    owner.says_and_gets("可以", Text::new("repair-use-buttons")).await;
    // Back, then /cancel leaves: nothing filed.
    owner.press_and_get(Text::new("btn-back"), Text::new("repair-ask-photos").arg("max", 5usize)).await;
    owner.says_and_gets("/cancel", Text::new("cancelled")).await;
    assert_eq!(d.app.count("SELECT count(*) FROM tickets").await, 0);

    // A handler typing a sticker or 5000 characters as a reply.
    let before = d.cs.seq();
    let number = file(owner, TicketKind::Complaint, Subject::Fees, None, true).await;
    d.cs.wait(before, "the card", containing(&number)).await;
    d.cs.press_shown(Text::new("btn-take")).await;
    d.cs.press_and_get(Text::new("btn-case-reply"), Text::new("case-ask-reply")).await;
    let before = d.cs.seq();
    d.cs.emu.send_sticker(d.cs.id);
    d.cs.expect(before, Text::new("error-text-expected")).await;
    d.cs.says_and_gets(&"费".repeat(5000), Text::new("error-too-long").arg("max", 1000usize)).await;
    assert_eq!(d.app.count("SELECT count(*) FROM ticket_events WHERE kind = 'staff_reply'").await, 0);
    d.app.stop().await;
}

#[tokio::test]
async fn the_owner_s_card_reads_as_a_complaint_and_an_unanswered_outcome_closes_after_72_hours() {
    let d = desk().await;
    let before = d.cs.seq();
    let number = file(&d.owner, TicketKind::Complaint, Subject::Noise, None, true).await;
    d.cs.wait(before, "the card", containing(&number)).await;

    // The owner's card: what it is about and who handles it, no repair fields.
    let before = d.owner.seq();
    d.owner.taps(Text::new("menu-my-requests")).await;
    d.owner.expect_containing(before, Text::new("list-mine-title")).await;
    let card = d
        .owner
        .press_and_get(Text::new("btn-open-ticket").arg("number", number.clone()), Text::new("ticket-timeline"))
        .await;
    let text = card.text.unwrap();
    assert!(text.starts_with(&format!("📣 {number}")), "{text}");
    assert!(!text.contains(&d.owner.t(Text::new("urgency-routine"))), "no urgency on a complaint: {text}");
    // Its timeline and its follow-up speak of a complaint, never of a repair.
    let filed = d.owner.t(TicketKind::Complaint.words(Text::new("event-created").arg("who", "王芳")));
    assert!(text.contains(&filed) && filed.contains("提交投诉"), "{text}");
    assert!(!text.contains("报修"), "{text}");
    d.owner
        .press_and_get(Text::new("btn-follow-up"), TicketKind::Complaint.words(Text::new("ticket-ask-follow-up")))
        .await;
    d.owner.says_and_gets("补充：每晚都有", TicketKind::Complaint.words(Text::new("ticket-follow-up-kept"))).await;

    // Taken and closed with an outcome; the owner never answers.
    d.cs.press_shown(Text::new("btn-take")).await;
    d.cs.press_and_get(Text::new("btn-case-close"), Text::new("case-ask-outcome")).await;
    let owner_before = d.owner.seq();
    d.cs.says_and_gets("已提醒楼上住户注意施工时间", Text::new("case-closed-staff")).await;
    d.owner.wait(owner_before, "the outcome", containing("已提醒楼上住户")).await;
    d.app.advance(Duration::hours(73));
    let closed = d.owner.wait(owner_before, "the auto-close notice", containing("自动关闭")).await;
    assert!(closed.text.unwrap().contains(&number));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while d.app.count("SELECT count(*) FROM tickets WHERE status = 'closed' AND rating IS NULL").await == 0 {
        assert!(std::time::Instant::now() < deadline, "the complaint closed without a rating");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    d.app.stop().await;
}

#[tokio::test]
async fn a_complaint_left_unfinished_for_a_day_is_discarded_with_a_notice() {
    let d = desk().await;
    let before = d.owner.seq();
    d.owner.taps(Text::new("menu-complaint")).await;
    d.owner.expect(before, Text::new("case-ask-kind")).await;
    d.app.advance(Duration::hours(25));
    d.owner.expect(before, Text::new("draft-discarded").arg("hours", 24i64)).await;
    let state: serde_json::Value = sqlx::query_scalar("SELECT state FROM dialogues WHERE chat_id = $1")
        .bind(d.owner.id)
        .fetch_one(&d.app.pool)
        .await
        .unwrap();
    assert_eq!(state["state"], "idle");
    d.app.stop().await;
}

#[tokio::test]
async fn a_missed_outcome_target_escalates_once_even_after_a_timely_first_reply() {
    let d = desk().await;
    let before = d.cs.seq();
    let number = file(&d.owner, TicketKind::Complaint, Subject::Security, None, true).await;
    d.cs.wait(before, "the card", containing(&number)).await;
    d.cs.press_shown(Text::new("btn-take")).await;
    d.cs.press_and_get(Text::new("btn-case-reply"), Text::new("case-ask-reply")).await;
    let owner_before = d.owner.seq();
    d.cs.says("您好，我们已安排秩序维护部加强巡逻。").await;
    d.owner.wait(owner_before, "the reply", containing("加强巡逻")).await;

    d.app.advance(Duration::days(6));
    assert_eq!(d.app.scheduler().tick().await.complaint_breaches, 0, "7 days for the outcome");
    let sup_before = d.supervisor.seq();
    d.app.advance(Duration::days(2));
    d.supervisor.wait(sup_before, "the escalation", containing(&number)).await;
    assert_eq!(d.app.scheduler().tick().await.complaint_breaches, 0, "once");
    assert_eq!(d.app.count("SELECT count(*) FROM tickets WHERE outcome_breached_at IS NOT NULL").await, 1);
    assert_eq!(d.app.count("SELECT count(*) FROM tickets WHERE reply_breached_at IS NOT NULL").await, 0);
    d.app.stop().await;
}

#[tokio::test]
async fn a_community_offers_only_the_subjects_it_chose() {
    use propdesk::services::options::{OptionList, choose};
    let d = desk().await;
    choose(&d.app.pool, "测试小区", OptionList::ComplaintSubjects, &["parking", "noise"]).await.unwrap();
    let before = d.owner.seq();
    d.owner.taps(Text::new("menu-complaint")).await;
    d.owner.expect(before, Text::new("case-ask-kind")).await;
    let ask = d.owner.press_and_get(TicketKind::Complaint.label(), Text::new("case-ask-subject")).await;
    let offered: Vec<String> = ask.inline_keyboard.unwrap().into_iter().flatten().map(|b| b.text).collect();
    assert_eq!(&offered[..2], [d.owner.t(Subject::Parking.label()), d.owner.t(Subject::Noise.label())]);
    assert!(!offered.contains(&d.owner.t(Subject::Hygiene.label())));
    let q =
        d.owner.press_data(&CallbackData::Case(propdesk::domain::callback::CaseOp::Subject(Subject::Hygiene)).encode());
    assert_eq!(d.owner.answer_to(&q).await, Some(d.owner.t(Text::new("error-button-expired"))));
    d.app.stop().await;
}

/// The message in `person`'s chat that carries the card of `number`.
fn card_of(person: &Person, number: &str) -> ChatMessage {
    person.emu.bot_messages(person.id).into_iter().find(containing(number)).expect("the card")
}

#[tokio::test]
async fn taking_a_complaint_withdraws_the_colleagues_cards_and_says_who_took_it() {
    let d = desk().await;
    let (cs2_before, sup_before) = (d.cs2.seq(), d.supervisor.seq());
    let number = file(&d.owner, TicketKind::Complaint, Subject::Noise, None, true).await;
    d.cs2.wait(cs2_before, "the card", containing(&number)).await;
    d.supervisor.wait(sup_before, "the card", containing(&number)).await;
    let original = card_of(&d.cs2, &number);
    assert!(original.inline_keyboard.is_some());

    let (cs2_before, sup_before) = (d.cs2.seq(), d.supervisor.seq());
    d.cs.press_shown(Text::new("btn-take")).await;
    let taken_by = d.cs2.t(Text::new("case-taken-by").arg("name", "陈客服"));
    for (person, before) in [(&d.cs2, cs2_before), (&d.supervisor, sup_before)] {
        let edited = person.wait(before, "the withdrawn card", containing(&taken_by)).await;
        let text = edited.text.clone().unwrap();
        assert!(edited.edited && edited.inline_keyboard.is_none(), "{edited:?}");
        assert!(
            text.contains(&number) && text.contains("晚上十一点以后楼上还在装修"),
            "the card still says what it was: {text}"
        );
        assert_eq!(edited.message_id, card_of(person, &number).message_id);
    }
    assert_eq!(card_of(&d.cs2, &number).message_id, original.message_id, "the same message, edited");
    // The taker's own card is not edited by the outbox: its buttons were closed by the reply.
    assert!(!d.cs.bot_texts().iter().any(|t| t.contains(&taken_by)));
    let rows = d.app.outbox_when(d.cs2.id, |rows| rows.iter().all(|r| r.state == "sent")).await;
    let kinds: Vec<&str> = rows.iter().map(|r| r.kind.as_str()).collect();
    assert!(kinds.ends_with(&["case-new", "case-taken-elsewhere"]), "{kinds:?}");

    // A late press on the withdrawn card is told who has it.
    let take = CallbackData::Ticket { id: ticket_id(&d.app).await, op: TicketOp::Take }.encode();
    let q = d.cs2.emu.press_inline(d.cs2.id, original.message_id, &take);
    assert_eq!(d.cs2.answer_to(&q).await, Some(d.cs2.t(Text::new("case-already-taken-by").arg("name", "陈客服"))));
    d.app.stop().await;
}

#[tokio::test]
async fn a_card_still_waiting_to_be_sent_when_the_complaint_is_taken_is_never_sent() {
    use propdesk::sandbox::emulator::{Fault, FaultKind};
    let d = desk().await;
    // Telegram makes the sender wait half a minute before 林客服's card can go.
    d.app.emu.add_fault(Fault::new(FaultKind::RetryAfter(30)).method("sendPhoto").chat(d.cs2.id).times(1));
    let before = d.cs.seq();
    let number = file(&d.owner, TicketKind::Complaint, Subject::Parking, None, true).await;
    d.cs.wait(before, "the card", containing(&number)).await;
    d.app
        .outbox_when(d.cs2.id, |rows| {
            rows.iter().any(|r| r.kind == "case-new" && r.state == "pending" && r.last_error.is_some())
        })
        .await;

    d.cs.press_shown(Text::new("btn-take")).await;
    let rows = d.app.outbox_when(d.cs2.id, |rows| rows.iter().any(|r| r.state == "cancelled")).await;
    let card: Vec<(&str, &str)> = rows.iter().map(|r| (r.kind.as_str(), r.state.as_str())).collect();
    assert!(card.contains(&("case-new", "cancelled")), "{card:?}");
    assert!(!card.iter().any(|(kind, _)| *kind == "case-taken-elsewhere"), "nothing to edit: {card:?}");

    // Past the wait, still nothing arrives.
    d.app.advance(Duration::minutes(1));
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    d.cs2.settle().await;
    assert!(!d.cs2.bot_texts().iter().any(|t| t.contains(&number)), "{:?}", d.cs2.bot_texts());
    assert_eq!(d.cs2.emu.bot_messages(d.cs2.id).iter().filter(|m| m.kind == "photo").count(), 0);
    d.app.stop().await;
}

#[tokio::test]
async fn not_resolved_without_saying_why_is_sent_back_too() {
    let d = desk().await;
    let before = d.cs.seq();
    let number = file(&d.owner, TicketKind::Complaint, Subject::Hygiene, None, true).await;
    d.cs.wait(before, "the card", containing(&number)).await;
    d.cs.press_shown(Text::new("btn-take")).await;
    d.cs.press_and_get(Text::new("btn-case-close"), Text::new("case-ask-outcome")).await;
    let owner_before = d.owner.seq();
    d.cs.says_and_gets("已安排保洁重新清理垃圾房", Text::new("case-closed-staff")).await;
    d.owner.wait(owner_before, "the outcome", containing("已安排保洁重新清理垃圾房")).await;

    // /cancel at the question leaves the choice open: 👎 can be pressed again.
    d.owner.press_and_get(Text::new("btn-case-unresolved"), Text::new("case-ask-unresolved-reason")).await;
    d.owner.says_and_gets("/cancel", Text::new("cancelled")).await;
    let q = d
        .owner
        .press_data(&CallbackData::Ticket { id: ticket_id(&d.app).await, op: TicketOp::UnresolvedSkip }.encode());
    assert_eq!(d.owner.answer_to(&q).await, Some(d.owner.t(Text::new("error-button-expired"))));
    let (sup_before, cs_before) = (d.supervisor.seq(), d.cs.seq());
    d.owner.press_and_get(Text::new("btn-case-unresolved"), Text::new("case-ask-unresolved-reason")).await;
    d.owner.press_and_get(Text::new("btn-case-unresolved-skip"), Text::new("case-unresolved-owner")).await;

    let no_reason = d.supervisor.t(Text::new("case-unresolved-no-reason"));
    let notice = d.supervisor.wait(sup_before, "the notice", containing(&no_reason)).await.text.unwrap();
    assert!(notice.contains(&number), "{notice}");
    d.cs.wait(cs_before, "the notice", containing(&no_reason)).await;
    let events: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT kind, note FROM ticket_events WHERE kind = 'unresolved'")
            .fetch_all(&d.app.pool)
            .await
            .unwrap();
    assert_eq!(events, [("unresolved".to_owned(), None)]);
    // A second skip (a double tap) changes nothing.
    let q = d
        .owner
        .press_data(&CallbackData::Ticket { id: ticket_id(&d.app).await, op: TicketOp::UnresolvedSkip }.encode());
    assert_eq!(d.owner.answer_to(&q).await, Some(d.owner.t(Text::new("error-button-expired"))));
    assert_eq!(d.app.count("SELECT reopen_count::int8 FROM tickets").await, 1);
    d.app.stop().await;
}

async fn id_of(app: &TestApp, number: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM tickets WHERE number = $1").bind(number).fetch_one(&app.pool).await.unwrap()
}

/// `person` presses a forged button `op` on ticket `id` and is refused.
async fn refused(person: &Person, id: i64, op: TicketOp) {
    let q = person.press_data(&CallbackData::Ticket { id, op }.encode());
    assert_eq!(person.answer_to(&q).await, Some(person.t(Text::new("error-not-allowed"))), "{} {op:?}", person.id);
}

/// The list 📋 as `person` sees it.
async fn my_requests(person: &Person) -> String {
    let before = person.seq();
    person.taps(Text::new("menu-my-requests")).await;
    person.expect_containing(before, Text::new("list-mine-title")).await.text.unwrap()
}

#[tokio::test]
async fn a_complaint_belongs_to_its_filer_alone_while_the_household_shares_its_repairs() {
    use propdesk::domain::Urgency;
    let d = desk().await;
    let family = d.app.owner(1002, "王强", "3-2-1201", "8613800138002").await;
    let former = d.app.owner(1003, "王磊", "3-2-1201", "8613800138003").await;
    let repair = crate::support::file_repair(&d.owner, 0, Urgency::Routine).await;
    let before = d.cs.seq();
    let complaint = file(&d.owner, TicketKind::Complaint, Subject::Noise, None, true).await;
    d.cs.wait(before, "the card", containing(&complaint)).await;
    // 王磊 moves out: his binding ends, and his access to the unit with it.
    sqlx::query("DELETE FROM unit_residents WHERE telegram_id = $1")
        .bind(former.id)
        .execute(&d.app.pool)
        .await
        .unwrap();
    let (repair_id, complaint_id) = (id_of(&d.app, &repair).await, id_of(&d.app, &complaint).await);

    // The household lists the unit's repair, not the complaint; the filer lists both.
    let list = my_requests(&family).await;
    assert!(list.contains(&repair) && !list.contains(&complaint), "{list}");
    let list = my_requests(&d.owner).await;
    assert!(list.contains(&repair) && list.contains(&complaint), "{list}");
    // Nor can the household open it or add to it with forged buttons; the former resident neither.
    for op in [TicketOp::Detail, TicketOp::FollowUp, TicketOp::OwnerReply] {
        refused(&family, complaint_id, op).await;
        refused(&former, complaint_id, op).await;
    }
    let card = family
        .press_and_get(Text::new("btn-open-ticket").arg("number", repair.clone()), Text::new("ticket-timeline"))
        .await;
    assert!(card.text.unwrap().contains("厨房水槽下面漏水了"), "the household shares the repair");
    refused(&former, repair_id, TicketOp::Detail).await;

    // Taken and closed with an outcome: only the filer answers it, and only the filer rates it.
    d.cs.press_shown(Text::new("btn-take")).await;
    d.cs.press_and_get(Text::new("btn-case-close"), Text::new("case-ask-outcome")).await;
    let owner_before = d.owner.seq();
    d.cs.says_and_gets("已与楼上业主沟通", Text::new("case-closed-staff")).await;
    d.owner.wait(owner_before, "the outcome", containing("已与楼上业主沟通")).await;
    for op in [TicketOp::Resolved, TicketOp::Unresolved] {
        refused(&family, complaint_id, op).await;
        refused(&former, complaint_id, op).await;
    }
    d.owner
        .press_and_get(Text::new("btn-case-resolved"), TicketKind::Complaint.words(Text::new("ticket-ask-rating")))
        .await;
    refused(&family, complaint_id, TicketOp::Rate(1)).await;
    refused(&former, complaint_id, TicketOp::Rate(1)).await;
    let rating: Option<i16> = sqlx::query_scalar("SELECT rating FROM tickets WHERE id = $1")
        .bind(complaint_id)
        .fetch_one(&d.app.pool)
        .await
        .unwrap();
    assert_eq!(rating, None);
    d.owner
        .press_and_get(Text::new("btn-stars").arg("stars", 5i64), Text::new("ticket-ask-comment").arg("stars", 5i64))
        .await;

    // The repair, once closed, is rated by its household; never by the former resident.
    sqlx::query("UPDATE tickets SET status = 'closed', closed_at = now() WHERE id = $1")
        .bind(repair_id)
        .execute(&d.app.pool)
        .await
        .unwrap();
    refused(&former, repair_id, TicketOp::Rate(1)).await;
    let q = family.press_data(&CallbackData::Ticket { id: repair_id, op: TicketOp::Rate(4) }.encode());
    family.answer_to(&q).await;
    family.expect_containing(0, Text::new("ticket-ask-comment").arg("stars", 4i64)).await;
    let ratings: Vec<Option<i16>> =
        sqlx::query_scalar("SELECT rating FROM tickets ORDER BY id").fetch_all(&d.app.pool).await.unwrap();
    assert_eq!(ratings, [Some(4), Some(5)]);
    d.app.stop().await;
}

#[tokio::test]
async fn the_supervisor_a_complaint_names_never_hears_of_it_while_the_other_supervisors_do() {
    let d = desk().await;
    let plumbing = d.app.staff(2004, "赵主管", Trade::Plumbing, true).await;
    let named = &d.supervisor;
    let number = file(&d.owner, TicketKind::Complaint, Subject::StaffConduct, Some("周经理"), true).await;
    let id = id_of(&d.app, &number).await;
    d.cs.press_shown(Text::new("btn-take")).await;

    // The other supervisor may open it; the named one may not, even with a forged button.
    let before = plumbing.seq();
    plumbing.press_data(&CallbackData::Ticket { id, op: TicketOp::Detail }.encode());
    let card = plumbing.expect_containing(before, Text::new("ticket-timeline")).await;
    assert!(card.text.unwrap().contains(&number));
    refused(named, id, TicketOp::Detail).await;
    refused(named, id, TicketOp::Take).await;

    // Not resolved: the supervisors are told with the owner's words, the named one is not.
    d.cs.press_and_get(Text::new("btn-case-close"), Text::new("case-ask-outcome")).await;
    let owner_before = d.owner.seq();
    d.cs.says_and_gets("已批评教育", Text::new("case-closed-staff")).await;
    d.owner.wait(owner_before, "the outcome", containing("已批评教育")).await;
    let before = plumbing.seq();
    d.owner.press_and_get(Text::new("btn-case-unresolved"), Text::new("case-ask-unresolved-reason")).await;
    d.owner.says_and_gets("周经理态度依然很差", Text::new("case-unresolved-owner")).await;
    plumbing.wait(before, "case-unresolved", containing("周经理态度依然很差")).await;

    // The outcome target passes: the same.
    let before = plumbing.seq();
    d.app.advance(Duration::days(8));
    plumbing
        .wait(before, "case-overdue", |m| m.text.as_deref().is_some_and(|t| t.starts_with("⏰") && t.contains(&number)))
        .await;
    assert_eq!(d.app.count("SELECT count(*) FROM tickets WHERE outcome_breached_at IS NOT NULL").await, 1);

    named.settle().await;
    let heard: Vec<String> =
        named.bot_texts().into_iter().filter(|t| t.contains(&number) || t.contains("态度")).collect();
    assert!(heard.is_empty(), "{heard:?}");
    let rows =
        d.app.count(&format!("SELECT count(*) FROM outbox WHERE chat_id = {} AND kind LIKE 'case-%'", named.id)).await;
    assert_eq!(rows, 0);
    d.app.stop().await;
}

/// A late 🙋 Take on a card that already lost its button: the colleague is
/// told who has it, and closing the buttons that are already gone (Telegram:
/// 400 "message is not modified") is done, not a failure. The log is read in a
/// child process of this test binary, as `log_privacy` does: one global
/// subscriber per process, quiet unless `TEST_LOG`.
#[test]
fn a_late_take_is_answered_and_leaves_no_warning_in_the_log() {
    let log = crate::support::log_of_scenario("complaints::late_take_scenario", "warn");
    let noisy: Vec<&str> = log.lines().filter(|l| l.contains("WARN") || l.contains("ERROR")).collect();
    assert!(noisy.is_empty(), "a late Take is not a warning:\n{}", noisy.join("\n"));
}

#[tokio::test]
#[ignore = "run in its own process by a_late_take_is_answered_and_leaves_no_warning_in_the_log"]
async fn late_take_scenario() {
    let d = desk().await;
    let cs2_before = d.cs2.seq();
    let number = file(&d.owner, TicketKind::Complaint, Subject::Noise, None, true).await;
    d.cs2.wait(cs2_before, "the card", containing(&number)).await;
    let original = card_of(&d.cs2, &number);

    // 陈客服 takes it; 林客服's card loses its button.
    let (cs_before, cs2_before) = (d.cs.seq(), d.cs2.seq());
    d.cs.press_shown(Text::new("btn-take")).await;
    // After the taker's own buttons were closed (the card follows in order).
    d.cs.wait(cs_before, "the handler card", containing(PHONE)).await;
    let taken_by = d.cs2.t(Text::new("case-taken-by").arg("name", "陈客服"));
    let withdrawn = d.cs2.wait(cs2_before, "the withdrawn card", containing(&taken_by)).await;
    assert!(withdrawn.inline_keyboard.is_none());

    // 林客服's client still sends the press it showed a moment ago.
    let requests = d.app.emu.request_count("editMessageReplyMarkup");
    let take = CallbackData::Ticket { id: ticket_id(&d.app).await, op: TicketOp::Take }.encode();
    let q = d.cs2.emu.press_inline(d.cs2.id, original.message_id, &take);
    assert_eq!(d.cs2.answer_to(&q).await, Some(d.cs2.t(Text::new("case-already-taken-by").arg("name", "陈客服"))));
    d.cs2.settle().await;
    let deadline = std::time::Instant::now() + crate::support::WAIT;
    while d.app.emu.request_count("editMessageReplyMarkup") == requests {
        assert!(std::time::Instant::now() < deadline, "the bot closes the buttons of the card pressed");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let card = card_of(&d.cs2, &number);
    assert!(card.inline_keyboard.is_none() && card.text.is_some_and(|t| t.contains(&taken_by)), "unchanged");
    d.app.stop().await;
}

#[tokio::test]
async fn a_case_whose_handler_is_deactivated_goes_back_to_customer_service_and_the_owner_hears_who_takes_it() {
    let d = desk().await;
    let admin = d.app.admin().await;
    let cs2_before = d.cs2.seq();
    let number = file(&d.owner, TicketKind::Complaint, Subject::Noise, None, true).await;
    d.cs2.wait(cs2_before, "the card", containing(&number)).await;
    let before = d.cs.seq();
    d.cs.press_shown(Text::new("btn-take")).await;
    d.cs.wait(before, "the handler card", containing(PHONE)).await;

    let (cs_before, cs2_before) = (d.cs.seq(), d.cs2.seq());
    let before = admin.seq();
    admin.emu.send_text(admin.id, "/staff");
    admin.expect_containing(before, Text::new("staff-list-title").arg("count", 3usize)).await;
    let before = admin.seq();
    admin.press(Text::new("btn-deactivate").arg("name", "陈客服"));
    admin.expect_containing(before, Text::new("staff-deactivated").arg("name", "陈客服")).await;
    let row: (String, Option<i64>) =
        sqlx::query_as("SELECT status, assignee_id FROM tickets").fetch_one(&d.app.pool).await.unwrap();
    assert_eq!(row, ("queued".to_owned(), None));

    // 林客服 gets a new card with Take, and takes it; the owner hears it was taken.
    let take = d.cs2.t(Text::new("btn-take"));
    d.cs2
        .wait(cs2_before, "a new card", |m| {
            containing(&number)(m)
                && m.inline_keyboard.as_ref().is_some_and(|k| k.iter().flatten().any(|b| b.text == take))
        })
        .await;
    d.cs2.press_shown(Text::new("btn-take")).await;
    let taken = |rows: &[propdesk::store::outbox::OutboxStatus]| {
        rows.iter().filter(|r| r.kind == "case-taken" && r.state == "sent").count() == 2
    };
    d.app.outbox_when(d.owner.id, |rows| taken(rows)).await;
    let assignee: Option<i64> =
        sqlx::query_scalar("SELECT assignee_id FROM tickets").fetch_one(&d.app.pool).await.unwrap();
    assert_eq!(assignee, Some(d.cs2.id));

    d.cs.settle().await;
    let after: Vec<String> =
        d.cs.emu
            .bot_messages(d.cs.id)
            .into_iter()
            .filter(|m| m.seq > cs_before)
            .filter_map(|m| m.text)
            .filter(|t| t.contains(&number))
            .collect();
    assert!(after.is_empty(), "nothing about the case reaches 陈客服 any more: {after:?}");
    d.app.stop().await;
}

#[tokio::test]
async fn not_resolved_on_a_case_whose_handler_has_left_goes_back_to_customer_service_to_take() {
    let d = desk().await;
    let admin = d.app.admin().await;
    let before = d.cs.seq();
    let number = file(&d.owner, TicketKind::Complaint, Subject::Parking, None, true).await;
    d.cs.wait(before, "the card", containing(&number)).await;
    let before = d.cs.seq();
    d.cs.press_shown(Text::new("btn-take")).await;
    d.cs.wait(before, "the handler card", containing(PHONE)).await;
    d.cs.press_and_get(Text::new("btn-case-close"), Text::new("case-ask-outcome")).await;
    let owner_before = d.owner.seq();
    d.cs.says_and_gets("已张贴停车告示", Text::new("case-closed-staff")).await;
    d.owner.wait(owner_before, "the outcome", containing("已张贴停车告示")).await;
    // 陈客服 is deactivated: the case they concluded stays theirs until the owner answers.
    crate::staff::deactivate(&admin, "陈客服").await;
    assert_eq!(d.app.count("SELECT count(*) FROM tickets WHERE status = 'done'").await, 1);

    let (sup_before, cs_before, cs2_before, owner_before) =
        (d.supervisor.seq(), d.cs.seq(), d.cs2.seq(), d.owner.seq());
    d.owner.press_and_get(Text::new("btn-case-unresolved"), Text::new("case-ask-unresolved-reason")).await;
    let reason = "晚上还是有外来车辆占用消防通道";
    d.owner.says_and_gets(reason, Text::new("case-unresolved-owner")).await;

    // Back to customer service: nobody holds it, and 林客服 has a new card with Take.
    let (status, reopened, assignee): (String, i32, Option<i64>) =
        sqlx::query_as("SELECT status, reopen_count, assignee_id FROM tickets").fetch_one(&d.app.pool).await.unwrap();
    assert_eq!((status.as_str(), reopened, assignee), ("queued", 1, None));
    let take = d.cs2.t(Text::new("btn-take"));
    d.cs2
        .wait(cs2_before, "a new card", |m| {
            containing(&number)(m)
                && m.inline_keyboard.as_ref().is_some_and(|k| k.iter().flatten().any(|b| b.text == take))
        })
        .await;
    // The supervisors hear it is not resolved, what the owner says, and that it went back to customer service.
    let head =
        d.supervisor.t(Text::new("case-unresolved-supervisor-released").arg("ticket", "@").arg("handler", "陈客服"));
    let tail = head.rsplit('@').next().unwrap().to_owned();
    let notice = d.supervisor.wait(sup_before, "the notice", containing(reason)).await.text.unwrap();
    assert!(notice.contains(&number) && notice.contains(&tail), "{notice}");

    // 林客服 takes it; the owner hears it was taken.
    d.cs2.press_shown(Text::new("btn-take")).await;
    let taken = d.owner.t(TicketKind::Complaint.words(Text::new("case-taken-owner").arg("ticket", "@")));
    let taken = taken.rsplit('@').next().unwrap().to_owned();
    d.owner.wait(owner_before, "taken", containing(&taken)).await;
    let assignee: Option<i64> =
        sqlx::query_scalar("SELECT assignee_id FROM tickets").fetch_one(&d.app.pool).await.unwrap();
    assert_eq!(assignee, Some(d.cs2.id));

    // Nothing of it reaches 陈客服.
    d.cs.settle().await;
    let after: Vec<String> =
        d.cs.emu
            .bot_messages(d.cs.id)
            .into_iter()
            .filter(|m| m.seq > cs_before)
            .filter_map(|m| m.text)
            .filter(|t| t.contains(&number) || t.contains(reason))
            .collect();
    assert!(after.is_empty(), "nothing about the case reaches 陈客服 any more: {after:?}");
    d.app.stop().await;
}
