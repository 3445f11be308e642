//! Following tickets: owners' requests with their timeline, follow-ups and
//! cancelling; technicians' tasks; supervisors' queue, overdue list,
//! reassigning, urgency and figures.

use propdesk::domain::callback::{ListKind, TicketOp};
use propdesk::domain::period::Period;
use propdesk::domain::{CallbackData, Category, Status, TicketKind, Trade, Urgency};
use propdesk::i18n::Text;
use propdesk::services::repairs::{NewRepair, Place};
use propdesk::store::tickets::TicketNumbers;

use crate::support::{Person, TestApp};

/// Files a repair for `owner`'s first unit through the service (set-up, not under test).
async fn filed(app: &TestApp, owner: &Person, description: &str) -> (i64, String) {
    let mut conn = app.pool.acquire().await.unwrap();
    let user = propdesk::store::users::get(&mut conn, owner.id).await.unwrap().unwrap();
    let actor = propdesk::services::people::load(&mut conn, user, &app.settings).await.unwrap();
    let unit = actor.residences[0].unit_id;
    let desk = propdesk::services::tickets::Desk {
        sla: &app.settings.sla,
        tz: app.settings.time_zone,
        now: chrono::Utc::now(),
    };
    let repair = NewRepair {
        category: Category::Plumbing,
        place: Place::Unit(unit),
        description: description.to_owned(),
        photos: Vec::new(),
        urgency: Urgency::Routine,
        window: None,
        patrol: false,
        assign_to_self: false,
    };
    drop(conn);
    let mut tx = app.pool.begin().await.unwrap();
    let filed =
        propdesk::services::repairs::file(&mut tx, &TicketNumbers::new(app.pool.clone()), &actor, repair, &desk)
            .await
            .unwrap()
            .unwrap();
    tx.commit().await.unwrap();
    (filed.ticket.id, filed.ticket.number)
}

#[tokio::test]
async fn an_owner_follows_a_request_adds_to_it_and_cancels_it() {
    let app = TestApp::spawn().await;
    let plumber = app.staff(2002, "刘师傅", Trade::Plumbing, false).await;
    let owner = app.owner(1001, "王芳", "3-2-1201", "8613800138000").await;
    let (_, first) = filed(&app, &owner, "水龙头滴水").await;
    let (id, second) = filed(&app, &owner, "马桶堵了").await;

    let before = owner.seq();
    owner.taps(Text::new("menu-my-requests")).await;
    let list = owner.expect_containing(before, Text::new("list-mine-title")).await;
    let text = list.text.unwrap();
    assert!(text.find(&second).unwrap() < text.find(&first).unwrap(), "newest first: {text}");

    let card = owner
        .press_and_get(Text::new("btn-open-ticket").arg("number", second.clone()), Text::new("ticket-timeline"))
        .await;
    let text = card.text.unwrap();
    assert!(
        text.contains("马桶堵了") && text.contains(&owner.t(Status::Assigned.label())) && text.contains("刘师傅"),
        "{text}"
    );

    // A follow-up reaches the technician.
    let plumber_before = plumber.seq();
    owner.press_and_get(Text::new("btn-follow-up"), TicketKind::Repair.words(Text::new("ticket-ask-follow-up"))).await;
    let before = owner.seq();
    owner.emu.send_sticker(owner.id);
    owner.expect(before, Text::new("ticket-follow-up-expected")).await;
    owner.says_and_gets("下午三点后有人在家", TicketKind::Repair.words(Text::new("ticket-follow-up-sent"))).await;
    plumber
        .wait(plumber_before, "the follow-up", |m| m.text.as_deref().is_some_and(|t| t.contains("下午三点后有人在家")))
        .await;

    // Cancel, and the technician is told.
    owner.press_and_get(Text::new("btn-open-ticket").arg("number", second.clone()), Text::new("ticket-timeline")).await;
    let plumber_before = plumber.seq();
    owner
        .press_and_get(
            Text::new("btn-cancel-ticket"),
            Text::new("ticket-cancelled-owner").arg("number", second.clone()),
        )
        .await;
    plumber.wait(plumber_before, "the cancellation", |m| m.text.as_deref().is_some_and(|t| t.contains(&second))).await;
    let status: String =
        sqlx::query_scalar("SELECT status FROM tickets WHERE id = $1").bind(id).fetch_one(&app.pool).await.unwrap();
    assert_eq!(status, "cancelled");

    // A neighbour cannot open it, nor follow up on it.
    let neighbour = app.owner(1002, "李明", "3-2-1202", "8613800138001").await;
    for op in [TicketOp::Detail, TicketOp::FollowUp] {
        let q = neighbour.press_data(&CallbackData::Ticket { id, op }.encode());
        assert_eq!(neighbour.answer_to(&q).await, Some(neighbour.t(Text::new("error-not-allowed"))));
    }
    app.stop().await;
}

#[tokio::test]
async fn a_long_list_pages_with_buttons() {
    let app = TestApp::spawn().await;
    app.staff(2002, "刘师傅", Trade::Plumbing, false).await;
    let owner = app.owner(1001, "王芳", "3-2-1201", "8613800138000").await;
    let mut numbers = Vec::new();
    for n in 0..6 {
        numbers.push(filed(&app, &owner, &format!("第{n}处漏水")).await.1);
    }
    let before = owner.seq();
    owner.taps(Text::new("menu-my-requests")).await;
    let page = owner.expect_containing(before, Text::new("list-mine-title")).await;
    let text = page.text.unwrap();
    assert!(!text.contains(&numbers[0]) && text.contains(&numbers[5]), "the oldest is on page 2: {text}");
    let before = owner.seq();
    owner.press(Text::new("btn-next-page"));
    let page2 =
        owner.wait(before, "page 2", |m| m.edited && m.text.as_deref().is_some_and(|t| t.contains(&numbers[0]))).await;
    assert!(page2.inline_keyboard.unwrap().iter().flatten().any(|b| b.text == owner.t(Text::new("btn-previous-page"))));
    // A forged page far past the end shows an empty page, not an error.
    let q = owner.press_data(&CallbackData::List { list: ListKind::Mine, page: 999 }.encode());
    owner.answer_to(&q).await;
    // Another person's list is theirs alone: a technician has no "Mine" of this owner.
    app.stop().await;
}

#[tokio::test]
async fn a_technician_sees_their_tasks_most_urgent_first() {
    let app = TestApp::spawn().await;
    let plumber = app.staff(2002, "刘师傅", Trade::Plumbing, false).await;
    let owner = app.owner(1001, "王芳", "3-2-1201", "8613800138000").await;
    let (_, number) = filed(&app, &owner, "水管漏水").await;
    let before = plumber.seq();
    plumber.emu.send_text(plumber.id, "/tasks");
    let list = plumber.expect_containing(before, Text::new("list-tasks-title")).await;
    assert!(list.text.unwrap().contains(&number));
    let card =
        plumber.press_and_get(Text::new("btn-open-ticket").arg("number", number), Text::new("ticket-timeline")).await;
    let buttons: Vec<String> = card.inline_keyboard.unwrap().into_iter().flatten().map(|b| b.text).collect();
    assert_eq!(buttons, [plumber.t(Text::new("btn-accept")), plumber.t(Text::new("btn-decline"))]);
    // Owners have no tasks list.
    owner.says_and_gets("/tasks", Text::new("error-not-allowed")).await;
    app.stop().await;
}

#[tokio::test]
async fn a_supervisor_reassigns_from_the_queue_changes_urgency_and_sees_overdue_and_figures() {
    let app = TestApp::spawn().await;
    let supervisor = app.staff(2001, "周经理", Trade::CustomerService, true).await;
    let owner = app.owner(1001, "王芳", "3-2-1201", "8613800138000").await;
    let (id, number) = filed(&app, &owner, "水管漏水").await;

    // Nobody could take it: it is in the queue.
    let before = supervisor.seq();
    supervisor.taps(Text::new("menu-queue")).await;
    let queue = supervisor.expect_containing(before, Text::new("list-queue-title")).await;
    assert!(queue.text.unwrap().contains(&number));

    // A plumber joins: the dispatcher gives them the waiting ticket by itself.
    let first = app.staff(2002, "刘师傅", Trade::Plumbing, false).await;
    first.wait(0, "the card", |m| m.text.as_deref().is_some_and(|t| t.contains(&number))).await;

    // The supervisor gives it to another plumber by hand.
    let plumber = app.staff(2003, "赵师傅", Trade::Plumbing, false).await;
    supervisor
        .press_and_get(Text::new("btn-open-ticket").arg("number", number.clone()), Text::new("ticket-timeline"))
        .await;
    supervisor.press_and_get(Text::new("btn-reassign"), Text::new("reassign-choose")).await;
    let (plumber_before, first_before) = (plumber.seq(), first.seq());
    supervisor
        .press_and_get(
            Text::new("btn-reassign-to").arg("name", "赵师傅").arg("open", 0i64),
            Text::new("reassign-done").arg("number", number.clone()).arg("name", "赵师傅"),
        )
        .await;
    plumber.wait(plumber_before, "the card", |m| m.text.as_deref().is_some_and(|t| t.contains(&number))).await;
    first.wait(first_before, "the hand-over", |m| m.text.as_deref().is_some_and(|t| t.contains(&number))).await;

    // Emergency now: the deadline moves and the technician is told.
    supervisor
        .press_and_get(Text::new("btn-open-ticket").arg("number", number.clone()), Text::new("ticket-timeline"))
        .await;
    supervisor.press_and_get(Text::new("btn-change-urgency"), Text::new("urgency-choose")).await;
    let plumber_before = plumber.seq();
    let before = supervisor.seq();
    supervisor.press(Urgency::Emergency.label());
    supervisor.wait(before, "the change", |m| m.text.as_deref().is_some_and(|t| t.contains(&number))).await;
    plumber.wait(plumber_before, "the urgency notice", |m| m.text.as_deref().is_some_and(|t| t.contains("紧急"))).await;
    let urgency: String =
        sqlx::query_scalar("SELECT urgency FROM tickets WHERE id = $1").bind(id).fetch_one(&app.pool).await.unwrap();
    assert_eq!(urgency, "emergency");

    // Past its on-site deadline, it is overdue.
    sqlx::query("UPDATE tickets SET onsite_due_at = now() - interval '1 hour' WHERE id = $1")
        .bind(id)
        .execute(&app.pool)
        .await
        .unwrap();
    let before = supervisor.seq();
    supervisor.emu.send_text(supervisor.id, "/overdue");
    let overdue = supervisor.expect_containing(before, Text::new("list-overdue-title")).await;
    assert!(overdue.text.unwrap().contains(&number));

    // The figures for this month.
    supervisor.says_and_gets("/stats", Text::new("stats-choose-period")).await;
    let report = supervisor.press_and_get(Text::new("btn-this-month"), Period::ThisMonth.label()).await;
    assert!(!report.text.unwrap().is_empty());
    // …and the month's tickets as a CSV file.
    let before = supervisor.seq();
    supervisor.press(Text::new("btn-export-csv"));
    let file = supervisor.wait(before, "the CSV", |m| m.kind == "document").await;
    assert!(file.file_name.as_deref().is_some_and(|n| n.starts_with("tickets-") && n.ends_with(".csv")), "{file:?}");
    assert_eq!(file.caption, Some(supervisor.t(Text::new("stats-export-caption").arg("rows", 1usize))));
    let csv = supervisor.emu.file_bytes(file.document_file_id.as_deref().unwrap()).unwrap();
    let csv = String::from_utf8(csv).unwrap();
    assert!(csv.starts_with('\u{feff}'), "a BOM for Excel");
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(lines.len(), 2, "{csv}");
    assert!(
        lines[0].starts_with("number,") && lines[1].starts_with(&number) && lines[1].contains("emergency"),
        "{csv}"
    );

    // Technicians and owners cannot do any of it.
    for person in [&plumber, &owner] {
        person.says_and_gets("/queue", Text::new("error-not-allowed")).await;
        let q = person.press_data(&CallbackData::Ticket { id, op: TicketOp::Reassign }.encode());
        assert_eq!(person.answer_to(&q).await, Some(person.t(Text::new("error-not-allowed"))));
    }
    app.stop().await;
}
