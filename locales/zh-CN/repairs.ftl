# 报修：类别、填写步骤、工单卡片、进度通知、确认与评价

category-plumbing = 🚰 水管 / 给排水
category-electrical = 💡 电路 / 照明
category-doors-windows = 🚪 门窗
category-lift = 🛗 电梯
category-gas = 🔥 燃气
category-common-facilities = 🏢 公共设施
category-other = 🔧 其他

urgency-emergency = 🚨 紧急（急修）
urgency-urgent = ⚡ 较急
urgency-routine = 🕒 一般维修

status-queued = 待派单
status-assigned = 已派单，待接单
status-accepted = 已接单
status-on-the-way = 师傅在路上
status-in-progress = 处理中
status-on-hold = 暂停（待料）
status-done = 已完成，待确认
status-closed = 已关闭
status-cancelled = 已取消

window-any = 任何时间都可以
window-today = 今天
window-tomorrow-am = 明天上午
window-tomorrow-pm = 明天下午

place-common-area = 公共区域：{ $where }

btn-back = ⬅️ 上一步
btn-cancel = ✖️ 取消
btn-common-area = 🏢 公共区域
btn-confirm = ✅ 确认提交
btn-confirm-self = 🛠 我自己处理
btn-edit = ✏️ 修改
btn-skip-photos = 跳过，没有照片
btn-photos-done = 完成（{ $count } 张）
btn-selected = ✅ { $label }
btn-accept = ✅ 接单
btn-decline = ↩️ 拒单
btn-on-my-way = 🚶 出发
btn-arrived = 📍 已到场，开始处理
btn-done = ✅ 完工
btn-hold = ⏸ 暂停（待料）
btn-resume = ▶️ 继续处理
btn-hold-1 = 明天
btn-hold-3 = 3 天后
btn-hold-7 = 一周后
btn-fixed = 👍 已修好
btn-not-fixed = 👎 没修好
btn-stars = { $stars } ⭐
btn-no-comment = 不用了

repair-start = 好的，我们来登记报修，随时可以发送 /cancel 取消。
patrol-start = 巡查上报：登记公共区域发现的问题，随时可以发送 /cancel 取消。
repair-ask-category = 请选择报修类别：
repair-ask-place = 需要维修的地点是？
repair-ask-common-area = 请简单描述位置，例如「3栋大堂」「地下车库B2」。也可以先发送定位。
repair-location-received = 已收到定位，请再用文字简单描述一下位置。
repair-ask-description = 请描述一下问题，例如「厨房水槽下水管漏水」。
repair-photo-kept-describe = 照片已收到，请再用文字描述一下问题。
repair-ask-photos = 可以发送现场照片（最多 { $max } 张，可一次选多张），发完点「完成」；没有照片点「跳过」。
repair-photo-received = 已收到第 { $count } 张照片（最多 { $max } 张）。还有可以继续发送，发完点「完成」。
repair-photos-full = 最多 { $max } 张照片，已经够了，请点「完成」。
repair-photos-use-button = 这里请发送照片（最多 { $max } 张），发完或没有照片请点下方按钮。
repair-urgency-suggested = 您提到了「{ $word }」，已为您预选「紧急」。
repair-ask-urgency = 请选择紧急程度：
repair-ask-window = 希望师傅什么时间上门？可以点下方按钮，也可以直接输入，例如「周六上午」。
repair-use-buttons = 请点击上方消息中的按钮进行选择。
repair-summary =
    请核对报修信息：
    类别：{ $category }
    地点：{ $place }
    描述：{ $description }
    照片：{ $photos } 张
    紧急程度：{ $urgency }
    预约上门：{ $window }
repair-edit-which = 要修改哪一项？
repair-field-category = 类别
repair-field-place = 地点
repair-field-description = 描述
repair-field-photos = 照片
repair-field-urgency = 紧急程度
repair-field-window = 预约时间
repair-cancelled = 已取消本次报修。
repair-filed =
    ✅ 报修已提交，工单号：{ $number }
    目标上门时间：{ $due } 前
    { $who }
    可以在「📋 我的工单」查看进度。
repair-filed-assigned = 已派给维修人员 { $assignee }，会尽快与您联系。
repair-filed-queued = 正在为您安排维修人员，安排好后会第一时间通知您。

ticket-title = { $number }（{ $category }）
ticket-card =
    🔧 新工单 { $number }
    类别：{ $category }
    地点：{ $place }
    紧急程度：{ $urgency }
    描述：{ $description }
    预约上门：{ $window }
    上门时限：{ $due } 前
    报修人：{ $owner } { $phone }
ticket-assigned-owner = 您的报修 { $ticket } 已派给维修人员 { $assignee }。
ticket-accepted-owner = 维修人员 { $assignee } 已接单：{ $ticket }。
ticket-on-the-way-owner = 维修人员 { $assignee } 已出发，正在前往：{ $ticket }。
ticket-started-owner = 维修人员 { $assignee } 已到场，开始处理：{ $ticket }。
ticket-on-hold-owner =
    您的报修 { $ticket } 暂停处理：{ $reason }
    预计 { $until } 恢复，我们会及时通知您。
ticket-resumed-owner = 您的报修 { $ticket } 已恢复处理。
ticket-done-owner =
    维修人员 { $assignee } 已完工：{ $ticket }
    处理说明：{ $note }
    请确认是否已修好：
ticket-emergency-supervisor =
    🚨 紧急报修 { $ticket }
    地点：{ $place }
    描述：{ $description }
ticket-queued-supervisor = ⚠️ 工单 { $ticket } 暂无可派人员，已进入待派队列，请尽快安排。
ticket-declined-supervisor =
    ↩️ { $name } 拒绝了工单 { $ticket }
    原因：{ $reason }
    { $outcome }
ticket-declined-reassigned = 已自动转派给 { $assignee }。
ticket-declined-queued = 暂无其他可派人员，已进入待派队列。
ticket-reopened-staff = 🔁 业主反馈工单 { $ticket } 没有修好：{ $reason }。请重新接单处理。
ticket-reopened-supervisor = 🔁 工单 { $ticket } 被业主退回（没修好）：{ $reason }
ticket-reopened-handed-over = 原维修人员 { $name } 已停用，工单已转派给 { $assignee }。
ticket-reopened-queued = 原维修人员 { $name } 已停用，暂无可派人员，工单已进入待派队列，请尽快安排。
ticket-cancelled-staff = 工单 { $ticket } 已被业主取消，无需再上门。
ticket-confirmed-staff = 👍 业主已确认工单 { $ticket } 修好了，辛苦了！

ticket-accepted-toast = 已接单，已通知业主。
ticket-owner-told-toast = 已更新，已通知业主。
ticket-ask-decline-reason = 请输入拒单原因（例如「不在班」「需要专业厂家」）：
ticket-declined-staff = 已拒单，工单已交给调度重新安排。
ticket-ask-hold-reason = 请输入暂停原因（例如「等配件」「业主不在家」）：
ticket-ask-hold-until = 预计什么时候恢复处理？可以点下方按钮，或输入日期，例如 12-05。
ticket-hold-date-unreadable = 没能识别这个日期，请输入如 12-05 或 2026-12-05 的日期（一年以内），或点上方按钮。
ticket-on-hold-staff = 已暂停，预计 { $until } 恢复，已通知业主。恢复时点下方「继续处理」。
ticket-ask-done-note = 请简单说明处理情况（例如「更换了水槽下水管」）：
ticket-ask-done-photos = 可以发送维修后的照片（最多 { $max } 张），发完点「完成」；没有照片点「跳过」。
ticket-done-staff = ✅ 已完工，等待业主确认。辛苦了！
ticket-ask-rating = { $kind ->
        [complaint] 感谢确认！请为本次投诉的处理评分：
        [suggestion] 感谢确认！请为我们对您建议的处理评分：
        [praise] 感谢确认！请为我们对您表扬的回复评分：
       *[repair] 感谢确认！请为本次维修服务评分：
    }
ticket-closed-no-rating = 感谢确认，工单已关闭。
ticket-ask-comment = 感谢您的 { $stars } 星评价！还有什么想对我们说的吗？可以直接输入，或点「不用了」。
ticket-thanks-rating = 感谢您的评价，我们会继续努力！
ticket-ask-not-fixed-reason = 很抱歉！请描述一下还有什么问题：
ticket-reopened-owner = 已通知维修师傅重新处理，并同步给主管跟进。
ticket-reopened-owner-queued = 已退回服务中心重新派单，主管会尽快安排维修人员并跟进。
ticket-cancelled-owner = 工单 { $number } 已取消。
error-ticket-not-now = 这个操作现在不可用（工单当前状态：{ $status }）。
