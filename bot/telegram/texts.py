"""Everything the bot says, by language. Values are HTML fragments with `{placeholders}`.

The user's Telegram language picks the catalogue; unknown languages and missing keys fall back
to English, so adding a language never breaks a message.
"""

from __future__ import annotations

import html

from bot.mj import known_reason

EN: dict[str, str] = {
    "start": (
        "👋 <b>Hi! I draw with Midjourney.</b>\n\n"
        "Send <code>/imagine</code> and a prompt, for example:\n"
        "<code>/imagine a red fox in snow --ar 3:2</code>\n\n"
        "In this private chat you can also just send the prompt as a message. "
        "Midjourney parameters such as <code>--ar</code>, <code>--v</code> or <code>--no</code> work as usual.\n\n"
        "I keep one message per job up to date and put Midjourney's buttons under the result: "
        "U1–U4 upscale, V1–V4 make variations, 🔄 runs the prompt again."
    ),
    "imagine_usage": (
        "✍️ Please add a prompt after the command, for example:\n<code>/imagine a red fox in snow --ar 3:2</code>"
    ),
    "status_sending": "⏳ <b>Sending to Midjourney…</b>",
    "status_queued": "🕒 <b>Queued</b> · {ahead} ahead of you",
    "status_queued_plain": "🕒 <b>Queued</b>",
    "status_submitted": "📨 <b>Submitted</b> · waiting for Midjourney to start",
    "status_progress": "🎨 <b>Drawing…</b> {percent}%\n{bar}",
    "status_progress_plain": "🎨 <b>Drawing…</b>",
    "result_full_file": "Full resolution · {width}×{height}",
    "error_banned": (
        "🚫 <b>Midjourney won't accept this prompt.</b>\nThe word “{word}” is not allowed. "
        "Please rephrase the prompt and try again."
    ),
    "error_banned_plain": (
        "🚫 <b>Midjourney won't accept this prompt</b> because it may contain a banned word. "
        "Please rephrase it and try again."
    ),
    "error_queue_full": "🚦 <b>Midjourney's queue is full right now.</b>\nPlease try again in a few minutes.",
    "error_rejected": "⚠️ <b>Midjourney refused this request.</b>\nReason: {reason}",
    "error_misconfigured": (
        "🛠 <b>Sorry, the bot is misconfigured</b> and cannot use Midjourney right now. "
        "Nothing was charged. The bot's operator can find the details in its log."
    ),
    "error_unavailable": (
        "🔌 <b>The Midjourney service is not reachable right now.</b>\n"
        "Your request was not sent. Please try again in a little while."
    ),
    "error_maybe_submitted": (
        "🔌 <b>The Midjourney service stopped answering</b> while I was sending your request. "
        "It may or may not have been accepted, and I can't follow it. Please try again later."
    ),
    "error_interrupted": (
        "⏹ <b>The bot restarted while sending this request</b>, so it may not have reached Midjourney. "
        "Please send it again."
    ),
    "error_task_failed": "❌ <b>Midjourney couldn't finish this job.</b>\nReason: {reason}",
    "error_task_failed_plain": "❌ <b>Midjourney couldn't finish this job.</b>",
    "error_cancelled": "✖️ <b>This job was cancelled.</b>",
    "error_no_input": "✖️ <b>This action waited for input that never came, so it was cancelled.</b>",
    "error_timed_out": (
        "⌛ <b>Midjourney didn't finish this job within {minutes} minutes</b>, so I stopped waiting. Please try again."
    ),
    "status_needs_input": (
        "✍️ <b>This action needs extra input</b> (a prompt or a selected area), which this bot can't ask for yet."
    ),
    "error_download_failed": (
        "⚠️ <b>The image is ready, but I couldn't download it</b> from the provider.\n"
        '<a href="{url}">Open it here</a> (the link expires after a while).'
    ),
    "error_internal": "😵 Sorry, something went wrong on my side. The bot's operator can find the details in its log.",
    "press_started": "⏳ {label}",
    "action_upscale": "Image #{n}",
    "action_variation": "Variations of image #{n}",
    "action_reroll": "🔄 Rerun",
    "action_pan_left": "⬅️ Pan left",
    "action_pan_right": "➡️ Pan right",
    "action_pan_up": "⬆️ Pan up",
    "action_pan_down": "⬇️ Pan down",
    "press_unknown": "This button is no longer available. Please start a new /imagine.",
    "press_running": "⏳ Already working on it, hang on.",
    "press_repeat": "🖼 {label} was upscaled already; here it is again.",
    "reason_parent_not_ready": "the original image is not finished yet",
    "reason_unknown_action": "this button is not supported by the Midjourney provider",
    "reason_no_account": "the provider has no Midjourney account available right now",
    "reason_no_quota": "the provider account has run out of credit",
    "reason_parent_gone": "the original job no longer exists at the provider",
    "reason_empty_prompt": "the prompt is empty",
    "reason_banned": "the prompt may contain a banned word",
    "reason_timeout": "the job timed out at the provider",
    "reason_system": "the provider had an internal error",
}

RU: dict[str, str] = {
    "start": (
        "👋 <b>Здравствуйте! Я рисую с помощью Midjourney.</b>\n\n"
        "Отправьте <code>/imagine</code> и промпт, например:\n"
        "<code>/imagine a red fox in snow --ar 3:2</code>\n\n"
        "В этом личном чате промпт можно прислать и просто сообщением. "
        "Параметры Midjourney, такие как <code>--ar</code>, <code>--v</code> или <code>--no</code>, "
        "работают как обычно.\n\n"
        "Для каждой задачи я обновляю одно и то же сообщение, а под результатом добавляю кнопки Midjourney: "
        "U1–U4 — увеличение, V1–V4 — вариации, 🔄 — запустить промпт ещё раз."
    ),
    "imagine_usage": (
        "✍️ Пожалуйста, добавьте промпт после команды, например:\n<code>/imagine a red fox in snow --ar 3:2</code>"
    ),
    "status_sending": "⏳ <b>Отправляю в Midjourney…</b>",
    "status_queued": "🕒 <b>В очереди</b> · перед вами: {ahead}",
    "status_queued_plain": "🕒 <b>В очереди</b>",
    "status_submitted": "📨 <b>Отправлено</b> · ждём, когда Midjourney начнёт работу",
    "status_progress": "🎨 <b>Рисую…</b> {percent}%\n{bar}",
    "status_progress_plain": "🎨 <b>Рисую…</b>",
    "result_full_file": "Полное разрешение · {width}×{height}",
    "error_banned": (
        "🚫 <b>Midjourney не принимает этот промпт.</b>\nСлово «{word}» запрещено. "
        "Пожалуйста, переформулируйте промпт и попробуйте ещё раз."
    ),
    "error_banned_plain": (
        "🚫 <b>Midjourney не принимает этот промпт</b>: возможно, в нём есть запрещённое слово. "
        "Пожалуйста, переформулируйте его и попробуйте ещё раз."
    ),
    "error_queue_full": (
        "🚦 <b>Очередь Midjourney сейчас переполнена.</b>\nПожалуйста, попробуйте снова через несколько минут."
    ),
    "error_rejected": "⚠️ <b>Midjourney отклонил этот запрос.</b>\nПричина: {reason}",
    "error_misconfigured": (
        "🛠 <b>Извините, бот настроен неправильно</b> и сейчас не может работать с Midjourney. "
        "С вас ничего не списано. Подробности администратор бота найдёт в его журнале."
    ),
    "error_unavailable": (
        "🔌 <b>Сервис Midjourney сейчас недоступен.</b>\n"
        "Ваш запрос не был отправлен. Пожалуйста, попробуйте немного позже."
    ),
    "error_maybe_submitted": (
        "🔌 <b>Сервис Midjourney перестал отвечать</b> во время отправки вашего запроса. "
        "Неизвестно, был ли он принят, и отследить его я не могу. Пожалуйста, попробуйте позже."
    ),
    "error_interrupted": (
        "⏹ <b>Бот перезапустился во время отправки этого запроса</b>, поэтому запрос мог не дойти до Midjourney. "
        "Пожалуйста, отправьте его ещё раз."
    ),
    "error_task_failed": "❌ <b>Midjourney не удалось завершить эту задачу.</b>\nПричина: {reason}",
    "error_task_failed_plain": "❌ <b>Midjourney не удалось завершить эту задачу.</b>",
    "error_cancelled": "✖️ <b>Эта задача отменена.</b>",
    "error_no_input": "✖️ <b>Это действие так и не получило нужных данных, поэтому оно отменено.</b>",
    "error_timed_out": (
        "⌛ <b>Midjourney не завершил эту задачу за {minutes} мин</b>, поэтому ожидание прекращено. "
        "Пожалуйста, попробуйте ещё раз."
    ),
    "status_needs_input": (
        "✍️ <b>Для этого действия нужны дополнительные данные</b> (промпт или выделенная область), "
        "а этот бот пока не умеет их запрашивать."
    ),
    "error_download_failed": (
        "⚠️ <b>Изображение готово, но мне не удалось его скачать</b> у провайдера.\n"
        '<a href="{url}">Откройте его по ссылке</a> (через некоторое время она перестанет работать).'
    ),
    "error_internal": ("😵 Извините, у меня что-то пошло не так. Подробности администратор бота найдёт в его журнале."),
    "press_started": "⏳ {label}",
    "action_upscale": "Изображение #{n}",
    "action_variation": "Вариации изображения #{n}",
    "action_reroll": "🔄 Повторить",
    "action_pan_left": "⬅️ Панорама влево",
    "action_pan_right": "➡️ Панорама вправо",
    "action_pan_up": "⬆️ Панорама вверх",
    "action_pan_down": "⬇️ Панорама вниз",
    "press_unknown": "Эта кнопка больше не действует. Пожалуйста, отправьте новый /imagine.",
    "press_running": "⏳ Уже выполняю, подождите немного.",
    "press_repeat": "🖼 {label} уже увеличено; вот оно ещё раз.",
    "reason_parent_not_ready": "исходное изображение ещё не готово",
    "reason_unknown_action": "провайдер Midjourney не поддерживает эту кнопку",
    "reason_no_account": "у провайдера сейчас нет доступного аккаунта Midjourney",
    "reason_no_quota": "на аккаунте провайдера закончились средства",
    "reason_parent_gone": "исходной задачи у провайдера больше нет",
    "reason_empty_prompt": "промпт пустой",
    "reason_banned": "промпт может содержать запрещённое слово",
    "reason_timeout": "у провайдера истекло время выполнения задачи",
    "reason_system": "у провайдера произошла внутренняя ошибка",
}

ZH: dict[str, str] = {
    "start": (
        "👋 <b>您好！我可以用 Midjourney 为您绘图。</b>\n\n"
        "发送 <code>/imagine</code> 加上提示词即可，例如：\n"
        "<code>/imagine a red fox in snow --ar 3:2</code>\n\n"
        "在这个私聊中，您也可以直接发送提示词。"
        "<code>--ar</code>、<code>--v</code>、<code>--no</code> 等 Midjourney 参数照常可用。\n\n"
        "每个任务我只用一条消息实时更新进度，并在结果下方附上 Midjourney 的按钮："
        "U1–U4 放大，V1–V4 生成变体，🔄 重新生成。"
    ),
    "imagine_usage": "✍️ 请在命令后加上提示词，例如：\n<code>/imagine a red fox in snow --ar 3:2</code>",
    "status_sending": "⏳ <b>正在提交到 Midjourney…</b>",
    "status_queued": "🕒 <b>排队中</b> · 前面还有 {ahead} 个任务",
    "status_queued_plain": "🕒 <b>排队中</b>",
    "status_submitted": "📨 <b>已提交</b> · 等待 Midjourney 开始绘制",
    "status_progress": "🎨 <b>绘制中…</b> {percent}%\n{bar}",
    "status_progress_plain": "🎨 <b>绘制中…</b>",
    "result_full_file": "原始分辨率 · {width}×{height}",
    "error_banned": "🚫 <b>Midjourney 不接受此提示词。</b>\n“{word}”属于违禁词，请修改提示词后重试。",
    "error_banned_plain": "🚫 <b>Midjourney 不接受此提示词</b>，其中可能含有违禁词。请修改后重试。",
    "error_queue_full": "🚦 <b>Midjourney 当前队列已满。</b>\n请过几分钟再试。",
    "error_rejected": "⚠️ <b>Midjourney 拒绝了此请求。</b>\n原因：{reason}",
    "error_misconfigured": (
        "🛠 <b>抱歉，机器人配置有误</b>，暂时无法使用 Midjourney。本次未产生任何费用。机器人管理员可在日志中查看详情。"
    ),
    "error_unavailable": "🔌 <b>暂时无法连接 Midjourney 服务。</b>\n您的请求尚未发送，请稍后再试。",
    "error_maybe_submitted": (
        "🔌 <b>发送您的请求时，Midjourney 服务停止了响应。</b>"
        "请求可能已被接受，也可能没有，我无法继续跟踪。请稍后再试。"
    ),
    "error_interrupted": "⏹ <b>发送此请求时机器人重启了</b>，请求可能未送达 Midjourney。请重新发送。",
    "error_task_failed": "❌ <b>Midjourney 未能完成此任务。</b>\n原因：{reason}",
    "error_task_failed_plain": "❌ <b>Midjourney 未能完成此任务。</b>",
    "error_cancelled": "✖️ <b>此任务已取消。</b>",
    "error_no_input": "✖️ <b>此操作一直没有收到所需的输入，已取消。</b>",
    "error_timed_out": "⌛ <b>Midjourney 未在 {minutes} 分钟内完成此任务</b>，已停止等待。请重试。",
    "status_needs_input": "✍️ <b>此操作需要额外输入</b>（提示词或选区），本机器人暂时无法询问。",
    "error_download_failed": (
        '⚠️ <b>图片已生成，但无法从服务商下载。</b>\n<a href="{url}">点此查看</a>（链接会在一段时间后失效）。'
    ),
    "error_internal": "😵 抱歉，我这边出了点问题。机器人管理员可在日志中查看详情。",
    "press_started": "⏳ {label}",
    "action_upscale": "图片 #{n}",
    "action_variation": "图片 #{n} 的变体",
    "action_reroll": "🔄 重新生成",
    "action_pan_left": "⬅️ 向左平移",
    "action_pan_right": "➡️ 向右平移",
    "action_pan_up": "⬆️ 向上平移",
    "action_pan_down": "⬇️ 向下平移",
    "press_unknown": "此按钮已失效，请重新发起 /imagine。",
    "press_running": "⏳ 正在处理中，请稍候。",
    "press_repeat": "🖼 {label}已放大过，再次为您发送。",
    "reason_parent_not_ready": "原图尚未完成",
    "reason_unknown_action": "Midjourney 服务商不支持此按钮",
    "reason_no_account": "服务商当前没有可用的 Midjourney 账号",
    "reason_no_quota": "服务商账号额度已用完",
    "reason_parent_gone": "原任务在服务商处已不存在",
    "reason_empty_prompt": "提示词为空",
    "reason_banned": "提示词可能包含违禁词",
    "reason_timeout": "任务在服务商处超时",
    "reason_system": "服务商系统内部出错",
}

CATALOGUES: dict[str, dict[str, str]] = {"en": EN, "ru": RU, "zh": ZH}


def language_of(code: str | None) -> str:
    """The catalogue for a Telegram `language_code` ("ru", "zh-hans", "pt-br", …); English when we have none.

    Every Chinese variant, traditional script included, gets the Simplified catalogue: it reads
    better to those users than English does.
    """
    base = (code or "").strip().replace("_", "-").split("-")[0].lower()
    return base if base in CATALOGUES else "en"


def text(lang: str, key: str, **values: object) -> str:
    """The message `key` in `lang` with `values` HTML-escaped and filled in."""
    return _template(lang, key).format(**{k: html.escape(str(v)) for k, v in values.items()})


def plain_text(lang: str, key: str, **values: object) -> str:
    """The same for places Telegram shows without parsing HTML (callback query answers)."""
    return _template(lang, key).format(**{k: str(v) for k, v in values.items()})


def _template(lang: str, key: str) -> str:
    return CATALOGUES.get(lang, EN).get(key) or EN[key]


def reason(lang: str, provider_text: str) -> str:
    """A provider's refusal or failure text, explained when we recognise it (not escaped)."""
    provider_text = provider_text.strip()
    known = known_reason(provider_text)
    if known is None:
        return provider_text or "—"
    why, needle = known
    explained = _template(lang, f"reason_{why}")
    return f"{explained} ({provider_text})" if provider_text != needle else explained
