# 主菜单与帮助

menu-repair = 🔧 报修
menu-complaint = 📣 投诉建议
menu-my-requests = 📋 我的工单
menu-language = 🌐 语言 Language
menu-help = ❓ 帮助
menu-tasks = 🧰 我的任务
menu-patrol = 🔍 巡查上报
menu-invite-staff = ➕ 邀请员工
menu-staff-list = 👥 员工列表
menu-home = 请选择需要的服务：
menu-use-buttons = 请使用下方菜单按钮选择服务。

help-newcomer =
    物业服务中心线上服务台使用说明：
    1. 发送 /start，点击「📱 一键授权手机号」完成住户认证；
    2. 手机号不在业主档案中的，按提示填写房号和姓名，由客服审核；
    3. 认证后即可在线报修、投诉、查看工单进度。
    24 小时受理，紧急情况请直接致电物业服务中心。
help-owner =
    您可以通过下方菜单：
    🔧 报修 — 家中或公共区域需要维修
    📣 投诉建议 — 对服务的意见和建议
    📋 我的工单 — 查看处理进度
    🌐 语言 — 切换中文/English
    随时发送 /cancel 可取消当前操作。紧急情况请直接致电物业服务中心。
help-staff =
    员工菜单：
    🧰 我的任务 — 查看派给您的工单
    🔍 巡查上报 — 上报巡查中发现的问题
    新派单会直接推送到本对话。
help-admin =
    管理员可以：
    ➕ 邀请员工（/invite）— 生成一次性邀请链接，发给新同事点击加入
    👥 员工列表（/staff）— 查看并停用员工
    📋 满意度调查（/surveys）— 设计、发送问卷，查看结果（也可直接发送 YAML / TOML 问卷文件）
