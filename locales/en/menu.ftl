# Main menus and help

menu-repair = 🔧 Repair
menu-complaint = 📣 Complaint
menu-my-requests = 📋 My requests
menu-language = 🌐 Language 语言
menu-help = ❓ Help
menu-tasks = 🧰 My tasks
menu-patrol = 🔍 Patrol report
menu-invite-staff = ➕ Invite staff
menu-staff-list = 👥 Staff list
menu-home = What can we do for you?
menu-use-buttons = Please choose a service with the menu buttons below.

help-newcomer =
    How to use the service centre's online desk:
    1. Send /start and tap "📱 Share my phone number" to verify as a resident;
    2. If your number is not in our owner records, type your unit and name and customer service will check them;
    3. Once verified you can request repairs, make complaints and follow their progress.
    We take requests 24 hours a day; in an emergency, please call the service centre.
help-owner =
    From the menu below you can:
    🔧 Repair — something at home or in a common area needs fixing
    📣 Complaint — tell us what we should do better
    📋 My requests — follow their progress
    🌐 Language — switch between 中文 and English
    Send /cancel at any time to stop what you are doing. In an emergency, please call the service centre.
help-staff =
    Staff menu:
    🧰 My tasks — the requests assigned to you
    🔍 Patrol report — report what you find on patrol
    New assignments arrive in this chat.
help-admin =
    Admins can:
    ➕ Invite staff (/invite) — create a one-time link for a new colleague to join
    👥 Staff list (/staff) — see and deactivate staff
    📋 Surveys (/surveys) — design and send surveys and read their results (or send a YAML / TOML survey file)
