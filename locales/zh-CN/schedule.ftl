# 定时任务：接单超时转派、上门提醒、超时升级、自动关单、清理未完成的报修登记

sla-accept-timeout-supervisor =
    ⏰ 工单 { $ticket } 超时未接单（派给 { $name }）
    { $outcome }
sla-accept-timeout-reassigned = 已自动转派给 { $assignee }。
sla-accept-timeout-queued = 暂无其他可派人员，已进入待派队列，请尽快安排。
sla-accept-timeout-staff = ⏰ 工单 { $ticket } 超时未接单，已转派给其他同事，无需处理。
sla-reminder-staff = ⏰ 上门提醒：工单 { $ticket } 须在 { $due } 前到场，请抓紧时间。到场后请点「已到场，开始处理」。
sla-nobody = 尚未派单
sla-onsite-breach-supervisor =
    🔺 超时升级：工单 { $ticket } 已超过上门时限（{ $due }），仍无人到场。
    当前处理人：{ $assignee }
    请及时跟进。
sla-resolve-breach-supervisor =
    🔺 超时升级：工单 { $ticket } 已超过完成时限（{ $due }），仍未完工。
    当前处理人：{ $assignee }
    请及时跟进。
sla-auto-closed-owner = 您的工单 { $ticket } 处理完毕已 { $hours } 小时，未收到您的确认，已自动关闭（未评价）。如问题仍未解决，请重新提交或联系物业服务中心。
sla-auto-closed-staff = 工单 { $ticket } 业主超时未确认，已自动关闭。辛苦了！

draft-discarded = 您有一份未提交的登记（报修或投诉建议）已超过 { $hours } 小时，已自动作废。如仍需要，请点击菜单重新登记。
