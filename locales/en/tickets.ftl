# Ticket lists, a ticket's card and timeline, follow-ups, supervisors' actions

menu-queue = 🗂 Queue
menu-overdue = ⏰ Overdue
menu-stats = 📊 Figures
cmd-queue = Tickets waiting to be assigned
cmd-overdue = Overdue tickets
cmd-stats = Service figures

list-mine-title = 📋 My requests:
list-tasks-title = 🧰 My tasks (most urgent first):
list-queue-title = 🗂 Waiting to be assigned:
list-overdue-title = ⏰ Overdue:
list-mine-empty = You have no requests or complaints yet. Tap "🔧 Repair" or "📣 Complaint" whenever you need one.
list-tasks-empty = Nothing to do right now.
list-queue-empty = Nothing is waiting to be assigned.
list-overdue-empty = Nothing is overdue. Well done!
list-line = · { $number } { $category } — { $status } ({ $date })
btn-open-ticket = Open { $number }
btn-previous-page = ◀ Previous
btn-next-page = Next ▶

ticket-detail =
    🔧 Ticket { $number }
    Category: { $category }
    Place: { $place }
    Description: { $description }
    Urgency: { $urgency }
    Status: { $status }
    Technician: { $assignee }
    On site by: { $due }
ticket-timeline = Timeline:
timeline-line = { $at } { $what }
event-created = { $kind ->
        [complaint] complaint filed by { $who }
        [suggestion] suggestion made by { $who }
        [praise] praise given by { $who }
       *[repair] repair requested by { $who }
    }
event-assign = assigned
event-accept = accepted by { $who }
event-decline = declined by { $who }
event-accept-timeout = not accepted in time by { $who }
event-start-travel = { $who } on the way
event-arrive = { $who } arrived
event-hold = put on hold by { $who }
event-resume = resumed by { $who }
event-complete = finished by { $who }
event-confirm-fixed = { $kind ->
        [repair] confirmed fixed by { $who }
       *[other] confirmed resolved by { $who }
    }
event-report-not-fixed = reported not fixed by { $who }
event-cancel = cancelled by { $who }
event-reassign = reassigned by { $who }
event-release = back in the queue: its handler left ({ $who })
event-release-auto = { $kind ->
        [repair] back in the queue: its handler left
       *[other] back to customer service: its handler left
    }
event-reassign-auto = handed to a colleague: its handler left
event-auto-close = closed automatically (not confirmed in time)
event-follow-up = { $who } added information
event-urgency = urgency changed by { $who }
event-sla-breach = deadline missed, escalated
event-with-note = { $event }: { $note }

btn-follow-up = 💬 Add information
btn-cancel-ticket = ✖️ Cancel request
ticket-ask-follow-up = { $kind ->
        [repair] Type what you'd like to add, or send a photo; we'll pass it to the technician:
       *[other] Type what you'd like to add, or send a photo; we'll pass it to the customer service officer handling it:
    }
ticket-follow-up-expected = Please type a message or send a photo.
ticket-follow-up-sent = { $kind ->
        [repair] Passed on to the technician.
       *[other] Passed on to the customer service officer handling it.
    }
ticket-follow-up-kept = { $kind ->
        [repair] Added to the ticket; the technician will see it once assigned.
       *[other] Added to the ticket; customer service will see it once they take it.
    }
ticket-follow-up-staff = 💬 The owner adds to { $ticket }: { $text }

btn-reassign = 🔀 Reassign
btn-change-urgency = 🚨 Change urgency
btn-reassign-to = { $name } ({ $open } open)
reassign-choose = Reassign to whom?
reassign-nobody = There is nobody to reassign it to.
reassign-done = { $number } has been reassigned to { $name }.
ticket-reassigned-away = { $ticket } has been reassigned to a colleague by a supervisor; no need to go.
urgency-choose = Change to:
urgency-done = { $number } is now { $urgency }; on site by { $due }.
ticket-urgency-changed = The urgency of { $ticket } is now { $urgency }; on site by { $due }.

stats-choose-period = Figures for which period?
btn-this-week = This week
btn-this-month = This month
btn-last-month = Last month
btn-custom-period = Custom
stats-ask-range = Type the first and last day, e.g. 2026-11-01 2026-11-30
btn-export-csv = ⬇️ Export tickets (CSV)
stats-export-caption = Ticket export: { $rows } rows.
stats-export-too-large = The export for { $from } to { $to } is larger than the { $max } MB Telegram allows for one file, so it cannot be sent here. Please choose a shorter period, or ask whoever runs the server for: propdesk export tickets --from { $from } --to { $to }
