//! Opening a notice (its deliveries and the composer's progress message),
//! the progress edits while it runs, and the final report: the scheduler's part.

use chrono::Duration;
use sqlx::{PgConnection, PgPool};

use super::{Clock, owner_message};
use crate::domain::callback::NoticeOp;
use crate::domain::{Button, CallbackData, Markup, Outgoing};
use crate::i18n::{Locale, Text};
use crate::store::notices::{self as store, Figures, NoticeRow};
use crate::store::outbox::{self, NewMessage, Priority};

fn payload(notice: &NoticeRow, locale: Locale) -> serde_json::Value {
    let message = owner_message(&notice.bodies(), notice.photo.as_deref(), notice.signup, Some(notice.id), locale);
    serde_json::to_value(&message).expect("Outgoing serializes")
}

/// Writes the deliveries and the composer's progress message. Returns how
/// many recipients it has.
pub(super) async fn open(conn: &mut PgConnection, notice: &NoticeRow, clock: &Clock) -> sqlx::Result<u64> {
    let n = store::open(conn, notice, &payload(notice, Locale::ZhCn), &payload(notice, Locale::En), clock.now).await?;
    let figures = Figures { total: n as i64, remaining: n as i64, ..Figures::default() };
    let key = format!("notice-progress:{}", notice.id);
    let message = progress_message(notice, &figures, "sending", clock);
    outbox::enqueue(
        conn,
        NewMessage {
            chat_id: notice.created_by,
            kind: "notice-progress",
            priority: Priority::Notification,
            message: &message,
            not_before: clock.now,
            dedup_key: Some(key.clone()),
        },
    )
    .await?;
    if let Some(row) = store::tag_row(conn, notice.id, &key).await? {
        store::set_progress_row(conn, notice.id, row).await?;
    }
    store::set_progress(conn, notice.id, clock.now, &seen(&figures, "sending")).await?;
    tracing::info!(notice = notice.id, recipients = n, "notice opened");
    Ok(n)
}

fn seen(f: &Figures, state: &str) -> String {
    format!("{state}:{}:{}:{}:{}", f.sent, f.failed, f.blocked, f.remaining)
}

fn percent(f: &Figures) -> i64 {
    if f.total == 0 { 100 } else { (f.total - f.remaining) * 100 / f.total }
}

/// The composer's progress message: figures, percent, time left; Pause or
/// Resume while it runs.
fn progress_message(notice: &NoticeRow, f: &Figures, state: &str, clock: &Clock) -> Outgoing {
    let eta_secs = f.remaining / i64::from(clock.rate_per_sec.max(1)) + i64::from(f.remaining > 0);
    let (status, button) = match state {
        "done" => (Text::new("notice-progress-finished"), None),
        "paused" => (Text::new("notice-progress-paused"), Some((Text::new("btn-notice-resume"), NoticeOp::Resume))),
        _ => (
            Text::new("notice-progress-eta").arg("eta", eta(eta_secs)),
            Some((Text::new("btn-notice-pause"), NoticeOp::Pause)),
        ),
    };
    let text = Text::new("notice-progress")
        .arg("id", notice.id)
        .arg("kind", notice.kind().label())
        .arg("sent", f.sent)
        .arg("failed", f.failed)
        .arg("blocked", f.blocked)
        .arg("remaining", f.remaining)
        .arg("total", f.total)
        .arg("percent", percent(f))
        .arg("status", status);
    let markup = match button {
        Some((label, op)) => Markup::Inline(vec![vec![Button::new(label, CallbackData::Notice { id: notice.id, op })]]),
        None => Markup::None,
    };
    Outgoing::with(text, markup)
}

/// "about 2 min 5 s".
fn eta(secs: i64) -> Text {
    if secs >= 60 {
        Text::new("notice-eta-minutes").arg("min", secs / 60).arg("sec", secs % 60)
    } else {
        Text::new("notice-eta-seconds").arg("sec", secs)
    }
}

fn report_message(notice: &NoticeRow, f: &Figures, clock: &Clock) -> Outgoing {
    let took = notice.opened_at.map(|t| (clock.now - t).num_seconds().max(0)).unwrap_or(0);
    Outgoing::new(
        Text::new("notice-report")
            .arg("id", notice.id)
            .arg("kind", notice.kind().label())
            .arg("sent", f.sent)
            .arg("failed", f.failed)
            .arg("blocked", f.blocked)
            .arg("total", f.total)
            .arg("took", eta(took)),
    )
}

/// What the scheduler did about notices.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct NoticeSweep {
    pub opened: usize,
    pub reported: usize,
    pub finished: usize,
}

/// Opens the notices whose time has come, edits the progress messages of
/// those running (at most every `progress_every_secs`, and only when a
/// figure changed), and reports the ones that finished. Each notice in its
/// own transaction with its row locked and its state checked again.
pub async fn sweep(pool: &PgPool, clock: &Clock) -> NoticeSweep {
    let mut done = NoticeSweep::default();
    let due = async {
        let mut conn = pool.acquire().await?;
        let open = store::due_to_open(&mut conn, clock.now).await?;
        let running = store::running(&mut conn).await?;
        Ok::<_, sqlx::Error>((open, running))
    };
    let (to_open, running) = match due.await {
        Ok(due) => due,
        Err(err) => {
            tracing::error!(error = %err, "looking for due notices failed");
            return done;
        }
    };
    for id in to_open {
        let once = async {
            let mut tx = pool.begin().await?;
            let opened = match store::lock(&mut tx, id).await? {
                Some(n) if n.state == "scheduled" && n.send_at <= clock.now => {
                    open(&mut tx, &n, clock).await?;
                    true
                }
                _ => false,
            };
            tx.commit().await?;
            Ok::<_, sqlx::Error>(opened)
        };
        match once.await {
            Ok(true) => done.opened += 1,
            Ok(false) => {}
            Err(err) => tracing::error!(notice = id, error = %err, "opening a notice failed"),
        }
    }
    for id in running {
        match report(pool, id, clock).await {
            Ok(Reported::Progress) => done.reported += 1,
            Ok(Reported::Finished) => done.finished += 1,
            Ok(Reported::Nothing) => {}
            Err(err) => tracing::error!(notice = id, error = %err, "reporting a notice's progress failed"),
        }
    }
    done
}

enum Reported {
    Nothing,
    Progress,
    Finished,
}

async fn report(pool: &PgPool, id: i64, clock: &Clock) -> sqlx::Result<Reported> {
    let mut tx = pool.begin().await?;
    let Some(notice) = store::lock(&mut tx, id).await? else { return Ok(Reported::Nothing) };
    if !matches!(notice.state.as_str(), "sending" | "paused") {
        return Ok(Reported::Nothing);
    }
    let figures = store::figures(&mut tx, id).await?;
    let finished = notice.state == "sending" && figures.remaining == 0;
    let state = if finished { "done" } else { notice.state.as_str() };
    let due =
        notice.progress_at.is_none_or(|at| clock.now - at >= Duration::seconds(clock.settings.progress_every_secs));
    let changed = notice.progress_seen.as_deref() != Some(seen(&figures, state).as_str());
    if !(finished || (due && changed)) {
        return Ok(Reported::Nothing);
    }
    let progress_row = match notice.progress_row {
        Some(row) if store::progress_sent(&mut tx, row).await? => Some(row),
        _ => None,
    };
    if progress_row.is_none() && !finished {
        // The first message is not out yet; edit it once it is.
        return Ok(Reported::Nothing);
    }
    if let Some(row) = progress_row {
        store::drop_stale_progress(&mut tx, id).await?;
        // At the end: the final figures, without Pause (the report follows as a new message).
        let message = progress_message(&notice, &figures, state, clock);
        let key = format!("notice-progress:{id}:{}", seen(&figures, state));
        outbox::enqueue_edit(
            &mut tx,
            row,
            NewMessage {
                chat_id: notice.created_by,
                kind: "notice-progress-edit",
                priority: Priority::Notification,
                message: &message,
                not_before: clock.now,
                dedup_key: Some(key.clone()),
            },
        )
        .await?;
        store::tag_row(&mut tx, id, &key).await?;
    }
    if finished {
        store::set_state(&mut tx, id, "done", clock.now).await?;
        // The edit is silent: a new message tells the composer it is over.
        outbox::enqueue(
            &mut tx,
            NewMessage {
                chat_id: notice.created_by,
                kind: "notice-report",
                priority: Priority::Notification,
                message: &report_message(&notice, &figures, clock),
                not_before: clock.now,
                dedup_key: Some(format!("notice-report:{id}")),
            },
        )
        .await?;
    }
    store::set_progress(&mut tx, id, clock.now, &seen(&figures, state)).await?;
    tx.commit().await?;
    Ok(if finished { Reported::Finished } else { Reported::Progress })
}
