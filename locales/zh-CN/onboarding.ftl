# 业主认证：欢迎、授权手机号、房屋绑定、人工审核

welcome =
    { $name }，您好！欢迎使用物业服务中心线上服务台 🏡
    在这里可以报修、投诉、查看处理进度，第一时间收到小区通知。
    可以先选择语言：
welcome-back = { $name }，欢迎回来！请使用下方菜单。
onboarding-share-contact = 为了确认您的住户身份，请点击下方「📱 一键授权手机号」按钮。我们只用它与业主档案核对。
onboarding-use-contact-button = 请点击下方「📱 一键授权手机号」按钮授权手机号，无需手动输入。
onboarding-not-own-contact = 请授权您本人的手机号（点击下方按钮即可），不能使用他人的名片。
onboarding-phone-unreadable = 这个手机号无法识别，请点击下方按钮授权您本人的手机号。
onboarding-start-first = 请先发送 /start 完成住户认证。
onboarding-unit-found-several = 您的手机号登记了多套房屋。
onboarding-pick-unit = 请选择本次要绑定的房屋：
onboarding-bound =
    认证成功！已为您绑定 { $unit }（{ $relation }）。
    现在可以通过下方菜单报修、投诉或查看工单进度。
onboarding-not-on-roster =
    业主档案中暂未找到您的手机号，没关系，提交信息后由客服人工审核。
    请输入您的房号，例如：3栋2单元1201
onboarding-unit-example = 房号格式示例：3栋2单元1201 或 3-2-1201
onboarding-unit-unreadable = 没能识别这个房号。
onboarding-unit-unknown = 本小区没有找到 { $unit }，请核对后重新输入。
onboarding-ask-name = 房屋：{ $unit }。请输入您的姓名：
onboarding-ask-name-again = 请输入您的姓名：
onboarding-ask-relation = 请选择您与该房屋的关系：
onboarding-use-buttons = 请点击上方消息中的按钮进行选择。
onboarding-request-filed = 已提交认证申请，客服审核后会在这里通知您，请耐心等待。
onboarding-pending = 您的认证申请正在审核中，审核结果会第一时间在这里通知您。

verify-request-card =
    📋 新的住户认证申请
    姓名：{ $name }
    房屋：{ $unit }
    关系：{ $relation }
    手机：{ $phone }
verify-approved =
    您的住户认证已通过，已绑定 { $unit }。
    现在可以通过下方菜单报修、投诉或查看工单进度。
verify-rejected =
    很抱歉，您绑定 { $unit } 的申请未通过审核。
    如有疑问请联系物业服务中心，或点击下方按钮重新提交。
verify-you-approved = ✅ 已通过：{ $name }，{ $unit }
verify-you-rejected = ❌ 已驳回：{ $name }，{ $unit }
verify-already-approved = 该申请已由其他同事审核通过。
verify-already-rejected = 该申请已由其他同事驳回。
