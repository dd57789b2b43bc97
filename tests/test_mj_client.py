"""MJClient against recorded provider answers (docs/provider-api.md §3–§6, seeds S0–S4), via httpx.MockTransport."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

import bot.mj.client as client_mod
from bot.mj.client import AuthStyle, MJClient, Speed
from bot.mj.errors import (
    AuthenticationFailed,
    BannedPrompt,
    EndpointNotFound,
    MJError,
    NotOffered,
    ProviderMisconfigured,
    ProviderUnavailable,
    QueueFull,
    Rejected,
    UnsupportedButton,
)
from bot.mj.models import BotType, ClipLink, SubmitResult, SubmitStatus, Task, TaskStatus

BASE = "https://api.example.com"
KEY = "sk-ZQXSECRETKEY9-7f3a9c1e2b"
KEY_FRAGMENTS = (KEY, "ZQXSECRETKEY9-7f3a9c1e2b", "ZQXSECRETKEY9")
TASK_ID = "1320098173412546"


# ------------------------------------------------------------------------------------ fake provider


@dataclass
class Reply:
    status: int = 200
    body: object = None  # dict/list → JSON; str → text/plain; bytes → raw; None → empty
    headers: dict[str, str] = field(default_factory=dict)

    def build(self) -> httpx.Response:
        if isinstance(self.body, dict | list):
            return httpx.Response(self.status, json=self.body, headers=self.headers)
        if isinstance(self.body, str):
            return httpx.Response(self.status, text=self.body, headers=self.headers)
        if isinstance(self.body, bytes):
            return httpx.Response(self.status, content=self.body, headers=self.headers)
        return httpx.Response(self.status, headers=self.headers)


@dataclass
class Boom:
    exc_type: type[httpx.TransportError]
    message: str = "boom"


def raw_json(text: str, status: int = 200) -> Reply:
    """A body exactly as a provider sent it (keeps bare integers and \\u0026 escapes)."""
    return Reply(status, text.encode(), {"content-type": "application/json"})


def html(status: int, title: str) -> Reply:
    page = f"<html><head><title>{title}</title></head><body><center><h1>{title}</h1></center></body></html>"
    return Reply(status, page.encode(), {"content-type": "text/html"})


class Provider:
    """Answers requests in order; the last answer repeats. Records every request."""

    def __init__(self, *answers: Reply | Boom) -> None:
        self.answers = answers or (Reply(200, {"code": 1, "description": "ok", "result": TASK_ID}),)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        answer = self.answers[min(len(self.requests), len(self.answers) - 1)]
        self.requests.append(request)
        if isinstance(answer, Boom):
            raise answer.exc_type(answer.message, request=request)
        return answer.build()

    @property
    def last(self) -> httpx.Request:
        return self.requests[-1]

    def body(self, index: int = -1) -> Any:
        return json.loads(self.requests[index].content)

    def paths(self) -> list[str]:
        return [r.url.path for r in self.requests]


def make(provider: Provider, base: str = BASE, key: str | None = KEY, **kwargs: Any) -> MJClient:
    kwargs.setdefault("retry_backoff", 0)
    return MJClient(base, key, transport=httpx.MockTransport(provider), **kwargs)


@pytest.fixture(autouse=True)
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    delays: list[float] = []

    async def fake_sleep(delay: float) -> None:
        delays.append(delay)

    monkeypatch.setattr(client_mod, "_sleep", fake_sleep)
    return delays


async def submit_error(provider: Provider, **kwargs: Any) -> MJError:
    async with make(provider, **kwargs) as mj:
        with pytest.raises(MJError) as info:
            await mj.imagine("cat --v 7")
    return info.value


# ------------------------------------------------------------------------------- recorded bodies

# seed 004 (UniAPI): integer result, numeric discord ids with lost precision, \u0026 in URLs
UNIAPI_TASK = r"""{
    "id": "1320098173412546", "action": "IMAGINE", "prompt": "cat --v 6.1", "promptEn": "cat --v 6.1",
    "description": "Submit success", "state": "", "submitTime": 1741531578038, "startTime": 1741531580190,
    "finishTime": 1741531608566,
    "imageUrl": "https://img.innk.cc/attachments/1320066655572987907/1348306030429470862/adam_rivera4952_cat_26d56b92-4ed6-45e2-8561-563797923135.png?ex=67cefb57\u0026is=67cda9d7\u0026hm=b87e6b24\u0026",
    "status": "SUCCESS", "progress": "100%", "failReason": "",
    "properties": {"botType": "MID_JOURNEY", "discordChannelId": 8774786694361674000,
        "discordInstanceId": 7415633538733103000,
        "finalPrompt": "cat --v 6.1 --sref \u003chttps://s.mj.run/ktqQpnwPoPk\u003e", "flags": 0,
        "messageHash": "26d56b92-4ed6-45e2-8561-563797923135", "messageId": "1348306030706036789"},
    "buttons": [
        {"customId": "MJ::JOB::upsample::1::26d56b92-4ed6-45e2-8561-563797923135", "emoji": "", "label": "U1", "style": 2, "type": 2},
        {"customId": "MJ::JOB::upsample::2::26d56b92-4ed6-45e2-8561-563797923135", "emoji": "", "label": "U2", "style": 2, "type": 2},
        {"customId": "MJ::JOB::upsample::3::26d56b92-4ed6-45e2-8561-563797923135", "emoji": "", "label": "U3", "style": 2, "type": 2},
        {"customId": "MJ::JOB::upsample::4::26d56b92-4ed6-45e2-8561-563797923135", "emoji": "", "label": "U4", "style": 2, "type": 2},
        {"customId": "MJ::JOB::reroll::0::26d56b92-4ed6-45e2-8561-563797923135::SOLO", "emoji": "🔄", "label": "", "style": 2, "type": 2},
        {"customId": "MJ::JOB::variation::1::26d56b92-4ed6-45e2-8561-563797923135", "emoji": "", "label": "V1", "style": 2, "type": 2},
        {"customId": "MJ::JOB::variation::2::26d56b92-4ed6-45e2-8561-563797923135", "emoji": "", "label": "V2", "style": 2, "type": 2},
        {"customId": "MJ::JOB::variation::3::26d56b92-4ed6-45e2-8561-563797923135", "emoji": "", "label": "V3", "style": 2, "type": 2},
        {"customId": "MJ::JOB::variation::4::26d56b92-4ed6-45e2-8561-563797923135", "emoji": "", "label": "V4", "style": 2, "type": 2}
    ]
}"""  # noqa: E501

# new-api trimmed DTO: every key present, buttons/properties null, FAILURE at "100%"
NA_TASK: dict[str, Any] = {
    "id": "1712205491372558",
    "action": "IMAGINE",
    "customId": "",
    "botType": "",
    "prompt": "a cat",
    "promptEn": "a cat",
    "description": "提交成功",
    "state": "",
    "submitTime": 1712205491372,
    "startTime": 0,
    "finishTime": 0,
    "imageUrl": "",
    "status": "FAILURE",
    "progress": "100%",
    "failReason": "上游任务超时（超过1小时）",
    "buttons": None,
    "maskBase64": "",
    "properties": None,
}

# trueai-org: whole entity, many extra top-level fields
TA_TASK: dict[str, Any] = {
    "id": "1731000000000123",
    "parentId": None,
    "botType": "MID_JOURNEY",
    "realBotType": "MID_JOURNEY",
    "mode": "FAST",
    "action": "IMAGINE",
    "status": "IN_PROGRESS",
    "progress": "31%",
    "prompt": "dog",
    "promptEn": "dog",
    "imageUrl": None,
    "imageUrls": [{"url": "https://cdn.midjourney.com/x/0_0.png", "thumbnail": None}],
    "displays": {"status": "执行中", "discordInstanceId": "1118138338562560102"},
    "useTime": "12.34 s",
    "seed": None,
    "buttons": [],
    "properties": {"discordInstanceId": "1118138338562560102", "custom_id": ""},
}


# ------------------------------------------------------------------------------------------- auth


@pytest.mark.parametrize(
    ("style", "header", "value"),
    [
        (AuthStyle.BEARER, "authorization", f"Bearer {KEY}"),
        (AuthStyle.RAW, "authorization", KEY),
        (AuthStyle.MJ_API_SECRET, "mj-api-secret", KEY),
    ],
)
async def test_auth_style_sends_exactly_one_header(style: AuthStyle, header: str, value: str) -> None:
    provider = Provider(Reply(200, {"code": 1, "description": "ok", "result": TASK_ID}), Reply(200, TA_TASK))
    async with make(provider, auth_style=style) as mj:
        await mj.imagine("cat")
        assert await mj.fetch(TASK_ID) is not None
    assert len(provider.requests) == 2
    for request in provider.requests:
        assert request.headers[header] == value
        other = "mj-api-secret" if header == "authorization" else "authorization"
        assert other not in request.headers


async def test_no_key_sends_no_auth_header() -> None:
    provider = Provider()
    async with make(provider, key=None) as mj:
        await mj.imagine("cat")
    assert "authorization" not in provider.last.headers
    assert "mj-api-secret" not in provider.last.headers


async def test_bearer_key_given_with_prefix_is_not_doubled() -> None:
    provider = Provider()
    async with make(provider, key=f"Bearer {KEY}") as mj:
        await mj.imagine("cat")
    assert provider.last.headers["authorization"] == f"Bearer {KEY}"


def test_key_unfit_for_a_header_is_refused_without_echoing_it() -> None:
    with pytest.raises(ValueError, match="HTTP header") as info:
        MJClient(BASE, KEY + "\nX-Evil: 1")
    assert KEY not in str(info.value)


@pytest.mark.parametrize("base", ["api.example.com", "ftp://api.example.com", "https://api.example.com/?x=1"])
def test_bad_base_url_is_refused(base: str) -> None:
    with pytest.raises(ValueError, match="base_url"):
        MJClient(base, KEY)


# ----------------------------------------------------------------------------------- base & speed


@pytest.mark.parametrize(
    ("speed", "prefix"),
    [(Speed.FAST, "/mj-fast"), (Speed.RELAX, "/mj-relax"), (Speed.TURBO, "/mj-turbo"), (Speed.DEFAULT, "")],
)
async def test_speed_is_a_path_prefix_on_every_route(speed: Speed, prefix: str) -> None:
    provider = Provider(
        Reply(200, {"code": 1, "description": "ok", "result": TASK_ID}),
        Reply(200, {"id": TASK_ID, "status": "SUBMITTED"}),
        Reply(200, []),
        Reply(200, {"code": 1, "description": "成功", "result": "636646138"}),
        Reply(200, {"code": 1, "description": "ok"}),
    )
    async with make(provider, base=BASE + "/", speed=speed) as mj:
        await mj.imagine("cat")
        await mj.fetch(TASK_ID)
        await mj.list_by_condition([TASK_ID])
        await mj.image_seed(TASK_ID)
        await mj.cancel(TASK_ID)
    assert provider.paths() == [
        f"{prefix}/mj/submit/imagine",
        f"{prefix}/mj/task/{TASK_ID}/fetch",
        f"{prefix}/mj/task/list-by-condition",
        f"{prefix}/mj/task/{TASK_ID}/image-seed",
        f"{prefix}/mj/task/{TASK_ID}/cancel",
    ]
    assert "model" not in provider.body(0)
    assert all(r.url.host == "api.example.com" for r in provider.requests)


@pytest.mark.parametrize(
    ("speed", "model"),
    [(Speed.FAST, "mj-fast"), (Speed.RELAX, "mj-relax"), (Speed.DEFAULT, "mj-fast")],
)
async def test_v1_base_puts_speed_in_submit_body(speed: Speed, model: str) -> None:
    # seed 003: POST /v1/mj/submit/imagine answers an integer result
    provider = Provider(
        raw_json('{"code": 1, "description": "提交成功", "properties": {}, "result": 12463258}'),
        Reply(200, {"id": "12463258", "status": "NOT_START"}),
        Reply(200, []),
    )
    async with make(provider, base="https://api.example.com/v1/", speed=speed) as mj:
        result = await mj.imagine("Cat")
        await mj.fetch(result.task_id)
        await mj.list_by_condition([result.task_id])
    assert result.task_id == "12463258"
    assert provider.paths() == [
        "/v1/mj/submit/imagine",
        "/v1/mj/task/12463258/fetch",
        "/v1/mj/task/list-by-condition",
    ]
    assert provider.body(0) == {"prompt": "Cat", "base64Array": [], "botType": "MID_JOURNEY", "model": model}
    assert provider.body(2) == {"ids": ["12463258"]}  # no model on queries


def test_v1_base_refuses_a_speed_it_does_not_document() -> None:
    # seed 003 documents only mj-fast and mj-relax for its /v1 root
    with pytest.raises(ValueError, match="only fast and relax"):
        MJClient("https://api.example.com/v1", KEY, speed=Speed.TURBO)


async def test_base_with_subpath_keeps_it() -> None:
    provider = Provider()
    async with make(provider, base="https://relay.example.com/proxy/", speed=Speed.RELAX) as mj:
        await mj.imagine("cat")
    assert provider.last.url.path == "/proxy/mj-relax/mj/submit/imagine"


# ---------------------------------------------------------------------------------- submit bodies


async def test_imagine_body_is_camel_case_without_nulls() -> None:
    provider = Provider()
    async with make(provider) as mj:
        await mj.imagine("cat --v 7")
        await mj.imagine(
            "dog",
            base64_array=["data:image/png;base64,AAAA"],
            bot_type=BotType.NIJI,
            state="chat:1",
            notify_hook="https://bot.example/hook",
        )
    assert provider.body(0) == {"prompt": "cat --v 7", "base64Array": [], "botType": "MID_JOURNEY"}
    assert provider.body(1) == {
        "prompt": "dog",
        "base64Array": ["data:image/png;base64,AAAA"],
        "botType": "NIJI_JOURNEY",
        "state": "chat:1",
        "notifyHook": "https://bot.example/hook",
    }
    assert provider.last.method == "POST"
    assert provider.last.headers["content-type"] == "application/json"


SubmitCall = Callable[[MJClient], Awaitable[SubmitResult]]


@pytest.mark.parametrize(
    ("call", "path", "expected"),
    [
        (
            lambda mj: mj.action(TASK_ID, "MJ::JOB::upsample::1::abc", state="s"),
            "/mj/submit/action",
            {"taskId": TASK_ID, "customId": "MJ::JOB::upsample::1::abc", "state": "s"},
        ),
        (
            lambda mj: mj.modal(TASK_ID, prompt="cat --zoom 1.8"),
            "/mj/submit/modal",
            {"taskId": TASK_ID, "prompt": "cat --zoom 1.8"},
        ),
        (
            lambda mj: mj.modal(TASK_ID, prompt="sky", mask_base64="data:image/png;base64,MASK"),
            "/mj/submit/modal",
            {"taskId": TASK_ID, "prompt": "sky", "maskBase64": "data:image/png;base64,MASK"},
        ),
        (
            lambda mj: mj.blend(["a", "b"], dimensions="PORTRAIT", notify_hook="https://h"),
            "/mj/submit/blend",
            {"base64Array": ["a", "b"], "dimensions": "PORTRAIT", "botType": "MID_JOURNEY", "notifyHook": "https://h"},
        ),
        (
            lambda mj: mj.blend(("a", "b")),
            "/mj/submit/blend",
            {"base64Array": ["a", "b"], "dimensions": "SQUARE", "botType": "MID_JOURNEY"},
        ),
        (
            lambda mj: mj.describe("data:image/png;base64,AAAA", bot_type=BotType.NIJI),
            "/mj/submit/describe",
            {"base64": "data:image/png;base64,AAAA", "botType": "NIJI_JOURNEY"},
        ),
        (
            lambda mj: mj.shorten("a very long prompt"),
            "/mj/submit/shorten",
            {"prompt": "a very long prompt", "botType": "MID_JOURNEY"},
        ),
        (
            lambda mj: mj.change(TASK_ID, "REROLL", 1),
            "/mj/submit/change",
            {"taskId": TASK_ID, "action": "REROLL", "index": 1},
        ),
        (
            lambda mj: mj.simple_change(TASK_ID, "U2"),
            "/mj/submit/simple-change",
            {"content": f"{TASK_ID} U2"},
        ),
        (
            lambda mj: mj.swap_face("face", "target", state="x"),
            "/mj/insight-face/swap",
            {"sourceBase64": "face", "targetBase64": "target", "state": "x"},
        ),
        (
            lambda mj: mj.video("waves", image="https://cdn/u.png", motion="high", loop=True),
            "/mj/submit/video",
            {"prompt": "waves", "image": "https://cdn/u.png", "motion": "high", "loop": True},
        ),
        (
            lambda mj: mj.video("further", end_image="https://cdn/e.png", extend=(TASK_ID, 2), state="s"),
            "/mj/submit/video",
            {
                "prompt": "further",
                "motion": "low",
                "endImage": "https://cdn/e.png",
                "action": "extend",
                "taskId": TASK_ID,
                "index": 2,
                "state": "s",
            },
        ),
    ],
)
async def test_submit_endpoints_and_bodies(call: SubmitCall, path: str, expected: dict[str, Any]) -> None:
    provider = Provider()
    async with make(provider, speed=Speed.FAST) as mj:
        result = await call(mj)
    assert result.task_id == TASK_ID
    assert provider.last.url.path == "/mj-fast" + path
    assert provider.body() == expected


async def test_v1_model_goes_into_every_submit() -> None:
    provider = Provider()
    async with make(provider, base="https://api.example.com/v1", speed=Speed.RELAX) as mj:
        await mj.action(TASK_ID, "MJ::JOB::variation::1::abc")
        await mj.blend(["a", "b"])
    assert [provider.body(i)["model"] for i in range(2)] == ["mj-relax", "mj-relax"]
    assert provider.paths() == ["/v1/mj/submit/action", "/v1/mj/submit/blend"]


# ------------------------------------------------------------------------------- submit outcomes


@pytest.mark.parametrize(
    ("fields", "clips"),
    [
        (  # TA: each clip with its still
            {"videoUrl": "v1", "videoUrls": [{"url": "v1", "thumbnail": "t1"}, {"url": "v2", "thumbnail": "t2"}]},
            [ClipLink("v1", "t1"), ClipLink("v2", "t2")],
        ),
        (  # new-api: URLs only; the stills of imageUrls stand in
            {"videoUrls": [{"url": "v1"}, {"url": "v2"}], "imageUrls": [{"url": "s1"}, {"url": "s2"}]},
            [ClipLink("v1", "s1"), ClipLink("v2", "s2")],
        ),
        ({"videoUrl": "v1", "videoUrls": None}, [ClipLink("v1")]),  # a nil Go slice
        ({"videoUrls": ["v1", "", {"url": ""}, 7]}, [ClipLink("v1"), ClipLink("7")]),
        ({"videoUrl": "", "videoUrls": [], "imageUrl": "grid.webp"}, []),  # TA's image tasks carry empty ones
    ],
)
def test_a_video_tasks_clips_are_read_from_any_shape(fields: dict[str, Any], clips: list[ClipLink]) -> None:
    task = Task.from_json({"id": TASK_ID, "status": "SUCCESS", **fields})
    assert task is not None
    assert list(task.clips) == clips


async def test_code_1_with_integer_result() -> None:
    # seed 004 step one
    body = '{"code": 1, "description": "提交成功", "properties": {}, "result": 1320098173412546}'
    provider = Provider(raw_json(body))
    async with make(provider) as mj:
        result = await mj.imagine("cat")
    assert result == SubmitResult(task_ids=("1320098173412546",), description="提交成功")
    assert result.status is SubmitStatus.ACCEPTED


async def test_code_1_with_string_result_and_properties() -> None:
    # seed 001 (zhongzhuan)
    body = {
        "code": 1,
        "description": "Submit success",
        "result": "1730621718151844",
        "properties": {"discordChannelId": "1300842676874379336", "discordInstanceId": "1572398367386955776"},
    }
    async with make(Provider(Reply(200, body))) as mj:
        result = await mj.imagine("cat --v 6.0")
    assert result.task_id == "1730621718151844"
    assert result.properties["discordInstanceId"] == "1572398367386955776"
    assert result.queue_position is None


async def test_string_code_and_null_properties_are_tolerated() -> None:
    body = {"code": "1", "description": "ok", "result": 42, "properties": None, "extra": [1, 2]}
    async with make(Provider(Reply(200, body))) as mj:
        result = await mj.imagine("cat")
    assert (result.task_id, result.status, dict(result.properties)) == ("42", SubmitStatus.ACCEPTED, {})


async def test_code_22_uses_number_of_queues() -> None:
    body = {
        "code": 22,
        "description": "排队中,前面还有1个任务",
        "result": "14001929738841620",
        "properties": {"numberOfQueues": 1, "discordInstanceId": "1118138338562560102"},
    }
    async with make(Provider(Reply(200, body))) as mj:
        result = await mj.imagine("cat")
    assert (result.task_id, result.status, result.queue_position) == ("14001929738841620", SubmitStatus.QUEUED, 1)


async def test_code_22_falls_back_to_the_description() -> None:
    body = {"code": 22, "description": "排队中，前面还有3个任务", "result": "14001929738841621"}
    async with make(Provider(Reply(200, body))) as mj:
        result = await mj.imagine("cat")
    assert result.queue_position == 3


async def test_code_22_without_any_number_is_position_zero() -> None:
    body = {"code": 22, "description": "In queue", "result": "14001929738841622", "properties": {}}
    async with make(Provider(Reply(200, body))) as mj:
        result = await mj.imagine("cat")
    assert result.queue_position == 0


async def test_code_21_means_modal_required() -> None:
    # TA: action created a MODAL task; finalPrompt to pre-fill, remix=true
    body = {
        "code": 21,
        "description": "Waiting for window confirm",
        "result": "1731000000000999",
        "properties": {"finalPrompt": "cat --v 6.1 --zoom 2", "remix": True},
    }
    provider = Provider(Reply(200, body))
    async with make(provider) as mj:
        result = await mj.action(TASK_ID, "MJ::CustomZoom::26d56b92-4ed6-45e2-8561-563797923135")
    assert result.status is SubmitStatus.MODAL  # an ordinary outcome: the task waits for /submit/modal
    assert result.task_id == "1731000000000999"
    assert result.final_prompt == "cat --v 6.1 --zoom 2"
    assert result.description == "Waiting for window confirm"
    assert len(provider.requests) == 1


async def test_code_21_with_existing_task_is_accepted() -> None:
    # NZ ≤ 2.6.0: repeated upscale returns the existing task
    body = {
        "code": 21,
        "description": "任务已存在",
        "result": 1689231405853400,
        "properties": {"status": "SUCCESS", "imageUrl": "https://cdn.discordapp.com/a.png"},
    }
    async with make(Provider(Reply(200, body))) as mj:
        result = await mj.action(TASK_ID, "MJ::JOB::upsample::1::abc")
    assert (result.task_id, result.status) == ("1689231405853400", SubmitStatus.EXISTING)
    assert result.properties["status"] == "SUCCESS"


async def test_imagine_all_answers_four_comma_joined_ids() -> None:
    # TA: MJ::Job::PicReader::all submits four imagines at once (docs/provider-api.md §5.2)
    body = {
        "code": 1,
        "description": "Submit success",
        "result": "1731000000000001,1731000000000002,1731000000000003,1731000000000004",
    }
    async with make(Provider(Reply(200, body))) as mj:
        result = await mj.action(TASK_ID, "MJ::Job::PicReader::all")
    assert result.task_ids == tuple(f"173100000000000{n}" for n in range(1, 5))


async def test_code_23_is_queue_full() -> None:
    body = {
        "code": 23,
        "description": "队列已满,请稍后尝试",
        "result": "14001929738841620",
        "properties": {"discordInstanceId": "1118138338562560102"},
    }
    error = await submit_error(Provider(Reply(200, body)))
    assert isinstance(error, QueueFull)
    assert error.code == 23
    assert error.description == "队列已满,请稍后尝试"


async def test_code_24_is_banned_prompt_with_word() -> None:
    body = {"code": 24, "description": "可能包含敏感词", "properties": {"promptEn": "nude body", "bannedWord": "nude"}}
    error = await submit_error(Provider(Reply(200, body)))
    assert isinstance(error, BannedPrompt)
    assert (error.code, error.word, error.description) == (24, "nude", "可能包含敏感词")


@pytest.mark.parametrize("description", ["提交失败，队列已满，请稍后重试", "Queue is full, try later", "queue full"])
async def test_code_9_with_full_queue_text_is_queue_full(description: str) -> None:
    error = await submit_error(Provider(Reply(200, {"code": 9, "description": description, "result": None})))
    assert isinstance(error, QueueFull)
    assert error.code == 9


async def test_code_9_otherwise_is_rejected() -> None:
    error = await submit_error(Provider(Reply(200, {"code": 9, "description": "提交失败，系统异常"})))
    assert type(error) is Rejected
    assert (error.code, error.description) == (9, "提交失败，系统异常")


@pytest.mark.parametrize(
    ("code", "description"),
    [(3, "无可用的账号实例"), (4, "prompt不能为空"), (5, "do_request_failed"), (30, "something")],
)
async def test_other_codes_are_rejected(code: int, description: str) -> None:
    error = await submit_error(Provider(Reply(200, {"code": code, "description": description, "properties": {}})))
    assert type(error) is Rejected
    assert (error.code, error.description) == (code, description)


async def test_accepted_without_result_is_unavailable_and_maybe_submitted() -> None:
    error = await submit_error(Provider(Reply(200, {"code": 1, "description": "提交成功", "result": None})))
    assert isinstance(error, ProviderUnavailable)
    assert "accepted without a task id" in str(error)
    assert error.maybe_submitted


async def test_new_api_400_envelope_is_mapped_by_code() -> None:
    body = {"description": "quota_not_enough ", "type": "upstream_error", "code": 4}
    error = await submit_error(Provider(Reply(400, body)))
    assert type(error) is Rejected
    assert (error.code, error.description) == (4, "quota_not_enough ")


async def test_new_api_400_unknown_action() -> None:
    body = {"description": "unknown_action:MJ::BOOKMARK::abc ", "type": "upstream_error", "code": 4}
    provider = Provider(Reply(400, body))
    async with make(provider) as mj:
        with pytest.raises(Rejected, match="unknown_action"):
            await mj.action(TASK_ID, "MJ::BOOKMARK::abc")
    assert len(provider.requests) == 1


async def test_trueai_success_false_shape_is_rejected() -> None:
    body = {"success": False, "code": -1, "message": "State参数过长", "timestamp": "2025-01-01 00:00:00"}
    provider = Provider(Reply(200, body))
    async with make(provider) as mj:
        with pytest.raises(Rejected) as info:
            await mj.action(TASK_ID, "MJ::JOB::upsample::1::abc", state="x" * 300)
    assert (info.value.code, info.value.description) == (-1, "State参数过长")


async def test_trueai_plain_text_400_is_rejected() -> None:
    provider = Provider(Reply(400, "演示模式，禁止操作"))
    async with make(provider) as mj:
        with pytest.raises(Rejected) as info:
            await mj.cancel(TASK_ID)
    assert info.value.description == "演示模式，禁止操作"


# -------------------------------------------------------------------------------- HTTP statuses


async def test_401_empty_body_is_authentication_failed() -> None:
    error = await submit_error(Provider(Reply(401)))
    assert isinstance(error, AuthenticationFailed)
    assert error.status == 401
    assert "POST /mj/submit/imagine: HTTP 401" in str(error)


async def test_401_trueai_plain_text() -> None:
    error = await submit_error(Provider(Reply(401, "Authorization header missing.")))
    assert isinstance(error, AuthenticationFailed)
    assert "Authorization header missing." in str(error)


async def test_403_new_api_json_is_authentication_failed_with_excerpt() -> None:
    body = {"error": {"message": "该令牌状态不可用", "type": "new_api_error"}}
    error = await submit_error(Provider(Reply(403, body)))
    assert isinstance(error, AuthenticationFailed)
    assert error.status == 403
    assert "该令牌状态不可用" in str(error)


async def test_auth_failure_excerpt_is_short() -> None:
    error = await submit_error(Provider(Reply(401, "x" * 5000)))
    assert isinstance(error, AuthenticationFailed)
    assert len(str(error)) < 320


async def test_auth_failure_on_fetch_is_not_retried() -> None:
    provider = Provider(Reply(401))
    async with make(provider) as mj:
        with pytest.raises(AuthenticationFailed):
            await mj.fetch(TASK_ID)
    assert len(provider.requests) == 1


async def test_404_html_is_endpoint_not_found() -> None:
    error = await submit_error(Provider(html(404, "404 Not Found")))
    assert isinstance(error, EndpointNotFound)
    assert error.status == 404
    assert "404 Not Found" in str(error)


async def test_404_new_api_invalid_url_is_endpoint_not_found() -> None:
    body = {"error": {"message": "Invalid URL (POST /mj/submit/imagine)", "type": "invalid_request_error"}}
    error = await submit_error(Provider(Reply(404, body)))
    assert isinstance(error, EndpointNotFound)


async def test_405_is_endpoint_not_found() -> None:
    error = await submit_error(Provider(Reply(405, "Method Not Allowed")))
    assert isinstance(error, EndpointNotFound)
    assert error.status == 405


async def test_404_with_code_3_envelope_is_rejected() -> None:
    # TA: action whose parent task is missing
    provider = Provider(Reply(404, {"code": 3, "description": "关联任务不存在或已失效", "result": None}))
    async with make(provider) as mj:
        with pytest.raises(Rejected) as info:
            await mj.action("404404", "MJ::JOB::upsample::1::abc")
    assert (info.value.code, info.value.description) == (3, "关联任务不存在或已失效")


async def test_429_on_submit_is_queue_full_and_sent_once() -> None:
    provider = Provider(Reply(429, {"description": "当前分组负载已饱和", "type": "new_api_error", "code": 30}))
    error = await submit_error(provider)
    assert isinstance(error, QueueFull)
    assert "HTTP 429" in str(error)
    assert len(provider.requests) == 1


async def test_html_502_on_submit_is_unavailable_maybe_submitted_and_sent_once() -> None:
    provider = Provider(html(502, "502 Bad Gateway"))
    error = await submit_error(provider)
    assert isinstance(error, ProviderUnavailable)
    assert error.status == 502
    assert error.maybe_submitted
    assert str(error).startswith("POST /mj/submit/imagine: HTTP 502")
    assert "502 Bad Gateway" in str(error)
    assert len(provider.requests) == 1


async def test_trueai_500_result_shape_is_unavailable() -> None:
    provider = Provider(Reply(500, {"success": False, "code": -1, "message": "Redis 连接失败"}))
    error = await submit_error(provider)
    assert isinstance(error, ProviderUnavailable)
    assert "Redis 连接失败" in str(error)
    assert len(provider.requests) == 1


@pytest.mark.parametrize(
    ("exc_type", "maybe_submitted"),
    [
        (httpx.ConnectError, False),
        (httpx.ConnectTimeout, False),
        (httpx.ReadTimeout, True),
        (httpx.WriteTimeout, True),
        (httpx.RemoteProtocolError, True),
        (httpx.ReadError, True),
    ],
)
async def test_transport_failures_on_submit(exc_type: type[httpx.TransportError], maybe_submitted: bool) -> None:
    provider = Provider(Boom(exc_type, "[Errno 111] Connection refused"))
    error = await submit_error(provider)
    assert isinstance(error, ProviderUnavailable)
    assert error.maybe_submitted is maybe_submitted
    assert error.status is None
    assert "POST /mj/submit/imagine" in str(error)
    assert len(provider.requests) == 1


async def test_200_html_is_misconfigured() -> None:
    error = await submit_error(Provider(html(200, "Welcome to nginx!")))
    assert isinstance(error, ProviderMisconfigured)
    assert not isinstance(error, AuthenticationFailed | EndpointNotFound)
    assert "HTML page" in str(error)
    assert "MJ_BASE_URL" in str(error)


async def test_200_html_even_without_content_type() -> None:
    error = await submit_error(Provider(Reply(200, "<!DOCTYPE html><html>SPA</html>")))
    assert isinstance(error, ProviderMisconfigured)


async def test_200_garbage_is_unavailable_maybe_submitted() -> None:
    error = await submit_error(Provider(raw_json('{"code": 1, "descr')))
    assert isinstance(error, ProviderUnavailable)
    assert error.maybe_submitted


async def test_200_empty_on_submit_is_unavailable() -> None:
    error = await submit_error(Provider(Reply(200)))
    assert isinstance(error, ProviderUnavailable)
    assert "empty answer" in str(error)
    assert error.maybe_submitted


async def test_redirect_is_misconfigured() -> None:
    provider = Provider(Reply(301, None, {"location": "https://api.example.com/mj/submit/imagine"}))
    error = await submit_error(provider, base="http://api.example.com")
    assert isinstance(error, ProviderMisconfigured)
    assert "redirect" in str(error)
    assert len(provider.requests) == 1


async def test_other_4xx_without_envelope_is_rejected() -> None:
    error = await submit_error(Provider(html(413, "413 Request Entity Too Large")))
    assert type(error) is Rejected
    assert "413" in str(error)


# ------------------------------------------------------------------------------------------ fetch


async def test_fetch_parses_uniapi_task() -> None:
    provider = Provider(raw_json(UNIAPI_TASK))
    async with make(provider) as mj:
        task = await mj.fetch(TASK_ID)
    assert task is not None
    assert (task.id, task.status, task.progress) == (TASK_ID, TaskStatus.SUCCESS, 100)
    assert task.image_url is not None
    assert "?ex=67cefb57&is=67cda9d7&hm=b87e6b24&" in task.image_url
    assert len(task.buttons) == 9
    assert task.buttons[4].emoji == "🔄"
    assert task.final_prompt == "cat --v 6.1 --sref <https://s.mj.run/ktqQpnwPoPk>"
    assert provider.last.method == "GET"


async def test_fetch_parses_new_api_trimmed_dto() -> None:
    async with make(Provider(Reply(200, NA_TASK))) as mj:
        task = await mj.fetch("1712205491372558")
    assert task is not None
    assert task.status is TaskStatus.FAILURE
    assert task.progress == 100
    assert task.buttons == ()
    assert dict(task.properties) == {}
    assert task.image_url is None
    assert task.fail_reason == "上游任务超时（超过1小时）"


async def test_fetch_parses_trueai_task_with_extras() -> None:
    async with make(Provider(Reply(200, TA_TASK))) as mj:
        task = await mj.fetch("1731000000000123")
    assert task is not None
    assert (task.status, task.progress, task.image_url) == (TaskStatus.IN_PROGRESS, 31, None)
    assert task.raw["mode"] == "FAST"


@pytest.mark.parametrize(
    "reply",
    [
        Reply(200),  # NZ
        Reply(204),  # TA
        raw_json("null"),
        Reply(400, {"description": "task_no_found", "type": "upstream_error", "code": 4}),  # NA
        Reply(400, {"description": "task_not_found ", "type": "upstream_error", "code": 4}),
        Reply(404, {"code": 3, "description": "数据未找到"}),
        Reply(200, {"code": 3, "description": "数据未找到"}),
    ],
)
async def test_fetch_unknown_task_is_none(reply: Reply) -> None:
    provider = Provider(reply)
    async with make(provider) as mj:
        assert await mj.fetch("999") is None
    assert len(provider.requests) == 1


async def test_fetch_404_html_is_endpoint_not_found() -> None:
    async with make(Provider(html(404, "Not Found"))) as mj:
        with pytest.raises(EndpointNotFound):
            await mj.fetch(TASK_ID)


async def test_fetch_200_html_is_misconfigured() -> None:
    async with make(Provider(html(200, "Login"))) as mj:
        with pytest.raises(ProviderMisconfigured, match="MJ_BASE_URL"):
            await mj.fetch(TASK_ID)


async def test_fetch_other_400_is_rejected() -> None:
    body = {"description": "quota_not_enough", "type": "upstream_error", "code": 4}
    async with make(Provider(Reply(400, body))) as mj:
        with pytest.raises(Rejected, match="quota_not_enough"):
            await mj.fetch(TASK_ID)


async def test_fetch_quotes_the_id() -> None:
    provider = Provider(Reply(200))
    async with make(provider) as mj:
        await mj.fetch("a/b")
        with pytest.raises(ValueError, match="task_id"):
            await mj.fetch("  ")
    assert provider.last.url.raw_path == b"/mj/task/a%2Fb/fetch"
    assert len(provider.requests) == 1


async def test_fetch_retries_after_502_then_succeeds(sleeps: list[float]) -> None:
    provider = Provider(html(502, "502 Bad Gateway"), Reply(200, NA_TASK))
    async with make(provider) as mj:
        task = await mj.fetch("1712205491372558")
    assert task is not None
    assert task.id == "1712205491372558"
    assert len(provider.requests) == 2
    assert len(sleeps) == 1


async def test_fetch_retries_after_connect_error_and_timeout() -> None:
    provider = Provider(Boom(httpx.ConnectError), Boom(httpx.ReadTimeout), Reply(200, TA_TASK))
    async with make(provider) as mj:
        task = await mj.fetch("1731000000000123")
    assert task is not None
    assert len(provider.requests) == 3


async def test_fetch_gives_up_after_read_retries_attempts(sleeps: list[float]) -> None:
    provider = Provider(Reply(503, "Service Unavailable"))
    async with make(provider, read_retries=4, retry_backoff=0.5) as mj:
        with pytest.raises(ProviderUnavailable) as info:
            await mj.fetch(TASK_ID)
    assert len(provider.requests) == 4
    assert len(sleeps) == 3  # none after the last attempt
    for delay, base in zip(sleeps, (0.5, 1.0, 2.0), strict=True):
        assert base <= delay <= base + 0.5  # exponential, with up to one back-off of jitter
    assert info.value.status == 503
    assert "4 attempts" in str(info.value)
    assert not info.value.maybe_submitted


async def test_fetch_429_is_retried_then_unavailable_with_status() -> None:
    provider = Provider(Reply(429))
    async with make(provider, read_retries=2) as mj:
        with pytest.raises(ProviderUnavailable) as info:
            await mj.fetch(TASK_ID)
    assert info.value.status == 429
    assert len(provider.requests) == 2


async def test_retry_after_is_honoured_and_capped(sleeps: list[float]) -> None:
    provider = Provider(
        Reply(429, None, {"retry-after": "2"}),
        Reply(503, None, {"retry-after": "120"}),
        Reply(200, TA_TASK),
    )
    async with make(provider, retry_backoff=0.25) as mj:
        assert await mj.fetch("1731000000000123") is not None
    assert sleeps == [2.0, 10.0]


async def test_read_retries_zero_still_sends_once() -> None:
    provider = Provider(Reply(502))
    async with make(provider, read_retries=0) as mj:
        with pytest.raises(ProviderUnavailable):
            await mj.fetch(TASK_ID)
    assert len(provider.requests) == 1


# ---------------------------------------------------------------------------- list-by-condition


async def test_list_by_condition_parses_a_mixed_list() -> None:
    mixed = f'[{UNIAPI_TASK}, {json.dumps(NA_TASK)}, {json.dumps(TA_TASK)}, {{}}, "junk", 5, null]'
    provider = Provider(raw_json(mixed))
    async with make(provider) as mj:
        tasks = await mj.list_by_condition([TASK_ID, "1712205491372558", "1731000000000123"])
    assert [t.id for t in tasks] == [TASK_ID, "1712205491372558", "1731000000000123"]
    assert all(isinstance(t, Task) for t in tasks)
    assert provider.last.method == "POST"
    assert provider.body() == {"ids": [TASK_ID, "1712205491372558", "1731000000000123"]}


async def test_list_by_condition_splits_more_than_100_ids() -> None:
    ids = [str(1700000000000000 + i) for i in range(250)]
    provider = Provider(Reply(200, [{"id": ids[0], "status": "SUCCESS"}]))
    async with make(provider) as mj:
        tasks = await mj.list_by_condition(ids)
    batches = [provider.body(i)["ids"] for i in range(len(provider.requests))]
    assert [len(b) for b in batches] == [100, 100, 50]
    assert [i for batch in batches for i in batch] == ids
    assert len(tasks) == 3


async def test_list_by_condition_with_no_ids_sends_nothing() -> None:
    provider = Provider()
    async with make(provider) as mj:
        assert await mj.list_by_condition([]) == []
    assert provider.requests == []


async def test_list_by_condition_non_list_is_unavailable() -> None:
    async with make(Provider(Reply(200, {"content": []}))) as mj:
        with pytest.raises(ProviderUnavailable, match="unexpected answer"):
            await mj.list_by_condition([TASK_ID])


async def test_list_by_condition_is_retried() -> None:
    provider = Provider(Reply(500), Reply(200, [NA_TASK]))
    async with make(provider) as mj:
        tasks = await mj.list_by_condition(["1712205491372558"])
    assert len(tasks) == 1
    assert len(provider.requests) == 2


async def test_tasks_falls_back_to_one_fetch_each_and_remembers() -> None:
    not_found = Reply(404, {"timestamp": "2026-12-01T09:00:00.000+00:00", "status": 404, "error": "Not Found"})
    provider = Provider(
        not_found,
        Reply(200, {"id": "1", "status": "IN_PROGRESS", "progress": "15%"}),
        Reply(200, {"id": "2", "status": "SUCCESS"}),
    )
    async with make(provider) as mj:
        found = await mj.tasks(["1", "2"])
        assert mj.per_task_fetch
    assert sorted(found) == ["1", "2"]
    assert provider.paths()[0] == "/mj/task/list-by-condition"
    assert sorted(provider.paths()[1:]) == ["/mj/task/1/fetch", "/mj/task/2/fetch"]


async def test_tasks_reports_a_provider_that_answers_no_fetch_at_all() -> None:
    provider = Provider(Reply(404, "Not Found"), Reply(503, "down"))
    async with make(provider, read_retries=1) as mj:
        with pytest.raises(ProviderUnavailable):
            await mj.tasks(["1", "2"])


# ----------------------------------------------------------------------------------- button presses

SPRING_404 = Reply(404, {"timestamp": "2026-12-01T09:00:00.000+00:00", "status": 404, "error": "Not Found"})


async def test_a_press_goes_through_change_where_the_provider_has_no_action() -> None:
    # novicezk's open-source proxy: no /submit/action, only /submit/change (docs/provider-api.md §5.9)
    provider = Provider(SPRING_404, Reply(200, {"code": 1, "description": "ok", "result": "77"}))
    async with make(provider) as mj:
        first = await mj.press(TASK_ID, "MJ::JOB::upsample::2::abc", state="mjbot:1")
        second = await mj.press(TASK_ID, "MJ::JOB::reroll::0::abc::SOLO")
    assert (first.task_id, second.task_id) == ("77", "77")
    assert provider.paths() == ["/mj/submit/action", "/mj/submit/change", "/mj/submit/change"]
    assert provider.body(1) == {"taskId": TASK_ID, "action": "UPSCALE", "index": 2, "state": "mjbot:1"}
    assert provider.body(2) == {"taskId": TASK_ID, "action": "REROLL", "index": 1}  # relays refuse index 0


async def test_a_press_falls_back_to_simple_change_last() -> None:
    provider = Provider(SPRING_404, SPRING_404, Reply(200, {"code": 1, "description": "ok", "result": "78"}))
    async with make(provider) as mj:
        result = await mj.press(TASK_ID, "MJ::JOB::variation::3::abc")
    assert result.task_id == "78"
    assert provider.paths() == ["/mj/submit/action", "/mj/submit/change", "/mj/submit/simple-change"]
    assert provider.body(2) == {"content": f"{TASK_ID} V3"}


async def test_a_press_that_only_the_action_route_can_send_says_so() -> None:
    async with make(Provider(SPRING_404)) as mj:
        with pytest.raises(UnsupportedButton):
            await mj.press(TASK_ID, "MJ::JOB::pan_left::1::abc::SOLO")


async def test_a_relay_that_does_not_know_a_button_says_it_is_unsupported() -> None:
    refusal = Reply(400, {"description": "unknown_action:MJ::Job::PicReader::1 ", "type": "upstream_error", "code": 4})
    async with make(Provider(refusal)) as mj:
        with pytest.raises(UnsupportedButton):
            await mj.press(TASK_ID, "MJ::Job::PicReader::1")


async def test_a_feature_the_provider_lacks_is_not_a_wrong_base_url() -> None:
    async with make(Provider(SPRING_404)) as mj:
        with pytest.raises(NotOffered) as info:
            await mj.shorten("a long prompt")
    assert info.value.route == "/mj/submit/shorten"


async def test_a_refused_press_is_not_sent_anywhere_else() -> None:
    # TA answers a missing parent with HTTP 404 *and* an envelope: a refusal, not a missing route.
    provider = Provider(Reply(404, {"code": 3, "description": "关联任务不存在或已失效", "result": None}))
    async with make(provider) as mj:
        with pytest.raises(Rejected):
            await mj.press(TASK_ID, "MJ::JOB::upsample::1::abc")
    assert provider.paths() == ["/mj/submit/action"]


# ------------------------------------------------------------------------- upload, seed, cancel


async def test_upload_returns_urls() -> None:
    urls = [
        "https://cdn.discordapp.com/attachments/1/2/a.png?ex=1&is=2&hm=3&",
        "https://cdn.discordapp.com/attachments/1/3/b.png?ex=1&is=2&hm=4&",
    ]
    provider = Provider(Reply(200, {"code": 1, "description": "提交成功", "result": urls}))
    async with make(provider, speed=Speed.TURBO) as mj:
        assert await mj.upload(["data:image/png;base64,A", "data:image/png;base64,B"]) == urls
    assert provider.last.url.path == "/mj-turbo/mj/submit/upload-discord-images"
    assert provider.body() == {"base64Array": ["data:image/png;base64,A", "data:image/png;base64,B"]}


async def test_upload_refused_and_not_retried() -> None:
    provider = Provider(Reply(200, {"code": 4, "description": "禁止上传"}))
    async with make(provider) as mj:
        with pytest.raises(Rejected, match="禁止上传"):
            await mj.upload(["data:image/png;base64,A"])
    assert len(provider.requests) == 1


async def test_upload_5xx_sent_once() -> None:
    provider = Provider(Reply(502))
    async with make(provider) as mj:
        with pytest.raises(ProviderUnavailable) as info:
            await mj.upload(["x"])
    assert info.value.maybe_submitted
    assert len(provider.requests) == 1


async def test_image_seed_integer_result_becomes_string() -> None:
    provider = Provider(raw_json('{"code": 1, "description": "成功", "result": 636646138}'))
    async with make(provider) as mj:
        seed = await mj.image_seed(TASK_ID)
    assert seed == "636646138"
    assert provider.last.method == "GET"
    assert provider.last.url.path == f"/mj/task/{TASK_ID}/image-seed"


async def test_image_seed_refusals() -> None:
    provider = Provider(
        Reply(404, {"code": 3, "description": "关联任务不存在或已失效"}),
        Reply(400, {"code": 4, "description": "关联任务状态错误"}),
    )
    async with make(provider) as mj:
        with pytest.raises(Rejected, match="关联任务不存在"):
            await mj.image_seed(TASK_ID)
        with pytest.raises(Rejected, match="关联任务状态错误"):
            await mj.image_seed(TASK_ID)
    assert len(provider.requests) == 2


async def test_cancel_empty_200_and_envelope() -> None:
    provider = Provider(Reply(200), Reply(200, {"code": 1, "description": "成功"}))
    async with make(provider) as mj:
        await mj.cancel(TASK_ID)  # TA: 200 with an empty body
        await mj.cancel(TASK_ID)  # PLUS: envelope code 1
    assert [r.method for r in provider.requests] == ["POST", "POST"]
    assert provider.last.url.path == f"/mj/task/{TASK_ID}/cancel"


async def test_cancel_is_not_retried() -> None:
    provider = Provider(Reply(502), Reply(200))
    async with make(provider) as mj:
        with pytest.raises(ProviderUnavailable):
            await mj.cancel(TASK_ID)
    assert len(provider.requests) == 1


# ------------------------------------------------------------------------------------- secrets

ECHO = f"invalid token {KEY} (ZQXSECRETKEY9)"

SECRET_SCENARIOS: list[tuple[Reply | Boom, type[MJError]]] = [
    (Reply(401, ECHO), AuthenticationFailed),
    (Reply(403, {"error": {"message": ECHO, "type": "new_api_error"}}), AuthenticationFailed),
    (Reply(400, {"description": ECHO, "type": "upstream_error", "code": 4}), Rejected),
    (Reply(200, {"success": False, "code": -1, "message": ECHO}), Rejected),
    (Reply(200, {"code": 24, "description": ECHO, "properties": {}}), BannedPrompt),
    (Reply(404, f"<html><title>{ECHO}</title></html>"), EndpointNotFound),
    (Reply(502, ECHO), ProviderUnavailable),
    (Reply(200, ECHO), ProviderUnavailable),
    (Reply(200, f"<html><title>{ECHO}</title></html>"), ProviderMisconfigured),
    (Boom(httpx.ConnectError, ECHO), ProviderUnavailable),
    (Boom(httpx.ReadTimeout, ECHO), ProviderUnavailable),
]


@pytest.mark.parametrize("style", list(AuthStyle))
@pytest.mark.parametrize(("answer", "expected"), SECRET_SCENARIOS)
async def test_api_key_never_in_exception_messages(
    answer: Reply | Boom, expected: type[MJError], style: AuthStyle, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="bot.mj")
    provider = Provider(answer)
    async with make(provider, auth_style=style) as mj:
        with pytest.raises(MJError) as submit_info:
            await mj.action(TASK_ID, "MJ::JOB::upsample::1::abc")
        with pytest.raises(MJError) as read_info:
            await mj.image_seed(TASK_ID)
    assert isinstance(submit_info.value, expected)
    for error in (submit_info.value, read_info.value):
        texts = [str(error), repr(error), error.message, str(getattr(error, "description", ""))]
        for fragment in KEY_FRAGMENTS:
            assert all(fragment not in text for text in texts)
    assert all(fragment not in caplog.text for fragment in KEY_FRAGMENTS)


async def test_api_key_never_in_a_modal_answers_description() -> None:
    async with make(Provider(Reply(200, {"code": 21, "description": ECHO, "result": "77"}))) as mj:
        result = await mj.action(TASK_ID, "MJ::CustomZoom::abc")
    assert result.status is SubmitStatus.MODAL
    assert all(fragment not in result.description for fragment in KEY_FRAGMENTS)


async def test_debug_log_names_method_path_status_but_no_headers(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="bot.mj")
    async with make(Provider(), auth_style=AuthStyle.RAW) as mj:
        await mj.imagine("cat")
    records = [r for r in caplog.records if r.name == "bot.mj"]
    assert any(r.getMessage() == "POST /mj/submit/imagine -> HTTP 200" for r in records)
    assert KEY not in caplog.text
    assert "uthorization" not in caplog.text
