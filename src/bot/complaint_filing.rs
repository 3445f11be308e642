//! Filing a complaint, suggestion or praise (📣): kind → subject → (staff
//! conduct: who, or don't know) → description → photos → may we call? →
//! summary with Confirm / Cancel. Back works at every step and /cancel leaves.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use teloxide::types::{CallbackQuery, Message};

use crate::bot::fallback::{self, home_markup};
use crate::bot::{Cx, HandlerResult, State, callbacks};
use crate::domain::callback::CaseOp;
use crate::domain::repair::{MAX_PHOTOS, PhotoRef};
use crate::domain::{Button, CallbackData, Markup, Outgoing, Subject, TicketKind};
use crate::i18n::Text;
use crate::services::complaints::{self, NewCaseFiling};
use crate::services::tickets::Refusal;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseStep {
    Kind,
    Subject,
    Named,
    Description,
    Photos,
    Contact,
    Confirm,
}

/// What the dialogue has collected so far.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CaseDraft {
    pub step: CaseStep,
    pub kind: Option<TicketKind>,
    pub subject: Option<Subject>,
    /// The staff member named (id, name), for a staff-conduct complaint.
    pub named: Option<(i64, String)>,
    pub description: Option<String>,
    #[serde(default)]
    pub photos: Vec<PhotoRef>,
    pub contact_allowed: Option<bool>,
    pub started_at: DateTime<Utc>,
}

/// Longest description, in characters.
const DESCRIPTION_MAX: usize = 1000;

fn op(op: CaseOp) -> CallbackData {
    CallbackData::Case(op)
}

fn nav_row(back: bool) -> Vec<Button> {
    let mut row = Vec::new();
    if back {
        row.push(Button::new(Text::new("btn-back"), op(CaseOp::Back)));
    }
    row.push(Button::new(Text::new("btn-cancel"), op(CaseOp::Cancel)));
    row
}

/// Menu 📣: a new draft.
pub async fn start(cx: &Cx) -> HandlerResult {
    let draft = CaseDraft {
        step: CaseStep::Kind,
        kind: None,
        subject: None,
        named: None,
        description: None,
        photos: Vec::new(),
        contact_allowed: None,
        started_at: cx.now(),
    };
    cx.reply(Outgoing::with(Text::new("case-start"), Markup::RemoveKeyboard));
    go(cx, draft, CaseStep::Kind).await
}

/// Moves the draft to `step`, saves it and asks that step's question.
async fn go(cx: &Cx, mut draft: CaseDraft, step: CaseStep) -> HandlerResult {
    draft.step = step;
    let message = match step {
        CaseStep::Kind => {
            let mut rows: Vec<Vec<Button>> =
                vec![TicketKind::CASES.iter().map(|k| Button::new(k.label(), op(CaseOp::Kind(*k)))).collect()];
            rows.push(nav_row(false));
            Outgoing::with(Text::new("case-ask-kind"), Markup::Inline(rows))
        }
        CaseStep::Subject => {
            let subjects = complaints::subjects_for(&mut *cx.tx().await, &cx.actor()).await?;
            let mut rows: Vec<Vec<Button>> = subjects
                .chunks(2)
                .map(|pair| pair.iter().map(|s| Button::new(s.label(), op(CaseOp::Subject(*s)))).collect())
                .collect();
            rows.push(nav_row(true));
            Outgoing::with(Text::new("case-ask-subject"), Markup::Inline(rows))
        }
        CaseStep::Named => {
            let staff = complaints::nameable_staff(&mut *cx.tx().await).await?;
            let mut rows: Vec<Vec<Button>> = staff
                .chunks(2)
                .map(|pair| {
                    pair.iter().map(|(id, name)| Button::new(Text::plain(name), op(CaseOp::Named(*id)))).collect()
                })
                .collect();
            rows.push(vec![Button::new(Text::new("btn-case-dont-know"), op(CaseOp::NamedUnknown))]);
            rows.push(nav_row(true));
            Outgoing::with(Text::new("case-ask-named"), Markup::Inline(rows))
        }
        CaseStep::Description => Outgoing::with(Text::new("case-ask-description"), Markup::Inline(vec![nav_row(true)])),
        CaseStep::Photos => photos_prompt(&draft, Text::new("repair-ask-photos").arg("max", MAX_PHOTOS)),
        CaseStep::Contact => Outgoing::with(
            Text::new("case-ask-contact"),
            Markup::Inline(vec![
                vec![
                    Button::new(Text::new("btn-case-contact-yes"), op(CaseOp::Contact(true))),
                    Button::new(Text::new("btn-case-contact-no"), op(CaseOp::Contact(false))),
                ],
                nav_row(true),
            ]),
        ),
        CaseStep::Confirm => {
            let dash = || Text::plain("—");
            let summary = Text::new("case-summary")
                .arg("kind", draft.kind.map(TicketKind::label).unwrap_or_else(dash))
                .arg("subject", draft.subject.map(Subject::label).unwrap_or_else(dash))
                .arg("named", draft.named.as_ref().map(|(_, n)| Text::plain(n)).unwrap_or_else(dash))
                .arg("description", draft.description.clone().unwrap_or_default())
                .arg("photos", draft.photos.len())
                .arg(
                    "contact",
                    if draft.contact_allowed == Some(true) {
                        Text::new("btn-case-contact-yes")
                    } else {
                        Text::new("btn-case-contact-no")
                    },
                );
            Outgoing::with(
                summary,
                Markup::Inline(vec![vec![Button::new(Text::new("btn-confirm"), op(CaseOp::Confirm))], nav_row(true)]),
            )
        }
    };
    cx.reply(message);
    cx.set_state(State::Case(draft));
    Ok(())
}

fn photos_prompt(draft: &CaseDraft, text: Text) -> Outgoing {
    let done = if draft.photos.is_empty() {
        Text::new("btn-skip-photos")
    } else {
        Text::new("btn-photos-done").arg("count", draft.photos.len())
    };
    Outgoing::with(text, Markup::Inline(vec![vec![Button::new(done, op(CaseOp::PhotosDone))], nav_row(true)]))
}

fn previous(draft: &CaseDraft) -> Option<CaseStep> {
    Some(match draft.step {
        CaseStep::Kind => return None,
        CaseStep::Subject => CaseStep::Kind,
        CaseStep::Named => CaseStep::Subject,
        CaseStep::Description if draft.subject == Some(Subject::StaffConduct) && is_complaint(draft) => CaseStep::Named,
        CaseStep::Description => CaseStep::Subject,
        CaseStep::Photos => CaseStep::Description,
        CaseStep::Contact => CaseStep::Photos,
        CaseStep::Confirm => CaseStep::Contact,
    })
}

fn is_complaint(draft: &CaseDraft) -> bool {
    draft.kind == Some(TicketKind::Complaint)
}

/// Typed or photographed input at the current step.
pub async fn message(cx: Cx, msg: Message, mut draft: CaseDraft) -> HandlerResult {
    match draft.step {
        CaseStep::Description => match msg.text().map(str::trim) {
            None | Some("") => cx.say(Text::new("error-text-expected")),
            Some(t) if t.chars().count() > DESCRIPTION_MAX => {
                cx.say(Text::new("error-too-long").arg("max", DESCRIPTION_MAX))
            }
            Some(t) => {
                draft.description = Some(t.to_owned());
                go(&cx, draft, CaseStep::Photos).await?;
            }
        },
        CaseStep::Photos => {
            let Some(photo) = msg.photo().and_then(|p| p.last()) else {
                cx.reply(photos_prompt(&draft, Text::new("repair-photos-use-button").arg("max", MAX_PHOTOS)));
                return Ok(());
            };
            let photo = PhotoRef { file_id: photo.file.id.0.clone(), unique_id: photo.file.unique_id.0.clone() };
            if draft.photos.len() >= MAX_PHOTOS {
                cx.reply(photos_prompt(&draft, Text::new("repair-photos-full").arg("max", MAX_PHOTOS)));
                return Ok(());
            }
            if !draft.photos.iter().any(|p| p.unique_id == photo.unique_id) {
                draft.photos.push(photo);
            }
            let text = Text::new("repair-photo-received").arg("count", draft.photos.len()).arg("max", MAX_PHOTOS);
            cx.reply(photos_prompt(&draft, text));
            cx.set_state(State::Case(draft));
        }
        _ => cx.say(Text::new("repair-use-buttons")),
    }
    Ok(())
}

/// A button of the dialogue.
pub async fn button(cx: Cx, q: CallbackQuery, case: CaseOp, state: State) -> HandlerResult {
    let State::Case(draft) = state else {
        fallback::button_expired(&cx, &q.id.0);
        return Ok(());
    };
    let expected = match case {
        CaseOp::Kind(_) => draft.step == CaseStep::Kind,
        CaseOp::Subject(_) => draft.step == CaseStep::Subject,
        CaseOp::Named(_) | CaseOp::NamedUnknown => draft.step == CaseStep::Named,
        CaseOp::PhotosDone => draft.step == CaseStep::Photos,
        CaseOp::Contact(_) => draft.step == CaseStep::Contact,
        CaseOp::Confirm => draft.step == CaseStep::Confirm,
        CaseOp::Back | CaseOp::Cancel => true,
    };
    let offered = match case {
        CaseOp::Subject(subject) => {
            complaints::subjects_for(&mut *cx.tx().await, &cx.actor()).await?.contains(&subject)
        }
        _ => true,
    };
    if !expected || !offered {
        fallback::button_expired(&cx, &q.id.0);
        return Ok(());
    }
    cx.answer(&q.id.0, None, false);
    callbacks::close_buttons(&cx, &q);
    match case {
        CaseOp::Kind(kind) => go(&cx, CaseDraft { kind: Some(kind), ..draft }, CaseStep::Subject).await?,
        CaseOp::Subject(subject) => {
            let draft = CaseDraft { subject: Some(subject), named: None, ..draft };
            let next = if subject == Subject::StaffConduct && is_complaint(&draft) {
                CaseStep::Named
            } else {
                CaseStep::Description
            };
            go(&cx, draft, next).await?;
        }
        CaseOp::Named(id) => {
            let named = complaints::nameable_staff(&mut *cx.tx().await).await?.into_iter().find(|(s, _)| *s == id);
            match named {
                Some(named) => go(&cx, CaseDraft { named: Some(named), ..draft }, CaseStep::Description).await?,
                None => go(&cx, draft, CaseStep::Named).await?,
            }
        }
        CaseOp::NamedUnknown => go(&cx, CaseDraft { named: None, ..draft }, CaseStep::Description).await?,
        CaseOp::PhotosDone => go(&cx, draft, CaseStep::Contact).await?,
        CaseOp::Contact(yes) => go(&cx, CaseDraft { contact_allowed: Some(yes), ..draft }, CaseStep::Confirm).await?,
        CaseOp::Back => match previous(&draft) {
            Some(step) => go(&cx, draft, step).await?,
            None => cancel(&cx),
        },
        CaseOp::Cancel => cancel(&cx),
        CaseOp::Confirm => confirm(&cx, draft).await?,
    }
    Ok(())
}

fn cancel(cx: &Cx) {
    cx.reply(Outgoing::with(Text::new("case-cancelled"), home_markup(&cx.actor())));
    cx.set_state(State::Idle);
}

async fn confirm(cx: &Cx, draft: CaseDraft) -> HandlerResult {
    let (Some(kind), Some(subject), Some(description)) = (draft.kind, draft.subject, draft.description.clone()) else {
        return go(cx, draft, CaseStep::Kind).await;
    };
    let case = NewCaseFiling {
        kind,
        subject,
        named_staff_id: draft.named.as_ref().map(|(id, _)| *id),
        description,
        photos: draft.photos.clone(),
        contact_allowed: draft.contact_allowed.unwrap_or(false),
    };
    let actor = cx.actor();
    let desk = cx.desk();
    let filed = complaints::file(&mut *cx.tx().await, cx.ticket_numbers(), &actor, case, &desk).await?;
    match filed {
        Ok(ticket) => {
            let target = match ticket.reply_due_at {
                Some(due) => Text::new("case-filed-target").arg("due", desk.time(due)),
                None => Text::new("case-filed-no-target"),
            };
            cx.reply(Outgoing::with(
                Text::new("case-filed").arg("number", &ticket.number).arg("kind", kind.label()).arg("target", target),
                home_markup(&actor),
            ));
            cx.set_state(State::Idle);
        }
        Err(Refusal::NotFound) => go(cx, CaseDraft { named: None, ..draft }, CaseStep::Named).await?,
        Err(_) => {
            cx.reply(Outgoing::with(Text::new("error-not-allowed"), home_markup(&actor)));
            cx.set_state(State::Idle);
        }
    }
    Ok(())
}
