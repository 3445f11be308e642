# The sandbox web chat page (propdesk sandbox): the page's own wording

sandbox-page-title = Sunshine Garden service desk · sandbox
sandbox-title = Sunshine Garden service desk
sandbox-subtitle = A playground: pick an owner or a staff member and chat with the service-desk bot as you would in Telegram.
sandbox-personas-heading = Choose who you are
sandbox-demo-note = Demo data stays on this machine and is gone when the sandbox stops.
sandbox-lang-zh = 中文
sandbox-lang-en = English

sandbox-role-owner = Owner
sandbox-role-newcomer = Newcomer
sandbox-role-staff = Staff
sandbox-role-admin = Admin

sandbox-bot-name = Service centre
sandbox-bot-status = bot
sandbox-chatting-as = Chatting as { $name }
sandbox-back = Back
sandbox-no-persona = Choose someone to play, then start chatting.
sandbox-loading = Loading…
sandbox-empty-chat = No messages here yet. Press START below to talk to the service desk.
sandbox-start = START

sandbox-input-placeholder = Message…
sandbox-send = Send
sandbox-attach-photo = Send a photo
sandbox-photo-title = Send a photo
sandbox-caption-placeholder = Add a caption (optional)
sandbox-cancel = Cancel
sandbox-ok = OK
sandbox-edited = edited
sandbox-photo-alt = Photo
sandbox-contact = 📱 Contact: { $phone }
sandbox-location = 📍 Location: { $latitude }, { $longitude }
sandbox-sticker = [Sticker]
sandbox-voice = [Voice message]
sandbox-document = 📄 File: { $name }

sandbox-invite-title = Open the invite link as whom?
sandbox-invite-hint = The person you pick sends { $command } to the bot, and their chat opens.
sandbox-offline = Lost the connection to the sandbox; reconnecting…
sandbox-send-failed = Could not send: { $detail }
