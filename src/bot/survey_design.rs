//! Designing a survey in chat (admins): title → intro (or skip) → for each
//! question: kind → prompt → options (choice questions) → required or
//! optional; then ✅ saves a draft and shows its card, where the audience
//! and dates are chosen and it is sent. /cancel or ✖️ leaves at any step.

use serde::{Deserialize, Serialize};
use teloxide::types::{CallbackQuery, Message};

use crate::bot::fallback::{self, home_markup};
use crate::bot::{Cx, HandlerResult, State, callbacks, survey_admin};
use crate::domain::callback::DesignOp;
use crate::domain::survey::{
    INTRO_MAX, OPTIONS_MAX, PROMPT_MAX, QUESTIONS_MAX, Question, QuestionKind, SurveySpec, TITLE_MAX, clean,
};
use crate::domain::{Button, CallbackData, Markup, Outgoing};
use crate::i18n::Text;
use crate::services::surveys::{self, Refusal};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DesignStep {
    Title,
    Intro,
    Kind,
    Prompt,
    Options,
    Required,
}

/// What the wizard has collected so far.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DesignDraft {
    pub step: DesignStep,
    pub title: String,
    pub intro: String,
    pub questions: Vec<Question>,
    /// The question being written.
    pub kind: Option<QuestionKind>,
    pub prompt: String,
    pub options: Vec<String>,
}

fn op(op: DesignOp) -> CallbackData {
    CallbackData::Design(op)
}

fn cancel_row() -> Vec<Button> {
    vec![Button::new(Text::new("btn-cancel"), op(DesignOp::Cancel))]
}

/// ➕ on /surveys.
pub async fn button(cx: Cx, q: CallbackQuery, design: DesignOp, state: State) -> HandlerResult {
    let actor = cx.actor();
    if !surveys::may_manage(&actor) {
        fallback::not_allowed(&cx, &q.id.0);
        return Ok(());
    }
    let draft = match (design, state) {
        (DesignOp::New, _) => {
            cx.answer(&q.id.0, None, false);
            let draft = DesignDraft {
                step: DesignStep::Title,
                title: String::new(),
                intro: String::new(),
                questions: Vec::new(),
                kind: None,
                prompt: String::new(),
                options: Vec::new(),
            };
            cx.reply(Outgoing::with(Text::new("design-start"), Markup::RemoveKeyboard));
            return ask(&cx, draft);
        }
        (_, State::SurveyDesign(draft)) => draft,
        // A button from a wizard that is over.
        _ => {
            fallback::button_expired(&cx, &q.id.0);
            callbacks::close_buttons(&cx, &q);
            return Ok(());
        }
    };
    let mut draft = draft;
    match (design, draft.step) {
        (DesignOp::Cancel, _) => {
            cx.answer(&q.id.0, None, false);
            callbacks::close_buttons(&cx, &q);
            fallback::say_with_home(&cx, Text::new("design-cancelled"));
            cx.set_state(State::Idle);
            return Ok(());
        }
        (DesignOp::SkipIntro, DesignStep::Intro) => {
            draft.intro.clear();
            draft.step = DesignStep::Kind;
        }
        (DesignOp::Kind(kind), DesignStep::Kind) => {
            draft.kind = Some(kind);
            draft.step = DesignStep::Prompt;
        }
        (DesignOp::Finish, DesignStep::Kind) if !draft.questions.is_empty() => {
            cx.answer(&q.id.0, None, false);
            callbacks::close_buttons(&cx, &q);
            return finish(&cx, draft).await;
        }
        (DesignOp::Required(required), DesignStep::Required) => {
            let Some(kind) = draft.kind.take() else {
                fallback::button_expired(&cx, &q.id.0);
                return Ok(());
            };
            draft.questions.push(Question {
                kind,
                prompt: std::mem::take(&mut draft.prompt),
                options: std::mem::take(&mut draft.options),
                required,
            });
            if draft.questions.len() >= QUESTIONS_MAX {
                cx.answer(&q.id.0, None, false);
                callbacks::close_buttons(&cx, &q);
                return finish(&cx, draft).await;
            }
            cx.say(Text::new("design-question-added").arg("n", draft.questions.len()));
            draft.step = DesignStep::Kind;
        }
        // A button from an earlier step of this wizard.
        _ => {
            fallback::button_expired(&cx, &q.id.0);
            return Ok(());
        }
    }
    cx.answer(&q.id.0, None, false);
    callbacks::close_buttons(&cx, &q);
    ask(&cx, draft)
}

/// Saves the draft and asks the step's question.
fn ask(cx: &Cx, draft: DesignDraft) -> HandlerResult {
    let n = draft.questions.len() + 1;
    let message = match draft.step {
        DesignStep::Title => {
            Outgoing::with(Text::new("design-ask-title").arg("max", TITLE_MAX), Markup::Inline(vec![cancel_row()]))
        }
        DesignStep::Intro => Outgoing::with(
            Text::new("design-ask-intro"),
            Markup::Inline(vec![
                vec![Button::new(Text::new("btn-design-skip-intro"), op(DesignOp::SkipIntro))],
                cancel_row(),
            ]),
        ),
        DesignStep::Kind => {
            let mut rows: Vec<Vec<Button>> = QuestionKind::ALL
                .chunks(2)
                .map(|pair| pair.iter().map(|k| Button::new(k.label(), op(DesignOp::Kind(*k)))).collect())
                .collect();
            if !draft.questions.is_empty() {
                rows.push(vec![Button::new(
                    Text::new("btn-design-finish").arg("count", draft.questions.len()),
                    op(DesignOp::Finish),
                )]);
            }
            rows.push(cancel_row());
            Outgoing::with(Text::new("design-ask-kind").arg("n", n), Markup::Inline(rows))
        }
        DesignStep::Prompt => Outgoing::with(
            Text::new("design-ask-prompt").arg("n", n).arg("max", PROMPT_MAX),
            Markup::Inline(vec![cancel_row()]),
        ),
        DesignStep::Options => {
            Outgoing::with(Text::new("design-ask-options").arg("max", OPTIONS_MAX), Markup::Inline(vec![cancel_row()]))
        }
        DesignStep::Required => Outgoing::with(
            Text::new("design-ask-required"),
            Markup::Inline(vec![
                vec![
                    Button::new(Text::new("btn-design-required"), op(DesignOp::Required(true))),
                    Button::new(Text::new("btn-design-optional"), op(DesignOp::Required(false))),
                ],
                cancel_row(),
            ]),
        ),
    };
    cx.reply(message);
    cx.set_state(State::SurveyDesign(draft));
    Ok(())
}

/// The options of a choice question: one per line (or separated by 、 ; ，
/// when typed on one line).
fn split_options(text: &str) -> Vec<String> {
    let lines: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    let parts: Vec<&str> = if lines.len() == 1 {
        lines[0].split(['、', ';', '；', '，', ',']).map(str::trim).filter(|p| !p.is_empty()).collect()
    } else {
        lines
    };
    parts.into_iter().map(str::to_owned).collect()
}

/// Typed input at a step.
pub async fn message(cx: Cx, msg: Message, mut draft: DesignDraft) -> HandlerResult {
    let Some(text) = msg.text() else {
        cx.say(Text::new("error-text-expected"));
        return Ok(());
    };
    match draft.step {
        DesignStep::Title => match clean(text, TITLE_MAX) {
            Ok(title) => {
                draft.title = title;
                draft.step = DesignStep::Intro;
            }
            Err(why) => return reject(&cx, why),
        },
        DesignStep::Intro => match clean(text, INTRO_MAX) {
            Ok(intro) => {
                draft.intro = intro;
                draft.step = DesignStep::Kind;
            }
            Err(why) => return reject(&cx, why),
        },
        DesignStep::Prompt => match clean(text, PROMPT_MAX) {
            Ok(prompt) => {
                draft.prompt = prompt;
                draft.step = if draft.kind.is_some_and(QuestionKind::has_options) {
                    DesignStep::Options
                } else {
                    DesignStep::Required
                };
            }
            Err(why) => return reject(&cx, why),
        },
        DesignStep::Options => {
            let options = split_options(text);
            let question = Question {
                kind: draft.kind.unwrap_or(QuestionKind::Single),
                prompt: draft.prompt.clone(),
                options: options.clone(),
                required: true,
            };
            if let Some(problem) = question.problems(0).into_iter().next() {
                return reject(&cx, problem.reason);
            }
            draft.options = options;
            draft.step = DesignStep::Required;
        }
        DesignStep::Kind | DesignStep::Required => {
            cx.say(Text::new("design-use-buttons"));
        }
    }
    ask(&cx, draft)
}

/// Says why the input will not do; the step stays (its question is above).
fn reject(cx: &Cx, why: Text) -> HandlerResult {
    cx.say(Text::new("design-input-refused").arg("why", why));
    Ok(())
}

async fn finish(cx: &Cx, draft: DesignDraft) -> HandlerResult {
    let spec = SurveySpec {
        title: draft.title.clone(),
        intro: draft.intro.clone(),
        questions: draft.questions.clone(),
        ..SurveySpec::default()
    };
    let actor = cx.actor();
    let created = surveys::create(&mut *cx.tx().await, &actor, &spec, &cx.survey_clock()).await?;
    match created {
        Ok(id) => {
            cx.reply(Outgoing::with(Text::new("design-saved"), home_markup(&actor)));
            cx.set_state(State::Idle);
            survey_admin::show_card(cx, id, None).await
        }
        Err(Refusal::Problems(problems)) => {
            // The wizard checks each step, so only a bug gets here; keep the draft.
            let reasons = problems.into_iter().map(|p| p.reason);
            cx.say(Text::lines(reasons));
            cx.set_state(State::SurveyDesign(draft));
            Ok(())
        }
        Err(refusal) => {
            fallback::say_with_home(cx, survey_admin::refusal_text(refusal));
            cx.set_state(State::Idle);
            Ok(())
        }
    }
}
