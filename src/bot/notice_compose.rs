//! Composing a notice (`/notice`, admins and customer-service supervisors):
//! kind → text → the other language's version (or skip) → a photo (or skip)
//! → audience (everyone, buildings or entrances; staff too?) → sign-up and
//! capacity (activities) → now or a time → the preview exactly as owners
//! will see it, with its reach → Send / Schedule / Cancel. ✖️ or /cancel
//! leaves at any step; nothing is saved before Send.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use teloxide::types::{CallbackQuery, Message};

use crate::bot::fallback::{self, home_markup};
use crate::bot::{Cx, HandlerResult, State, callbacks};
use crate::domain::callback::ComposeOp;
use crate::domain::notice::{Audience, Bodies, ENTRANCES_MAX, NoticeKind, TEXT_MAX, check_text, parse_capacity};
use crate::domain::{Button, CallbackData, Markup, Outgoing};
use crate::i18n::{Locale, Text};
use crate::services::notices::{self, Refusal, Spec};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ComposeStep {
    Kind,
    Text,
    Other,
    Photo,
    Audience,
    Pick,
    SignUp,
    Capacity,
    When,
    Time,
    Preview,
}

/// What the wizard has collected so far.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NoticeDraft {
    pub step: ComposeStep,
    pub kind: Option<NoticeKind>,
    /// The language of the first version (the composer's).
    pub main: Locale,
    pub bodies: Bodies,
    pub photo: Option<String>,
    pub audience: Audience,
    /// At the Pick step: picking entrances (else buildings), the choices
    /// shown (by index in the buttons) and those ticked.
    pub entrances: bool,
    pub options: Vec<String>,
    pub picked: Vec<String>,
    pub include_staff: bool,
    pub signup: bool,
    pub capacity: Option<i32>,
    pub send_at: Option<DateTime<Utc>>,
    /// Editing this scheduled notice: Send replaces it.
    pub replaces: Option<i64>,
}

impl NoticeDraft {
    fn spec(&self) -> Spec {
        Spec {
            kind: self.kind.unwrap_or(NoticeKind::General),
            bodies: self.bodies.clone(),
            photo: self.photo.clone(),
            audience: self.audience.clone(),
            include_staff: self.include_staff,
            signup: self.signup,
            capacity: self.capacity,
            send_at: self.send_at,
        }
    }

    /// A draft filled from a scheduled notice, at its preview.
    pub fn editing(id: i64, spec: Spec, main: Locale) -> NoticeDraft {
        NoticeDraft {
            step: ComposeStep::Preview,
            kind: Some(spec.kind),
            main,
            bodies: spec.bodies,
            photo: spec.photo,
            audience: spec.audience,
            entrances: false,
            options: Vec::new(),
            picked: Vec::new(),
            include_staff: spec.include_staff,
            signup: spec.signup,
            capacity: spec.capacity,
            send_at: spec.send_at,
            replaces: Some(id),
        }
    }
}

fn op(op: ComposeOp) -> CallbackData {
    CallbackData::Compose(op)
}

fn b(label: Text, o: ComposeOp) -> Button {
    Button::new(label, op(o))
}

fn cancel_row() -> Vec<Button> {
    vec![b(Text::new("btn-cancel"), ComposeOp::Cancel)]
}

fn other(locale: Locale) -> Locale {
    match locale {
        Locale::ZhCn => Locale::En,
        Locale::En => Locale::ZhCn,
    }
}

fn language(locale: Locale) -> Text {
    match locale {
        Locale::ZhCn => Text::new("notice-lang-zh"),
        Locale::En => Text::new("notice-lang-en"),
    }
}

/// `/notice`.
pub async fn start(cx: Cx) -> HandlerResult {
    let actor = cx.actor();
    if !notices::may_compose(&actor) {
        fallback::say_with_home(&cx, Text::new("notice-not-allowed"));
        return Ok(());
    }
    let draft = NoticeDraft {
        step: ComposeStep::Kind,
        kind: None,
        main: actor.locale(),
        bodies: Bodies::default(),
        photo: None,
        audience: Audience::All,
        entrances: false,
        options: Vec::new(),
        picked: Vec::new(),
        include_staff: false,
        signup: false,
        capacity: None,
        send_at: None,
        replaces: None,
    };
    cx.reply(Outgoing::with(Text::new("notice-start"), Markup::RemoveKeyboard));
    ask(&cx, draft).await
}

/// The step's question, as a new message; the draft is saved.
pub async fn ask(cx: &Cx, draft: NoticeDraft) -> HandlerResult {
    if let Some(message) = question(cx, &draft).await? {
        cx.reply(message);
    }
    cx.set_state(State::NoticeCompose(draft));
    Ok(())
}

async fn question(cx: &Cx, draft: &NoticeDraft) -> Result<Option<Outgoing>, crate::error::AppError> {
    Ok(Some(match draft.step {
        ComposeStep::Kind => {
            let mut rows: Vec<Vec<Button>> = NoticeKind::ALL
                .chunks(2)
                .map(|pair| pair.iter().map(|k| b(k.label(), ComposeOp::Kind(*k))).collect())
                .collect();
            rows.push(cancel_row());
            Outgoing::with(Text::new("notice-ask-kind"), Markup::Inline(rows))
        }
        ComposeStep::Text => Outgoing::with(
            Text::new("notice-ask-text").arg("lang", language(draft.main)).arg("max", TEXT_MAX),
            Markup::Inline(vec![cancel_row()]),
        ),
        ComposeStep::Other => Outgoing::with(
            Text::new("notice-ask-other").arg("lang", language(other(draft.main))),
            Markup::Inline(vec![vec![b(Text::new("btn-notice-skip"), ComposeOp::SkipOther)], cancel_row()]),
        ),
        ComposeStep::Photo => Outgoing::with(
            Text::new("notice-ask-photo").arg("max", cx.settings().notice.photo_max_kb / 1024),
            Markup::Inline(vec![vec![b(Text::new("btn-notice-skip"), ComposeOp::SkipPhoto)], cancel_row()]),
        ),
        ComposeStep::Audience => audience_message(draft),
        ComposeStep::Pick => pick_message(draft),
        ComposeStep::SignUp => Outgoing::with(
            Text::new("notice-ask-signup"),
            Markup::Inline(vec![
                vec![
                    b(Text::new("btn-notice-signup-yes"), ComposeOp::SignUp(true)),
                    b(Text::new("btn-notice-signup-no"), ComposeOp::SignUp(false)),
                ],
                cancel_row(),
            ]),
        ),
        ComposeStep::Capacity => Outgoing::with(
            Text::new("notice-ask-capacity"),
            Markup::Inline(vec![vec![b(Text::new("btn-notice-no-limit"), ComposeOp::NoLimit)], cancel_row()]),
        ),
        ComposeStep::When => Outgoing::with(
            Text::new("notice-ask-when"),
            Markup::Inline(vec![
                vec![
                    b(Text::new("btn-notice-now"), ComposeOp::Now),
                    b(Text::new("btn-notice-later"), ComposeOp::Later),
                ],
                cancel_row(),
            ]),
        ),
        ComposeStep::Time => Outgoing::with(Text::new("notice-ask-time"), Markup::Inline(vec![cancel_row()])),
        ComposeStep::Preview => {
            preview(cx, draft).await?;
            return Ok(None);
        }
    }))
}

fn audience_message(draft: &NoticeDraft) -> Outgoing {
    let staff = if draft.include_staff { Text::new("btn-notice-staff-on") } else { Text::new("btn-notice-staff-off") };
    Outgoing::with(
        Text::new("notice-ask-audience"),
        Markup::Inline(vec![
            vec![b(Text::new("btn-notice-all"), ComposeOp::AudienceAll)],
            vec![
                b(Text::new("btn-notice-buildings"), ComposeOp::AudienceBuildings),
                b(Text::new("btn-notice-entrances"), ComposeOp::AudienceEntrances),
            ],
            vec![b(staff, ComposeOp::ToggleStaff)],
            cancel_row(),
        ]),
    )
}

fn place_label(key: &str, entrances: bool) -> Text {
    match (entrances, key.split_once('/')) {
        (true, Some((building, entrance))) => {
            Text::new("notice-entrance").arg("building", building).arg("entrance", entrance)
        }
        _ => Text::new("survey-building").arg("building", key),
    }
}

fn pick_message(draft: &NoticeDraft) -> Outgoing {
    let buttons: Vec<Button> = draft
        .options
        .iter()
        .enumerate()
        .map(|(i, key)| {
            let label = place_label(key, draft.entrances);
            let label =
                if draft.picked.contains(key) { Text::new("btn-notice-picked").arg("option", label) } else { label };
            b(label, ComposeOp::Pick(i as u8))
        })
        .collect();
    let mut rows: Vec<Vec<Button>> = buttons.chunks(3).map(<[Button]>::to_vec).collect();
    rows.push(vec![b(Text::new("btn-notice-done").arg("count", draft.picked.len()), ComposeOp::AudienceDone)]);
    rows.push(cancel_row());
    let ask = if draft.entrances { Text::new("notice-ask-entrances") } else { Text::new("notice-ask-buildings") };
    Outgoing::with(ask, Markup::Inline(rows))
}

/// The owner's message exactly (in each version given), then the reach and
/// Send / Schedule / Cancel. An empty audience goes back to its step.
async fn preview(cx: &Cx, draft: &NoticeDraft) -> HandlerResult {
    let actor = cx.actor();
    let spec = draft.spec();
    let (owners, staff) = notices::reach(&mut *cx.tx().await, &actor, &spec).await?;
    if owners + staff == 0 {
        cx.say(Text::new("notice-audience-empty"));
        let mut back = draft.clone();
        back.step = ComposeStep::Audience;
        cx.reply(audience_message(&back));
        cx.set_state(State::NoticeCompose(back));
        return Ok(());
    }
    cx.say(Text::new("notice-preview-head"));
    for locale in [draft.main, other(draft.main)] {
        let given = match locale {
            Locale::ZhCn => draft.bodies.zh.is_some(),
            Locale::En => draft.bodies.en.is_some(),
        };
        if given {
            cx.reply(notices::owner_message(&draft.bodies, draft.photo.as_deref(), draft.signup, None, locale));
        }
    }
    let clock = cx.notice_clock();
    let when = match draft.send_at {
        Some(at) => Text::new("notice-when-at").arg("time", clock.time(at)),
        None => Text::new("notice-when-now"),
    };
    let signup = match (draft.signup, draft.capacity) {
        (false, _) => Text::new("notice-signup-off"),
        (true, None) => Text::new("notice-signup-unlimited"),
        (true, Some(c)) => Text::new("notice-signup-capacity").arg("capacity", i64::from(c)),
    };
    let send = if draft.send_at.is_some() { Text::new("btn-notice-schedule") } else { Text::new("btn-notice-send") };
    cx.reply(Outgoing::with(
        Text::new("notice-preview-summary")
            .arg("kind", draft.kind.unwrap_or(NoticeKind::General).label())
            .arg("audience", audience_text(&draft.audience))
            .arg("owners", owners)
            .arg("staff", staff)
            .arg("total", owners + staff)
            .arg("signup", signup)
            .arg("when", when),
        Markup::Inline(vec![vec![b(send, ComposeOp::Send)], cancel_row()]),
    ));
    Ok(())
}

pub fn audience_text(audience: &Audience) -> Text {
    match audience {
        Audience::All => Text::new("notice-audience-all"),
        Audience::Buildings { buildings } => Text::new("notice-audience-buildings").arg("list", buildings.join("、")),
        Audience::Entrances { entrances } => {
            let list: Vec<String> = entrances.iter().map(|e| e.replace('/', "-")).collect();
            Text::new("notice-audience-entrances").arg("list", list.join("、"))
        }
    }
}

/// The step after the audience: sign-up for activities, else when.
fn after_audience(draft: &mut NoticeDraft) {
    draft.step = if draft.kind == Some(NoticeKind::Activity) { ComposeStep::SignUp } else { ComposeStep::When };
}

/// A wizard button.
pub async fn button(cx: Cx, q: CallbackQuery, compose: ComposeOp, state: State) -> HandlerResult {
    if compose == ComposeOp::Preview {
        cx.answer(&q.id.0, Some(Text::new("notice-preview-button")), false);
        return Ok(());
    }
    if !notices::may_compose(&cx.actor()) {
        fallback::not_allowed(&cx, &q.id.0);
        return Ok(());
    }
    let State::NoticeCompose(mut draft) = state else {
        fallback::button_expired(&cx, &q.id.0);
        callbacks::close_buttons(&cx, &q);
        return Ok(());
    };
    match (compose, draft.step) {
        (ComposeOp::Cancel, _) => {
            cx.answer(&q.id.0, None, false);
            callbacks::close_buttons(&cx, &q);
            fallback::say_with_home(&cx, Text::new("notice-cancelled"));
            cx.set_state(State::Idle);
            return Ok(());
        }
        (ComposeOp::Kind(kind), ComposeStep::Kind) => {
            draft.kind = Some(kind);
            draft.step = ComposeStep::Text;
        }
        (ComposeOp::SkipOther, ComposeStep::Other) => draft.step = ComposeStep::Photo,
        (ComposeOp::SkipPhoto, ComposeStep::Photo) => draft.step = ComposeStep::Audience,
        (ComposeOp::AudienceAll, ComposeStep::Audience) => {
            draft.audience = Audience::All;
            after_audience(&mut draft);
        }
        (ComposeOp::AudienceBuildings | ComposeOp::AudienceEntrances, ComposeStep::Audience) => {
            let (buildings, entrances) = notices::places(&mut *cx.tx().await, &cx.actor()).await?;
            draft.entrances = compose == ComposeOp::AudienceEntrances;
            draft.options = if draft.entrances {
                entrances.iter().take(ENTRANCES_MAX).map(|(b, e)| crate::domain::notice::entrance_key(b, e)).collect()
            } else {
                buildings.into_iter().take(ENTRANCES_MAX).collect()
            };
            draft.picked.clear();
            if draft.options.is_empty() {
                cx.answer(&q.id.0, Some(Text::new("notice-no-places")), true);
                return Ok(());
            }
            draft.step = ComposeStep::Pick;
        }
        (ComposeOp::ToggleStaff, ComposeStep::Audience) => {
            draft.include_staff = !draft.include_staff;
            return redraw(&cx, &q, draft, audience_message);
        }
        (ComposeOp::Pick(i), ComposeStep::Pick) => {
            let Some(key) = draft.options.get(usize::from(i)).cloned() else {
                fallback::button_expired(&cx, &q.id.0);
                return Ok(());
            };
            if let Some(at) = draft.picked.iter().position(|p| *p == key) {
                draft.picked.remove(at);
            } else {
                draft.picked.push(key);
            }
            return redraw(&cx, &q, draft, pick_message);
        }
        (ComposeOp::AudienceDone, ComposeStep::Pick) => {
            if draft.picked.is_empty() {
                cx.answer(&q.id.0, Some(Text::new("notice-pick-none")), true);
                return Ok(());
            }
            let picked = std::mem::take(&mut draft.picked);
            draft.audience = if draft.entrances {
                Audience::Entrances { entrances: picked }
            } else {
                Audience::Buildings { buildings: picked }
            };
            draft.options.clear();
            after_audience(&mut draft);
        }
        (ComposeOp::SignUp(yes), ComposeStep::SignUp) => {
            draft.signup = yes;
            draft.capacity = None;
            draft.step = if yes { ComposeStep::Capacity } else { ComposeStep::When };
        }
        (ComposeOp::NoLimit, ComposeStep::Capacity) => {
            draft.capacity = None;
            draft.step = ComposeStep::When;
        }
        (ComposeOp::Now, ComposeStep::When) => {
            draft.send_at = None;
            draft.step = ComposeStep::Preview;
        }
        (ComposeOp::Later, ComposeStep::When) => draft.step = ComposeStep::Time,
        (ComposeOp::Send, ComposeStep::Preview) => {
            cx.answer(&q.id.0, None, false);
            callbacks::close_buttons(&cx, &q);
            return send(&cx, draft).await;
        }
        // A button from an earlier step of this wizard.
        _ => {
            fallback::button_expired(&cx, &q.id.0);
            return Ok(());
        }
    }
    cx.answer(&q.id.0, None, false);
    callbacks::close_buttons(&cx, &q);
    ask(&cx, draft).await
}

/// Redraws the pressed message (a toggle) and keeps the step.
fn redraw(cx: &Cx, q: &CallbackQuery, draft: NoticeDraft, draw: fn(&NoticeDraft) -> Outgoing) -> HandlerResult {
    cx.answer(&q.id.0, None, false);
    match callbacks::message_id(q) {
        Some(id) => cx.edit(id, draw(&draft)),
        None => cx.reply(draw(&draft)),
    }
    cx.set_state(State::NoticeCompose(draft));
    Ok(())
}

async fn send(cx: &Cx, draft: NoticeDraft) -> HandlerResult {
    let actor = cx.actor();
    let clock = cx.notice_clock();
    let home = home_markup(&actor);
    let created = notices::create(&mut *cx.tx().await, &actor, &draft.spec(), draft.replaces, &clock, home).await?;
    match created {
        // The confirmation went into the outbox ahead of the progress message.
        Ok(c) if c.opened => cx.set_state(State::Idle),
        Ok(c) => {
            cx.reply(Outgoing::with(
                Text::new("notice-scheduled").arg("id", c.id).arg("count", c.reach).arg("time", clock.time(c.send_at)),
                home_markup(&actor),
            ));
            cx.set_state(State::Idle);
        }
        Err(Refusal::PastTime) => {
            cx.say(Text::new("notice-time-past"));
            let mut back = draft;
            back.step = ComposeStep::Time;
            return ask(cx, back).await;
        }
        Err(Refusal::EmptyAudience) => {
            cx.say(Text::new("notice-audience-empty"));
            let mut back = draft;
            back.step = ComposeStep::Audience;
            return ask(cx, back).await;
        }
        Err(refusal) => {
            fallback::say_with_home(cx, refusal.text());
            cx.set_state(State::Idle);
        }
    }
    Ok(())
}

/// Typed input (or a photo) at a step.
pub async fn message(cx: Cx, msg: Message, mut draft: NoticeDraft) -> HandlerResult {
    if draft.step == ComposeStep::Photo {
        let Some(photo) = msg.photo().and_then(|sizes| sizes.last()) else {
            cx.say(Text::new("notice-photo-expected"));
            return Ok(());
        };
        let settings = cx.settings().notice;
        if let Err(refusal) = notices::check_photo(u64::from(photo.file.size), &settings) {
            cx.say(refusal.text());
            return Ok(());
        }
        if draft.bodies.longest() > notices::text_max(true) {
            cx.say(
                Text::new("notice-caption-too-long")
                    .arg("max", notices::text_max(true))
                    .arg("len", draft.bodies.longest()),
            );
            return Ok(());
        }
        draft.photo = Some(photo.file.id.0.clone());
        draft.step = ComposeStep::Audience;
        return ask(&cx, draft).await;
    }
    let Some(text) = msg.text() else {
        cx.say(Text::new("error-text-expected"));
        return Ok(());
    };
    match draft.step {
        ComposeStep::Text | ComposeStep::Other => match check_text(text, TEXT_MAX) {
            Ok(body) => {
                let locale = if draft.step == ComposeStep::Text { draft.main } else { other(draft.main) };
                draft.bodies.set(locale, Some(body));
                draft.step = if draft.step == ComposeStep::Text { ComposeStep::Other } else { ComposeStep::Photo };
            }
            Err(problem) => {
                cx.say(problem.reason());
                return Ok(());
            }
        },
        ComposeStep::Capacity => match parse_capacity(text) {
            Some(n) => {
                draft.capacity = Some(n);
                draft.step = ComposeStep::When;
            }
            None => {
                cx.say(Text::new("notice-bad-capacity"));
                return Ok(());
            }
        },
        ComposeStep::Time => {
            let clock = cx.notice_clock();
            let Some(at) = crate::services::surveys::parse_local_time(text, clock.tz) else {
                cx.say(Text::new("notice-bad-time-format"));
                return Ok(());
            };
            if at <= clock.now {
                cx.say(Text::new("notice-time-past"));
                return Ok(());
            }
            draft.send_at = Some(at);
            draft.step = ComposeStep::Preview;
        }
        _ => {
            cx.say(Text::new("notice-use-buttons"));
            return Ok(());
        }
    }
    ask(&cx, draft).await
}
