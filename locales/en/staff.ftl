# Staff: invites, joining, management

invite-choose-trade = Which trade is the new member in?
invite-choose-role = Trade: { $trade }. Which role?
invite-created =
    Invite link created ({ $trade }, { $role }):
    { $link }
    Forward it to your new colleague; opening it is all they need to do. It works once and expires at { $expires }.
invite-unknown = This invite link is not valid. Please ask an admin for a new one.
invite-used = This invite link has already been used. Please ask an admin for a new one.
invite-expired = This invite link has expired. Please ask an admin for a new one.
staff-welcome =
    Welcome to the service team, { $name }! Your trade: { $trade }.
    Requests assigned to you will arrive in this chat.
staff-joined-admin-notice = New staff member { $name } ({ $trade }) joined with an invite link.
staff-list-title = Staff ({ $count }):
staff-list-line = · { $name } — { $trade }
staff-list-line-supervisor = · { $name } — { $trade } (supervisor)
staff-list-line-inactive = · { $name } — { $trade } (deactivated)
staff-list-empty = No staff yet. Use /invite to invite your first colleague.
staff-deactivated = { $name } has been deactivated.
staff-deactivated-handed-back = Their { $count } open tickets went back to the dispatcher; the supervisors have been told where each went.
staff-handover-supervisor = 👤 { $name } has been deactivated. Their { $count } open tickets:
staff-handover-line = · { $ticket } → { $went }
staff-handover-to = { $name }
staff-handover-queued = the queue (nobody eligible now)
staff-handover-case = back to customer service to take
staff-deactivated-notice = Your staff account has been deactivated. Please contact an admin if you have questions.
