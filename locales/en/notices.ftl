# Community notices

cmd-notice = Post a community notice
cmd-notices = Notices sent / notice settings

notice-kind-activity = Community activity
notice-kind-outage = Outage / maintenance
notice-kind-meeting = Owners' meeting
notice-kind-general = General notice

notice-lang-zh = Chinese
notice-lang-en = English

notice-not-allowed = Sorry, only admins and customer-service supervisors can post notices.
notice-not-found = That notice was not found.
notice-start = 📢 New community notice. Press ✖️ or send /cancel at any step to leave; nothing is saved before you send it.
notice-ask-kind = What kind of notice is it?
notice-ask-text =
    Type the notice ({ $lang }, at most { $max } characters).
    It is sent exactly as typed; formatting symbols are not converted.
notice-ask-other = To give owners who read { $lang } their own version, type it now; otherwise press Skip (everyone gets the same text).
notice-ask-photo = Send one photo to go with it (at most { $max } MB), or press Skip.
notice-ask-audience = Who should get it?
notice-ask-buildings = Choose the buildings (several allowed), then press Done:
notice-ask-entrances = Choose the entrances (several allowed), then press Done:
notice-ask-signup = Should owners sign up for this activity?
notice-ask-capacity = Type the number of places, or press No limit.
notice-ask-when = When should it go out?
notice-ask-time = Type the time to send it (community time), e.g. 2026-12-01 09:00.
notice-use-buttons = Please choose with the buttons above.
notice-photo-expected = Please send a photo, or press Skip.
notice-text-empty = The notice cannot be empty; please type it again.
notice-text-too-long = That is too long: { $len } characters, at most { $max }. Please shorten it and send it again.
notice-caption-too-long = With a photo the text may have at most { $max } characters (it has { $len }). Press Skip to send it without a photo, or cancel and shorten it.
notice-photo-too-large = That photo is too large (at most { $max } MB). Send a smaller one, or press Skip.
notice-bad-capacity = Please type a whole number from 1 to 100000, e.g. 50.
notice-bad-time-format = I could not read that time. Please write it like 2026-12-01 09:00.
notice-time-past = That time has passed; please give a time in the future.
notice-audience-empty = Nobody in that audience can receive it; nothing was sent. Please choose the audience again.
notice-no-places = The community has no buildings or entrances to choose from yet.
notice-pick-none = Please choose at least one.
notice-entrance = Bldg { $building }, Ent. { $entrance }
notice-audience-all = all owners
notice-audience-buildings = buildings { $list }
notice-audience-entrances = entrances { $list } (building-entrance)
notice-when-now = now
notice-when-at = scheduled for { $time }
notice-signup-off = no sign-up
notice-signup-unlimited = sign-up, no limit
notice-signup-capacity = sign-up, { $capacity } places
notice-preview-head = 👇 Preview: this is what owners will get
notice-preview-button = This is the preview; owners sign up with this button.
notice-preview-summary =
    Kind: { $kind }
    Audience: { $audience }
    Reaches { $total } people ({ $owners } owners, { $staff } staff)
    Sign-up: { $signup }
    When: { $when }
notice-cancelled = Cancelled; the notice was not sent.
notice-sent = ✅ Notice #{ $id } is going out to { $count } people. Its progress is shown here.
notice-scheduled = 🕒 Notice #{ $id } will go out at { $time } to { $count } people (counted again then). Change or cancel it in /notices.
notice-wrong-state = That cannot be done to this notice now.
notice-editing = ✏️ Editing notice #{ $id }: go through the steps again; sending replaces the scheduled one.

notice-progress =
    📢 Notice #{ $id } ({ $kind }): { $percent }% sent
    delivered { $sent } · failed { $failed } · blocked { $blocked } · waiting { $remaining } / { $total }
    { $status }
notice-progress-eta = about { $eta } left
notice-progress-paused = ⏸ paused
notice-progress-finished = ✅ finished: the report follows
notice-eta-seconds = { $sec } s
notice-eta-minutes = { $min } min { $sec } s
notice-report =
    ✅ Notice #{ $id } ({ $kind }) is out, in { $took }
    { $total } people: delivered { $sent }, failed { $failed }, blocked the bot { $blocked }
notice-paused = ⏸ Notice #{ $id } is paused.
notice-resumed = ▶️ Notice #{ $id } goes on.
notice-cancelled-scheduled = Scheduled notice #{ $id } is cancelled.

notice-list-empty = No notices yet. Send /notice to post one.
notice-list-head = 📋 Latest notices
notice-list-line = #{ $id } { $kind } · { $state } · { $time } · { $audience } · { $excerpt }
notice-list-figures = { "  " }delivered { $sent } · failed { $failed } · blocked { $blocked } · waiting { $remaining } / { $total }
notice-list-signups = { "  " }signed up { $count } / { $capacity }
notice-state-scheduled = scheduled
notice-state-sending = sending
notice-state-paused = paused
notice-state-done = sent
notice-state-cancelled = cancelled
notice-csv-caption = Sign-ups for notice #{ $id }: { $count }
notice-csv-ready = The sign-up list is in the chat.
notice-reminded = A reminder went to the { $count } owners signed up.

notice-signed-up = You are signed up! { $count }
notice-signup-withdrawn = Your sign-up is cancelled. { $count }
notice-signup-count = { $count } signed up so far
notice-signup-count-of = { $count } of { $capacity } places taken
notice-signup-full = Sorry, it is full ({ $capacity } places).
notice-signup-none = This notice takes no sign-ups.
notice-signup-reminder =
    ⏰ Reminder: you signed up for this activity. See you there!
    { $excerpt }

notice-settings-head = 🔔 Notices you receive
notice-setting-line = { $kind }: { $status }
notice-setting-on = on
notice-setting-off = off
notice-settings-always = Outage, maintenance and owners' meeting notices concern every owner and always come.
notice-settings-owners-only = Notice settings are for verified owners.
notice-muted = { $kind } notices are off
notice-unmuted = { $kind } notices are on

btn-notice-skip = ⏭ Skip
btn-notice-all = 👥 All owners
btn-notice-buildings = 🏢 By building
btn-notice-entrances = 🚪 By entrance
btn-notice-staff-off = ☐ Staff too
btn-notice-staff-on = ☑️ Staff too
btn-notice-picked = ✅ { $option }
btn-notice-done = Done ({ $count } chosen)
btn-notice-signup-yes = Sign-up needed
btn-notice-signup-no = No sign-up
btn-notice-no-limit = No limit
btn-notice-now = Send now
btn-notice-later = 🕒 Schedule
btn-notice-send = 📤 Send
btn-notice-schedule = 🕒 Schedule it
btn-notice-signup = ✋ Sign up
btn-notice-withdraw = ↩️ Cancel sign-up
btn-notice-pause = ⏸ Pause
btn-notice-resume = ▶️ Resume
btn-notice-pause-n = ⏸ Pause #{ $id }
btn-notice-resume-n = ▶️ Resume #{ $id }
btn-notice-edit = ✏️ Edit #{ $id }
btn-notice-cancel = ✖️ Cancel #{ $id }
btn-notice-csv = ⬇️ Sign-ups #{ $id }
btn-notice-remind = ⏰ Remind #{ $id }
btn-notice-mute = 🔕 Mute { $kind }
btn-notice-unmute = 🔔 Unmute { $kind }
