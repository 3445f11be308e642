# Complaints, suggestions, praise

kind-repair = Repair
kind-complaint = Complaint
kind-suggestion = Suggestion
kind-praise = Praise

subject-noise = Noise
subject-hygiene = Hygiene & cleaning
subject-security = Security
subject-staff = Staff conduct
subject-parking = Parking
subject-fees = Fees
subject-other = Other

case-what = { $kind } · { $subject }

case-start = Thank you for writing to the service centre; we read every message.
case-ask-kind = What would you like to send?
case-ask-subject = What is it about?
case-ask-named = Which staff member is it about? If you are not sure, choose "Don't know".
btn-case-dont-know = Don't know
case-ask-description = Please describe what happened (when, where, what), and we will look into it:
case-ask-contact = May customer service call you?
btn-case-contact-yes = Yes, you may call
btn-case-contact-no = No calls, reply here
case-summary =
    Please check:
    Type: { $kind }
    About: { $subject }
    Staff member: { $named }
    Details: { $description }
    Photos: { $photos }
    Contact: { $contact }
case-cancelled = Cancelled; nothing was sent.
case-filed =
    We have received your { $kind }, number { $number }.
    { $target }
case-filed-target = Customer service will reply by { $due } and give a written outcome within 7 days.
case-filed-no-target = Customer service will read it soon. Thank you.

case-new-staff =
    📣 New { $ticket }
    Where: { $place }
    Details: { $description }
case-reply-due = First reply due: { $due }
btn-take = 🙋 Take
case-taken-toast = It is yours now
case-already-taken = A colleague has already taken this one.
case-already-taken-by = { $name } has already taken this one.
case-taken-by = ✅ Taken by { $name }; nothing more to do here.
case-card =
    📣 { $ticket }
    Where: { $place }
    Details: { $description }
    Owner: { $owner }
    { $contact }
case-contact-phone = Phone: { $phone }
case-contact-none = The owner prefers to talk here: please do not call.
case-outcome-due = Outcome due: { $due }
btn-case-reply = 💬 Reply
btn-case-close = ✅ Close
case-taken-owner = Customer service has taken your { $ticket } and will reply soon.
case-ask-reply = Type your reply to the owner:
case-reply-sent = Your reply was sent to the owner.
case-reply-owner =
    { $ticket }
    Customer service: { $text }
btn-case-owner-reply = 💬 Reply
case-ask-owner-reply = Type your reply to customer service:
case-owner-reply-sent = Passed on to customer service.
case-owner-reply-staff =
    { $ticket }
    Owner: { $text }
case-ask-outcome = Type the outcome (the owner will read it):
case-closed-staff = Closed; waiting for the owner's answer.
case-outcome-owner =
    Your { $ticket } has been handled.
    Outcome: { $outcome }
    Is it resolved?
btn-case-resolved = 👍 Resolved
btn-case-unresolved = 👎 Not resolved
case-resolved-staff = The owner confirmed { $ticket } is resolved.
case-ask-unresolved-reason = We are sorry. Please tell us briefly what is still wrong and we will pass it to customer service; or skip with the button below.
btn-case-unresolved-skip = Skip
case-unresolved-reason = The owner says: { $reason }
case-unresolved-no-reason = The owner did not say what is still wrong.
case-unresolved-owner = We are sorry it is not resolved. It is back with customer service, and the supervisor knows.
case-unresolved-staff = The owner says { $ticket } is not resolved; please follow up.
case-unresolved-supervisor = ⚠️ The owner says { $ticket } is not resolved; back with { $handler }.
case-unresolved-supervisor-released = ⚠️ The owner says { $ticket } is not resolved; { $handler } is no longer on staff, so it is back with customer service to take.
case-not-now = This cannot be done at this stage.
case-target-first-reply = first reply
case-target-outcome = outcome
case-overdue-staff = ⏰ The { $target } for { $ticket } is overdue (due { $due }); please act now.
case-overdue-supervisor = ⏰ Escalated: the { $target } for { $ticket } was due { $due }; handler: { $handler }.
case-not-taken = nobody has taken it

event-take = taken by { $who }
event-conclude = closed by { $who }
event-unresolved = the owner says not resolved
event-staff-reply = customer service replied
event-owner-reply = the owner replied

case-detail =
    📣 { $number }
    About: { $what }
    Details: { $description }
    Status: { $status }
    Handled by: { $handler }
    First reply by: { $reply_due }
