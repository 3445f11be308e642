# 体验沙盒网页（propdesk sandbox）：网页自身的界面文字

sandbox-page-title = 阳光花园物业服务台 · 体验沙盒
sandbox-title = 阳光花园 · 物业线上服务台
sandbox-subtitle = 体验环境：选择一位业主或员工的身份，像在 Telegram 里一样与物业服务台机器人对话。
sandbox-personas-heading = 选择体验身份
sandbox-demo-note = 演示数据仅保存在本机，关闭沙盒后清空。
sandbox-lang-zh = 中文
sandbox-lang-en = English

sandbox-role-owner = 业主
sandbox-role-newcomer = 新用户
sandbox-role-staff = 员工
sandbox-role-admin = 管理员

sandbox-bot-name = 物业服务中心
sandbox-bot-status = 机器人
sandbox-chatting-as = 当前身份：{ $name }
sandbox-back = 返回
sandbox-no-persona = 请先选择一个体验身份，再开始对话。
sandbox-loading = 加载中…
sandbox-empty-chat = 还没有消息。点击下方「开始」，与物业服务台开始对话。
sandbox-start = 开始

sandbox-input-placeholder = 输入消息…
sandbox-send = 发送
sandbox-attach-photo = 发送图片
sandbox-photo-title = 发送图片
sandbox-caption-placeholder = 添加图片说明（选填）
sandbox-cancel = 取消
sandbox-ok = 知道了
sandbox-edited = 已编辑
sandbox-photo-alt = 图片
sandbox-contact = 📱 联系人：{ $phone }
sandbox-location = 📍 位置：{ $latitude }, { $longitude }
sandbox-sticker = [贴纸]
sandbox-voice = [语音]
sandbox-document = 📄 文件：{ $name }

sandbox-invite-title = 用哪个身份打开邀请链接？
sandbox-invite-hint = 选择后，将以该身份向机器人发送 { $command }，并切换到该身份的对话。
sandbox-offline = 与沙盒的连接中断，正在重新连接…
sandbox-send-failed = 发送失败：{ $detail }
