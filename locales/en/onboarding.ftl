# Owner verification: welcome, phone contact, binding to a unit, manual review

welcome =
    Hello { $name }, welcome to the service centre's online desk 🏡
    Here you can request repairs, make complaints, follow their progress and get community notices first.
    You can choose your language first:
welcome-back = Welcome back, { $name }! Please use the menu below.
onboarding-share-contact = To confirm you are a resident, tap "📱 Share my phone number" below. We only use it to check our owner records.
onboarding-use-contact-button = Please tap "📱 Share my phone number" below; there is no need to type it.
onboarding-not-own-contact = Please share your own phone number (tap the button below), not someone else's contact.
onboarding-phone-unreadable = We could not read that phone number. Please tap the button below to share your own.
onboarding-start-first = Please send /start to verify as a resident first.
onboarding-unit-found-several = Your phone number is registered for several homes.
onboarding-pick-unit = Please choose the home to link now:
onboarding-bound =
    Verified! You are linked to { $unit } ({ $relation }).
    You can now request repairs, make complaints or follow your requests from the menu below.
onboarding-not-on-roster =
    We could not find your phone number in our owner records. No problem: send us your details and customer service will check them.
    Please type your unit, for example: 3-2-1201 (building 3, entrance 2, room 1201)
onboarding-unit-example = Unit format: 3-2-1201 or 3栋2单元1201
onboarding-unit-unreadable = We could not read that unit.
onboarding-unit-unknown = We have no { $unit } in this community. Please check and type it again.
onboarding-ask-name = Home: { $unit }. Please type your name:
onboarding-ask-name-again = Please type your name:
onboarding-ask-relation = How do you live there?
onboarding-use-buttons = Please choose with the buttons on the message above.
onboarding-request-filed = Your request has been sent. Customer service will review it and tell you here.
onboarding-pending = Your verification request is being reviewed; we will tell you here as soon as it is decided.

verify-request-card =
    📋 New resident verification request
    Name: { $name }
    Home: { $unit }
    Relation: { $relation }
    Phone: { $phone }
verify-approved =
    You are verified and linked to { $unit }.
    You can now request repairs, make complaints or follow your requests from the menu below.
verify-rejected =
    Sorry, your request to link to { $unit } was not approved.
    If you have questions, please contact the service centre, or tap the button below to try again.
verify-you-approved = ✅ Approved: { $name }, { $unit }
verify-you-rejected = ❌ Rejected: { $name }, { $unit }
verify-already-approved = A colleague has already approved this request.
verify-already-rejected = A colleague has already rejected this request.
