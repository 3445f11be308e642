# Shared: errors, buttons, names of values

# Sent once when someone sends too much too fast (the abuse limit); what they sent meanwhile is not handled.
flood-slow-down = You are sending messages a little quickly. Please wait a moment before carrying on; thank you for your patience.
error-generic = Sorry, something went wrong on our side. Please try again shortly; for anything urgent, call the service centre.
error-update-set-aside = Sorry, we could not read your last message, so it was not processed. Please send it again (as plain text, without special characters); for anything urgent, call the service centre.
error-not-understood = Sorry, I didn't understand that. Please use the menu buttons below.
error-unknown-command = There is no such command. Send /help to see what I can do.
error-button-expired = This button has expired. Please use the buttons on the latest message.
error-not-allowed = Sorry, you are not allowed to do that.
error-text-expected = Please reply with text (photos, voice messages and stickers can't be read here).
error-too-long = That is too long; please keep it under { $max } characters.
cancelled = Cancelled.
cancelled-onboarding = Cancelled. Send /start whenever you want to begin again.

btn-approve = ✅ Approve
btn-reject = ❌ Reject
btn-share-contact = 📱 Share my phone number
btn-deactivate = Deactivate { $name }

unit-address = Bldg { $building }, Ent. { $entrance }, Rm { $room }
unit-address-no-entrance = Bldg { $building }, Rm { $room }

relation-owner = Owner
relation-family = Family member
relation-tenant = Tenant

trade-plumbing = Plumbing
trade-electrical = Electrical
trade-general-repair = General repairs
trade-cleaning = Cleaning
trade-security = Security
trade-customer-service = Customer service

role-member = Staff member
role-supervisor = Supervisor

language-choose = 请选择您的语言 / Please choose your language:
language-name-zh-cn = 中文
language-name-en = English
language-set = Language set to English.

cmd-start = Start / link your home
cmd-menu = Show the main menu
cmd-help = Help
cmd-language = Change language
cmd-cancel = Cancel what you are doing
cmd-invite = Create a staff invite link
cmd-staff = Staff list
