# Repair figures: the management report, periods

stats-period-this-week = This week
stats-period-this-month = This month
stats-period-last-month = Last month
stats-period-custom = { $from } to { $to }
stats-period-unreadable = I couldn't read that date range. Please type a start and an end date, for example: 2026-11-01 to 2026-11-30
stats-period-bad-date = "{ $date }" is not a valid date; please write dates like 2026-11-01.
stats-period-reversed = The start date { $from } is after the end date { $to }; please check and try again.
stats-period-too-long = That range is { $days } days; at most { $max } days can be shown at once. Please choose a shorter range.

stats-title = 📊 Repair figures · { $period }
stats-empty = No repair requests in this period.
stats-total = { $tickets ->
    [one] 1 ticket
   *[other] { $tickets } tickets
}
stats-status = Status: { $list }
stats-category = Category: { $list }
stats-count-item = { $label } { $count }
stats-list-join = { $head }, { $tail }
stats-accept = ⏱ To accept: median { $median }, 90% within { $p90 }
stats-onsite = 🚶 To arrive on site: median { $median }, 90% within { $p90 }
stats-resolve = 🔧 To fix: median { $median }, 90% within { $p90 }
stats-on-time = ✅ On site on time { $onsite }, fixed on time { $resolve }
stats-reopened = 🔁 Reopened { $share }
stats-rating = ⭐ Rating { $average } ({ $rated } rated)
stats-rating-none = ⭐ Rating: none yet
stats-share = { $percent }% ({ $part }/{ $whole })
stats-percent = { $percent }%

stats-staff-title = 👷 By assignee
stats-staff-title-top = 👷 By assignee (top { $shown } of { $count } by tickets)
stats-staff-more = { $rows } more: { $tickets ->
    [one] 1 ticket
   *[other] { $tickets } tickets
}
stats-unassigned = Unassigned
stats-building-title = 🏢 By building
stats-building-title-top = 🏢 By building (top { $shown } of { $count } by tickets)
stats-building-more = { $rows } more: { $tickets ->
    [one] 1 ticket
   *[other] { $tickets } tickets
}
stats-building = Bldg { $building }
stats-common-area = Common areas
stats-row = { $name }: { $tickets ->
    [one] 1 ticket
   *[other] { $tickets } tickets
}, on site in { $onsite } (median), { $onsite-on-time } on time; fixed on time { $resolve-on-time }; reopened { $reopened }; rating { $rating }

stats-duration-under-minute = < 1 min
stats-duration-minutes = { $minutes } min
stats-duration-hours = { $minutes ->
    [0] { $hours } h
   *[other] { $hours } h { $minutes } min
}
stats-duration-days = { $hours ->
    [0] { $days } d
   *[other] { $days } d { $hours } h
}

# Satisfaction: /stats satisfaction

stats-usage =
    Reports you can ask for:
    /stats: repair figures (this week, this month, last month or dates you choose)
    /stats satisfaction: owners' satisfaction over the last 6 months
stats-unknown-report = There is no report called "{ $arg }".
satisfaction-title = ⭐ Satisfaction · { $from } to { $to }
satisfaction-empty = No ratings from owners in the last { $months } months.
satisfaction-month = { $year }-{ $mm }
satisfaction-overall = { $rated ->
    [one] 1 rating
   *[other] { $rated } ratings
}, average { $average }
satisfaction-rate = Satisfied (4–5 stars) { $share }, target { $target }%: { $met ->
    [yes] met ✅
   *[no] not met ⚠️
}
satisfaction-month-title = 📅 By month
satisfaction-row = { $name }: { $rated ->
    [one] 1 rating
   *[other] { $rated } ratings
}, average { $average }, satisfied { $percent }
satisfaction-row-none = { $name }: no ratings
satisfaction-category-title = 🗂 By category (best average first)
satisfaction-category-title-cut = 🗂 By category (best and worst { $shown } of { $count })
satisfaction-category-more = … { $rows } more: { $rated ->
    [one] 1 rating
   *[other] { $rated } ratings
}, average { $average }
satisfaction-staff-title = 👷 By staff member (best average first)
satisfaction-staff-title-cut = 👷 By staff member (best and worst { $shown } of { $count })
satisfaction-staff-more = … { $rows } more: { $rated ->
    [one] 1 rating
   *[other] { $rated } ratings
}, average { $average }
satisfaction-unassigned = Nobody assigned
