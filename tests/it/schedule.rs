//! The scheduler: when time passes, tickets move on by themselves. Tests move
//! the app's clock forward and wait (boundedly) for what people receive.

use chrono::{DateTime, Duration, Utc};
use propdesk::domain::{Category, Trade, Urgency};
use propdesk::i18n::Text;

use crate::support::{Person, TICK, TestApp, file_repair};

fn title(number: &str) -> Text {
    Text::new("ticket-title").arg("number", number).arg("category", Category::Plumbing.label())
}

/// A moment as people read it in the community's zone.
fn time(app: &TestApp, at: DateTime<Utc>) -> Text {
    Text::plain(at.with_timezone(&app.settings.time_zone).format("%m-%d %H:%M").to_string())
}

fn contains(number: &str) -> impl Fn(&propdesk::sandbox::emulator::ChatMessage) -> bool {
    let number = number.to_owned();
    move |m| m.text.as_deref().is_some_and(|t| t.contains(&number))
}

struct Desk {
    app: TestApp,
    supervisor: Person,
    plumber: Person,
    owner: Person,
}

/// A supervisor, a plumber and an owner of 3栋2单元1201.
async fn desk() -> Desk {
    let app = TestApp::spawn().await;
    let supervisor = app.staff(2001, "周经理", Trade::CustomerService, true).await;
    let plumber = app.staff(2002, "刘师傅", Trade::Plumbing, false).await;
    let owner = app.owner(1001, "王芳", "3-2-1201", "8613800138000").await;
    Desk { app, supervisor, plumber, owner }
}

impl Desk {
    /// The owner files; the plumber receives the card.
    async fn file(&self, urgency: Urgency) -> String {
        let before = self.plumber.seq();
        let number = file_repair(&self.owner, 0, urgency).await;
        self.plumber.wait(before, "the card", contains(&number)).await;
        number
    }

    async fn accepted(&self, urgency: Urgency) -> String {
        let number = self.file(urgency).await;
        let q = self.plumber.press_shown(Text::new("btn-accept")).await;
        self.plumber.answer_to(&q).await;
        number
    }

    async fn due(&self, column: &str) -> DateTime<Utc> {
        sqlx::query_scalar(&format!("SELECT {column} FROM tickets")).fetch_one(&self.app.pool).await.unwrap()
    }

    /// Two more ticks, from another replica, racing each other and the app's own.
    async fn tick_again(&self) {
        let (a, b) = (self.app.scheduler(), self.app.scheduler());
        tokio::join!(a.tick(), b.tick());
    }
}

#[tokio::test]
async fn an_unaccepted_ticket_goes_to_the_next_technician_and_the_supervisor_is_told() {
    let d = desk().await;
    let second = d.app.staff(2003, "赵师傅", Trade::Plumbing, false).await;
    let number = d.file(Urgency::Routine).await;

    d.app.advance(Duration::minutes(29));
    assert_eq!(d.app.scheduler().tick().await.accept_timeouts, 0, "thirty minutes to accept a routine job");

    let (sup_before, first_before, second_before) = (d.supervisor.seq(), d.plumber.seq(), second.seq());
    d.app.advance(Duration::minutes(2));
    second.wait(second_before, "the card", contains(&number)).await;
    d.supervisor
        .expect(
            sup_before,
            Text::new("sla-accept-timeout-supervisor")
                .arg("ticket", title(&number))
                .arg("name", "刘师傅")
                .arg("outcome", Text::new("sla-accept-timeout-reassigned").arg("assignee", "赵师傅")),
        )
        .await;
    d.plumber.expect(first_before, Text::new("sla-accept-timeout-staff").arg("ticket", title(&number))).await;
    let (assignee, status): (i64, String) =
        sqlx::query_as("SELECT assignee_id, status FROM tickets").fetch_one(&d.app.pool).await.unwrap();
    assert_eq!((assignee, status.as_str()), (second.id, "assigned"));
    let lapsed: i64 = sqlx::query_scalar("SELECT actor_id FROM ticket_events WHERE kind = 'accept_timeout'")
        .fetch_one(&d.app.pool)
        .await
        .unwrap();
    assert_eq!(lapsed, d.plumber.id, "the event names who let it lapse");

    // The second lets it lapse too: it never goes back to the first.
    let sup_before = d.supervisor.seq();
    d.app.advance(Duration::minutes(31));
    d.supervisor
        .expect(
            sup_before,
            Text::new("sla-accept-timeout-supervisor")
                .arg("ticket", title(&number))
                .arg("name", "赵师傅")
                .arg("outcome", Text::new("sla-accept-timeout-queued")),
        )
        .await;
    let (assignee, status): (Option<i64>, String) =
        sqlx::query_as("SELECT assignee_id, status FROM tickets").fetch_one(&d.app.pool).await.unwrap();
    assert_eq!((assignee, status.as_str()), (None, "queued"));
    assert_eq!(d.app.count("SELECT count(*) FROM outbox WHERE kind = 'ticket-card' AND chat_id = 2002").await, 1);
    d.app.stop().await;
}

#[tokio::test]
async fn an_emergency_has_ten_minutes_to_be_accepted() {
    let d = desk().await;
    let second = d.app.staff(2003, "赵师傅", Trade::Plumbing, false).await;
    let number = d.file(Urgency::Emergency).await;

    d.app.advance(Duration::minutes(9));
    assert_eq!(d.app.scheduler().tick().await.accept_timeouts, 0);
    let (sup_before, second_before) = (d.supervisor.seq(), second.seq());
    d.app.advance(Duration::minutes(2));
    second.wait(second_before, "the card", contains(&number)).await;
    d.supervisor
        .expect_containing(sup_before, Text::new("sla-accept-timeout-reassigned").arg("assignee", "赵师傅"))
        .await;
    let assignee: i64 = sqlx::query_scalar("SELECT assignee_id FROM tickets").fetch_one(&d.app.pool).await.unwrap();
    assert_eq!(assignee, second.id);
    d.app.stop().await;
}

#[tokio::test]
async fn the_assignee_is_reminded_once_before_the_on_site_deadline() {
    let d = desk().await;
    let number = d.accepted(Urgency::Routine).await;
    let onsite_due = d.due("onsite_due_at").await;

    d.app.advance(Duration::hours(11));
    assert_eq!(d.app.scheduler().tick().await.reminders, 0, "not yet: ten minutes before");
    let before = d.plumber.seq();
    d.app.advance(Duration::minutes(51));
    let reminder = d
        .plumber
        .expect(
            before,
            Text::new("sla-reminder-staff").arg("ticket", title(&number)).arg("due", time(&d.app, onsite_due)),
        )
        .await;
    assert!(reminder.inline_keyboard.is_some(), "the buttons for the next step come with it");

    d.tick_again().await;
    d.app.advance(Duration::minutes(2));
    d.tick_again().await;
    assert_eq!(d.app.count("SELECT count(*) FROM outbox WHERE kind = 'sla-reminder'").await, 1);
    assert_eq!(d.app.count("SELECT count(*) FROM tickets WHERE reminder_sent_at IS NOT NULL").await, 1);
    d.app.stop().await;
}

#[tokio::test]
async fn a_missed_on_site_deadline_is_escalated_once_and_recorded() {
    let d = desk().await;
    let number = d.accepted(Urgency::Routine).await;
    let onsite_due = d.due("onsite_due_at").await;

    let before = d.supervisor.seq();
    d.app.advance(Duration::hours(12) + Duration::minutes(1));
    d.supervisor
        .expect(
            before,
            Text::new("sla-onsite-breach-supervisor")
                .arg("ticket", title(&number))
                .arg("due", time(&d.app, onsite_due))
                .arg("assignee", "刘师傅"),
        )
        .await;
    d.tick_again().await;
    d.tick_again().await;
    assert_eq!(d.app.count("SELECT count(*) FROM outbox WHERE kind = 'sla-breach'").await, 1);
    let notes: Vec<String> = sqlx::query_scalar("SELECT note FROM ticket_events WHERE kind = 'sla_breach'")
        .fetch_all(&d.app.pool)
        .await
        .unwrap();
    assert_eq!(notes, ["onsite"]);
    assert_eq!(d.app.count("SELECT count(*) FROM tickets WHERE onsite_breached_at IS NOT NULL").await, 1);
    assert_eq!(d.app.count("SELECT count(*) FROM tickets WHERE status = 'accepted'").await, 1, "status unchanged");
    d.app.stop().await;
}

#[tokio::test]
async fn a_missed_resolution_deadline_is_escalated_once_and_recorded() {
    let d = desk().await;
    let number = d.accepted(Urgency::Routine).await;
    d.plumber.press_shown(Text::new("btn-arrived")).await;
    d.plumber.settle().await;
    let resolve_due = d.due("resolve_due_at").await;

    d.app.advance(Duration::hours(71));
    assert_eq!(d.app.scheduler().tick().await.resolve_breaches, 0);
    let before = d.supervisor.seq();
    d.app.advance(Duration::hours(1) + Duration::minutes(1));
    d.supervisor
        .expect(
            before,
            Text::new("sla-resolve-breach-supervisor")
                .arg("ticket", title(&number))
                .arg("due", time(&d.app, resolve_due))
                .arg("assignee", "刘师傅"),
        )
        .await;
    d.tick_again().await;
    d.tick_again().await;
    let notes: Vec<String> = sqlx::query_scalar("SELECT note FROM ticket_events WHERE kind = 'sla_breach'")
        .fetch_all(&d.app.pool)
        .await
        .unwrap();
    assert_eq!(notes, ["resolve"], "the on-site deadline was met");
    assert_eq!(d.app.count("SELECT count(*) FROM outbox WHERE kind = 'sla-breach'").await, 1);
    assert_eq!(d.app.count("SELECT count(*) FROM tickets WHERE resolve_breached_at IS NOT NULL").await, 1);
    d.app.stop().await;
}

#[tokio::test]
async fn a_job_nobody_confirms_closes_after_72_hours_without_a_rating() {
    let d = desk().await;
    let number = d.accepted(Urgency::Routine).await;
    d.plumber.press_shown(Text::new("btn-arrived")).await;
    d.plumber.press_and_get(Text::new("btn-done"), Text::new("ticket-ask-done-note")).await;
    d.plumber.says("拧紧了接头").await;
    let owner_before = d.owner.seq();
    d.plumber.press_and_get(Text::new("btn-skip-photos"), Text::new("ticket-done-staff")).await;
    d.owner.wait(owner_before, "the done notice", |m| m.inline_keyboard.is_some()).await;

    d.app.advance(Duration::hours(71));
    assert_eq!(d.app.scheduler().tick().await.auto_closed, 0);
    let (owner_before, plumber_before) = (d.owner.seq(), d.plumber.seq());
    d.app.advance(Duration::hours(1) + Duration::minutes(1));
    d.owner
        .expect(owner_before, Text::new("sla-auto-closed-owner").arg("ticket", title(&number)).arg("hours", 72i64))
        .await;
    d.plumber.expect(plumber_before, Text::new("sla-auto-closed-staff").arg("ticket", title(&number))).await;
    let (status, closed, rating): (String, bool, Option<i16>) =
        sqlx::query_as("SELECT status, closed_at IS NOT NULL, rating FROM tickets")
            .fetch_one(&d.app.pool)
            .await
            .unwrap();
    assert_eq!((status.as_str(), closed, rating), ("closed", true, None));
    let (kind, actor): (String, Option<i64>) =
        sqlx::query_as("SELECT kind, actor_id FROM ticket_events ORDER BY id DESC LIMIT 1")
            .fetch_one(&d.app.pool)
            .await
            .unwrap();
    assert_eq!((kind.as_str(), actor), ("auto_close", None));
    d.tick_again().await;
    assert_eq!(d.app.count("SELECT count(*) FROM ticket_events WHERE kind = 'auto_close'").await, 1);
    assert_eq!(d.app.count("SELECT count(*) FROM outbox WHERE kind = 'sla-auto-closed'").await, 2);
    d.app.stop().await;
}

#[tokio::test]
async fn a_draft_left_for_a_day_is_discarded_and_the_owner_gets_the_menu_back() {
    let app = TestApp::spawn().await;
    let owner = app.owner(1001, "王芳", "3-2-1201", "8613800138000").await;
    let before = owner.seq();
    owner.taps(Text::new("menu-repair")).await;
    owner.expect(before, Text::new("repair-ask-category")).await;
    assert!(!owner.keyboard().contains(&owner.t(Text::new("menu-repair"))), "the menu makes way for the draft");

    app.advance(Duration::hours(23));
    assert_eq!(app.scheduler().tick().await.drafts_discarded, 0);
    let before = owner.seq();
    app.advance(Duration::hours(1) + Duration::minutes(1));
    let notice = owner.expect(before, Text::new("draft-discarded").arg("hours", 24i64)).await;
    assert!(notice.reply_keyboard.is_some(), "the main menu comes back with the notice");
    assert!(owner.keyboard().contains(&owner.t(Text::new("menu-repair"))), "{:?}", owner.keyboard());
    let state: String = sqlx::query_scalar("SELECT state->>'state' FROM dialogues WHERE chat_id = 1001")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(state, "idle");

    let scheduler = app.scheduler();
    tokio::join!(scheduler.tick(), scheduler.tick());
    assert_eq!(app.count("SELECT count(*) FROM outbox WHERE kind = 'draft-discarded'").await, 1);
    // And the menu works again.
    let before = owner.seq();
    owner.taps(Text::new("menu-repair")).await;
    owner.expect(before, Text::new("repair-ask-category")).await;
    app.stop().await;
}

#[tokio::test]
async fn ticks_repeated_and_racing_have_one_effect() {
    let d = desk().await;
    let second = d.app.staff(2003, "赵师傅", Trade::Plumbing, false).await;
    let number = d.file(Urgency::Emergency).await;

    // 25 minutes: not accepted (10) and nobody on site (20), both at once.
    let (sup_before, second_before) = (d.supervisor.seq(), second.seq());
    d.app.advance(Duration::minutes(25));
    let (a, b) = (d.app.scheduler(), d.app.scheduler());
    tokio::join!(a.tick(), b.tick(), a.tick(), b.tick());
    second.wait(second_before, "the card", contains(&number)).await;
    d.supervisor
        .expect_containing(sup_before, Text::new("sla-accept-timeout-reassigned").arg("assignee", "赵师傅"))
        .await;
    d.supervisor.wait(sup_before, "the escalation", |m| m.text.as_deref().is_some_and(|t| t.starts_with("🔺"))).await;
    d.tick_again().await;

    for (sql, what) in [
        ("SELECT count(*) FROM ticket_events WHERE kind = 'accept_timeout'", "one timeout"),
        ("SELECT count(*) FROM ticket_events WHERE kind = 'sla_breach'", "one breach"),
        ("SELECT count(*) FROM outbox WHERE kind = 'sla-accept-timeout' AND chat_id = 2001", "one timeout notice"),
        ("SELECT count(*) FROM outbox WHERE kind = 'sla-breach'", "one escalation"),
        ("SELECT count(*) FROM outbox WHERE kind = 'ticket-card' AND chat_id = 2003", "one card"),
    ] {
        assert_eq!(d.app.count(sql).await, 1, "{what}");
    }
    d.app.stop().await;
}

#[tokio::test]
async fn handled_updates_leave_the_inbox_after_the_days_it_keeps_them() {
    use propdesk::store::inbox::{self, InboxRow};
    let db = propdesk::store::testdb::fresh_database().await.unwrap();
    let settings = std::sync::Arc::new(propdesk::config::Settings::for_local());
    let clock = std::sync::Arc::new(propdesk::clock::SystemClock);
    let scheduler = propdesk::delivery::scheduler::Scheduler::new(db.pool.clone(), clock, settings.clone(), TICK);
    let t0 = Utc::now();
    // Two updates handled at t0, one eight days later, one never (it waits).
    let rows: Vec<InboxRow> =
        (1..=4).map(|id| InboxRow::arrived(id, Some(1), serde_json::json!({ "update_id": id }))).collect();
    inbox::store_batch(&db.pool, &rows).await.unwrap();
    for (id, at) in [(1, t0), (2, t0), (3, t0 + Duration::days(8))] {
        sqlx::query("UPDATE inbox SET handled_at = $2 WHERE update_id = $1")
            .bind(id)
            .bind(at)
            .execute(&db.pool)
            .await
            .unwrap();
    }
    // Their replies: two sent and one still being sent at t0, one sent eight days later.
    for (update, state, at) in
        [(1, "sent", t0), (2, "sent", t0), (2, "sending", t0), (3, "sent", t0 + Duration::days(8))]
    {
        sqlx::query(
            "INSERT INTO outbox (chat_id, kind, payload, state, reply_of, created_at) VALUES (1, 'reply', '{}', $2, $1, $3)",
        )
        .bind(update)
        .bind(state)
        .bind(at)
        .execute(&db.pool)
        .await
        .unwrap();
    }
    let left =
        || async { sqlx::query_scalar::<_, i64>("SELECT count(*) FROM inbox").fetch_one(&db.pool).await.unwrap() };
    let keep = Duration::days(settings.inbox_keep_days);
    // Just within the days kept: nothing goes.
    let t1 = t0 + keep - Duration::minutes(10);
    assert_eq!(scheduler.keep_house(t1).await, 0);
    // Half an hour later the first two are old enough, but housekeeping ran within the hour.
    assert_eq!(scheduler.keep_house(t1 + Duration::minutes(30)).await, 0);
    assert_eq!(left().await, 4);
    // An hour on it runs: the two old ones go; the recent one and the unhandled one stay.
    assert_eq!(scheduler.keep_house(t1 + Duration::minutes(61)).await, 2);
    let kept: Vec<i64> =
        sqlx::query_scalar("SELECT update_id FROM inbox ORDER BY update_id").fetch_all(&db.pool).await.unwrap();
    assert_eq!(kept, vec![3, 4]);
    // And the settled replies as old go with them; one not yet settled stays.
    let replies: Vec<(i64, String)> =
        sqlx::query_as("SELECT reply_of, state FROM outbox ORDER BY id").fetch_all(&db.pool).await.unwrap();
    assert_eq!(replies, vec![(2, "sending".to_owned()), (3, "sent".to_owned())]);
}
