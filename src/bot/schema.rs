//! The whole update tree, top to bottom: commands, then each dialogue step,
//! then button presses, then membership changes.

use dptree::case;
use teloxide::dispatching::{UpdateFilterExt, UpdateHandler};
use teloxide::prelude::*;

use crate::bot::{
    State, callbacks, case_work, commands, commands::Command, complaint_filing, membership, menu, notice_admin,
    notice_compose, notice_signup, onboarding, repair_filing, staff_admin, supervise, survey_admin, survey_answer,
    survey_design, survey_files, ticket_views, ticket_work,
};
use crate::domain::CallbackData;
use crate::error::AppError;

pub fn schema() -> UpdateHandler<AppError> {
    let messages = Update::filter_message()
        .branch(teloxide::filter_command::<Command, _>().endpoint(commands::handle))
        .branch(dptree::filter(|m: Message| commands::is_unknown_command(&m)).endpoint(commands::unknown))
        .branch(case![State::AwaitingContact].endpoint(onboarding::contact))
        .branch(case![State::ChoosingUnit].endpoint(onboarding::choosing_unit))
        .branch(case![State::AwaitingUnitAddress].endpoint(onboarding::unit_address))
        .branch(case![State::AwaitingName { unit_id }].endpoint(onboarding::name))
        .branch(case![State::AwaitingRelation { unit_id, name }].endpoint(onboarding::relation_typed))
        .branch(case![State::AwaitingApproval].endpoint(onboarding::awaiting_approval))
        .branch(case![State::Filing(draft)].endpoint(repair_filing::message))
        .branch(case![State::DeclineReason { ticket_id }].endpoint(ticket_work::decline_reason))
        .branch(case![State::HoldReason { ticket_id }].endpoint(ticket_work::hold_reason))
        .branch(case![State::HoldUntil { ticket_id, reason }].endpoint(ticket_work::hold_until))
        .branch(case![State::DoneNote { ticket_id }].endpoint(ticket_work::done_note))
        .branch(case![State::DonePhotos { ticket_id, note, photos }].endpoint(ticket_work::done_photos))
        .branch(case![State::NotFixedReason { ticket_id, done_message }].endpoint(ticket_work::not_fixed_reason))
        .branch(case![State::RatingComment { ticket_id }].endpoint(ticket_work::rating_comment))
        .branch(case![State::FollowUp { ticket_id }].endpoint(ticket_views::follow_up))
        .branch(case![State::StatsRange].endpoint(supervise::range_typed))
        .branch(case![State::Case(draft)].endpoint(complaint_filing::message))
        .branch(case![State::CaseReply { ticket_id }].endpoint(case_work::staff_reply))
        .branch(case![State::CaseOutcome { ticket_id }].endpoint(case_work::outcome))
        .branch(case![State::CaseOwnerReply { ticket_id }].endpoint(case_work::owner_reply))
        .branch(
            case![State::CaseUnresolvedReason { ticket_id, outcome_message }].endpoint(case_work::unresolved_reason),
        )
        .branch(case![State::SurveyDesign(draft)].endpoint(survey_design::message))
        .branch(case![State::SurveyOpenTime { survey_id }].endpoint(survey_admin::open_time))
        .branch(case![State::SurveyAnswering { response_id }].endpoint(survey_answer::message))
        .branch(case![State::NoticeCompose(draft)].endpoint(notice_compose::message))
        .branch(
            case![State::Idle].filter(|m: Message| survey_files::is_survey_upload(&m)).endpoint(survey_files::received),
        )
        .branch(case![State::Idle].endpoint(menu::idle));

    let buttons = Update::filter_callback_query()
        .branch(
            dptree::filter_map(|q: CallbackQuery| q.data.as_deref().and_then(CallbackData::decode))
                .branch(case![CallbackData::Language(locale)].endpoint(menu::language_chosen))
                .branch(case![CallbackData::PickUnit(unit_id)].endpoint(onboarding::unit_picked))
                .branch(case![CallbackData::PickRelation(relation)].endpoint(onboarding::relation_picked))
                .branch(case![CallbackData::Verify { request_id, approve }].endpoint(onboarding::decide))
                .branch(case![CallbackData::InviteTrade(trade)].endpoint(staff_admin::trade_chosen))
                .branch(case![CallbackData::InviteRole { trade, supervisor }].endpoint(staff_admin::role_chosen))
                .branch(case![CallbackData::DeactivateStaff(telegram_id)].endpoint(staff_admin::deactivate))
                .branch(case![CallbackData::Filing(op)].endpoint(repair_filing::button))
                .branch(case![CallbackData::Case(op)].endpoint(complaint_filing::button))
                .branch(case![CallbackData::Ticket { id, op }].endpoint(ticket_work::button))
                .branch(case![CallbackData::List { list, page }].endpoint(ticket_views::turn_page))
                .branch(case![CallbackData::Stats(period)].endpoint(supervise::period_chosen))
                .branch(case![CallbackData::Export { from, to }].endpoint(supervise::export))
                .branch(case![CallbackData::Design(op)].endpoint(survey_design::button))
                .branch(case![CallbackData::Survey { id, op }].endpoint(survey_admin::button))
                .branch(case![CallbackData::Answer { response, position, op }].endpoint(survey_answer::button_pressed))
                .branch(case![CallbackData::Compose(op)].endpoint(notice_compose::button))
                .branch(case![CallbackData::Notice { id, op }].endpoint(notice_admin::button))
                .branch(case![CallbackData::NoticeMute { kind, mute }].endpoint(notice_signup::mute)),
        )
        .branch(dptree::endpoint(callbacks::unreadable));

    let membership = Update::filter_my_chat_member().endpoint(membership::changed);

    dptree::entry().branch(messages).branch(buttons).branch(membership)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tree_type_checks_against_what_the_runner_provides() {
        dptree::type_check(schema().sig(), &dptree::deps![], &crate::bot::runner::PROVIDED.map(|f| f()));
    }
}
