# Repairs: categories, filing steps, ticket cards, progress notices, confirmation and rating

category-plumbing = 🚰 Water / plumbing
category-electrical = 💡 Electrical / lighting
category-doors-windows = 🚪 Doors & windows
category-lift = 🛗 Lift
category-gas = 🔥 Gas
category-common-facilities = 🏢 Common-area facilities
category-other = 🔧 Other

urgency-emergency = 🚨 Emergency
urgency-urgent = ⚡ Urgent
urgency-routine = 🕒 Routine

status-queued = Waiting to be assigned
status-assigned = Assigned, not yet accepted
status-accepted = Accepted
status-on-the-way = Technician on the way
status-in-progress = In progress
status-on-hold = On hold
status-done = Done, awaiting your confirmation
status-closed = Closed
status-cancelled = Cancelled

window-any = Any time
window-today = Today
window-tomorrow-am = Tomorrow morning
window-tomorrow-pm = Tomorrow afternoon

place-common-area = Common area: { $where }

btn-back = ⬅️ Back
btn-cancel = ✖️ Cancel
btn-common-area = 🏢 Common area
btn-confirm = ✅ Confirm
btn-confirm-self = 🛠 I'll fix it myself
btn-edit = ✏️ Edit
btn-skip-photos = Skip, no photos
btn-photos-done = Done ({ $count })
btn-selected = ✅ { $label }
btn-accept = ✅ Accept
btn-decline = ↩️ Decline
btn-on-my-way = 🚶 On my way
btn-arrived = 📍 Arrived, starting
btn-done = ✅ Done
btn-hold = ⏸ On hold (parts)
btn-resume = ▶️ Resume
btn-hold-1 = Tomorrow
btn-hold-3 = In 3 days
btn-hold-7 = In a week
btn-fixed = 👍 Fixed
btn-not-fixed = 👎 Not fixed
btn-stars = { $stars } ⭐
btn-no-comment = No, thanks

repair-start = Let's log your repair request. Send /cancel at any time to stop.
patrol-start = Patrol report: log a problem found in a common area. Send /cancel at any time to stop.
repair-ask-category = What needs repairing?
repair-ask-place = Where is it?
repair-ask-common-area = Please describe the place briefly, e.g. "Building 3 lobby" or "car park B2". You can also share a location first.
repair-location-received = Location received. Please also describe the place in a few words.
repair-ask-description = Please describe the problem, e.g. "the pipe under the kitchen sink is leaking".
repair-photo-kept-describe = Photo received. Please also describe the problem in words.
repair-ask-photos = You can send photos of it (up to { $max }, several at once is fine), then tap "Done"; tap "Skip" if you have none.
repair-photo-received = Photo { $count } received (up to { $max }). Send more, or tap "Done".
repair-photos-full = That's the maximum of { $max } photos; please tap "Done".
repair-photos-use-button = Please send photos here (up to { $max }), then tap the button below, or skip.
repair-urgency-suggested = You mentioned "{ $word }", so Emergency is preselected.
repair-ask-urgency = How urgent is it?
repair-ask-window = When would you like the technician to come? Tap a button or type it, e.g. "Saturday morning".
repair-use-buttons = Please choose with the buttons on the message above.
repair-summary =
    Please check your request:
    Category: { $category }
    Place: { $place }
    Description: { $description }
    Photos: { $photos }
    Urgency: { $urgency }
    Visit: { $window }
repair-edit-which = What would you like to change?
repair-field-category = Category
repair-field-place = Place
repair-field-description = Description
repair-field-photos = Photos
repair-field-urgency = Urgency
repair-field-window = Visit time
repair-cancelled = Your repair request was cancelled.
repair-filed =
    ✅ Request filed. Ticket number: { $number }
    Target on-site time: by { $due }
    { $who }
    Follow it under "📋 My requests".
repair-filed-assigned = It has gone to { $assignee }, who will contact you shortly.
repair-filed-queued = We are finding a technician and will tell you as soon as one is assigned.

ticket-title = { $number } ({ $category })
ticket-card =
    🔧 New ticket { $number }
    Category: { $category }
    Place: { $place }
    Urgency: { $urgency }
    Description: { $description }
    Preferred visit: { $window }
    On site by: { $due }
    Reported by: { $owner } { $phone }
ticket-assigned-owner = Your request { $ticket } has been assigned to { $assignee }.
ticket-accepted-owner = { $assignee } has accepted { $ticket }.
ticket-on-the-way-owner = { $assignee } is on the way: { $ticket }.
ticket-started-owner = { $assignee } has arrived and started work: { $ticket }.
ticket-on-hold-owner =
    Your request { $ticket } is on hold: { $reason }
    Expected to resume on { $until }; we will keep you posted.
ticket-resumed-owner = Work on your request { $ticket } has resumed.
ticket-done-owner =
    { $assignee } has finished { $ticket }
    Note: { $note }
    Is it fixed?
ticket-emergency-supervisor =
    🚨 Emergency repair { $ticket }
    Place: { $place }
    Description: { $description }
ticket-queued-supervisor = ⚠️ Nobody is available for { $ticket }; it is waiting in the queue. Please assign it.
ticket-declined-supervisor =
    ↩️ { $name } declined { $ticket }
    Reason: { $reason }
    { $outcome }
ticket-declined-reassigned = Reassigned to { $assignee }.
ticket-declined-queued = Nobody else is available; it is waiting in the queue.
ticket-reopened-staff = 🔁 The owner says { $ticket } is not fixed: { $reason }. Please accept it again.
ticket-reopened-supervisor = 🔁 { $ticket } was reopened by the owner (not fixed): { $reason }
ticket-reopened-handed-over = { $name } is no longer on staff; it went to { $assignee }.
ticket-reopened-queued = { $name } is no longer on staff and nobody else is available: it is waiting in the queue. Please assign it.
ticket-cancelled-staff = { $ticket } was cancelled by the owner; no visit needed.
ticket-confirmed-staff = 👍 The owner confirmed { $ticket } is fixed. Well done!

ticket-accepted-toast = Accepted; the owner has been told.
ticket-owner-told-toast = Updated; the owner has been told.
ticket-ask-decline-reason = Why are you declining? (e.g. "off duty", "needs a specialist")
ticket-declined-staff = Declined; dispatch will find someone else.
ticket-ask-hold-reason = Why is it on hold? (e.g. "waiting for parts", "owner not home")
ticket-ask-hold-until = When do you expect to resume? Tap a button or type a date, e.g. 12-05.
ticket-hold-date-unreadable = I couldn't read that date. Please type one like 12-05 or 2026-12-05 (within a year), or tap a button above.
ticket-on-hold-staff = On hold until { $until }; the owner has been told. Tap "Resume" below when you continue.
ticket-ask-done-note = Briefly, what did you do? (e.g. "replaced the sink drain pipe")
ticket-ask-done-photos = You can send photos of the result (up to { $max }), then tap "Done"; tap "Skip" if you have none.
ticket-done-staff = ✅ Done; waiting for the owner to confirm. Thank you!
ticket-ask-rating = { $kind ->
        [complaint] Thanks for confirming! How would you rate the way we handled your complaint?
        [suggestion] Thanks for confirming! How would you rate the way we handled your suggestion?
        [praise] Thanks for confirming! How would you rate our answer to your praise?
       *[repair] Thanks for confirming! How would you rate the repair service?
    }
ticket-closed-no-rating = Thanks for confirming; the ticket is closed.
ticket-ask-comment = Thank you for { $stars } stars! Anything you'd like to tell us? Type it, or tap "No, thanks".
ticket-thanks-rating = Thank you for your feedback!
ticket-ask-not-fixed-reason = We're sorry! What is still wrong?
ticket-reopened-owner = The technician has been asked to come back to it, and a supervisor will follow up.
ticket-reopened-owner-queued = It is back with the service centre to be dispatched again; a supervisor will arrange a technician and follow up.
ticket-cancelled-owner = Ticket { $number } has been cancelled.
error-ticket-not-now = That isn't possible right now (the ticket is: { $status }).
