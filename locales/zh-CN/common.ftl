# 通用：错误提示、按钮、取值名称

# 短时间内操作过于频繁时提示一次（防刷限制），期间发来的内容不予处理。
flood-slow-down = 您的操作有点频繁，请稍候片刻再继续，感谢您的理解与配合！
error-generic = 抱歉，系统开了个小差，请稍后再试。如有急事请直接致电物业服务中心。
error-update-set-aside = 抱歉，您刚才发送的内容无法识别，未能处理。请重新发送（请用普通文字，不含特殊字符）；如有急事请直接致电物业服务中心。
error-not-understood = 抱歉，没有看懂您的意思。请使用下方菜单按钮。
error-unknown-command = 没有这个指令。发送 /help 查看可用功能。
error-button-expired = 这个按钮已失效，请使用最新消息中的按钮。
error-not-allowed = 抱歉，您没有权限进行此操作。
error-text-expected = 请直接输入文字回复（图片、语音、贴纸等这里无法识别）。
error-too-long = 内容太长了，请控制在 { $max } 个字以内。
cancelled = 已取消。
cancelled-onboarding = 已取消。需要时发送 /start 重新开始。

btn-approve = ✅ 通过
btn-reject = ❌ 驳回
btn-share-contact = 📱 一键授权手机号
btn-deactivate = 停用 { $name }

unit-address = { $building }栋{ $entrance }单元{ $room }
unit-address-no-entrance = { $building }栋{ $room }

relation-owner = 业主
relation-family = 家属
relation-tenant = 租户

trade-plumbing = 水暖维修
trade-electrical = 电工维修
trade-general-repair = 综合维修
trade-cleaning = 保洁
trade-security = 秩序维护
trade-customer-service = 客服

role-member = 普通员工
role-supervisor = 主管

language-choose = 请选择您的语言 / Please choose your language:
language-name-zh-cn = 中文
language-name-en = English
language-set = 已切换为中文。

cmd-start = 开始 / 绑定房屋
cmd-menu = 显示主菜单
cmd-help = 使用帮助
cmd-language = 切换语言
cmd-cancel = 取消当前操作
cmd-invite = 生成员工邀请链接
cmd-staff = 员工列表
