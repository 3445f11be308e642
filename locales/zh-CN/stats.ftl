# 报修统计：管理报表、统计周期

stats-period-this-week = 本周
stats-period-this-month = 本月
stats-period-last-month = 上月
stats-period-custom = { $from } 至 { $to }
stats-period-unreadable = 没有看懂这个日期范围。请输入开始日期和结束日期，例如：2026-11-01 至 2026-11-30
stats-period-bad-date = “{ $date }”不是有效日期，请按 2026-11-01 的格式输入。
stats-period-reversed = 开始日期 { $from } 晚于结束日期 { $to }，请检查后重新输入。
stats-period-too-long = 所选范围共 { $days } 天，一次最多可查询 { $max } 天，请缩短范围。

stats-title = 📊 报修统计 · { $period }
stats-empty = 这段时间没有报修工单。
stats-total = 共 { $tickets } 单
stats-status = 状态：{ $list }
stats-category = 类别：{ $list }
stats-count-item = { $label } { $count }
stats-list-join = { $head }、{ $tail }
stats-accept = ⏱ 接单用时：中位 { $median }，90% 在 { $p90 } 内
stats-onsite = 🚶 上门用时：中位 { $median }，90% 在 { $p90 } 内
stats-resolve = 🔧 完成用时：中位 { $median }，90% 在 { $p90 } 内
stats-on-time = ✅ 按时上门 { $onsite }，按时完成 { $resolve }
stats-reopened = 🔁 返修率 { $share }
stats-rating = ⭐ 满意度 { $average } 分（{ $rated } 单评价）
stats-rating-none = ⭐ 满意度：暂无评价
stats-share = { $percent }%（{ $part }/{ $whole }）
stats-percent = { $percent }%

stats-staff-title = 👷 按处理人
stats-staff-title-top = 👷 按处理人（工单最多的前 { $shown } 位，共 { $count } 位）
stats-staff-more = 其余 { $rows } 位共 { $tickets } 单
stats-unassigned = 未派单
stats-building-title = 🏢 按楼栋
stats-building-title-top = 🏢 按楼栋（工单最多的前 { $shown } 处，共 { $count } 处）
stats-building-more = 其余 { $rows } 处共 { $tickets } 单
stats-building = { $building }栋
stats-common-area = 公共区域
stats-row = { $name }：{ $tickets } 单，上门中位 { $onsite }，按时上门 { $onsite-on-time }，按时完成 { $resolve-on-time }，返修 { $reopened }，评分 { $rating }

stats-duration-under-minute = 不到1分钟
stats-duration-minutes = { $minutes }分钟
stats-duration-hours = { $minutes ->
    [0] { $hours }小时
   *[other] { $hours }小时{ $minutes }分
}
stats-duration-days = { $hours ->
    [0] { $days }天
   *[other] { $days }天{ $hours }小时
}

# 满意度统计：/stats satisfaction

stats-usage =
    可查看的统计：
    /stats：报修统计（本周、本月、上月或自选日期）
    /stats satisfaction（或 /stats 满意度）：近 6 个月的业主满意度
stats-unknown-report = 没有“{ $arg }”这项统计。
satisfaction-title = ⭐ 满意度统计 · { $from } 至 { $to }
satisfaction-empty = 近 { $months } 个月还没有业主评价。
satisfaction-month = { $year }年{ $month }月
satisfaction-overall = 共 { $rated } 条评价，平均 { $average } 分
satisfaction-rate = 满意率（4–5 星）{ $share }，目标 { $target }%，{ $met ->
    [yes] 已达标 ✅
   *[no] 未达标 ⚠️
}
satisfaction-month-title = 📅 按月
satisfaction-row = { $name }：{ $rated } 条，平均 { $average } 分，满意率 { $percent }
satisfaction-row-none = { $name }：暂无评价
satisfaction-category-title = 🗂 按类别（平均分从高到低）
satisfaction-category-title-cut = 🗂 按类别（共 { $count } 类，列出最高和最低各 { $shown } 类）
satisfaction-category-more = ……其余 { $rows } 类共 { $rated } 条评价，平均 { $average } 分
satisfaction-staff-title = 👷 按处理人（平均分从高到低）
satisfaction-staff-title-cut = 👷 按处理人（共 { $count } 位，列出最高和最低各 { $shown } 位）
satisfaction-staff-more = ……其余 { $rows } 位共 { $rated } 条评价，平均 { $average } 分
satisfaction-unassigned = 无处理人
