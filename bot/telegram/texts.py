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
        "<b>Pictures work too:</b>\n"
        "• a photo with no caption, or captioned <code>/describe</code>: four prompts that could have made it;\n"
        "• a photo (or an album of up to 5) captioned with a prompt: the photos become image prompts, or, "
        "after a bare <code>--sref</code>, <code>--cref</code> or <code>--oref</code>, references;\n"
        "• an album captioned <code>/blend</code> (or <code>/blend portrait</code>, <code>landscape</code>), "
        "or <code>/blend</code> and then the photos;\n"
        "• <code>/swap</code>, then a face and a picture: the face goes into the picture;\n"
        "• <code>/shorten</code> and a prompt: the words that matter;\n"
        "• <code>/seed</code> in reply to a result, or 🌱 under it: its seed.\n\n"
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
    "status_needs_input": "✍️ <b>Waiting for your answer</b> to the question below.",
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
    "flood_wait": "🐢 That is a lot at once. Please wait {seconds} s; what you send meanwhile is ignored.",
    "command_unknown": "🤔 I don't know the command {command}. Send <code>/help</code> to see what I can do.",
    "error_lost": (
        "🕳 <b>The Midjourney service lost track of this job.</b>\n"
        "It no longer knows it, so no result will come. Please send it again."
    ),
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
    "reason_no_remix": "the provider's Midjourney account has remix mode off",
}

RU: dict[str, str] = {
    "start": (
        "👋 <b>Здравствуйте! Я рисую с помощью Midjourney.</b>\n\n"
        "Отправьте <code>/imagine</code> и промпт, например:\n"
        "<code>/imagine a red fox in snow --ar 3:2</code>\n\n"
        "В этом личном чате промпт можно прислать и просто сообщением. "
        "Параметры Midjourney, такие как <code>--ar</code>, <code>--v</code> или <code>--no</code>, "
        "работают как обычно.\n\n"
        "<b>Картинки тоже подойдут:</b>\n"
        "• фото без подписи или с подписью <code>/describe</code>: четыре промпта, которые могли бы его создать;\n"
        "• фото (или альбом до 5 штук) с промптом в подписи: фото станут образцами, а после пустого "
        "<code>--sref</code>, <code>--cref</code> или <code>--oref</code> — референсами;\n"
        "• альбом с подписью <code>/blend</code> (или <code>/blend portrait</code>, <code>landscape</code>), "
        "либо <code>/blend</code>, а потом фото;\n"
        "• <code>/swap</code>, затем лицо и картинка: лицо перенесётся на картинку;\n"
        "• <code>/shorten</code> и промпт: только важные слова;\n"
        "• <code>/seed</code> в ответ на результат или 🌱 под ним: его сид.\n\n"
        "Для каждой задачи я обновляю одно и то же сообщение, а под результатом добавляю кнопки Midjourney: "
        "U1–U4 — увеличить, V1–V4 — варианты, 🔄 — перерисовать."
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
    "status_needs_input": "✍️ <b>Жду вашего ответа</b> на вопрос ниже.",
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
    "flood_wait": "🐢 Слишком много сразу. Подождите {seconds} с; всё, что придёт за это время, я пропущу.",
    "command_unknown": "🤔 Я не знаю команду {command}. Отправьте <code>/help</code>, чтобы узнать, что я умею.",
    "error_lost": (
        "🕳 <b>Сервис Midjourney потерял это задание.</b>\n"
        "Он больше о нём не знает, поэтому результата не будет. Пожалуйста, отправьте его ещё раз."
    ),
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
    "reason_no_remix": "у аккаунта Midjourney провайдера выключен режим ремикса",
}

ZH: dict[str, str] = {
    "start": (
        "👋 <b>您好！我可以用 Midjourney 为您绘图。</b>\n\n"
        "发送 <code>/imagine</code> 加上提示词即可，例如：\n"
        "<code>/imagine a red fox in snow --ar 3:2</code>\n\n"
        "在这个私聊中，您也可以直接发送提示词。"
        "<code>--ar</code>、<code>--v</code>、<code>--no</code> 等 Midjourney 参数照常可用。\n\n"
        "<b>也可以用图片：</b>\n"
        "• 不带说明或说明为 <code>/describe</code> 的图片：得到四个可能生成它的提示词；\n"
        "• 说明为提示词的图片（或最多 5 张的相册）：图片作为垫图；若提示词中有空的 "
        "<code>--sref</code>、<code>--cref</code> 或 <code>--oref</code>，则作为参考图；\n"
        "• 说明为 <code>/blend</code>（或 <code>/blend portrait</code>、<code>landscape</code>）的相册，"
        "或先发 <code>/blend</code> 再发图片：混图；\n"
        "• <code>/swap</code>，然后发脸部图片和目标图片：换脸；\n"
        "• <code>/shorten</code> 加提示词：精简提示词；\n"
        "• 回复某个结果发送 <code>/seed</code>，或点结果下方的 🌱：查看种子。\n\n"
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
    "status_needs_input": "✍️ <b>等待您回答</b>下方的问题。",
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
    "flood_wait": "🐢 一次发送太多了。请等待 {seconds} 秒；在此期间发送的内容将被忽略。",
    "command_unknown": "🤔 我不认识命令 {command}。发送 <code>/help</code> 查看我能做什么。",
    "error_lost": "🕳 <b>Midjourney 服务丢失了此任务。</b>\n它已不再记录此任务，因此不会有结果。请重新发送。",
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
    "reason_no_remix": "服务商的 Midjourney 账号未开启 Remix 模式",
}

EN.update(
    {
        "kind_describe": "🖼 <b>Describing your picture</b>",
        "kind_blend": "🔀 <b>Blend</b> · {shape}",
        "kind_swap": "🎭 <b>Face swap</b>",
        "shape_portrait": "portrait",
        "shape_square": "square",
        "shape_landscape": "landscape",
        "choices_describe": "🖼 <b>Midjourney reads your picture as:</b>",
        "choices_shorten": "✂️ <b>Shortened prompts</b>",
        "choices_tokens": "Important tokens: {tokens}",
        "choices_none": "🤷 <b>Midjourney gave no prompts back.</b>",
        "action_pick": "Prompt #{n}",
        "action_pick_all": "🎉 All four prompts",
        "action_describe_again": "🔄 Describe again",
        "action_shorten_details": "Show details",
        "error_not_offered": "🧩 <b>This Midjourney provider doesn't offer {feature}.</b>",
        "feature_describe": "describing pictures",
        "feature_shorten": "shortening prompts",
        "feature_blend": "blending pictures",
        "feature_swap": "face swaps",
        "feature_references": (
            "uploading reference pictures; put an image link after --sref, --cref or --oref instead"
        ),
        "feature_modal": "the extra input this action needs",
        "feature_seed": "seeds",
        "feature_this": "this",
        "input_not_an_image": "🖼 <b>That file isn't a picture I can read.</b> Please send a JPEG, PNG or WebP photo.",
        "input_too_large": (
            "📦 <b>That picture is larger than 20 MB</b>, more than Telegram lets me "
            "download. Please send a smaller one."
        ),
        "count_imagine": "🖼 Please use at most {most} pictures with one prompt (you sent {count}).",
        "count_blend": "🔀 A blend takes 2 to 5 pictures; you sent {count}.",
        "count_swap": (
            "🎭 A face swap takes exactly two pictures: the face first, then the picture whose face is replaced."
        ),
        "count_describe": "🖼 Please describe one picture at a time (you sent {count}).",
        "describe_usage": "🖼 Send <code>/describe</code> as a reply to a photo, or send me a photo with no caption.",
        "shorten_usage": (
            "✂️ Please add a prompt after the command, for example:\n<code>/shorten a "
            "very detailed portrait of a fox</code>"
        ),
        "album_what": (
            "🖼 Got {count} pictures. Caption them <code>/blend</code> to blend them, or with a prompt to use them as "
            "image prompts."
        ),
        "blend_start": (
            "🔀 <b>Send me 2 to 5 pictures to blend</b>, then press <b>Blend now</b>.\n"
            "In a group, send them as a reply to this message."
        ),
        "blend_progress": "🔀 <b>{count} of at most 5 pictures</b> · press <b>Blend now</b> when you're ready.",
        "blend_now": "🔀 Blend now",
        "blend_started": "🔀 Blending {count} pictures…",
        "blend_full": "🔀 That's five pictures already, the most a blend takes.",
        "swap_start": (
            "🎭 <b>Send me the face first</b>, then the picture whose face should be replaced.\n"
            "In a group, send them as a reply to this message."
        ),
        "swap_second": "🎭 <b>Got the face.</b> Now the picture whose face should be replaced.",
        "swap_started": "🎭 Swapping the face…",
        "session_cancel": "✖ Cancel",
        "session_cancelled": "✖ Cancelled.",
        "session_gone": "This is no longer open. Please start again.",
        "session_not_yours": "This belongs to someone else.",
        "seed_result": (
            "🌱 Seed of this job: <code>{seed}</code>\nAdd <code>--seed {seed}</code> to "
            "a prompt to start from the same noise."
        ),
        "seed_usage": "🌱 Send <code>/seed</code> as a reply to one of my results.",
        "seed_unknown": "🌱 That isn't one of my finished results in this chat.",
        "seed_failed": "🌱 The provider couldn't tell the seed: {reason}",
    }
)

RU.update(
    {
        "kind_describe": "🖼 <b>Описываю вашу картинку</b>",
        "kind_blend": "🔀 <b>Смешивание</b> · {shape}",
        "kind_swap": "🎭 <b>Замена лица</b>",
        "shape_portrait": "портрет",
        "shape_square": "квадрат",
        "shape_landscape": "пейзаж",
        "choices_describe": "🖼 <b>Midjourney видит вашу картинку так:</b>",
        "choices_shorten": "✂️ <b>Сокращённые промпты</b>",
        "choices_tokens": "Важные слова: {tokens}",
        "choices_none": "🤷 <b>Midjourney не вернул ни одного промпта.</b>",
        "action_pick": "Промпт #{n}",
        "action_pick_all": "🎉 Все четыре промпта",
        "action_describe_again": "🔄 Описать заново",
        "action_shorten_details": "Подробнее",
        "error_not_offered": "🧩 <b>Этот провайдер Midjourney не поддерживает {feature}.</b>",
        "feature_describe": "описание картинок",
        "feature_shorten": "сокращение промптов",
        "feature_blend": "смешивание картинок",
        "feature_swap": "замену лиц",
        "feature_references": (
            "загрузку картинок-образцов; укажите ссылку на картинку после --sref, --cref или --oref"
        ),
        "feature_modal": "дополнительный ввод для этого действия",
        "feature_seed": "сиды",
        "feature_this": "это",
        "input_not_an_image": (
            "🖼 <b>Этот файл не похож на картинку.</b> Пожалуйста, пришлите фото в JPEG, PNG или WebP."
        ),
        "input_too_large": "📦 <b>Картинка больше 20 МБ</b> — столько Telegram не даёт мне скачать. Пришлите поменьше.",
        "count_imagine": "🖼 К одному промпту можно приложить не больше {most} картинок (у вас {count}).",
        "count_blend": "🔀 Для смешивания нужно от 2 до 5 картинок, а у вас {count}.",
        "count_swap": "🎭 Для замены лица нужны ровно две картинки: сначала лицо, потом картинка, где его заменить.",
        "count_describe": "🖼 Пожалуйста, по одной картинке за раз (у вас {count}).",
        "describe_usage": "🖼 Отправьте <code>/describe</code> в ответ на фото или просто пришлите фото без подписи.",
        "shorten_usage": (
            "✂️ Добавьте промпт после команды, например:\n<code>/shorten a very detailed portrait of a fox</code>"
        ),
        "album_what": (
            "🖼 Получил картинок: {count}. Подпишите их <code>/blend</code>, чтобы смешать, или промптом, "
            "чтобы использовать как образцы."
        ),
        "blend_start": (
            "🔀 <b>Пришлите от 2 до 5 картинок</b>, затем нажмите <b>Смешать</b>.\n"
            "В группе отправляйте их ответом на это сообщение."
        ),
        "blend_progress": "🔀 <b>Картинок: {count} из 5</b> · нажмите <b>Смешать</b>, когда будете готовы.",
        "blend_now": "🔀 Смешать",
        "blend_started": "🔀 Смешиваю картинки: {count}…",
        "blend_full": "🔀 Уже пять картинок — больше смешать нельзя.",
        "swap_start": (
            "🎭 <b>Сначала пришлите лицо</b>, затем картинку, где его заменить.\n"
            "В группе отправляйте их ответом на это сообщение."
        ),
        "swap_second": "🎭 <b>Лицо получено.</b> Теперь картинку, где его заменить.",
        "swap_started": "🎭 Меняю лицо…",
        "session_cancel": "✖ Отмена",
        "session_cancelled": "✖ Отменено.",
        "session_gone": "Это уже закрыто. Начните заново.",
        "session_not_yours": "Это не ваше.",
        "seed_result": (
            "🌱 Сид этой задачи: <code>{seed}</code>\nДобавьте <code>--seed {seed}</code> "
            "к промпту, чтобы начать с того же шума."
        ),
        "seed_usage": "🌱 Отправьте <code>/seed</code> в ответ на один из моих результатов.",
        "seed_unknown": "🌱 Это не мой готовый результат в этом чате.",
        "seed_failed": "🌱 Провайдер не смог назвать сид: {reason}",
    }
)

ZH.update(
    {
        "kind_describe": "🖼 <b>正在描述您的图片</b>",
        "kind_blend": "🔀 <b>混图</b> · {shape}",
        "kind_swap": "🎭 <b>换脸</b>",
        "shape_portrait": "竖图",
        "shape_square": "方图",
        "shape_landscape": "横图",
        "choices_describe": "🖼 <b>Midjourney 这样描述您的图片：</b>",
        "choices_shorten": "✂️ <b>精简后的提示词</b>",
        "choices_tokens": "关键词：{tokens}",
        "choices_none": "🤷 <b>Midjourney 没有返回任何提示词。</b>",
        "action_pick": "提示词 #{n}",
        "action_pick_all": "🎉 全部四个提示词",
        "action_describe_again": "🔄 重新描述",
        "action_shorten_details": "显示详情",
        "error_not_offered": "🧩 <b>此 Midjourney 服务商不支持{feature}。</b>",
        "feature_describe": "图片描述",
        "feature_shorten": "提示词精简",
        "feature_blend": "混图",
        "feature_swap": "换脸",
        "feature_references": "上传参考图；请在 --sref、--cref 或 --oref 后直接填写图片链接",
        "feature_modal": "此操作所需的额外输入",
        "feature_seed": "种子查询",
        "feature_this": "此功能",
        "input_not_an_image": "🖼 <b>这个文件不是我能识别的图片。</b>请发送 JPEG、PNG 或 WebP 图片。",
        "input_too_large": "📦 <b>图片超过 20 MB</b>，Telegram 不允许我下载。请发送小一些的图片。",
        "count_imagine": "🖼 一个提示词最多搭配 {most} 张图片（您发送了 {count} 张）。",
        "count_blend": "🔀 混图需要 2 到 5 张图片，您发送了 {count} 张。",
        "count_swap": "🎭 换脸需要正好两张图片：先发脸，再发要替换脸的图片。",
        "count_describe": "🖼 请一次描述一张图片（您发送了 {count} 张）。",
        "describe_usage": "🖼 请回复一张图片发送 <code>/describe</code>，或直接发送一张不带说明的图片。",
        "shorten_usage": "✂️ 请在命令后加上提示词，例如：\n<code>/shorten a very detailed portrait of a fox</code>",
        "album_what": "🖼 收到 {count} 张图片。说明写 <code>/blend</code> 可混图，写提示词则作为垫图使用。",
        "blend_start": (
            "🔀 <b>请发送 2 到 5 张要混合的图片</b>，然后点 <b>开始混图</b>。\n在群组中请以回复此消息的方式发送。"
        ),
        "blend_progress": "🔀 <b>已收到 {count} 张（最多 5 张）</b> · 准备好后点 <b>开始混图</b>。",
        "blend_now": "🔀 开始混图",
        "blend_started": "🔀 正在混合 {count} 张图片…",
        "blend_full": "🔀 已经有五张图片了，这是混图的上限。",
        "swap_start": "🎭 <b>请先发送脸部图片</b>，再发送要替换脸的图片。\n在群组中请以回复此消息的方式发送。",
        "swap_second": "🎭 <b>已收到脸部图片。</b>现在请发送要替换脸的图片。",
        "swap_started": "🎭 正在换脸…",
        "session_cancel": "✖ 取消",
        "session_cancelled": "✖ 已取消。",
        "session_gone": "此操作已结束，请重新开始。",
        "session_not_yours": "这不是您的操作。",
        "seed_result": (
            "🌱 此任务的种子：<code>{seed}</code>\n在提示词中加上 <code>--seed {seed}</code> 即可从相同的噪声开始。"
        ),
        "seed_usage": "🌱 请回复我的某个结果发送 <code>/seed</code>。",
        "seed_unknown": "🌱 这不是我在此聊天中完成的结果。",
        "seed_failed": "🌱 服务商无法提供种子：{reason}",
    }
)

EN.update(
    {
        "ask_zoom": (
            "🔍 <b>Custom Zoom</b> · reply to this message with the prompt to zoom out with. It takes "
            "<code>--zoom</code> above 1 and at most 2 (2 doubles the canvas); without one I use 2. The current prompt:"
        ),
        "ask_remix": "🎛 <b>Remix</b> · {title} · reply to this message with the prompt to use. The current one:",
        "ask_pick": "✍️ <b>Imagine this</b> · send it as it is, or reply to this message with your changes:",
        "ask_region": (
            "🖌 <b>Vary (Region)</b> · choose the squares to repaint, then press <b>Done</b>. "
            "Then I'll ask what to draw there."
        ),
        "ask_region_prompt": (
            "🖌 <b>Vary (Region)</b> · {count} squares chosen. Reply to this message with the prompt for the new "
            "area, or send the current one as it is:"
        ),
        "send_as_is": "✅ Send as is",
        "region_done": "✅ Done",
        "question_sent": "✅ <b>Sent.</b> The job's message shows how it goes.",
        "question_unchanged": (
            "✅ <b>Sent as it was</b>: this provider runs it without asking, so your changes could not be used."
        ),
        "question_refused": "⚠️ <b>Midjourney did not take that.</b> The job's message says why.",
        "question_cancelled": "✖ <b>Cancelled.</b>",
        "question_expired": "⌛ <b>No answer came in time</b>, so this was cancelled.",
        "answer_empty": "✍️ Please send the prompt as text.",
        "answer_zoom_range": (
            "🔍 Custom Zoom takes <code>--zoom</code> above 1 and at most 2; you wrote {value}. Nothing was sent."
        ),
        "answer_no_region": "🖌 Please choose at least one square with the buttons first.",
        "answer_closed": "This question is closed.",
        "answer_busy": "⏳ One moment, I'm on it.",
        "cancel_nothing": "✖ There is nothing waiting for your answer here.",
        "remix_on": (
            "🎛 <b>Remix is on.</b> Variations, 🔄 and pans will ask you for the prompt first. "
            "Send <code>/remix</code> again to turn it off."
        ),
        "remix_off": "🎛 <b>Remix is off.</b> Variations, 🔄 and pans run at once.",
        "album_late": (
            "🖼 This picture came after the rest of its album had been handled, so I left it out. "
            "Send it on its own, or send the album again."
        ),
        "caption_unknown": (
            "🖼 With pictures I can <code>/describe</code>, <code>/blend</code>, <code>/swap</code> or "
            "<code>/imagine</code> a prompt with them."
        ),
        "blend_shape": (
            "🔀 A blend is <code>portrait</code>, <code>square</code> or <code>landscape</code>, for example "
            "<code>/blend landscape</code>."
        ),
        "session_expired": "⌛ That /blend or /swap waited too long and has closed. Please start it again.",
        "session_still_arriving": "Your pictures are still arriving; press again in a moment.",
        "paint_button": "🖌 Paint the area",
        "paint_title": "Vary (Region): paint what to repaint",
        "paint_brush": "Brush",
        "paint_eraser": "Eraser",
        "paint_clear": "Clear",
        "paint_prompt": "What to draw there:",
        "paint_send": "Send",
        "paint_sending": "Sending…",
        "paint_sent": "Sent. You can close this window.",
    }
)

RU.update(
    {
        "ask_zoom": (
            "🔍 <b>Custom Zoom</b> · ответьте на это сообщение промптом для отдаления. Нужен "
            "<code>--zoom</code> больше 1 и не больше 2 (2 удваивает холст); без него я возьму 2. Текущий промпт:"
        ),
        "ask_remix": "🎛 <b>Ремикс</b> · {title} · ответьте на это сообщение промптом. Текущий:",
        "ask_pick": "✍️ <b>Нарисовать это</b> · отправьте как есть или ответьте на это сообщение с правками:",
        "ask_region": (
            "🖌 <b>Vary (Region)</b> · выберите клетки, которые перерисовать, и нажмите <b>Готово</b>. "
            "Потом я спрошу, что там нарисовать."
        ),
        "ask_region_prompt": (
            "🖌 <b>Vary (Region)</b> · выбрано клеток: {count}. Ответьте на это сообщение промптом для новой "
            "области или отправьте текущий как есть:"
        ),
        "send_as_is": "✅ Отправить как есть",
        "region_done": "✅ Готово",
        "question_sent": "✅ <b>Отправлено.</b> Ход работы — в сообщении задачи.",
        "question_unchanged": (
            "✅ <b>Отправлено без изменений</b>: этот провайдер выполняет это сам, поэтому ваши правки не применить."
        ),
        "question_refused": "⚠️ <b>Midjourney это не принял.</b> Причина — в сообщении задачи.",
        "question_cancelled": "✖ <b>Отменено.</b>",
        "question_expired": "⌛ <b>Ответа не было вовремя</b>, поэтому действие отменено.",
        "answer_empty": "✍️ Пожалуйста, пришлите промпт текстом.",
        "answer_zoom_range": (
            "🔍 Для Custom Zoom нужен <code>--zoom</code> больше 1 и не больше 2, а у вас {value}. "
            "Ничего не отправлено."
        ),
        "answer_no_region": "🖌 Сначала выберите хотя бы одну клетку кнопками.",
        "answer_closed": "Этот вопрос уже закрыт.",
        "answer_busy": "⏳ Секунду, уже занимаюсь.",
        "cancel_nothing": "✖ Здесь ничего не ждёт вашего ответа.",
        "remix_on": (
            "🎛 <b>Ремикс включён.</b> Вариации, 🔄 и панорамы сначала спросят у вас промпт. "
            "Отправьте <code>/remix</code> ещё раз, чтобы выключить."
        ),
        "remix_off": "🎛 <b>Ремикс выключен.</b> Вариации, 🔄 и панорамы запускаются сразу.",
        "album_late": (
            "🖼 Эта картинка пришла, когда остальной альбом уже был обработан, поэтому я её не учёл. "
            "Пришлите её отдельно или отправьте альбом заново."
        ),
        "caption_unknown": (
            "🖼 С картинками я умею <code>/describe</code>, <code>/blend</code>, <code>/swap</code> или "
            "<code>/imagine</code> с промптом."
        ),
        "blend_shape": (
            "🔀 Форма смешивания: <code>portrait</code>, <code>square</code> или <code>landscape</code>, например "
            "<code>/blend landscape</code>."
        ),
        "session_expired": "⌛ Это смешивание или замена лица ждали слишком долго и закрылись. Начните заново.",
        "session_still_arriving": "Картинки ещё приходят; нажмите чуть позже.",
        "paint_button": "🖌 Закрасить область",
        "paint_title": "Vary (Region): закрасьте, что перерисовать",
        "paint_brush": "Кисть",
        "paint_eraser": "Ластик",
        "paint_clear": "Очистить",
        "paint_prompt": "Что там нарисовать:",
        "paint_send": "Отправить",
        "paint_sending": "Отправляю…",
        "paint_sent": "Отправлено. Это окно можно закрыть.",
    }
)

ZH.update(
    {
        "ask_zoom": (
            "🔍 <b>Custom Zoom</b> · 请回复此消息发送用于缩小的提示词。需要 <code>--zoom</code> 大于 1 且不超过 2"
            "（2 表示画布扩大一倍）；不写则使用 2。当前提示词："
        ),
        "ask_remix": "🎛 <b>Remix</b> · {title} · 请回复此消息发送要使用的提示词。当前提示词：",
        "ask_pick": "✍️ <b>绘制此提示词</b> · 可直接发送，或回复此消息进行修改：",
        "ask_region": "🖌 <b>Vary (Region)</b> · 请选择要重绘的格子，然后点 <b>完成</b>。之后我会问您要画什么。",
        "ask_region_prompt": (
            "🖌 <b>Vary (Region)</b> · 已选择 {count} 个格子。请回复此消息发送新区域的提示词，或直接发送当前提示词："
        ),
        "send_as_is": "✅ 直接发送",
        "region_done": "✅ 完成",
        "question_sent": "✅ <b>已发送。</b>进度请看任务消息。",
        "question_unchanged": "✅ <b>已按原样发送</b>：此服务商会自动执行，无法使用您的修改。",
        "question_refused": "⚠️ <b>Midjourney 没有接受。</b>原因见任务消息。",
        "question_cancelled": "✖ <b>已取消。</b>",
        "question_expired": "⌛ <b>未及时收到回答</b>，已取消。",
        "answer_empty": "✍️ 请以文字发送提示词。",
        "answer_zoom_range": (
            "🔍 Custom Zoom 需要 <code>--zoom</code> 大于 1 且不超过 2，您写的是 {value}。未发送任何内容。"
        ),
        "answer_no_region": "🖌 请先用按钮选择至少一个格子。",
        "answer_closed": "此问题已关闭。",
        "answer_busy": "⏳ 请稍候，正在处理。",
        "cancel_nothing": "✖ 这里没有等待您回答的内容。",
        "remix_on": "🎛 <b>Remix 已开启。</b>变体、🔄 和平移会先询问提示词。再次发送 <code>/remix</code> 可关闭。",
        "remix_off": "🎛 <b>Remix 已关闭。</b>变体、🔄 和平移会立即执行。",
        "album_late": "🖼 这张图片在相册其余部分处理完之后才到，所以没有算进去。请单独发送它，或重新发送相册。",
        "caption_unknown": (
            "🖼 对图片我可以 <code>/describe</code>、<code>/blend</code>、<code>/swap</code>，"
            "或配合提示词 <code>/imagine</code>。"
        ),
        "blend_shape": (
            "🔀 混图形状可选 <code>portrait</code>、<code>square</code> 或 <code>landscape</code>，"
            "例如 <code>/blend landscape</code>。"
        ),
        "session_expired": "⌛ 这次混图或换脸等待太久，已经关闭。请重新开始。",
        "session_still_arriving": "图片还在接收中，请稍后再点。",
        "paint_button": "🖌 涂抹区域",
        "paint_title": "Vary (Region)：涂抹要重绘的部分",
        "paint_brush": "画笔",
        "paint_eraser": "橡皮",
        "paint_clear": "清除",
        "paint_prompt": "那里要画什么：",
        "paint_send": "发送",
        "paint_sending": "正在发送…",
        "paint_sent": "已发送，可以关闭此窗口。",
    }
)

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
