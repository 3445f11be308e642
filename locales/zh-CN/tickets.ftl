# 工单列表、工单详情与处理记录、补充说明、主管操作

menu-queue = 🗂 待派工单
menu-overdue = ⏰ 超时工单
menu-stats = 📊 服务数据
cmd-queue = 待派工单
cmd-overdue = 超时工单
cmd-stats = 服务数据统计

list-mine-title = 📋 我的工单：
list-tasks-title = 🧰 我的任务（按紧急程度）：
list-queue-title = 🗂 待派工单：
list-overdue-title = ⏰ 超时工单：
list-mine-empty = 您还没有报修或投诉建议记录。需要时点「🔧 报修」或「📣 投诉建议」即可。
list-tasks-empty = 目前没有待处理的任务。
list-queue-empty = 没有待派工单。
list-overdue-empty = 没有超时工单，很好！
list-line = · { $number } { $category } — { $status }（{ $date }）
btn-open-ticket = 查看 { $number }
btn-previous-page = ◀ 上一页
btn-next-page = 下一页 ▶

ticket-detail =
    🔧 工单 { $number }
    类别：{ $category }
    地点：{ $place }
    描述：{ $description }
    紧急程度：{ $urgency }
    状态：{ $status }
    维修人员：{ $assignee }
    上门时限：{ $due } 前
ticket-timeline = 处理记录：
timeline-line = { $at } { $what }
event-created = { $who } { $kind ->
        [complaint] 提交投诉
        [suggestion] 提交建议
        [praise] 提交表扬
       *[repair] 提交报修
    }
event-assign = 已派单
event-accept = { $who } 接单
event-decline = { $who } 拒单
event-accept-timeout = { $who } 超时未接单
event-start-travel = { $who } 出发
event-arrive = { $who } 到场处理
event-hold = { $who } 暂停处理
event-resume = { $who } 恢复处理
event-complete = { $who } 完工
event-confirm-fixed = { $who } { $kind ->
        [repair] 确认已修好
       *[other] 确认已解决
    }
event-report-not-fixed = { $who } 反馈没修好
event-cancel = { $who } 取消工单
event-reassign = { $who } 转派
event-release = 原处理人员已离岗，{ $who } 将工单退回待派单
event-release-auto = { $kind ->
        [repair] 原处理人员已离岗，工单退回待派单
       *[other] 原经办人已离岗，退回客服重新受理
    }
event-reassign-auto = 原处理人员已离岗，已转派
event-auto-close = 超时未确认，自动关闭
event-follow-up = { $who } 补充说明
event-urgency = { $who } 调整紧急程度
event-sla-breach = 超时升级
event-with-note = { $event }：{ $note }

btn-follow-up = 💬 补充说明
btn-cancel-ticket = ✖️ 取消工单
ticket-ask-follow-up = { $kind ->
        [repair] 请输入要补充的说明，或发送照片，我们会转达给维修师傅：
       *[other] 请输入要补充的说明，或发送照片，我们会转达给受理的客服：
    }
ticket-follow-up-expected = 请输入文字或发送照片。
ticket-follow-up-sent = { $kind ->
        [repair] 已转达给维修师傅。
       *[other] 已转达给受理的客服。
    }
ticket-follow-up-kept = { $kind ->
        [repair] 已记录在工单上，派单后维修人员可以看到。
       *[other] 已记录在工单上，客服受理后可以看到。
    }
ticket-follow-up-staff = 💬 业主对工单 { $ticket } 补充：{ $text }

btn-reassign = 🔀 转派
btn-change-urgency = 🚨 调整紧急程度
btn-reassign-to = { $name }（在办 { $open } 单）
reassign-choose = 转派给谁？
reassign-nobody = 暂无可转派的人员。
reassign-done = 工单 { $number } 已转派给 { $name }。
ticket-reassigned-away = 工单 { $ticket } 已由主管转派给其他同事，无需再处理。
urgency-choose = 调整为：
urgency-done = 工单 { $number } 已调整为 { $urgency }，上门时限 { $due } 前。
ticket-urgency-changed = 工单 { $ticket } 的紧急程度已调整为 { $urgency }，上门时限 { $due } 前。

stats-choose-period = 查看哪个时间段的服务数据？
btn-this-week = 本周
btn-this-month = 本月
btn-last-month = 上月
btn-custom-period = 自定义
stats-ask-range = 请输入起止日期，例如：2026-11-01 2026-11-30
btn-export-csv = ⬇️ 导出工单明细（CSV）
stats-export-caption = 工单明细，共 { $rows } 条。
stats-export-too-large = { $from } 至 { $to } 的工单明细超过 Telegram 单个文件 { $max } MB 的上限，无法在此发送。请缩短时间段后重试，或请系统管理员在服务器上执行：propdesk export tickets --from { $from } --to { $to }
