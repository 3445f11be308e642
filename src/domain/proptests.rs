//! Properties of everything in the domain that reads what a person (or a
//! modified client) sends: callback data, phone numbers, unit addresses, typed
//! periods, and the ticket state machine. Each holds for any input, not only
//! the examples in the unit tests beside each type: nothing panics, and what is
//! accepted is a valid value that reads back the same.
//!
//! They live in the library's tests (not in `tests/`) so they reach the same
//! items as the unit tests, and run in the same fast binary.

use chrono::NaiveDate;
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::RngSeed;

use crate::domain::callback::{
    AnswerOp, CLOSE_IN_DAYS, CaseOp, ComposeOp, DesignOp, FilingOp, ListKind, MAX_LEN, NoticeOp, StatsPeriod, SurveyOp,
    TicketOp,
};
use crate::domain::notice::NoticeKind;
use crate::domain::period::Period;
use crate::domain::survey::QuestionKind;
use crate::domain::ticket::{Action, Status, transition};
use crate::domain::{CallbackData, Category, PhoneNumber, Relation, Subject, TicketKind, Trade, UnitAddress, Urgency};
use crate::i18n::Locale;

/// `cases` cases from a fixed seed: every run tries the same inputs, as tests
/// here must be deterministic. `PROPTEST_RNG_SEED=<n>` (and `PROPTEST_CASES`)
/// explore others; a failure prints its shrunk input, to keep as a unit test.
pub(crate) fn config(cases: u32) -> ProptestConfig {
    let default = ProptestConfig::default();
    let rng_seed = match default.rng_seed {
        RngSeed::Random => RngSeed::Fixed(0x7072_6f70_6465_736b),
        chosen => chosen,
    };
    let cases = if std::env::var_os("PROPTEST_CASES").is_some() { default.cases } else { cases };
    ProptestConfig { cases, rng_seed, failure_persistence: None, ..default }
}

/// A database id as buttons carry it.
fn id() -> impl Strategy<Value = i64> {
    prop_oneof![1..1_000i64, 1..=i64::MAX]
}

fn filing_op() -> impl Strategy<Value = FilingOp> {
    prop_oneof![
        select(Category::ALL.to_vec()).prop_map(FilingOp::Category),
        id().prop_map(FilingOp::Unit),
        Just(FilingOp::CommonArea),
        Just(FilingOp::PhotosDone),
        select(Urgency::ALL.to_vec()).prop_map(FilingOp::Urgency),
        (0..10u8).prop_map(FilingOp::Window),
        Just(FilingOp::Confirm),
        Just(FilingOp::ConfirmSelf),
        Just(FilingOp::Edit),
        (0..10u8).prop_map(FilingOp::EditStep),
        Just(FilingOp::Back),
        Just(FilingOp::Cancel),
    ]
}

fn case_op() -> impl Strategy<Value = CaseOp> {
    prop_oneof![
        select(TicketKind::CASES.to_vec()).prop_map(CaseOp::Kind),
        select(Subject::ALL.to_vec()).prop_map(CaseOp::Subject),
        id().prop_map(CaseOp::Named),
        select(vec![
            CaseOp::NamedUnknown,
            CaseOp::PhotosDone,
            CaseOp::Contact(true),
            CaseOp::Contact(false),
            CaseOp::Confirm,
            CaseOp::Back,
            CaseOp::Cancel,
        ]),
    ]
}

fn ticket_op() -> impl Strategy<Value = TicketOp> {
    use TicketOp::*;
    prop_oneof![
        select(vec![
            Accept,
            Decline,
            OnMyWay,
            Arrived,
            Done,
            FinishDone,
            Hold,
            Resume,
            Fixed,
            NotFixed,
            NoComment,
            Cancel,
            Detail,
            FollowUp,
            Reassign,
            Urgency,
            Take,
            Reply,
            CloseCase,
            Resolved,
            Unresolved,
            UnresolvedSkip,
            OwnerReply,
        ]),
        select(vec![1u8, 3, 7]).prop_map(HoldFor),
        (1..=5u8).prop_map(Rate),
        id().prop_map(ReassignTo),
        select(crate::domain::Urgency::ALL.to_vec()).prop_map(SetUrgency),
    ]
}

fn survey_op() -> impl Strategy<Value = SurveyOp> {
    use SurveyOp::*;
    prop_oneof![
        select(vec![
            Open,
            Audience,
            AllBuildings,
            Closing,
            Schedule,
            Send,
            ConfirmSend,
            Unschedule,
            Delete,
            CloseNow,
            Results,
            ByBuilding,
            Chart,
            Csv,
        ]),
        any::<u8>().prop_map(Building),
        any::<u8>().prop_map(ResultsIn),
        select(CLOSE_IN_DAYS.to_vec()).prop_map(CloseIn),
    ]
}

fn answer_op() -> impl Strategy<Value = AnswerOp> {
    use AnswerOp::*;
    prop_oneof![
        select(vec![Continue, Done, Skip, Back, Pause, Edit]),
        (1..=5u8).prop_map(Rate),
        (0..32u8).prop_map(Choose),
        (0..32u8).prop_map(Toggle),
    ]
}

fn compose_op() -> impl Strategy<Value = ComposeOp> {
    use ComposeOp::*;
    prop_oneof![
        select(NoticeKind::ALL.to_vec()).prop_map(Kind),
        any::<u8>().prop_map(Pick),
        select(vec![
            SkipOther,
            SkipPhoto,
            AudienceAll,
            AudienceBuildings,
            AudienceEntrances,
            AudienceDone,
            ToggleStaff,
            SignUp(true),
            SignUp(false),
            NoLimit,
            Now,
            Later,
            Send,
            Preview,
            Cancel,
        ]),
    ]
}

fn day() -> impl Strategy<Value = NaiveDate> {
    (1900..2200i32, 1..=366u32).prop_filter_map("a day of that year", |(y, d)| NaiveDate::from_yo_opt(y, d))
}

/// Every kind of callback data, with any field value its decoder accepts.
fn callback_data() -> impl Strategy<Value = CallbackData> {
    prop_oneof![
        select(Locale::ALL.to_vec()).prop_map(CallbackData::Language),
        id().prop_map(CallbackData::PickUnit),
        select(Relation::ALL.to_vec()).prop_map(CallbackData::PickRelation),
        (id(), any::<bool>()).prop_map(|(request_id, approve)| CallbackData::Verify { request_id, approve }),
        select(Trade::ALL.to_vec()).prop_map(CallbackData::InviteTrade),
        (select(Trade::ALL.to_vec()), any::<bool>())
            .prop_map(|(trade, supervisor)| CallbackData::InviteRole { trade, supervisor }),
        id().prop_map(CallbackData::DeactivateStaff),
        filing_op().prop_map(CallbackData::Filing),
        case_op().prop_map(CallbackData::Case),
        (id(), ticket_op()).prop_map(|(id, op)| CallbackData::Ticket { id, op }),
        (select(vec![ListKind::Mine, ListKind::Tasks, ListKind::Queue, ListKind::Overdue]), any::<u16>())
            .prop_map(|(list, page)| CallbackData::List { list, page }),
        select(vec![StatsPeriod::ThisWeek, StatsPeriod::ThisMonth, StatsPeriod::LastMonth, StatsPeriod::Custom])
            .prop_map(CallbackData::Stats),
        (day(), day()).prop_map(|(a, b)| CallbackData::Export { from: a.min(b), to: a.max(b) }),
        prop_oneof![
            select(vec![DesignOp::New, DesignOp::SkipIntro, DesignOp::Finish, DesignOp::Cancel]),
            any::<bool>().prop_map(DesignOp::Required),
            select(QuestionKind::ALL.to_vec()).prop_map(DesignOp::Kind),
        ]
        .prop_map(CallbackData::Design),
        (id(), survey_op()).prop_map(|(id, op)| CallbackData::Survey { id, op }),
        (id(), any::<u8>(), answer_op()).prop_map(|(response, position, op)| CallbackData::Answer {
            response,
            position,
            op
        }),
        compose_op().prop_map(CallbackData::Compose),
        (
            id(),
            select(vec![
                NoticeOp::SignUp,
                NoticeOp::Withdraw,
                NoticeOp::Pause,
                NoticeOp::Resume,
                NoticeOp::Cancel,
                NoticeOp::Edit,
                NoticeOp::Csv,
                NoticeOp::Remind,
            ])
        )
            .prop_map(|(id, op)| CallbackData::Notice { id, op }),
        (select(NoticeKind::MUTABLE.to_vec()), any::<bool>())
            .prop_map(|(kind, mute)| CallbackData::NoticeMute { kind, mute }),
    ]
}

/// Strings that look like callback data: a known prefix and fields made of
/// the characters encodings use, so decoders are exercised past their prefix.
fn data_like() -> impl Strategy<Value = String> {
    let prefix = select(vec![
        "lang", "unit", "rel", "vfy", "invt", "invr", "deact", "f", "cs", "t", "ls", "st", "ex", "sd", "sa", "sv",
        "nc", "nt", "nm",
    ]);
    (prefix, proptest::collection::vec("[a-z0-9+\\-.:]{0,8}", 0..4))
        .prop_map(|(prefix, fields)| std::iter::once(prefix.to_owned()).chain(fields).collect::<Vec<_>>().join(":"))
}

/// A mainland mobile as people type it: separators anywhere, maybe a country code.
fn typed_mobile() -> impl Strategy<Value = (String, String)> {
    let national = ("1[3-9][0-9]{9}").prop_map(|s| s.to_owned());
    let prefix = select(vec!["", "+86", "+86 ", "0086", "86", "＋８６"]);
    let separators = proptest::collection::vec(select(vec!["", "", "", " ", "-", "."]), 11);
    (national, prefix, separators).prop_map(|(national, prefix, seps)| {
        let mut typed = prefix.to_owned();
        for (digit, sep) in national.chars().zip(seps) {
            typed.push(digit);
            typed.push_str(sep);
        }
        (typed, format!("+86{national}"))
    })
}

/// A unit address part: what a roster or a person writes.
fn part() -> impl Strategy<Value = String> {
    "[0-9A-Za-z]{1,6}".prop_map(|s| s.to_owned())
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn any_short_string_decodes_or_is_refused_and_what_decodes_reencodes_within_64_bytes(
        s in prop_oneof![".{0,64}", data_like()]
    ) {
        if let Some(data) = CallbackData::decode(&s) {
            let encoded = data.encode();
            prop_assert!(encoded.len() <= MAX_LEN, "{encoded}");
            prop_assert_eq!(CallbackData::decode(&encoded), Some(data));
        }
    }

    #[test]
    fn every_callback_value_encodes_within_64_bytes_and_decodes_to_itself(data in callback_data()) {
        let encoded = data.encode();
        prop_assert!(encoded.len() <= MAX_LEN, "{encoded} is {} bytes", encoded.len());
        prop_assert_eq!(CallbackData::decode(&encoded), Some(data));
    }

    #[test]
    fn any_text_parses_as_a_phone_number_or_is_refused_and_a_parsed_one_is_e164(s in ".{0,40}") {
        if let Ok(phone) = PhoneNumber::parse(&s) {
            let e164 = phone.as_str();
            prop_assert!(e164.starts_with('+') && e164[1..].chars().all(|c| c.is_ascii_digit()), "{e164}");
            prop_assert!((9..=16).contains(&e164.len()), "{e164}");
            prop_assert_eq!(PhoneNumber::parse(e164), Ok(phone.clone()));
        }
    }

    #[test]
    fn a_mainland_mobile_typed_any_usual_way_is_its_e164_form((typed, e164) in typed_mobile()) {
        prop_assert_eq!(PhoneNumber::parse(&typed).map(|p| p.as_str().to_owned()), Ok(e164));
    }

    #[test]
    fn any_text_parses_as_a_unit_or_is_refused_and_a_parsed_one_reads_back_the_same(
        s in prop_oneof![".{0,30}", "[0-9a-z栋号楼单元室幢座 \\-/]{0,20}"]
    ) {
        if let Ok(unit) = UnitAddress::parse(&s) {
            prop_assert!(!unit.building().is_empty() && !unit.room().is_empty());
            prop_assert_eq!(UnitAddress::parse(&unit.display_zh()), Ok(unit.clone()));
        }
    }

    #[test]
    fn a_unit_written_with_separators_or_markers_is_the_same_unit(
        b in part(), e in proptest::option::of(part()), r in part(), sep in select(vec!["-", "/", " ", " - "])
    ) {
        let (chinese, separated) = match &e {
            Some(e) => (format!("{b}栋{e}单元{r}室"), format!("{b}{sep}{e}{sep}{r}")),
            None => (format!("{b}栋{r}"), format!("{b}{sep}{r}")),
        };
        let fields = UnitAddress::new(&b, e.as_deref().unwrap_or(""), &r);
        prop_assert!(fields.is_ok());
        prop_assert_eq!(UnitAddress::parse(&chinese), fields.clone());
        prop_assert_eq!(UnitAddress::parse(&separated), fields);
    }

    #[test]
    fn any_typed_period_is_read_or_refused_and_a_read_one_is_in_order(
        s in prop_oneof![".{0,40}", "[0-9]{1,5}[-/.年月]{1}[0-9]{1,3}[-/.月]{0,1}[0-9]{0,3}[日]{0,1} ?[~至到 -]{1,3} ?[0-9]{1,5}[-/.]{1}[0-9]{1,3}[-/.]{0,1}[0-9]{0,3}"]
    ) {
        if let Ok(period) = Period::parse_custom(&s) {
            let today = NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
            let (from, to) = period.range(today);
            prop_assert!(from < to);
            let (start, end) = period.utc_range(today, chrono_tz::Asia::Shanghai);
            prop_assert!(start < end);
        }
    }

    /// A random walk through the state machine from a new ticket: every
    /// action is either refused (the status stays) or lands in a status, and
    /// the walk keeps the rules the services rely on.
    #[test]
    fn any_sequence_of_actions_keeps_a_ticket_valid(
        actions in proptest::collection::vec(select(Action::ALL.to_vec()), 0..40)
    ) {
        let mut status = Status::Queued;
        // What the services keep alongside the status.
        let mut worked_on = false; // accepted (repair) or taken (complaint) at some point
        let mut done_since_work = false;
        let mut closed_at: Option<usize> = None;
        let mut rateable = false;
        for (step, action) in actions.into_iter().enumerate() {
            let Ok(next) = transition(status, action) else {
                // A finished ticket refuses everything.
                continue;
            };
            prop_assert!(status.is_open(), "{status:?} --{action:?}--> {next:?}: a finished ticket moved");
            match next {
                Status::Accepted | Status::OnTheWay | Status::InProgress | Status::OnHold => worked_on = true,
                _ => {}
            }
            if next == Status::Done {
                prop_assert!(worked_on, "done without anyone having accepted or taken it");
                done_since_work = true;
            }
            if next == Status::Closed {
                prop_assert_eq!(status, Status::Done, "closed other than from done");
                prop_assert!(done_since_work);
                closed_at = Some(step);
                // Stars are asked for only when the owner confirms the job.
                rateable = action == Action::ConfirmFixed;
            }
            if next == Status::Cancelled {
                prop_assert!(
                    matches!(status, Status::Queued | Status::Assigned | Status::Accepted),
                    "cancelled after work started: from {status:?}"
                );
            }
            status = next;
        }
        prop_assert_eq!(status == Status::Closed, closed_at.is_some(), "a closed ticket has its closing");
        prop_assert!(!rateable || status == Status::Closed);
        for action in Action::ALL {
            if !status.is_open() {
                prop_assert!(transition(status, action).is_err());
            }
        }
    }
}

proptest! {
    #![proptest_config(config(256))]

    /// The small things people type: a sign-up capacity, a notice, a survey
    /// prompt, a relation, a repair description scanned for emergency words.
    #[test]
    fn any_text_typed_at_any_other_step_is_read_or_refused(s in ".{0,80}") {
        if let Some(n) = crate::domain::notice::parse_capacity(&s) {
            prop_assert!((1..=100_000).contains(&n));
        }
        if let Ok(text) = crate::domain::notice::check_text(&s, 40) {
            prop_assert!(!text.is_empty() && crate::domain::notice::telegram_len(&text) <= 40);
        }
        if let Ok(prompt) = crate::domain::survey::clean(&s, 20) {
            prop_assert!(!prompt.is_empty() && prompt.chars().count() <= 20);
        }
        let _ = Relation::parse(&s);
        let _ = crate::domain::repair::emergency_word(&s);
    }
}
