survey-kind-rating = Rating (1–5 stars)
survey-kind-single = Single choice
survey-kind-multiple = Multiple choice
survey-kind-text = Free text
survey-error-too-long = too long: at most { $max } characters
survey-error-empty = must not be empty
survey-error-option-count = a choice question needs { $min } to { $max } options
survey-error-option-twice = this option appears twice
survey-error-options-not-allowed = a “{ $kind }” question takes no options
survey-error-question-count = a survey needs 1 to { $max } questions
survey-error-buildings = a building name must not be empty
survey-error-close-before-open = the closing time must come after the opening time
survey-error-close-past = the closing time has already passed

## Owners answering

survey-invitation = 📋 Satisfaction survey: { $title }
survey-invitation-details =
    Home: { $unit }
    { $count } questions, about 1–2 minutes; open until { $closes }.
    Your views shape how we improve our service. Thank you for your time!
btn-survey-start = 📝 Start
btn-survey-continue = 📝 Continue
survey-reminder =
    ⏰ A reminder: the survey “{ $title }” (home { $unit }) closes at { $closes } and you have not finished it yet.
    It takes a minute or two; the button below takes you back to where you were.
survey-begin = 📋 { $title } (home { $unit })
survey-question-head = Question { $n } of { $total }{ $optional ->
        [yes] {" "}(optional)
       *[no] {""}
    }
survey-rating-hint = Tap the stars: 1 is very dissatisfied, 5 very satisfied.
survey-multiple-hint = Choose any; tap “✅ Done” when finished.
survey-text-hint = Type your answer.
survey-current-answer = Your answer so far: { $answer }
btn-survey-stars = { $n } ⭐
btn-survey-picked = ✅ { $option }
btn-survey-ticked = ☑️ { $option }
btn-survey-unticked = ⬜ { $option }
btn-survey-done = ✅ Done
btn-survey-skip = ⏭ Skip
btn-survey-pause = ⏸ Continue later
btn-survey-edit = ✏️ Change my answers
survey-thanks = 🙏 Thank you! Your answers are in. You can change them with the button below until { $closes }.
survey-updated = ✅ Your answers are updated. Thank you! You can still change them until { $closes }.
survey-already-submitted = You have already answered this survey. You can change your answers until { $closes }.
survey-paused = ⏸ Your progress is saved. “{ $title }” is open until { $closes }: tap “📝 Continue” on the invitation, or send /surveys, to pick up where you left off.
survey-kept = Your survey progress is saved; send /surveys to continue later.
survey-closed = This survey has closed. Thank you for your interest.
survey-stale = That question is already answered; here is the current one.
survey-use-buttons = Please answer with the buttons under the question.
survey-rate-with-buttons = Please rate with the 1–5 star buttons.
survey-pick-one = This question needs an answer: choose at least one option.
survey-required = This question needs an answer and cannot be skipped.
survey-none-open = There are no surveys waiting for you.
survey-yours = These surveys are waiting for you:
btn-survey-answer = 📝 { $title } ({ $unit })
btn-survey-review = ✅ { $title } ({ $unit }, answered)

## Admins: the list and a survey's card

survey-list = 📋 Satisfaction surveys (tap one for details):
survey-list-empty = No surveys yet. Tap “➕ New survey” below, or send me a YAML / TOML survey file (the format is in the README).
btn-survey-new = ➕ New survey
btn-survey-item = { $title } · { $phase }
survey-phase-draft = draft
survey-phase-scheduled = scheduled
survey-phase-open = open
survey-phase-closed = closed
survey-building = Bldg { $building }
survey-audience-all = every building
survey-audience-buildings = buildings { $list }
survey-card-head = 📋 { $title } ({ $phase })
survey-card-questions = Questions ({ $count }):
survey-card-question = { $n }. [{ $kind }] { $prompt }{ $optional ->
        [yes] {" "}(optional)
       *[no] {""}
    }
survey-card-audience = Sent to: { $audience }
survey-card-dates = Opens: { $opens }   Closes: { $closes }
survey-opens-on-send = when sent
survey-closes-default = { $days } days after opening
survey-card-reach = Reaches { $count } (owners × homes)
survey-card-responses = Invited { $invited }, answered { $submitted }, response rate { $rate }%
btn-survey-audience = 🎯 Audience
btn-survey-closing = 📅 Closing
btn-survey-schedule = ⏰ Schedule
btn-survey-send = 🚀 Send now
btn-survey-delete = 🗑 Delete
btn-survey-unschedule = ↩️ Back to draft
btn-survey-results = 📊 Results
btn-survey-by-building = 🏢 By building
btn-survey-chart = 🖼 Chart
btn-survey-csv = 📄 CSV
btn-survey-close-now = ⏹ Close now
survey-choose-audience = Who should get it? Choose buildings (several allowed). It now reaches { $count }.
btn-survey-all = Every building
btn-survey-all-ticked = ☑️ Every building
survey-choose-closing = When should it close? (at 20:00 that day)
btn-survey-days = in { $days } days
survey-saved = Saved
survey-ask-open-time = When should it be sent? Type a date and time such as 2026-12-01 09:00 (a date alone means 09:00). Send /cancel to stop.
survey-bad-time-format = I could not read that time; please type it like 2026-12-01 09:00.
survey-bad-time = That time will not do: it must be in the future and before the closing.
survey-scheduled = ⏰ Scheduled: sent to { $count } at { $opens }, closes { $closes }.
survey-confirm-send = This goes to { $count } owners and closes { $closes }. Send it?
btn-survey-confirm-send = ✅ Send
survey-sent = 🚀 The survey is being sent to { $count }; it closes { $closes }. Messages go out at Telegram's pace.
survey-unscheduled = Back to draft
survey-deleted = 🗑 The survey is deleted.
survey-closed-now = The survey is closed
survey-not-draft = This survey has been sent and can no longer be changed or deleted.
survey-empty-audience = There are no verified owners in that audience yet; nothing was sent.

## Admins: designing a survey in chat

design-start = 📝 A new satisfaction survey. Tap “Cancel” or send /cancel to stop at any time.
design-ask-title = The survey's title (at most { $max } characters), e.g. Owner satisfaction survey, Q4 2026
design-ask-intro = An opening line owners see with the invitation, or tap “Skip”.
btn-design-skip-intro = ⏭ Skip
design-ask-kind = Question { $n }: what kind?
btn-design-finish = ✅ Finish ({ $count } questions)
design-ask-prompt = Type question { $n } (at most { $max } characters).
design-ask-options = Type the options, one per line (2–{ $max }), or on one line separated by commas, e.g. Very satisfied, Satisfied, Neutral, Dissatisfied
design-ask-required = Must owners answer it, or is it optional?
btn-design-required = Required
btn-design-optional = Optional
design-question-added = ✅ Question { $n } added.
design-use-buttons = Please choose with the buttons above.
design-input-refused = Not saved: { $why }. Please type it again.
design-cancelled = The new survey is cancelled.
design-saved = ✅ The survey is saved as a draft. Choose its audience and closing below, then send it.

menu-surveys = 📋 Surveys
cmd-surveys = Satisfaction surveys

## Survey files

survey-file-unreadable = I could not read that file; please send it again in a moment.
survey-file-imported = ✅ The survey file is imported ({ $count } questions) and saved as a draft:
survey-file-refused = ❌ The survey file has { $count } problem(s); nothing was imported:
survey-file-problem-at = line { $line }: { $reason }
survey-file-problem = { $reason }
survey-file-more-problems = …and { $count } more

survey-no-results-yet = This survey has not been sent yet, so there are no results.
survey-no-chart = This survey has no rating question to chart.
survey-chart-caption = 📊 “{ $title }”: the rating questions
survey-csv-caption = 📄 “{ $title }”: every response ({ $count }), opens in Excel
survey-file-unknown-buildings = ❌ The community has no building { $buildings }. Please correct “buildings” in the file and send it again; nothing was imported.
