//! Filing a repair request (报修): category → place → description → photos →
//! urgency → preferred visit window → summary with Confirm / Edit / Cancel.
//! Back works at every step and /cancel leaves. Staff file patrol findings
//! (巡查) through the same steps, always for a common area.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use teloxide::types::{CallbackQuery, Message};

use crate::bot::fallback::{self, home_markup};
use crate::bot::{Cx, HandlerResult, State, callbacks};
use crate::domain::callback::FilingOp;
use crate::domain::repair::{MAX_PHOTOS, PhotoRef, emergency_word};
use crate::domain::{Button, CallbackData, Category, Markup, Outgoing, Urgency, labels};
use crate::i18n::Text;
use crate::services::repairs::{self, NewRepair, Place};
use crate::services::tickets::Refusal;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    Category,
    Place,
    CommonArea,
    Description,
    Photos,
    Urgency,
    Window,
    Confirm,
    /// The summary's Edit: which part?
    ChooseEdit,
}

/// What the dialogue has collected so far.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Draft {
    pub step: Step,
    /// Editing from the summary: after this step, back to the summary.
    #[serde(default)]
    pub editing: bool,
    pub patrol: bool,
    pub category: Option<Category>,
    pub unit_id: Option<i64>,
    pub common_area: Option<String>,
    pub location: Option<(f64, f64)>,
    pub description: Option<String>,
    #[serde(default)]
    pub photos: Vec<PhotoRef>,
    pub urgency: Option<Urgency>,
    pub window: Option<String>,
    pub started_at: DateTime<Utc>,
    /// The categories the community offers, read when the dialogue starts.
    #[serde(default = "all_categories")]
    pub categories: Vec<Category>,
}

fn all_categories() -> Vec<Category> {
    Category::ALL.to_vec()
}

/// Longest description, and longest place description, in characters.
const DESCRIPTION_MAX: usize = 500;
const PLACE_MAX: usize = 100;
const WINDOW_MAX: usize = 50;

/// The steps the summary's Edit can jump to.
const EDITABLE: [(u8, Step); 6] = [
    (0, Step::Category),
    (1, Step::Place),
    (3, Step::Description),
    (4, Step::Photos),
    (5, Step::Urgency),
    (6, Step::Window),
];

/// Menu 🔧 (owners) or 🔍 (staff patrol): a new draft.
pub async fn start(cx: &Cx, patrol: bool) -> HandlerResult {
    let categories = repairs::categories_for(&mut *cx.tx().await, &cx.actor()).await?;
    let draft = Draft {
        step: Step::Category,
        editing: false,
        patrol,
        category: None,
        unit_id: None,
        common_area: None,
        location: None,
        description: None,
        photos: Vec::new(),
        urgency: None,
        window: None,
        started_at: cx.now(),
        categories,
    };
    let intro = if patrol { Text::new("patrol-start") } else { Text::new("repair-start") };
    cx.reply(Outgoing::with(intro, Markup::RemoveKeyboard));
    go(cx, draft, Step::Category);
    Ok(())
}

fn op(op: FilingOp) -> CallbackData {
    CallbackData::Filing(op)
}

fn nav_row(back: bool) -> Vec<Button> {
    let mut row = Vec::new();
    if back {
        row.push(Button::new(Text::new("btn-back"), op(FilingOp::Back)));
    }
    row.push(Button::new(Text::new("btn-cancel"), op(FilingOp::Cancel)));
    row
}

fn window_preset(n: u8) -> Option<Text> {
    match n {
        0 => Some(Text::new("window-any")),
        1 => Some(Text::new("window-today")),
        2 => Some(Text::new("window-tomorrow-am")),
        3 => Some(Text::new("window-tomorrow-pm")),
        _ => None,
    }
}

fn place_text(cx: &Cx, draft: &Draft) -> Text {
    match (draft.unit_id, &draft.common_area) {
        (Some(id), _) => cx
            .actor()
            .residences
            .iter()
            .find(|r| r.unit_id == id)
            .map(|r| labels::unit(&r.address))
            .unwrap_or_else(|| Text::plain("?")),
        (None, Some(area)) => Text::new("place-common-area").arg("where", area),
        (None, None) => Text::plain("—"),
    }
}

/// Moves the draft to `step`, saves it and asks that step's question.
fn go(cx: &Cx, mut draft: Draft, step: Step) {
    draft.step = step;
    let message = match step {
        Step::Category => {
            let mut rows: Vec<Vec<Button>> = draft
                .categories
                .chunks(2)
                .map(|pair| pair.iter().map(|c| Button::new(c.label(), op(FilingOp::Category(*c)))).collect())
                .collect();
            rows.push(nav_row(false));
            Outgoing::with(Text::new("repair-ask-category"), Markup::Inline(rows))
        }
        Step::Place => {
            let mut rows: Vec<Vec<Button>> = cx
                .actor()
                .residences
                .iter()
                .map(|r| vec![Button::new(labels::unit(&r.address), op(FilingOp::Unit(r.unit_id)))])
                .collect();
            rows.push(vec![Button::new(Text::new("btn-common-area"), op(FilingOp::CommonArea))]);
            rows.push(nav_row(true));
            Outgoing::with(Text::new("repair-ask-place"), Markup::Inline(rows))
        }
        Step::CommonArea => Outgoing::with(Text::new("repair-ask-common-area"), Markup::Inline(vec![nav_row(true)])),
        Step::Description => Outgoing::with(Text::new("repair-ask-description"), Markup::Inline(vec![nav_row(true)])),
        Step::Photos => photos_prompt(&draft, Text::new("repair-ask-photos").arg("max", MAX_PHOTOS)),
        Step::Urgency => {
            let suggested = draft.description.as_deref().and_then(emergency_word);
            let preselected = draft.urgency.or(suggested.map(|_| Urgency::Emergency));
            let mut rows: Vec<Vec<Button>> = Urgency::ALL
                .iter()
                .map(|u| {
                    let label = if Some(*u) == preselected {
                        Text::new("btn-selected").arg("label", u.label())
                    } else {
                        u.label()
                    };
                    vec![Button::new(label, op(FilingOp::Urgency(*u)))]
                })
                .collect();
            rows.push(nav_row(true));
            let text = match suggested {
                Some(word) => Text::lines([
                    Text::new("repair-urgency-suggested").arg("word", word),
                    Text::new("repair-ask-urgency"),
                ]),
                None => Text::new("repair-ask-urgency"),
            };
            Outgoing::with(text, Markup::Inline(rows))
        }
        Step::Window => {
            let mut rows: Vec<Vec<Button>> = (0..4u8)
                .collect::<Vec<_>>()
                .chunks(2)
                .map(|pair| {
                    pair.iter()
                        .filter_map(|n| Some(Button::new(window_preset(*n)?, op(FilingOp::Window(*n)))))
                        .collect()
                })
                .collect();
            rows.push(nav_row(true));
            Outgoing::with(Text::new("repair-ask-window"), Markup::Inline(rows))
        }
        Step::Confirm => {
            let summary = Text::new("repair-summary")
                .arg("category", draft.category.map(Category::label).unwrap_or_else(|| Text::plain("—")))
                .arg("place", place_text(cx, &draft))
                .arg("description", draft.description.clone().unwrap_or_default())
                .arg("photos", draft.photos.len())
                .arg("urgency", draft.urgency.map(Urgency::label).unwrap_or_else(|| Text::plain("—")))
                .arg("window", draft.window.clone().unwrap_or_else(|| "—".into()));
            let mut confirm = vec![Button::new(Text::new("btn-confirm"), op(FilingOp::Confirm))];
            if draft.patrol {
                confirm.push(Button::new(Text::new("btn-confirm-self"), op(FilingOp::ConfirmSelf)));
            }
            Outgoing::with(
                summary,
                Markup::Inline(vec![
                    confirm,
                    vec![
                        Button::new(Text::new("btn-edit"), op(FilingOp::Edit)),
                        Button::new(Text::new("btn-cancel"), op(FilingOp::Cancel)),
                    ],
                ]),
            )
        }
        Step::ChooseEdit => {
            let mut rows: Vec<Vec<Button>> = EDITABLE
                .iter()
                .filter(|(_, step)| !(draft.patrol && *step == Step::Place))
                .map(|(n, step)| vec![Button::new(step_label(*step), op(FilingOp::EditStep(*n)))])
                .collect();
            rows.push(nav_row(true));
            Outgoing::with(Text::new("repair-edit-which"), Markup::Inline(rows))
        }
    };
    cx.reply(message);
    cx.set_state(State::Filing(draft));
}

fn step_label(step: Step) -> Text {
    match step {
        Step::Category => Text::new("repair-field-category"),
        Step::Place | Step::CommonArea => Text::new("repair-field-place"),
        Step::Description => Text::new("repair-field-description"),
        Step::Photos => Text::new("repair-field-photos"),
        Step::Urgency => Text::new("repair-field-urgency"),
        _ => Text::new("repair-field-window"),
    }
}

fn photos_prompt(draft: &Draft, text: Text) -> Outgoing {
    let done = if draft.photos.is_empty() {
        Text::new("btn-skip-photos")
    } else {
        Text::new("btn-photos-done").arg("count", draft.photos.len())
    };
    Outgoing::with(text, Markup::Inline(vec![vec![Button::new(done, op(FilingOp::PhotosDone))], nav_row(true)]))
}

/// The step after `done`, or the summary when editing.
fn next(cx: &Cx, draft: Draft, done: Step) {
    let following = match done {
        Step::Category if draft.patrol => Step::CommonArea,
        Step::Category => Step::Place,
        Step::Place | Step::CommonArea => Step::Description,
        Step::Description => Step::Photos,
        Step::Photos => Step::Urgency,
        Step::Urgency => Step::Window,
        _ => Step::Confirm,
    };
    let step = if draft.editing { Step::Confirm } else { following };
    go(cx, Draft { editing: if step == Step::Confirm { false } else { draft.editing }, ..draft }, step);
}

fn previous(draft: &Draft) -> Option<Step> {
    Some(match draft.step {
        Step::Category => return None,
        Step::Place => Step::Category,
        Step::CommonArea if draft.patrol => Step::Category,
        Step::CommonArea => Step::Place,
        Step::Description if draft.unit_id.is_some() => Step::Place,
        Step::Description => Step::CommonArea,
        Step::Photos => Step::Description,
        Step::Urgency => Step::Photos,
        Step::Window => Step::Urgency,
        Step::Confirm => Step::Window,
        Step::ChooseEdit => Step::Confirm,
    })
}

fn largest_photo(msg: &Message) -> Option<PhotoRef> {
    msg.photo()?.last().map(|p| PhotoRef { file_id: p.file.id.0.clone(), unique_id: p.file.unique_id.0.clone() })
}

fn add_photo(draft: &mut Draft, photo: PhotoRef) -> bool {
    if draft.photos.len() >= MAX_PHOTOS || draft.photos.iter().any(|p| p.unique_id == photo.unique_id) {
        return false;
    }
    draft.photos.push(photo);
    true
}

/// Typed, photographed or located input at the current step.
pub async fn message(cx: Cx, msg: Message, draft: Draft) -> HandlerResult {
    match draft.step {
        Step::CommonArea => common_area(&cx, &msg, draft),
        Step::Description => description(&cx, &msg, draft),
        Step::Photos => photos(&cx, &msg, draft),
        Step::Window => match limited_text(&msg, WINDOW_MAX) {
            Ok(text) => next(&cx, Draft { window: Some(text), ..draft }, Step::Window),
            Err(problem) => cx.say(problem),
        },
        _ => cx.say(Text::new("repair-use-buttons")),
    }
    Ok(())
}

/// A typed answer of at most `max` characters.
fn limited_text(msg: &Message, max: usize) -> Result<String, Text> {
    match msg.text().map(str::trim) {
        None | Some("") => Err(Text::new("error-text-expected")),
        Some(t) if t.chars().count() > max => Err(Text::new("error-too-long").arg("max", max)),
        Some(t) => Ok(t.to_owned()),
    }
}

fn common_area(cx: &Cx, msg: &Message, mut draft: Draft) {
    if let Some(location) = msg.location() {
        draft.location = Some((location.latitude, location.longitude));
        cx.say(Text::new("repair-location-received"));
        cx.set_state(State::Filing(draft));
        return;
    }
    match limited_text(msg, PLACE_MAX) {
        Ok(text) => next(cx, Draft { common_area: Some(text), unit_id: None, ..draft }, Step::CommonArea),
        Err(problem) => cx.say(problem),
    }
}

fn description(cx: &Cx, msg: &Message, mut draft: Draft) {
    // A photo with a caption is a description with its first photo.
    if let Some(photo) = largest_photo(msg) {
        add_photo(&mut draft, photo);
        match msg.caption().map(str::trim).filter(|c| !c.is_empty()) {
            Some(caption) if caption.chars().count() <= DESCRIPTION_MAX => {
                draft.description = Some(caption.to_owned());
                next(cx, draft, Step::Description);
            }
            _ => {
                cx.say(Text::new("repair-photo-kept-describe"));
                cx.set_state(State::Filing(draft));
            }
        }
        return;
    }
    match limited_text(msg, DESCRIPTION_MAX) {
        Ok(text) => next(cx, Draft { description: Some(text), ..draft }, Step::Description),
        Err(problem) => cx.say(problem),
    }
}

fn photos(cx: &Cx, msg: &Message, mut draft: Draft) {
    let Some(photo) = largest_photo(msg) else {
        cx.reply(photos_prompt(&draft, Text::new("repair-photos-use-button").arg("max", MAX_PHOTOS)));
        return;
    };
    if draft.photos.len() >= MAX_PHOTOS {
        cx.reply(photos_prompt(&draft, Text::new("repair-photos-full").arg("max", MAX_PHOTOS)));
        return;
    }
    add_photo(&mut draft, photo);
    let text = Text::new("repair-photo-received").arg("count", draft.photos.len()).arg("max", MAX_PHOTOS);
    cx.reply(photos_prompt(&draft, text));
    cx.set_state(State::Filing(draft));
}

/// A button of the filing dialogue.
pub async fn button(cx: Cx, q: CallbackQuery, filing: FilingOp, state: State) -> HandlerResult {
    let State::Filing(draft) = state else {
        fallback::button_expired(&cx, &q.id.0);
        return Ok(());
    };
    let expected = match filing {
        FilingOp::Category(c) => draft.step == Step::Category && draft.categories.contains(&c),
        FilingOp::Unit(_) | FilingOp::CommonArea => draft.step == Step::Place,
        FilingOp::PhotosDone => draft.step == Step::Photos,
        FilingOp::Urgency(_) => draft.step == Step::Urgency,
        FilingOp::Window(_) => draft.step == Step::Window,
        FilingOp::Confirm | FilingOp::Edit => draft.step == Step::Confirm,
        FilingOp::ConfirmSelf => draft.step == Step::Confirm && draft.patrol,
        FilingOp::EditStep(_) => draft.step == Step::ChooseEdit,
        FilingOp::Back | FilingOp::Cancel => true,
    };
    if !expected {
        fallback::button_expired(&cx, &q.id.0);
        return Ok(());
    }
    if let FilingOp::Unit(unit_id) = filing
        && !cx.actor().residences.iter().any(|r| r.unit_id == unit_id)
    {
        fallback::not_allowed(&cx, &q.id.0);
        return Ok(());
    }
    cx.answer(&q.id.0, None, false);
    callbacks::close_buttons(&cx, &q);
    match filing {
        FilingOp::Category(category) => next(&cx, Draft { category: Some(category), ..draft }, Step::Category),
        FilingOp::Unit(unit_id) => {
            next(&cx, Draft { unit_id: Some(unit_id), common_area: None, location: None, ..draft }, Step::Place)
        }
        FilingOp::CommonArea => go(&cx, draft, Step::CommonArea),
        FilingOp::PhotosDone => next(&cx, draft, Step::Photos),
        FilingOp::Urgency(urgency) => next(&cx, Draft { urgency: Some(urgency), ..draft }, Step::Urgency),
        FilingOp::Window(n) => {
            let window = window_preset(n).map(|t| t.render(cx.actor().locale()));
            next(&cx, Draft { window, ..draft }, Step::Window);
        }
        FilingOp::Edit => go(&cx, draft, Step::ChooseEdit),
        FilingOp::EditStep(n) => match EDITABLE.iter().find(|(k, _)| *k == n) {
            Some((_, step)) => go(&cx, Draft { editing: true, ..draft }, *step),
            None => fallback::button_expired(&cx, &q.id.0),
        },
        FilingOp::Back => match previous(&draft) {
            Some(step) => go(&cx, draft, step),
            None => cancel(&cx),
        },
        FilingOp::Cancel => cancel(&cx),
        FilingOp::Confirm => confirm(&cx, draft, false).await?,
        FilingOp::ConfirmSelf => confirm(&cx, draft, true).await?,
    }
    Ok(())
}

fn cancel(cx: &Cx) {
    cx.reply(Outgoing::with(Text::new("repair-cancelled"), home_markup(&cx.actor())));
    cx.set_state(State::Idle);
}

async fn confirm(cx: &Cx, draft: Draft, myself: bool) -> HandlerResult {
    let place = match (draft.unit_id, draft.common_area.clone()) {
        (Some(id), _) => Place::Unit(id),
        (None, Some(description)) => Place::Common { description, location: draft.location },
        (None, None) => {
            go(cx, draft, Step::Place);
            return Ok(());
        }
    };
    let (Some(category), Some(description), Some(urgency)) = (draft.category, draft.description.clone(), draft.urgency)
    else {
        go(cx, draft, Step::Category);
        return Ok(());
    };
    let repair = NewRepair {
        category,
        place,
        description,
        photos: draft.photos.clone(),
        urgency,
        window: draft.window.clone(),
        patrol: draft.patrol,
        assign_to_self: myself,
    };
    let actor = cx.actor();
    let desk = cx.desk();
    let filed = repairs::file(&mut *cx.tx().await, cx.ticket_numbers(), &actor, repair, &desk).await?;
    match filed {
        Ok(filed) => {
            let who = match filed.assignee {
                Some(name) => Text::new("repair-filed-assigned").arg("assignee", name),
                None => Text::new("repair-filed-queued"),
            };
            cx.reply(Outgoing::with(
                Text::new("repair-filed")
                    .arg("number", &filed.ticket.number)
                    .arg("due", desk.time(filed.ticket.onsite_due_at))
                    .arg("who", who),
                home_markup(&actor),
            ));
            cx.set_state(State::Idle);
        }
        Err(Refusal::NotAllowed) => {
            cx.reply(Outgoing::with(Text::new("error-not-allowed"), home_markup(&actor)));
            cx.set_state(State::Idle);
        }
        Err(_) => cx.say(Text::new("error-generic")),
    }
    Ok(())
}
