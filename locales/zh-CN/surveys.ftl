survey-kind-rating = 评分（1–5 星）
survey-kind-single = 单选
survey-kind-multiple = 多选
survey-kind-text = 文字回答
survey-error-too-long = 太长了，最多 { $max } 个字
survey-error-empty = 不能为空
survey-error-option-count = 选择题需要 { $min } 到 { $max } 个选项
survey-error-option-twice = 这个选项重复了
survey-error-options-not-allowed = 「{ $kind }」题不需要选项
survey-error-question-count = 问卷需要 1 到 { $max } 道题
survey-error-buildings = 楼栋不能为空
survey-error-close-before-open = 结束时间必须晚于开始时间
survey-error-close-past = 结束时间已经过去了

## 业主填写问卷

survey-invitation = 📋 满意度调查：{ $title }
survey-invitation-details =
    房屋：{ $unit }
    共 { $count } 题，约需 1–2 分钟，截止时间 { $closes }。
    您的意见是我们改进服务的依据，感谢您抽空填写！
btn-survey-start = 📝 开始填写
btn-survey-continue = 📝 继续填写
survey-reminder =
    ⏰ 温馨提醒：满意度调查「{ $title }」（房屋 { $unit }）将于 { $closes } 截止，您还没有填写完成。
    占用您一两分钟，点击下方按钮即可继续。
survey-begin = 📋 { $title }（房屋 { $unit }）
survey-question-head = 第 { $n }/{ $total } 题{ $optional ->
        [yes] （选答）
       *[no] {""}
    }
survey-rating-hint = 请点击星级：1 星为非常不满意，5 星为非常满意。
survey-multiple-hint = 可多选，选好后点击「✅ 完成」。
survey-text-hint = 请直接输入您的回答。
survey-current-answer = 当前答案：{ $answer }
btn-survey-stars = { $n } ⭐
btn-survey-picked = ✅ { $option }
btn-survey-ticked = ☑️ { $option }
btn-survey-unticked = ⬜ { $option }
btn-survey-done = ✅ 完成
btn-survey-skip = ⏭ 跳过
btn-survey-pause = ⏸ 稍后再填
btn-survey-edit = ✏️ 修改答案
survey-thanks = 🙏 问卷已提交，感谢您对物业服务的支持！在 { $closes } 截止前，您可以点击下方按钮修改答案。
survey-updated = ✅ 答案已更新，感谢您的反馈！截止 { $closes } 前仍可修改。
survey-already-submitted = 您已提交过这份问卷。截止 { $closes } 前可点击下方按钮修改答案。
survey-paused = ⏸ 已为您保存进度。「{ $title }」截止 { $closes }，随时点击邀请消息中的「📝 继续填写」或发送 /surveys，从中断处接着填。
survey-kept = 问卷进度已保存，稍后可发送 /surveys 继续填写。
survey-closed = 本次调查已结束，感谢您的关注。
survey-stale = 这道题已经作答过了，请看最新的题目。
survey-use-buttons = 请点击题目下方的按钮作答。
survey-rate-with-buttons = 请点击 1–5 星按钮评分。
survey-pick-one = 这道题为必答题，请至少选择一项。
survey-required = 这道题为必答题，不能跳过。
survey-none-open = 目前没有需要您填写的问卷。
survey-yours = 以下问卷等待您填写：
btn-survey-answer = 📝 { $title }（{ $unit }）
btn-survey-review = ✅ { $title }（{ $unit }，已提交）

## 管理员：问卷列表与详情

survey-list = 📋 满意度调查（点击查看详情）：
survey-list-empty = 还没有问卷。点击下方「➕ 新建问卷」，或直接把 YAML / TOML 问卷文件发给我（格式见说明文档）。
btn-survey-new = ➕ 新建问卷
btn-survey-item = { $title } · { $phase }
survey-phase-draft = 草稿
survey-phase-scheduled = 待发送
survey-phase-open = 进行中
survey-phase-closed = 已结束
survey-building = { $building }栋
survey-audience-all = 全部楼栋
survey-audience-buildings = { $list } 栋
survey-card-head = 📋 { $title }（{ $phase }）
survey-card-questions = 题目（共 { $count } 题）：
survey-card-question = { $n }. [{ $kind }] { $prompt }{ $optional ->
        [yes] （选答）
       *[no] {""}
    }
survey-card-audience = 发送对象：{ $audience }
survey-card-dates = 开始：{ $opens }　截止：{ $closes }
survey-opens-on-send = 点击发送时
survey-closes-default = 开始后 { $days } 天
survey-card-reach = 预计送达 { $count } 户（按业主和房屋计）
survey-card-responses = 已邀请 { $invited } 户，已提交 { $submitted } 份，回收率 { $rate }%
btn-survey-audience = 🎯 发送对象
btn-survey-closing = 📅 截止时间
btn-survey-schedule = ⏰ 定时发送
btn-survey-send = 🚀 立即发送
btn-survey-delete = 🗑 删除
btn-survey-unschedule = ↩️ 撤回为草稿
btn-survey-results = 📊 查看结果
btn-survey-by-building = 🏢 分楼栋
btn-survey-chart = 🖼 图表
btn-survey-csv = 📄 导出 CSV
btn-survey-close-now = ⏹ 立即结束
survey-choose-audience = 请选择发送对象（可多选楼栋）。当前预计送达 { $count } 户。
btn-survey-all = 全部楼栋
btn-survey-all-ticked = ☑️ 全部楼栋
survey-choose-closing = 问卷何时截止？（当天 20:00 截止）
btn-survey-days = { $days } 天后
survey-saved = 已保存
survey-ask-open-time = 请输入开始发送的时间，例如 2026-12-01 09:00（只写日期则为当天 9:00）。发送 /cancel 取消。
survey-bad-time-format = 没看懂这个时间，请按 2026-12-01 09:00 的格式输入。
survey-bad-time = 这个时间不行：开始时间需晚于现在，且早于截止时间。
survey-scheduled = ⏰ 已定时：{ $opens } 开始发送给 { $count } 户，{ $closes } 截止。
survey-confirm-send = 将发送给 { $count } 户业主，{ $closes } 截止。确认发送吗？
btn-survey-confirm-send = ✅ 确认发送
survey-sent = 🚀 问卷已开始发送，共 { $count } 户，{ $closes } 截止。消息将按 Telegram 的速度陆续送达。
survey-unscheduled = 已撤回为草稿
survey-deleted = 🗑 问卷已删除。
survey-closed-now = 问卷已结束
survey-not-draft = 这份问卷已发出，不能再修改或删除。
survey-empty-audience = 所选范围内还没有认证业主，无法发送。

## 管理员：在对话中设计问卷

design-start = 📝 新建满意度调查。随时点击「取消」或发送 /cancel 退出。
design-ask-title = 请输入问卷标题（不超过 { $max } 字），例如：2026 年第四季度业主满意度调查
design-ask-intro = 请输入问卷开头语（业主收到邀请时看到），或点击「跳过」。
btn-design-skip-intro = ⏭ 跳过
design-ask-kind = 第 { $n } 题：请选择题型。
btn-design-finish = ✅ 完成设计（共 { $count } 题）
design-ask-prompt = 请输入第 { $n } 题的题目（不超过 { $max } 字）。
design-ask-options = 请输入选项，每行一个（2–{ $max } 个），也可以用顿号分隔，如：非常满意、满意、一般、不满意
design-ask-required = 这道题是必答还是选答？
btn-design-required = 必答
btn-design-optional = 选答
design-question-added = ✅ 第 { $n } 题已添加。
design-use-buttons = 请点击上方按钮选择。
design-input-refused = 没有保存：{ $why }。请重新输入。
design-cancelled = 已取消新建问卷。
design-saved = ✅ 问卷草稿已保存。请在下方设置发送对象和截止时间后发送。

menu-surveys = 📋 满意度调查
cmd-surveys = 满意度调查问卷

## 问卷文件

survey-file-unreadable = 没能读取这个文件，请稍后重新发送。
survey-file-imported = ✅ 问卷文件已导入（共 { $count } 题），已保存为草稿：
survey-file-refused = ❌ 问卷文件有 { $count } 处问题，未导入任何内容：
survey-file-problem-at = 第 { $line } 行：{ $reason }
survey-file-problem = { $reason }
survey-file-more-problems = ……另有 { $count } 处问题

survey-no-results-yet = 问卷还没有发出，暂无结果。
survey-no-chart = 这份问卷没有评分题，无需图表。
survey-chart-caption = 📊 「{ $title }」评分题统计图
survey-csv-caption = 📄 「{ $title }」全部答卷（{ $count } 份），可用 Excel 打开
survey-file-unknown-buildings = ❌ 小区里没有这些楼栋：{ $buildings }。请修改文件中的 buildings 后重新发送，未导入任何内容。
