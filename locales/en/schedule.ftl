# The scheduler: acceptance timeouts, on-site reminders, escalations, auto-close, abandoned drafts

sla-accept-timeout-supervisor =
    ⏰ { $ticket } was not accepted in time by { $name }.
    { $outcome }
sla-accept-timeout-reassigned = Reassigned to { $assignee }.
sla-accept-timeout-queued = Nobody else is available; it is waiting in the queue. Please assign it.
sla-accept-timeout-staff = ⏰ { $ticket } was not accepted in time and has gone to a colleague; nothing to do.
sla-reminder-staff = ⏰ Reminder: someone must be on site for { $ticket } by { $due }. Press "Arrived, starting" when you get there.
sla-nobody = not assigned yet
sla-onsite-breach-supervisor =
    🔺 Overdue: nobody is on site for { $ticket } and the on-site deadline ({ $due }) has passed.
    Assignee: { $assignee }
    Please follow up.
sla-resolve-breach-supervisor =
    🔺 Overdue: { $ticket } is not fixed and the resolution deadline ({ $due }) has passed.
    Assignee: { $assignee }
    Please follow up.
sla-auto-closed-owner = Your request { $ticket } was marked done { $hours } hours ago without an answer from you, so it has been closed without a rating. If the problem is still there, please file a new request or contact the service centre.
sla-auto-closed-staff = { $ticket } closed automatically: the owner did not confirm in time. Thank you!

draft-discarded = A request you started more than { $hours } hours ago was never submitted, so it has been discarded. Start again from the menu whenever you need to.
