# 社区公告 / 通知

cmd-notice = 发布社区公告
cmd-notices = 公告记录 / 通知设置

notice-kind-activity = 社区活动
notice-kind-outage = 停水停电 / 设施检修
notice-kind-meeting = 业主大会
notice-kind-general = 一般通知

notice-lang-zh = 中文
notice-lang-en = 英文

notice-not-allowed = 抱歉，只有管理员和客服主管可以发布公告。
notice-not-found = 没有找到这条公告。
notice-start = 📢 发布社区公告。随时可以按 ✖️ 取消或发送 /cancel 退出，发送前不会保存任何内容。
notice-ask-kind = 请选择公告类型：
notice-ask-text =
    请输入公告正文（{ $lang }，最多 { $max } 字）。
    正文将按原样发送，不会转换任何格式符号。
notice-ask-other = 如需为使用{ $lang }的业主提供另一种语言的版本，请输入；不需要请按“跳过”（所有业主都会收到同一版本）。
notice-ask-photo = 如需配图，请发送一张照片（不超过 { $max } MB）；不需要请按“跳过”。
notice-ask-audience = 请选择发送范围：
notice-ask-buildings = 请选择楼栋（可多选），选好后按“完成”：
notice-ask-entrances = 请选择单元（可多选），选好后按“完成”：
notice-ask-signup = 这个活动需要业主报名吗？
notice-ask-capacity = 请输入报名人数上限（数字），不限人数请按“不限人数”。
notice-ask-when = 什么时候发送？
notice-ask-time = 请输入发送时间（小区当地时间），例如 2026-12-01 09:00。
notice-use-buttons = 请使用上面的按钮选择。
notice-photo-expected = 请发送一张照片，或按“跳过”。
notice-text-empty = 公告正文不能为空，请重新输入。
notice-text-too-long = 正文太长：{ $len } 字，最多 { $max } 字。请精简后重新输入。
notice-caption-too-long = 带图片的公告正文最多 { $max } 字（当前 { $len } 字）。请按“跳过”不配图，或取消后精简正文。
notice-photo-too-large = 照片太大（上限 { $max } MB），请换一张较小的照片，或按“跳过”。
notice-bad-capacity = 请输入 1 到 100000 之间的整数，例如 50。
notice-bad-time-format = 没有看懂这个时间，请按 2026-12-01 09:00 的格式输入。
notice-time-past = 这个时间已经过去了，请输入一个将来的时间。
notice-audience-empty = 这个范围内没有可以接收公告的人，什么也没有发送。请重新选择发送范围。
notice-no-places = 小区里还没有可选的楼栋或单元。
notice-pick-none = 请至少选择一项。
notice-entrance = { $building }栋{ $entrance }单元
notice-audience-all = 全体业主
notice-audience-buildings = { $list }栋
notice-audience-entrances = { $list } 单元（楼栋-单元）
notice-when-now = 立即发送
notice-when-at = 定时发送：{ $time }
notice-signup-off = 不需要报名
notice-signup-unlimited = 需要报名，不限人数
notice-signup-capacity = 需要报名，限 { $capacity } 人
notice-preview-head = 👇 预览：业主收到的公告如下
notice-preview-button = 这是预览，业主收到后按此按钮报名。
notice-preview-summary =
    类型：{ $kind }
    范围：{ $audience }
    将送达 { $total } 人（业主 { $owners } 人，员工 { $staff } 人）
    报名：{ $signup }
    时间：{ $when }
notice-cancelled = 已取消，公告没有发送。
notice-sent = ✅ 公告 #{ $id } 已开始发送，共 { $count } 人。发送进度会在这里更新。
notice-scheduled = 🕒 公告 #{ $id } 将于 { $time } 发送给 { $count } 人（届时人数以实际为准）。可在 /notices 中修改或取消。
notice-wrong-state = 这条公告现在不能这样操作。
notice-editing = ✏️ 修改公告 #{ $id }：请按步骤重新填写，发送后将替换原定时公告。

notice-progress =
    📢 公告 #{ $id }（{ $kind }）发送进度 { $percent }%
    已送达 { $sent } · 失败 { $failed } · 已屏蔽 { $blocked } · 待发送 { $remaining } / 共 { $total }
    { $status }
notice-progress-eta = 预计还需 { $eta }
notice-progress-paused = ⏸ 已暂停
notice-progress-finished = ✅ 已发送完毕，发送报告见下一条消息
notice-eta-seconds = { $sec } 秒
notice-eta-minutes = { $min } 分 { $sec } 秒
notice-report =
    ✅ 公告 #{ $id }（{ $kind }）发送完成，用时 { $took }
    共 { $total } 人：已送达 { $sent }，失败 { $failed }，已屏蔽机器人 { $blocked }
notice-paused = ⏸ 公告 #{ $id } 已暂停发送。
notice-resumed = ▶️ 公告 #{ $id } 继续发送。
notice-cancelled-scheduled = 定时公告 #{ $id } 已取消。

notice-list-empty = 还没有发布过公告。发送 /notice 发布一条。
notice-list-head = 📋 最近的公告
notice-list-line = #{ $id } { $kind } · { $state } · { $time } · { $audience } · { $excerpt }
notice-list-figures = { "　" }已送达 { $sent } · 失败 { $failed } · 已屏蔽 { $blocked } · 待发送 { $remaining } / 共 { $total }
notice-list-signups = { "　" }报名 { $count } / { $capacity }
notice-state-scheduled = 待发送
notice-state-sending = 发送中
notice-state-paused = 已暂停
notice-state-done = 已发送
notice-state-cancelled = 已取消
notice-csv-caption = 公告 #{ $id } 报名名单，共 { $count } 人
notice-csv-ready = 报名名单已发送。
notice-reminded = 已向 { $count } 位报名业主发送提醒。

notice-signed-up = 报名成功！{ $count }
notice-signup-withdrawn = 已取消报名。{ $count }
notice-signup-count = 目前 { $count } 人报名
notice-signup-count-of = 目前 { $count } / { $capacity } 人
notice-signup-full = 抱歉，名额已满（{ $capacity } 人）。
notice-signup-none = 这条公告不接受报名。
notice-signup-reminder =
    ⏰ 活动提醒：您已报名以下活动，请准时参加。
    { $excerpt }

notice-settings-head = 🔔 公告通知设置
notice-setting-line = { $kind }：{ $status }
notice-setting-on = 接收
notice-setting-off = 不接收
notice-settings-always = 停水停电、设施检修和业主大会通知关系到每位业主，始终会发送。
notice-settings-owners-only = 通知设置仅供已认证的业主使用。
notice-muted = 已关闭“{ $kind }”通知
notice-unmuted = 已开启“{ $kind }”通知

btn-notice-skip = ⏭ 跳过
btn-notice-all = 👥 全体业主
btn-notice-buildings = 🏢 按楼栋
btn-notice-entrances = 🚪 按单元
btn-notice-staff-off = ☐ 同时发给员工
btn-notice-staff-on = ☑️ 同时发给员工
btn-notice-picked = ✅ { $option }
btn-notice-done = 完成（已选 { $count }）
btn-notice-signup-yes = 需要报名
btn-notice-signup-no = 不需要
btn-notice-no-limit = 不限人数
btn-notice-now = 立即发送
btn-notice-later = 🕒 定时发送
btn-notice-send = 📤 发送
btn-notice-schedule = 🕒 确认定时发送
btn-notice-signup = ✋ 我要报名
btn-notice-withdraw = ↩️ 取消报名
btn-notice-pause = ⏸ 暂停
btn-notice-resume = ▶️ 继续
btn-notice-pause-n = ⏸ 暂停 #{ $id }
btn-notice-resume-n = ▶️ 继续 #{ $id }
btn-notice-edit = ✏️ 修改 #{ $id }
btn-notice-cancel = ✖️ 取消 #{ $id }
btn-notice-csv = ⬇️ 报名名单 #{ $id }
btn-notice-remind = ⏰ 提醒报名者 #{ $id }
btn-notice-mute = 🔕 关闭{ $kind }
btn-notice-unmute = 🔔 开启{ $kind }
