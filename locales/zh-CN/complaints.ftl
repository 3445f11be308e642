# 投诉、建议、表扬

kind-repair = 报修
kind-complaint = 投诉
kind-suggestion = 建议
kind-praise = 表扬

subject-noise = 噪音扰民
subject-hygiene = 环境卫生
subject-security = 治安安全
subject-staff = 员工服务态度
subject-parking = 停车管理
subject-fees = 物业费用
subject-other = 其他

case-what = { $kind }·{ $subject }

case-start = 感谢您向物业服务中心反映意见，我们会认真对待每一条来信。
case-ask-kind = 请选择您要提交的类型：
case-ask-subject = 请选择所反映的事项：
case-ask-named = 请问涉及哪位工作人员？如不清楚，请选择“不清楚”。
btn-case-dont-know = 不清楚
case-ask-description = 请详细描述具体情况（时间、地点、经过），我们将尽快核实处理：
case-ask-contact = 是否方便客服人员电话联系您？
btn-case-contact-yes = 可以电话联系
btn-case-contact-no = 请勿来电，在此回复即可
case-summary =
    请核对以下信息：
    类型：{ $kind }
    事项：{ $subject }
    涉及人员：{ $named }
    内容：{ $description }
    照片：{ $photos } 张
    联系方式：{ $contact }
case-cancelled = 已取消，未提交任何内容。
case-filed =
    已收到您的{ $kind }，单号 { $number }。
    { $target }
case-filed-target = 客服将于 { $due } 前给您首次答复，并在 7 天内给出书面处理结果。
case-filed-no-target = 客服人员将尽快查阅，感谢您的支持。

case-new-staff =
    📣 新工单 { $ticket }
    地点：{ $place }
    内容：{ $description }
case-reply-due = 首次答复期限：{ $due }
btn-take = 🙋 我来处理
case-taken-toast = 已由您负责处理
case-already-taken = 该单已由其他同事受理。
case-already-taken-by = 该单已由 { $name } 受理。
case-taken-by = ✅ 已由 { $name } 受理，无需再处理。
case-card =
    📣 { $ticket }
    地点：{ $place }
    内容：{ $description }
    业主：{ $owner }
    { $contact }
case-contact-phone = 电话：{ $phone }
case-contact-none = 业主希望通过本平台沟通，请勿来电。
case-outcome-due = 处理结果期限：{ $due }
btn-case-reply = 💬 回复业主
btn-case-close = ✅ 办结
case-taken-owner = 您的{ $ticket }已由客服受理，我们会尽快回复您。
case-ask-reply = 请输入给业主的回复：
case-reply-sent = 回复已发送给业主。
case-reply-owner =
    { $ticket }
    客服回复：{ $text }
btn-case-owner-reply = 💬 回复客服
case-ask-owner-reply = 请输入您要回复客服的内容：
case-owner-reply-sent = 已转达客服，请耐心等待回复。
case-owner-reply-staff =
    { $ticket }
    业主回复：{ $text }
case-ask-outcome = 请填写处理结果（将发送给业主）：
case-closed-staff = 已办结，等待业主确认。
case-outcome-owner =
    您的{ $ticket }已处理完毕。
    处理结果：{ $outcome }
    请问问题是否已解决？
btn-case-resolved = 👍 已解决
btn-case-unresolved = 👎 未解决
case-resolved-staff = 业主确认{ $ticket }已解决。
case-ask-unresolved-reason = 很抱歉给您带来不便。请简单说明还有哪些问题没有解决，我们会转给客服继续跟进；不想填写可点击下方按钮跳过。
btn-case-unresolved-skip = 跳过，不填写
case-unresolved-reason = 业主说明：{ $reason }
case-unresolved-no-reason = 业主未说明具体原因。
case-unresolved-owner = 非常抱歉问题仍未解决，已转回客服继续跟进，主管也已知悉。
case-unresolved-staff = 业主表示{ $ticket }仍未解决，请继续跟进。
case-unresolved-supervisor = ⚠️ 业主表示{ $ticket }未解决，已退回经办人 { $handler }。
case-unresolved-supervisor-released = ⚠️ 业主表示{ $ticket }未解决；原经办人 { $handler } 已停用，已退回客服重新受理。
case-not-now = 该单当前状态无法进行此操作。
case-target-first-reply = 首次答复
case-target-outcome = 处理结果
case-overdue-staff = ⏰ { $ticket } 的{ $target }已超时（期限 { $due }），请尽快处理。
case-overdue-supervisor = ⏰ 超时升级：{ $ticket } 的{ $target }期限 { $due } 已过，经办人：{ $handler }。
case-not-taken = 尚无人受理

event-take = { $who } 受理
event-conclude = { $who } 办结
event-unresolved = 业主反馈未解决
event-staff-reply = 客服回复
event-owner-reply = 业主回复

case-detail =
    📣 { $number }
    类型：{ $what }
    内容：{ $description }
    状态：{ $status }
    处理人：{ $handler }
    首次回复时限：{ $reply_due } 前
