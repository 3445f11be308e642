# 员工：邀请、加入、管理

invite-choose-trade = 请选择新员工的岗位：
invite-choose-role = 岗位：{ $trade }。请选择角色：
invite-created =
    邀请链接已生成（{ $trade }，{ $role }）：
    { $link }
    请转发给新同事，点击即可加入。链接仅可使用一次，{ $expires } 前有效。
invite-unknown = 邀请链接无效，请向管理员索取新的链接。
invite-used = 该邀请链接已被使用，请向管理员索取新的链接。
invite-expired = 该邀请链接已过期，请向管理员索取新的链接。
staff-welcome =
    { $name }，欢迎加入物业服务团队！您的岗位：{ $trade }。
    派给您的工单会推送到这里，请留意消息。
staff-joined-admin-notice = 新员工 { $name }（{ $trade }）已通过邀请链接加入。
staff-list-title = 员工列表（共 { $count } 人）：
staff-list-line = · { $name } — { $trade }
staff-list-line-supervisor = · { $name } — { $trade }（主管）
staff-list-line-inactive = · { $name } — { $trade }（已停用）
staff-list-empty = 还没有员工。使用 /invite 邀请第一位同事。
staff-deactivated = 已停用 { $name }。
staff-deactivated-handed-back = 其名下 { $count } 张未完成工单已退回派单，处理去向已通知主管。
staff-handover-supervisor = 👤 { $name } 已停用，其名下 { $count } 张未完成工单已重新派单：
staff-handover-line = · { $ticket } → { $went }
staff-handover-to = { $name }
staff-handover-queued = 待派单（暂无可接单人员）
staff-handover-case = 退回客服，待重新接单
staff-deactivated-notice = 您的员工账号已被停用，如有疑问请联系管理员。
