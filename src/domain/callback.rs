//! Typed inline-button payloads. Telegram allows 64 bytes of callback data and
//! a modified client can send anything, so decoding is total: unknown or
//! malformed data is `None`, and every action is still authorised by the
//! service that carries it out.
//!
//! Encoding: a short prefix, then fields separated by `:`.

use crate::domain::notice::NoticeKind;
use crate::domain::survey::QuestionKind;
use crate::domain::{Category, Relation, Subject, TicketKind, Trade, Urgency};
use crate::i18n::Locale;

pub const MAX_LEN: usize = 64;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallbackData {
    /// Choose the language.
    Language(Locale),
    /// An owner whose phone matches several units picks one.
    PickUnit(i64),
    /// An owner filing a verification request says how they live there.
    PickRelation(Relation),
    /// Customer service decides a verification request.
    Verify { request_id: i64, approve: bool },
    /// An admin creating an invite picks the trade…
    InviteTrade(Trade),
    /// …and whether the new member supervises it.
    InviteRole { trade: Trade, supervisor: bool },
    /// An admin deactivates a staff member.
    DeactivateStaff(i64),
    /// A step of filing a repair request.
    Filing(FilingOp),
    /// A step of filing a complaint, suggestion or praise.
    Case(CaseOp),
    /// Something done to a ticket.
    Ticket { id: i64, op: TicketOp },
    /// A page of a ticket list.
    List { list: ListKind, page: u16 },
    /// Management figures for a period.
    Stats(StatsPeriod),
    /// The period's tickets as a CSV file (both days inclusive).
    Export { from: chrono::NaiveDate, to: chrono::NaiveDate },
    /// A step of designing a survey in chat.
    Design(DesignOp),
    /// An admin acts on a survey.
    Survey { id: i64, op: SurveyOp },
    /// An owner answers the question at `position` of their response.
    Answer { response: i64, position: u8, op: AnswerOp },
    /// A step of composing a notice.
    Compose(ComposeOp),
    /// Something done to a notice: an owner signs up, its composer pauses it…
    Notice { id: i64, op: NoticeOp },
    /// An owner mutes (or unmutes) a kind of notice.
    NoticeMute { kind: NoticeKind, mute: bool },
}

/// The buttons of the notice wizard.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ComposeOp {
    Kind(NoticeKind),
    /// No version in the other language.
    SkipOther,
    SkipPhoto,
    AudienceAll,
    AudienceBuildings,
    AudienceEntrances,
    /// Tick or untick the building / entrance at this index of the list shown.
    Pick(u8),
    AudienceDone,
    /// Staff too (or not).
    ToggleStaff,
    SignUp(bool),
    NoLimit,
    Now,
    Later,
    /// Send (or schedule) what the preview shows.
    Send,
    /// The sign-up button on the preview: shows what owners will press.
    Preview,
    Cancel,
}

impl ComposeOp {
    fn encode(self) -> String {
        match self {
            ComposeOp::Kind(k) => format!("k{}", k.code()),
            ComposeOp::SkipOther => "so".into(),
            ComposeOp::SkipPhoto => "sp".into(),
            ComposeOp::AudienceAll => "aa".into(),
            ComposeOp::AudienceBuildings => "ab".into(),
            ComposeOp::AudienceEntrances => "ae".into(),
            ComposeOp::Pick(i) => format!("p{i}"),
            ComposeOp::AudienceDone => "ad".into(),
            ComposeOp::ToggleStaff => "st".into(),
            ComposeOp::SignUp(yes) => if yes { "s1" } else { "s0" }.into(),
            ComposeOp::NoLimit => "nl".into(),
            ComposeOp::Now => "now".into(),
            ComposeOp::Later => "lat".into(),
            ComposeOp::Send => "go".into(),
            ComposeOp::Preview => "pv".into(),
            ComposeOp::Cancel => "x".into(),
        }
    }

    fn decode(s: &str) -> Option<ComposeOp> {
        let index = |rest: &str| rest.parse::<u8>().ok().filter(|_| rest.chars().all(|c| c.is_ascii_digit()));
        Some(match s {
            "so" => ComposeOp::SkipOther,
            "sp" => ComposeOp::SkipPhoto,
            "aa" => ComposeOp::AudienceAll,
            "ab" => ComposeOp::AudienceBuildings,
            "ae" => ComposeOp::AudienceEntrances,
            "ad" => ComposeOp::AudienceDone,
            "st" => ComposeOp::ToggleStaff,
            "s1" => ComposeOp::SignUp(true),
            "s0" => ComposeOp::SignUp(false),
            "nl" => ComposeOp::NoLimit,
            "now" => ComposeOp::Now,
            "lat" => ComposeOp::Later,
            "go" => ComposeOp::Send,
            "pv" => ComposeOp::Preview,
            "x" => ComposeOp::Cancel,
            _ if s.starts_with('k') => ComposeOp::Kind(NoticeKind::parse_code(&s[1..])?),
            _ if s.starts_with('p') => ComposeOp::Pick(index(&s[1..])?),
            _ => return None,
        })
    }
}

/// What is done to a sent or scheduled notice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoticeOp {
    /// An owner signs up…
    SignUp,
    /// …or takes it back.
    Withdraw,
    /// Its composer (or an admin): pause a running notice…
    Pause,
    Resume,
    /// …cancel or edit a scheduled one…
    Cancel,
    Edit,
    /// …download the sign-up list, remind those signed up.
    Csv,
    Remind,
}

impl NoticeOp {
    fn encode(self) -> &'static str {
        match self {
            NoticeOp::SignUp => "su",
            NoticeOp::Withdraw => "sw",
            NoticeOp::Pause => "pa",
            NoticeOp::Resume => "re",
            NoticeOp::Cancel => "ca",
            NoticeOp::Edit => "ed",
            NoticeOp::Csv => "csv",
            NoticeOp::Remind => "rm",
        }
    }

    fn decode(s: &str) -> Option<NoticeOp> {
        Some(match s {
            "su" => NoticeOp::SignUp,
            "sw" => NoticeOp::Withdraw,
            "pa" => NoticeOp::Pause,
            "re" => NoticeOp::Resume,
            "ca" => NoticeOp::Cancel,
            "ed" => NoticeOp::Edit,
            "csv" => NoticeOp::Csv,
            "rm" => NoticeOp::Remind,
            _ => return None,
        })
    }
}

/// The buttons of the survey wizard.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DesignOp {
    /// /surveys: ➕ a new survey.
    New,
    SkipIntro,
    Kind(QuestionKind),
    Required(bool),
    /// No more questions: save the draft.
    Finish,
    Cancel,
}

impl DesignOp {
    fn encode(self) -> String {
        match self {
            DesignOp::New => "new".into(),
            DesignOp::SkipIntro => "si".into(),
            DesignOp::Kind(k) => format!("k{}", &k.as_str()[..1]),
            DesignOp::Required(yes) => (if yes { "ry" } else { "rn" }).into(),
            DesignOp::Finish => "fin".into(),
            DesignOp::Cancel => "x".into(),
        }
    }

    fn decode(s: &str) -> Option<DesignOp> {
        Some(match s {
            "new" => DesignOp::New,
            "si" => DesignOp::SkipIntro,
            "ry" => DesignOp::Required(true),
            "rn" => DesignOp::Required(false),
            "fin" => DesignOp::Finish,
            "x" => DesignOp::Cancel,
            _ if s.len() == 2 && s.starts_with('k') => {
                DesignOp::Kind(QuestionKind::ALL.into_iter().find(|k| k.as_str()[..1] == s[1..])?)
            }
            _ => return None,
        })
    }
}

/// What an admin does to a survey.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SurveyOp {
    /// Show its card.
    Open,
    /// Choose who gets it…
    Audience,
    /// …every building…
    AllBuildings,
    /// …or toggle one (its place in the community's building list).
    Building(u8),
    /// Choose when it closes…
    Closing,
    /// …this many days from today, in the evening.
    CloseIn(u8),
    /// Type a date and time to send it.
    Schedule,
    /// Send now: first the figures…
    Send,
    /// …then for real.
    ConfirmSend,
    /// A scheduled one goes back to being a draft.
    Unschedule,
    Delete,
    /// Close it now.
    CloseNow,
    Results,
    /// The buildings to see results for…
    ByBuilding,
    /// …this one.
    ResultsIn(u8),
    Chart,
    Csv,
}

impl SurveyOp {
    fn encode(self) -> String {
        match self {
            SurveyOp::Open => "o".into(),
            SurveyOp::Audience => "a".into(),
            SurveyOp::AllBuildings => "ba".into(),
            SurveyOp::Building(i) => format!("b{i}"),
            SurveyOp::Closing => "cl".into(),
            SurveyOp::CloseIn(d) => format!("x{d}"),
            SurveyOp::Schedule => "sch".into(),
            SurveyOp::Send => "s".into(),
            SurveyOp::ConfirmSend => "sy".into(),
            SurveyOp::Unschedule => "un".into(),
            SurveyOp::Delete => "del".into(),
            SurveyOp::CloseNow => "z".into(),
            SurveyOp::Results => "r".into(),
            SurveyOp::ByBuilding => "rb".into(),
            SurveyOp::ResultsIn(i) => format!("ri{i}"),
            SurveyOp::Chart => "ch".into(),
            SurveyOp::Csv => "csv".into(),
        }
    }

    fn decode(s: &str) -> Option<SurveyOp> {
        let index = |rest: &str| rest.parse::<u8>().ok().filter(|_| rest.chars().all(|c| c.is_ascii_digit()));
        Some(match s {
            "o" => SurveyOp::Open,
            "a" => SurveyOp::Audience,
            "ba" => SurveyOp::AllBuildings,
            "cl" => SurveyOp::Closing,
            "sch" => SurveyOp::Schedule,
            "s" => SurveyOp::Send,
            "sy" => SurveyOp::ConfirmSend,
            "un" => SurveyOp::Unschedule,
            "del" => SurveyOp::Delete,
            "z" => SurveyOp::CloseNow,
            "r" => SurveyOp::Results,
            "rb" => SurveyOp::ByBuilding,
            "ch" => SurveyOp::Chart,
            "csv" => SurveyOp::Csv,
            _ if s.starts_with("ri") => SurveyOp::ResultsIn(index(&s[2..])?),
            _ if s.starts_with('b') => SurveyOp::Building(index(&s[1..])?),
            _ if s.starts_with('x') => SurveyOp::CloseIn(index(&s[1..]).filter(|d| CLOSE_IN_DAYS.contains(d))?),
            _ => return None,
        })
    }
}

/// The closing presets an admin picks from.
pub const CLOSE_IN_DAYS: [u8; 4] = [3, 7, 14, 30];

/// What an owner does at one question.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AnswerOp {
    /// Start, or continue where they stopped.
    Continue,
    Rate(u8),
    /// Single choice: option `i`.
    Choose(u8),
    /// Multiple choice: tick or untick option `i`…
    Toggle(u8),
    /// …and go on.
    Done,
    /// An optional question left unanswered.
    Skip,
    Back,
    /// Stop for now; the place is kept.
    Pause,
    /// After submitting: change the answers while the survey is open.
    Edit,
}

impl AnswerOp {
    fn encode(self) -> String {
        match self {
            AnswerOp::Continue => "go".into(),
            AnswerOp::Rate(n) => format!("r{n}"),
            AnswerOp::Choose(i) => format!("c{i}"),
            AnswerOp::Toggle(i) => format!("m{i}"),
            AnswerOp::Done => "d".into(),
            AnswerOp::Skip => "k".into(),
            AnswerOp::Back => "b".into(),
            AnswerOp::Pause => "p".into(),
            AnswerOp::Edit => "e".into(),
        }
    }

    fn decode(s: &str) -> Option<AnswerOp> {
        let index = |rest: &str| {
            rest.parse::<u8>().ok().filter(|i| rest.chars().all(|c| c.is_ascii_digit()) && usize::from(*i) < 32)
        };
        Some(match s {
            "go" => AnswerOp::Continue,
            "d" => AnswerOp::Done,
            "k" => AnswerOp::Skip,
            "b" => AnswerOp::Back,
            "p" => AnswerOp::Pause,
            "e" => AnswerOp::Edit,
            // A rating outside 1–5 is no answer at all.
            _ if s.starts_with('r') => AnswerOp::Rate(index(&s[1..]).filter(|n| (1..=5).contains(n))?),
            _ if s.starts_with('c') => AnswerOp::Choose(index(&s[1..])?),
            _ if s.starts_with('m') => AnswerOp::Toggle(index(&s[1..])?),
            _ => return None,
        })
    }
}

/// Which list of tickets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListKind {
    /// An owner's own requests.
    Mine,
    /// A technician's open tasks.
    Tasks,
    /// Tickets nobody could be given (supervisors).
    Queue,
    /// Tickets past a deadline (supervisors).
    Overdue,
}

impl ListKind {
    const ALL: [(ListKind, &'static str); 4] =
        [(ListKind::Mine, "m"), (ListKind::Tasks, "t"), (ListKind::Queue, "q"), (ListKind::Overdue, "o")];

    fn code(self) -> &'static str {
        ListKind::ALL.iter().find(|(k, _)| *k == self).map(|(_, c)| *c).unwrap_or("m")
    }

    fn parse(code: &str) -> Option<ListKind> {
        ListKind::ALL.iter().find(|(_, c)| *c == code).map(|(k, _)| *k)
    }
}

/// The periods the /stats buttons offer; a custom one is typed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatsPeriod {
    ThisWeek,
    ThisMonth,
    LastMonth,
    Custom,
}

/// The buttons of the repair-filing dialogue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FilingOp {
    Category(Category),
    Unit(i64),
    CommonArea,
    PhotosDone,
    Urgency(Urgency),
    /// A preferred visit window from the presets (see `bot::repair_filing`).
    Window(u8),
    Confirm,
    /// A patrol finding the staff member will fix themselves.
    ConfirmSelf,
    Edit,
    /// Jump back to one step from the summary.
    EditStep(u8),
    Back,
    Cancel,
}

/// The buttons of the complaint / suggestion / praise dialogue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CaseOp {
    Kind(TicketKind),
    Subject(Subject),
    /// The staff member the complaint is about…
    Named(i64),
    /// …or the owner does not know who.
    NamedUnknown,
    PhotosDone,
    /// May customer service call them?
    Contact(bool),
    Confirm,
    Back,
    Cancel,
}

impl CaseOp {
    fn encode(self) -> String {
        match self {
            CaseOp::Kind(k) => format!("k:{}", k.as_str()),
            CaseOp::Subject(s) => format!("s:{}", s.as_str()),
            CaseOp::Named(id) => format!("n:{id}"),
            CaseOp::NamedUnknown => "nu".into(),
            CaseOp::PhotosDone => "pd".into(),
            CaseOp::Contact(yes) => (if yes { "cy" } else { "cn" }).into(),
            CaseOp::Confirm => "ok".into(),
            CaseOp::Back => "b".into(),
            CaseOp::Cancel => "x".into(),
        }
    }

    fn decode(a: &str, b: Option<&str>) -> Option<CaseOp> {
        Some(match (a, b) {
            ("k", Some(k)) => CaseOp::Kind(TicketKind::parse_code(k).filter(|k| *k != TicketKind::Repair)?),
            ("s", Some(s)) => CaseOp::Subject(Subject::parse_code(s)?),
            ("n", Some(id)) => CaseOp::Named(id.parse().ok().filter(|n: &i64| *n > 0 && !id.starts_with('+'))?),
            ("nu", None) => CaseOp::NamedUnknown,
            ("pd", None) => CaseOp::PhotosDone,
            ("cy", None) => CaseOp::Contact(true),
            ("cn", None) => CaseOp::Contact(false),
            ("ok", None) => CaseOp::Confirm,
            ("b", None) => CaseOp::Back,
            ("x", None) => CaseOp::Cancel,
            _ => return None,
        })
    }
}

/// The buttons on ticket cards and notices.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TicketOp {
    Accept,
    Decline,
    OnMyWay,
    Arrived,
    Done,
    /// The assignee has added their result photos (or has none).
    FinishDone,
    Hold,
    /// Expected back in this many days.
    HoldFor(u8),
    Resume,
    Fixed,
    NotFixed,
    Rate(u8),
    NoComment,
    Cancel,
    /// Show the ticket's card with its timeline.
    Detail,
    /// The owner adds a message or photo for the assignee.
    FollowUp,
    /// A supervisor chooses who gets it…
    Reassign,
    /// …this staff member.
    ReassignTo(i64),
    /// A supervisor changes the urgency…
    Urgency,
    /// …to this.
    SetUrgency(Urgency),
    /// Customer service takes a complaint, suggestion or praise.
    Take,
    /// Its handler writes to the owner…
    Reply,
    /// …or closes it with an outcome.
    CloseCase,
    /// The owner: the outcome resolved it…
    Resolved,
    /// …or not (then what is still wrong, typed or skipped).
    Unresolved,
    /// The owner says no more about what is still wrong.
    UnresolvedSkip,
    /// The owner writes back to the handler.
    OwnerReply,
}

impl FilingOp {
    fn encode(self) -> String {
        match self {
            FilingOp::Category(c) => format!("c:{}", c.as_str()),
            FilingOp::Unit(id) => format!("u:{id}"),
            FilingOp::CommonArea => "ca".into(),
            FilingOp::PhotosDone => "pd".into(),
            FilingOp::Urgency(u) => format!("g:{}", u.as_str()),
            FilingOp::Window(n) => format!("w:{n}"),
            FilingOp::Confirm => "ok".into(),
            FilingOp::ConfirmSelf => "oks".into(),
            FilingOp::Edit => "ed".into(),
            FilingOp::EditStep(n) => format!("e:{n}"),
            FilingOp::Back => "b".into(),
            FilingOp::Cancel => "x".into(),
        }
    }

    fn decode(a: &str, b: Option<&str>) -> Option<FilingOp> {
        let small = |v: Option<&str>| v.and_then(|v| v.parse::<u8>().ok()).filter(|n| *n < 10);
        Some(match (a, b) {
            ("c", Some(c)) => FilingOp::Category(Category::parse_code(c)?),
            ("u", Some(id)) => FilingOp::Unit(id.parse().ok().filter(|n: &i64| *n > 0)?),
            ("ca", None) => FilingOp::CommonArea,
            ("pd", None) => FilingOp::PhotosDone,
            ("g", Some(u)) => FilingOp::Urgency(Urgency::parse_code(u)?),
            ("w", n) => FilingOp::Window(small(n)?),
            ("ok", None) => FilingOp::Confirm,
            ("oks", None) => FilingOp::ConfirmSelf,
            ("ed", None) => FilingOp::Edit,
            ("e", n) => FilingOp::EditStep(small(n)?),
            ("b", None) => FilingOp::Back,
            ("x", None) => FilingOp::Cancel,
            _ => return None,
        })
    }
}

impl TicketOp {
    fn encode(self) -> String {
        match self {
            TicketOp::Accept => "acc".into(),
            TicketOp::Decline => "dec".into(),
            TicketOp::OnMyWay => "omw".into(),
            TicketOp::Arrived => "arr".into(),
            TicketOp::Done => "done".into(),
            TicketOp::FinishDone => "fin".into(),
            TicketOp::Hold => "hold".into(),
            TicketOp::HoldFor(days) => format!("h{days}"),
            TicketOp::Resume => "res".into(),
            TicketOp::Fixed => "fix".into(),
            TicketOp::NotFixed => "nfx".into(),
            TicketOp::Rate(stars) => format!("r{stars}"),
            TicketOp::NoComment => "noc".into(),
            TicketOp::Cancel => "can".into(),
            TicketOp::Detail => "det".into(),
            TicketOp::FollowUp => "fu".into(),
            TicketOp::Reassign => "ra".into(),
            TicketOp::ReassignTo(staff) => format!("ra{staff}"),
            TicketOp::Urgency => "ug".into(),
            TicketOp::SetUrgency(u) => format!("ug{}", &u.as_str()[..1]),
            TicketOp::Take => "tk".into(),
            TicketOp::Reply => "rpl".into(),
            TicketOp::CloseCase => "cls".into(),
            TicketOp::Resolved => "rsv".into(),
            TicketOp::Unresolved => "urs".into(),
            TicketOp::UnresolvedSkip => "usk".into(),
            TicketOp::OwnerReply => "orp".into(),
        }
    }

    fn decode(s: &str) -> Option<TicketOp> {
        let digit = |rest: &str| rest.parse::<u8>().ok();
        Some(match s {
            "acc" => TicketOp::Accept,
            "dec" => TicketOp::Decline,
            "omw" => TicketOp::OnMyWay,
            "arr" => TicketOp::Arrived,
            "done" => TicketOp::Done,
            "fin" => TicketOp::FinishDone,
            "hold" => TicketOp::Hold,
            "res" => TicketOp::Resume,
            "fix" => TicketOp::Fixed,
            "nfx" => TicketOp::NotFixed,
            "noc" => TicketOp::NoComment,
            "can" => TicketOp::Cancel,
            "det" => TicketOp::Detail,
            "fu" => TicketOp::FollowUp,
            "ra" => TicketOp::Reassign,
            "ug" => TicketOp::Urgency,
            "uge" => TicketOp::SetUrgency(Urgency::Emergency),
            "ugu" => TicketOp::SetUrgency(Urgency::Urgent),
            "ugr" => TicketOp::SetUrgency(Urgency::Routine),
            "tk" => TicketOp::Take,
            "rpl" => TicketOp::Reply,
            "cls" => TicketOp::CloseCase,
            "rsv" => TicketOp::Resolved,
            "urs" => TicketOp::Unresolved,
            "usk" => TicketOp::UnresolvedSkip,
            "orp" => TicketOp::OwnerReply,
            _ if s.starts_with("ra") => {
                TicketOp::ReassignTo(s[2..].parse::<i64>().ok().filter(|n| *n > 0 && !s[2..].starts_with('+'))?)
            }
            _ if s.starts_with('h') => TicketOp::HoldFor(digit(&s[1..]).filter(|d| [1, 3, 7].contains(d))?),
            _ if s.starts_with('r') => TicketOp::Rate(digit(&s[1..]).filter(|d| (1..=5).contains(d))?),
            _ => return None,
        })
    }
}

impl CallbackData {
    pub fn encode(&self) -> String {
        let s = match self {
            CallbackData::Language(l) => format!("lang:{}", l.as_str()),
            CallbackData::PickUnit(id) => format!("unit:{id}"),
            CallbackData::PickRelation(r) => format!("rel:{}", r.as_str()),
            CallbackData::Verify { request_id, approve } => {
                format!("vfy:{request_id}:{}", if *approve { "y" } else { "n" })
            }
            CallbackData::InviteTrade(t) => format!("invt:{}", t.as_str()),
            CallbackData::InviteRole { trade, supervisor } => {
                format!("invr:{}:{}", trade.as_str(), if *supervisor { "s" } else { "m" })
            }
            CallbackData::DeactivateStaff(id) => format!("deact:{id}"),
            CallbackData::Filing(op) => format!("f:{}", op.encode()),
            CallbackData::Case(op) => format!("cs:{}", op.encode()),
            CallbackData::Ticket { id, op } => format!("t:{id}:{}", op.encode()),
            CallbackData::List { list, page } => format!("ls:{}:{page}", list.code()),
            CallbackData::Export { from, to } => format!("ex:{}:{}", from.format("%Y%m%d"), to.format("%Y%m%d")),
            CallbackData::Design(op) => format!("sd:{}", op.encode()),
            CallbackData::Survey { id, op } => format!("sa:{id}:{}", op.encode()),
            CallbackData::Answer { response, position, op } => format!("sv:{response}:{position}.{}", op.encode()),
            CallbackData::Compose(op) => format!("nc:{}", op.encode()),
            CallbackData::Notice { id, op } => format!("nt:{id}:{}", op.encode()),
            CallbackData::NoticeMute { kind, mute } => format!("nm:{}:{}", kind.code(), if *mute { "1" } else { "0" }),
            CallbackData::Stats(period) => format!(
                "st:{}",
                match period {
                    StatsPeriod::ThisWeek => "w",
                    StatsPeriod::ThisMonth => "m",
                    StatsPeriod::LastMonth => "l",
                    StatsPeriod::Custom => "c",
                }
            ),
        };
        debug_assert!(s.len() <= MAX_LEN, "callback data over 64 bytes: {s}");
        s
    }

    pub fn decode(s: &str) -> Option<CallbackData> {
        if s.len() > MAX_LEN {
            return None;
        }
        let mut parts = s.split(':');
        let prefix = parts.next()?;
        let a = parts.next();
        let b = parts.next();
        if parts.next().is_some() {
            return None;
        }
        let id = |v: Option<&str>| v.and_then(|v| v.parse::<i64>().ok()).filter(|n| *n > 0);
        let data = match (prefix, b) {
            ("lang", None) => CallbackData::Language(a.and_then(Locale::parse)?),
            ("unit", None) => CallbackData::PickUnit(id(a)?),
            ("rel", None) => CallbackData::PickRelation(Relation::parse_code(a?)?),
            ("vfy", Some(flag)) => CallbackData::Verify {
                request_id: id(a)?,
                approve: match flag {
                    "y" => true,
                    "n" => false,
                    _ => return None,
                },
            },
            ("invt", None) => CallbackData::InviteTrade(Trade::parse(a?)?),
            ("invr", Some(role)) => CallbackData::InviteRole {
                trade: Trade::parse(a?)?,
                supervisor: match role {
                    "s" => true,
                    "m" => false,
                    _ => return None,
                },
            },
            ("deact", None) => CallbackData::DeactivateStaff(id(a)?),
            ("f", b) => CallbackData::Filing(FilingOp::decode(a?, b)?),
            ("cs", b) => CallbackData::Case(CaseOp::decode(a?, b)?),
            ("t", Some(op)) => CallbackData::Ticket { id: id(a)?, op: TicketOp::decode(op)? },
            ("ex", Some(to)) => {
                let day = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y%m%d").ok();
                let (from, to) = (day(a?)?, day(to)?);
                if from > to {
                    return None;
                }
                CallbackData::Export { from, to }
            }
            ("sd", None) => CallbackData::Design(DesignOp::decode(a?)?),
            ("sa", Some(op)) => CallbackData::Survey { id: id(a)?, op: SurveyOp::decode(op)? },
            ("sv", Some(rest)) => {
                let (position, op) = rest.split_once('.')?;
                CallbackData::Answer {
                    response: id(a)?,
                    position: position.parse().ok().filter(|_| position.chars().all(|c| c.is_ascii_digit()))?,
                    op: AnswerOp::decode(op)?,
                }
            }
            ("nc", None) => CallbackData::Compose(ComposeOp::decode(a?)?),
            ("nt", Some(op)) => CallbackData::Notice { id: id(a)?, op: NoticeOp::decode(op)? },
            ("nm", Some(flag)) => CallbackData::NoticeMute {
                kind: NoticeKind::parse_code(a?).filter(|k| k.mutable())?,
                mute: match flag {
                    "1" => true,
                    "0" => false,
                    _ => return None,
                },
            },
            ("ls", Some(page)) => CallbackData::List {
                list: ListKind::parse(a?)?,
                page: page.parse().ok().filter(|_| !page.starts_with('+'))?,
            },
            ("st", None) => CallbackData::Stats(match a? {
                "w" => StatsPeriod::ThisWeek,
                "m" => StatsPeriod::ThisMonth,
                "l" => StatsPeriod::LastMonth,
                "c" => StatsPeriod::Custom,
                _ => return None,
            }),
            _ => return None,
        };
        Some(data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every_kind_at_its_longest() -> Vec<CallbackData> {
        let mut all = vec![
            CallbackData::PickUnit(i64::MAX),
            CallbackData::Verify { request_id: i64::MAX, approve: true },
            CallbackData::Verify { request_id: 1, approve: false },
            CallbackData::DeactivateStaff(i64::MAX),
            CallbackData::Filing(FilingOp::Unit(i64::MAX)),
            CallbackData::Filing(FilingOp::CommonArea),
            CallbackData::Filing(FilingOp::PhotosDone),
            CallbackData::Filing(FilingOp::Window(3)),
            CallbackData::Filing(FilingOp::Confirm),
            CallbackData::Filing(FilingOp::ConfirmSelf),
            CallbackData::Filing(FilingOp::Edit),
            CallbackData::Filing(FilingOp::EditStep(6)),
            CallbackData::Filing(FilingOp::Back),
            CallbackData::Filing(FilingOp::Cancel),
        ];
        all.extend(Category::ALL.map(|c| CallbackData::Filing(FilingOp::Category(c))));
        all.extend(TicketKind::CASES.map(|k| CallbackData::Case(CaseOp::Kind(k))));
        all.extend(Subject::ALL.map(|s| CallbackData::Case(CaseOp::Subject(s))));
        all.extend(
            [
                CaseOp::Named(i64::MAX),
                CaseOp::NamedUnknown,
                CaseOp::PhotosDone,
                CaseOp::Contact(true),
                CaseOp::Contact(false),
                CaseOp::Confirm,
                CaseOp::Back,
                CaseOp::Cancel,
            ]
            .map(CallbackData::Case),
        );
        all.extend(Urgency::ALL.map(|u| CallbackData::Filing(FilingOp::Urgency(u))));
        for op in [
            TicketOp::Accept,
            TicketOp::Decline,
            TicketOp::OnMyWay,
            TicketOp::Arrived,
            TicketOp::Done,
            TicketOp::FinishDone,
            TicketOp::Hold,
            TicketOp::HoldFor(1),
            TicketOp::HoldFor(7),
            TicketOp::Resume,
            TicketOp::Fixed,
            TicketOp::NotFixed,
            TicketOp::Rate(1),
            TicketOp::Rate(5),
            TicketOp::NoComment,
            TicketOp::Cancel,
            TicketOp::Detail,
            TicketOp::FollowUp,
            TicketOp::Reassign,
            TicketOp::ReassignTo(i64::MAX),
            TicketOp::Urgency,
            TicketOp::SetUrgency(Urgency::Emergency),
            TicketOp::SetUrgency(Urgency::Urgent),
            TicketOp::SetUrgency(Urgency::Routine),
            TicketOp::Take,
            TicketOp::Reply,
            TicketOp::CloseCase,
            TicketOp::Resolved,
            TicketOp::Unresolved,
            TicketOp::UnresolvedSkip,
            TicketOp::OwnerReply,
        ] {
            all.push(CallbackData::Ticket { id: i64::MAX, op });
        }
        for list in [ListKind::Mine, ListKind::Tasks, ListKind::Queue, ListKind::Overdue] {
            all.push(CallbackData::List { list, page: u16::MAX });
        }
        let day = |d| chrono::NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
        all.push(CallbackData::Export { from: day(1), to: day(30) });
        for period in [StatsPeriod::ThisWeek, StatsPeriod::ThisMonth, StatsPeriod::LastMonth, StatsPeriod::Custom] {
            all.push(CallbackData::Stats(period));
        }
        all.extend(
            [DesignOp::New, DesignOp::SkipIntro, DesignOp::Required(true), DesignOp::Required(false)]
                .into_iter()
                .chain([DesignOp::Finish, DesignOp::Cancel])
                .chain(QuestionKind::ALL.map(DesignOp::Kind))
                .map(CallbackData::Design),
        );
        for op in [
            SurveyOp::Open,
            SurveyOp::Audience,
            SurveyOp::AllBuildings,
            SurveyOp::Building(u8::MAX),
            SurveyOp::Closing,
            SurveyOp::CloseIn(30),
            SurveyOp::Schedule,
            SurveyOp::Send,
            SurveyOp::ConfirmSend,
            SurveyOp::Unschedule,
            SurveyOp::Delete,
            SurveyOp::CloseNow,
            SurveyOp::Results,
            SurveyOp::ByBuilding,
            SurveyOp::ResultsIn(u8::MAX),
            SurveyOp::Chart,
            SurveyOp::Csv,
        ] {
            all.push(CallbackData::Survey { id: i64::MAX, op });
        }
        for op in [
            AnswerOp::Continue,
            AnswerOp::Rate(1),
            AnswerOp::Rate(5),
            AnswerOp::Choose(31),
            AnswerOp::Toggle(31),
            AnswerOp::Done,
            AnswerOp::Skip,
            AnswerOp::Back,
            AnswerOp::Pause,
            AnswerOp::Edit,
        ] {
            all.push(CallbackData::Answer { response: i64::MAX, position: u8::MAX, op });
        }
        all.extend(
            [
                ComposeOp::SkipOther,
                ComposeOp::SkipPhoto,
                ComposeOp::AudienceAll,
                ComposeOp::AudienceBuildings,
                ComposeOp::AudienceEntrances,
                ComposeOp::Pick(u8::MAX),
                ComposeOp::AudienceDone,
                ComposeOp::ToggleStaff,
                ComposeOp::SignUp(true),
                ComposeOp::SignUp(false),
                ComposeOp::NoLimit,
                ComposeOp::Now,
                ComposeOp::Later,
                ComposeOp::Send,
                ComposeOp::Preview,
                ComposeOp::Cancel,
            ]
            .into_iter()
            .chain(NoticeKind::ALL.map(ComposeOp::Kind))
            .map(CallbackData::Compose),
        );
        for op in [
            NoticeOp::SignUp,
            NoticeOp::Withdraw,
            NoticeOp::Pause,
            NoticeOp::Resume,
            NoticeOp::Cancel,
            NoticeOp::Edit,
            NoticeOp::Csv,
            NoticeOp::Remind,
        ] {
            all.push(CallbackData::Notice { id: i64::MAX, op });
        }
        for kind in NoticeKind::MUTABLE {
            all.push(CallbackData::NoticeMute { kind, mute: true });
            all.push(CallbackData::NoticeMute { kind, mute: false });
        }
        all.extend(Locale::ALL.map(CallbackData::Language));
        all.extend([Relation::Owner, Relation::Family, Relation::Tenant].map(CallbackData::PickRelation));
        for trade in Trade::ALL {
            all.push(CallbackData::InviteTrade(trade));
            all.push(CallbackData::InviteRole { trade, supervisor: true });
            all.push(CallbackData::InviteRole { trade, supervisor: false });
        }
        all
    }

    #[test]
    fn every_callback_fits_in_telegrams_64_bytes() {
        for data in every_kind_at_its_longest() {
            let s = data.encode();
            assert!(s.len() <= MAX_LEN, "{s} is {} bytes", s.len());
        }
    }

    #[test]
    fn every_callback_decodes_to_what_was_encoded() {
        for data in every_kind_at_its_longest() {
            assert_eq!(CallbackData::decode(&data.encode()), Some(data));
        }
    }

    #[test]
    fn forged_or_malformed_data_decodes_to_nothing() {
        for s in [
            "",
            "unit",
            "unit:",
            "unit:-5",
            "unit:0",
            "unit:abc",
            "unit:1:2",
            "vfy:1",
            "vfy:1:maybe",
            "lang:fr",
            "invt:astronaut",
            "invr:plumbing:x",
            "rel:cousin",
            "deact:99999999999999999999999",
            "t:1:r6",
            "t:1:r0",
            "t:1:h2",
            "t:0:acc",
            "t:1:fly",
            "f:c:spaceship",
            "f:w:12",
            "f:u:-1",
            "cs:k:repair",
            "cs:s:weather",
            "cs:n:-3",
            "cs:n:+3",
            "cs:zz",
            "t:1:ra-5",
            "t:1:ra+5",
            "t:1:ugx",
            "ls:x:1",
            "ls:m:-1",
            "ls:m:70000",
            "st:y",
            "ex:20261130:20261101",
            "ex:2026-11-01:2026-11-30",
            "sv:1:0.r6",
            "sv:1:0.r0",
            "sv:1:0.r-1",
            "sv:1:0.c+1",
            "sv:1:0.c99",
            "sv:1:x.go",
            "sv:1:0",
            "sv:0:0.go",
            "sv:1:300.go",
            "sa:1:x5",
            "sa:1:b-1",
            "sa:1:nope",
            "sd:kz",
            "sd:maybe",
            "nc:kz",
            "nc:p-1",
            "nc:p+1",
            "nc:p256",
            "nc:s2",
            "nc:go:1",
            "nt:0:su",
            "nt:-1:su",
            "nt:1:fly",
            "nt:1",
            "nm:o:1",
            "nm:m:1",
            "nm:a:yes",
            "nonsense:1",
            &"x".repeat(65),
        ] {
            assert_eq!(CallbackData::decode(s), None, "{s:?}");
        }
    }
}
