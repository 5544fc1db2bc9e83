"""The answer cache on a replayed agent workload: hit rate, wrong hits, latency and money saved.

    .venv/bin/python bench/bench_cache_workload.py [--sessions 24] [--seed 13]
        [--concurrency 8] [--delay-ms 300 800]

A real gateway (`kordon serve --no-sidecar`, answers in a real Redis), real OPA with this
repository's policy plus three test tiers that differ only in their cache (`off`, `exact`,
`semantic` at `min_similarity` 0.9; limits raised so the run never meets a 429), and one
OpenAI-compatible upstream on loopback (`app.providers.demo`: it echoes the last user message)
that answers after a seeded random delay, 300-800 ms by default. The client is the real
`openai` SDK (`AsyncOpenAI`), `--concurrency` agent sessions at a time.

The mix is synthetic, written for this benchmark (deterministic per `--seed`), Russian and
English. Each session is an agent with one of two system prompts taking 8-16 steps, each of
one kind:

- `fresh`: a question nobody asked yet (new order numbers, dates): must miss;
- `shared`: a help-desk question other sessions ask with the same words (exact hit unless it
  is the first, or its first is still in flight);
- `retry`: the session's previous request again, as a client retry after a timeout;
- `tool`: a tool loop (user question, assistant tool call, tool result), first time;
- `tool_replay`: an earlier tool loop resent as it was (same call id): exact hit;
- `tool_again`: the same tool with the same arguments in a new agent turn, so the model
  gave the call a new id: a miss today (the id is part of the key);
- `paraphrase`: an earlier question of the session in other words (semantic hit at best);
- `lookalike`: an earlier question with another number or date, a negation or the opposite
  verb: a hit is a wrong answer.

A fifth of the single-turn requests stream. Every answer is checked against what the upstream
would have answered: the demo upstream echoes the question it was sent, so an answer's echo
names the intent it answers; a hit whose intent is not the request's is a **wrong hit**.

The same session list runs three times, one tenant per tier: `off` (the baseline: every
request reaches the upstream), `exact`, `semantic`. Reported per run: hits overall and per
kind, wrong hits, client latency p50/p95 of hits and misses, the agents' waiting time against
the `off` run, and tokens and money saved from `GET /v1/usage?savings=1`. Reported, never
asserted; the figures go to var/bench/cache_workload.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx
import openai
import yaml
from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.keys import KeyStore
from app.providers.demo import create_demo_app
from tests.redis_server import start_redis
from tests.support.bundles import patched_bundle
from tests.support.processes import REPO, running_gateway, running_opa

OUT = REPO / "var" / "bench" / "cache_workload.json"
RUNS = ("off", "exact", "semantic")
KINDS = (
    "fresh", "shared", "retry", "tool", "tool_replay", "tool_again", "paraphrase", "lookalike",
)  # fmt: skip
_EXPECT_HIT = {"retry", "tool_replay", "shared"}

# One question type: wordings that mean the same (paraphrases of each other) and a variant
# that looks alike but asks something else (negation or the opposite verb). `{n}` is a
# number, `{d}` a date or month: another value is a look-alike too.
_EN_DAYS = ["March 14", "April 2", "May 21", "June 9", "July 30", "October 17"]
_RU_DAYS = ["14 марта", "2 апреля", "21 мая", "9 июня", "30 июля", "17 октября"]
_EN_MONTHS = ["January", "February", "March", "April", "September", "November"]
_RU_MONTHS = ["январь", "февраль", "март", "апрель", "сентябрь", "ноябрь"]


@dataclass(frozen=True)
class Question:
    name: str
    lang: str
    wordings: tuple[str, ...]
    variant: str | None
    dates: tuple[str, ...] = ()


QUESTIONS = (
    Question("status", "en", ("What is the current status of order {n}?",
             "What's the current status of order {n}?"), None),
    Question("refund", "en", ("Refund order {n} to the original card.",
             "Please refund order {n} to the original card."),
             "Do not refund order {n} to the original card."),
    Question("invoices", "en", ("List the unpaid invoices due on {d}.",
             "Show the unpaid invoices due on {d}."), "List the paid invoices due on {d}.",
             tuple(_EN_DAYS)),
    Question("meeting", "en", ("Schedule the quarterly review for {d} at 10 am.",
             "Please schedule the quarterly review for {d} at 10 am."),
             "Cancel the quarterly review on {d} at 10 am.", tuple(_EN_DAYS)),
    Question("summary", "en", ("Summarise support ticket {n} in three bullet points.",
             "Summarize support ticket {n} in three bullet points."),
             "Summarise support ticket {n} in five bullet points."),
    Question("export", "en", ("Export the sales report for {d} to Excel.",
             "Export the sales report for {d} into Excel."),
             "Import the sales report for {d} from Excel.", tuple(_EN_MONTHS)),
    Question("limit", "en", ("Increase the credit limit of account {n} by 500 dollars.",
             "Please increase the credit limit of account {n} by 500 dollars."),
             "Decrease the credit limit of account {n} by 500 dollars."),
    Question("status", "ru", ("Какой сейчас статус заказа {n}?",
             "Какой текущий статус заказа {n}?"), None),
    Question("refund", "ru", ("Верни деньги за заказ {n} на исходную карту.",
             "Пожалуйста, верни деньги за заказ {n} на исходную карту."),
             "Не возвращай деньги за заказ {n} на исходную карту."),
    Question("invoices", "ru", ("Покажи неоплаченные счета со сроком {d}.",
             "Выведи неоплаченные счета со сроком {d}."),
             "Покажи оплаченные счета со сроком {d}.", tuple(_RU_DAYS)),
    Question("meeting", "ru", ("Назначь квартальную встречу на {d} в 10 утра.",
             "Запланируй квартальную встречу на {d} в 10 утра."),
             "Отмени квартальную встречу {d} в 10 утра.", tuple(_RU_DAYS)),
    Question("summary", "ru", ("Кратко перескажи обращение {n} в трёх пунктах.",
             "Коротко перескажи обращение {n} в трёх пунктах."),
             "Кратко перескажи обращение {n} в пяти пунктах."),
    Question("export", "ru", ("Выгрузи отчёт о продажах за {d} в Excel.",
             "Выгрузи отчёт по продажам за {d} в Excel."),
             "Загрузи отчёт о продажах за {d} из Excel.", tuple(_RU_MONTHS)),
    Question("limit", "ru", ("Увеличь кредитный лимит счёта {n} на 500 рублей.",
             "Пожалуйста, увеличь кредитный лимит счёта {n} на 500 рублей."),
             "Уменьши кредитный лимит счёта {n} на 500 рублей."),
)  # fmt: skip

# Help-desk questions many agents ask word for word; the variant looks alike, means otherwise.
SHARED = (
    ("How do I reset my password in the mobile app?",
     "How can I reset my password in the mobile app?",
     "How do I reset my password without the mobile app?"),
    ("How do I enable two-factor authentication for my account?",
     "How can I enable two-factor authentication for my account?",
     "How do I disable two-factor authentication for my account?"),
    ("What are the support hours on weekends?",
     "What are the support hours at weekends?",
     "What are the support hours on weekdays?"),
    ("Как сбросить пароль в мобильном приложении?",
     "Как мне сбросить пароль в мобильном приложении?",
     "Как сбросить пароль без мобильного приложения?"),
    ("Как заблокировать банковскую карту через приложение?",
     "Как мне заблокировать банковскую карту через приложение?",
     "Как разблокировать банковскую карту через приложение?"),
    ("Какие часы работы поддержки в выходные?",
     "Какие часы работы у поддержки в выходные?",
     "Какие часы работы поддержки в будни?"),
)  # fmt: skip

SYSTEM = (
    "You are the customer support agent of ACME. Answer briefly and cite the ticket.",
    "You are the back-office operations agent of ACME. Use the tools when you need data.",
)
TOOLS: list[dict[str, Any]] = [
    {
        "type": "function",
        "function": {
            "name": "get_order",
            "description": "Look an order up by its number.",
            "parameters": {
                "type": "object",
                "properties": {"order_id": {"type": "string"}},
                "required": ["order_id"],
            },
        },
    }
]
_TOOL_ASK = {"en": "Check whether order {n} has shipped.", "ru": "Проверь, отправлен ли заказ {n}."}


@dataclass(frozen=True)
class Step:
    kind: str
    intent: str  # what the question asks: paraphrases share it, look-alikes do not
    text: str  # the last user message, which the demo upstream echoes
    messages: tuple[dict[str, Any], ...]
    tools: bool = False
    stream: bool = False


@dataclass
class _Asked:
    """A single-turn question a session asked: enough to paraphrase or mimic it."""

    wordings: tuple[str, ...]
    variant: str | None
    params: dict[str, str]
    intent: str
    values: tuple[str, ...] = ()  # other values for the number or date


def _single(kind: str, intent: str, text: str, system: str, stream: bool) -> Step:
    messages = ({"role": "system", "content": system}, {"role": "user", "content": text})
    return Step(kind, intent, text, messages, stream=stream)


def _tool_loop(kind: str, lang: str, number: str, system: str, call_id: str) -> Step:
    text = _TOOL_ASK[lang].format(n=number)
    call = {"name": "get_order", "arguments": json.dumps({"order_id": number})}
    result = json.dumps({"order_id": number, "status": "shipped", "carrier": "DHL"})
    messages = (
        {"role": "system", "content": system},
        {"role": "user", "content": text},
        {"role": "assistant", "content": None,
         "tool_calls": [{"id": call_id, "type": "function", "function": call}]},
        {"role": "tool", "tool_call_id": call_id, "content": result},
    )  # fmt: skip
    return Step(kind, f"tool:{lang}:{number}", text, messages, tools=True)


def _new_question(rng: random.Random, numbers: Iterator[int]) -> _Asked:
    question = rng.choice(QUESTIONS)
    if question.dates:
        value, others = rng.choice(question.dates), question.dates
        params = {"d": value}
    else:
        value = str(next(numbers))
        params, others = {"n": value}, (str(int(value) + rng.choice((1, 9, 10, 100))),)
    intent = f"{question.name}:{question.lang}:{value}"
    alternatives = tuple(v for v in others if v != value)
    return _Asked(question.wordings, question.variant, params, intent, alternatives)


def sessions(count: int, seed: int) -> list[list[Step]]:
    """The workload: `count` agent sessions, the same for a given seed."""
    rng = random.Random(seed)
    numbers = iter(rng.sample(range(10_000, 99_999), 4 * count * 16))
    weights = {
        "fresh": 14, "shared": 14, "retry": 7, "tool": 5, "tool_replay": 10,
        "tool_again": 6, "paraphrase": 20, "lookalike": 16,
    }  # fmt: skip
    out: list[list[Step]] = []
    for index in range(count):
        system, lang_bias = SYSTEM[index % 2], rng.choice(("en", "ru"))
        asked: list[_Asked] = []
        loops: list[Step] = []
        steps: list[Step] = []
        length = rng.randint(8, 16)
        while len(steps) < length:
            kind = rng.choices(list(weights), list(weights.values()))[0]
            stream = rng.random() < 0.2
            if kind in {"paraphrase", "lookalike"} and not asked:
                kind = "fresh"
            if kind in {"tool_replay", "tool_again"} and not loops:
                kind = "tool"
            if kind == "retry" and not steps:
                kind = "fresh"
            if kind == "fresh":
                item = _new_question(rng, numbers)
                asked.append(item)
                text = item.wordings[0].format(**item.params)
                steps.append(_single(kind, item.intent, text, system, stream))
            elif kind == "shared":
                pool = [s for s in SHARED if (s[0][0] < "\u0400") == (lang_bias == "en")]
                first, paraphrase, variant = rng.choice(pool)
                asked.append(_Asked((first, paraphrase), variant, {}, f"shared:{first}"))
                steps.append(_single(kind, f"shared:{first}", first, system, stream))
            elif kind == "retry":
                steps.append(replace(steps[-1], kind="retry"))
            elif kind == "tool":
                lang, number = rng.choice(("en", "ru")), str(next(numbers))
                loops.append(
                    _tool_loop(kind, lang, number, system, f"call_{rng.getrandbits(48):x}")
                )
                steps.append(loops[-1])
            elif kind == "tool_replay":
                steps.append(replace(rng.choice(loops), kind="tool_replay"))
            elif kind == "tool_again":
                earlier = rng.choice(loops)
                lang, number = earlier.intent.split(":")[1:]
                steps.append(
                    _tool_loop(kind, lang, number, system, f"call_{rng.getrandbits(48):x}")
                )
            elif kind == "paraphrase":
                item = rng.choice(asked)
                text = item.wordings[1].format(**item.params)
                steps.append(_single(kind, item.intent, text, system, stream))
            else:
                steps.append(_lookalike(rng, rng.choice(asked), system, stream))
        out.append(steps)
    return out


def _lookalike(rng: random.Random, item: _Asked, system: str, stream: bool) -> Step:
    if item.variant and (not item.values or rng.random() < 0.5):
        text = item.variant.format(**item.params)
        return _single("lookalike", f"not:{item.intent}", text, system, stream)
    key = next(iter(item.params))
    value = rng.choice(item.values)
    text = item.wordings[0].format(**{key: value})
    return _single("lookalike", f"{item.intent.rsplit(':', 1)[0]}:{value}", text, system, stream)


@dataclass
class Record:
    kind: str
    cache: str
    seconds: float
    stream: bool
    verdict: str  # right | wrong | unverified
    text: str
    served: str  # the question the answer answers (the demo upstream's echo)


@dataclass
class RunResult:
    tier: str
    wall_s: float
    records: list[Record] = field(default_factory=list)
    savings: dict[str, Any] = field(default_factory=dict)
    upstream_calls: int = 0


class Upstream:
    """The demo upstream behind a seeded random delay; counts the calls that reach it."""

    def __init__(self, delay_ms: tuple[int, int], seed: int) -> None:
        self.delay_ms, self.seed, self.calls = delay_ms, seed, 0
        self.rng = random.Random(seed)
        self.app = create_demo_app("upstream", self._hook)

    def reset(self) -> None:
        self.rng, self.calls = random.Random(self.seed), 0

    async def _hook(self, _path: str, _body: dict[str, object]) -> None:
        self.calls += 1
        await asyncio.sleep(self.rng.uniform(*self.delay_ms) / 1000)


def _verdict(step: Step, content: str, intents: dict[str, str]) -> str:
    """Whether the answer answers the request's intent (the demo echoes the question)."""
    _, sep, echoed = content.partition(" received: ")
    if not sep or echoed not in intents:
        return "unverified"
    return "right" if intents[echoed] == step.intent else "wrong"


async def _ask(client: openai.AsyncOpenAI, step: Step) -> tuple[str, str]:
    extra: dict[str, Any] = {"tools": TOOLS} if step.tools else {}
    messages: Any = list(step.messages)
    if step.stream:
        async with client.chat.completions.with_streaming_response.create(
            model="auto", messages=messages, temperature=0, stream=True, **extra
        ) as response:
            status = response.headers["x-kordon-cache"]
            parts = [c.choices[0].delta.content or "" async for c in await response.parse()
                     if c.choices]  # fmt: skip
        return "".join(parts), status
    raw = await client.chat.completions.with_raw_response.create(
        model="auto", messages=messages, temperature=0, **extra
    )
    return raw.parse().choices[0].message.content or "", raw.headers["x-kordon-cache"]


async def _run(
    url: str, key: str, tier: str, work: list[list[Step]], concurrency: int
) -> RunResult:
    intents = {step.text: step.intent for session in work for step in session}
    result = RunResult(tier, 0.0)
    queue: asyncio.Queue[list[Step]] = asyncio.Queue()
    for session in work:
        queue.put_nowait(session)
    client = openai.AsyncOpenAI(base_url=f"{url}/v1", api_key=key, max_retries=0, timeout=30)

    async def agent() -> None:
        while not queue.empty():
            for step in queue.get_nowait():
                started = time.perf_counter()
                content, cache = await _ask(client, step)
                seconds = time.perf_counter() - started
                verdict = _verdict(step, content, intents)
                served = content.partition(" received: ")[2]
                result.records.append(
                    Record(step.kind, cache, seconds, step.stream, verdict, step.text, served)
                )

    started = time.perf_counter()
    await asyncio.gather(*(agent() for _ in range(concurrency)))
    result.wall_s = time.perf_counter() - started
    async with httpx.AsyncClient() as http:
        response = await http.get(
            f"{url}/v1/usage", params={"savings": "1"}, headers={"Authorization": f"Bearer {key}"}
        )
        response.raise_for_status()
        result.savings = response.json()
    await client.close()
    return result


def _bundle(root: Path) -> Path:
    tiers = yaml.safe_load((REPO / "data" / "tiers" / "data.yaml").read_text())
    base = tiers["enterprise"]
    limits = [{**limit, "limit": 10**9} for limit in base["limits"]]
    caches = {
        "off": {"mode": "off", "ttl_s": 0},
        "exact": {"mode": "exact", "ttl_s": 3600},
        "semantic": {"mode": "semantic", "ttl_s": 3600, "min_similarity": 0.9},
    }
    return patched_bundle(
        root,
        tiers={f"wl-{t}": {**base, "limits": limits, "cache": c} for t, c in caches.items()},
        tenants={
            f"wl-{t}": {"base": "acme-ru", "name": f"workload {t}", "tier": f"wl-{t}"} for t in RUNS
        }
        | {"wl-warm": {"base": "acme-ru", "name": "warm-up", "tier": "wl-semantic"}},
    )


def provider_env(base_url: str) -> dict[str, str]:
    """Every provider's endpoint at the one upstream, whichever routes the policy picks."""
    providers = yaml.safe_load((REPO / "data" / "providers" / "data.yaml").read_text())
    env: dict[str, str] = {}
    for spec in providers.values():
        env[spec["endpoint"]["base_url_env"]] = base_url
        env[spec["endpoint"]["api_key_env"]] = "bench-provider-key"
    return env


def _pct(values: list[float], q: int) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return round(values[0] * 1000, 1)
    return round(statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000, 1)


def summarise(run: RunResult, baseline: RunResult | None) -> dict[str, Any]:
    records = run.records
    hits = [r for r in records if r.cache.startswith("hit")]
    misses = [r for r in records if not r.cache.startswith("hit")]
    per_kind: dict[str, dict[str, int]] = {}
    for kind in KINDS:
        mine = [r for r in records if r.kind == kind]
        counts = dict(sorted(Counter(r.cache for r in mine).items()))
        wrong = sum(r.verdict == "wrong" for r in mine)
        per_kind[kind] = {"requests": len(mine), **counts, "wrong": wrong}
    miss_p50 = statistics.median(r.seconds for r in misses) if misses else 0.0
    out: dict[str, Any] = {
        "tier": run.tier,
        "requests": len(records),
        "streamed": sum(r.stream for r in records),
        "cache": dict(sorted(Counter(r.cache for r in records).items())),
        "hit_rate": round(len(hits) / len(records), 4),
        "per_kind": per_kind,
        "wrong_hits": sum(r.verdict == "wrong" for r in hits),
        "wrong_misses": sum(r.verdict == "wrong" for r in misses),
        "wrong": [
            {"kind": r.kind, "cache": r.cache, "asked": r.text, "answered": r.served}
            for r in records
            if r.verdict == "wrong"
        ],
        "unverified": sum(r.verdict == "unverified" for r in records),
        "upstream_calls": run.upstream_calls,
        "latency_ms": {
            "hit_p50": _pct([r.seconds for r in hits], 50),
            "hit_p95": _pct([r.seconds for r in hits], 95),
            "miss_p50": _pct([r.seconds for r in misses], 50),
            "miss_p95": _pct([r.seconds for r in misses], 95),
        },
        "wall_s": round(run.wall_s, 2),
        "agent_wait_s": round(sum(r.seconds for r in records), 1),
        # What the hits would have waited as misses: the run's miss median each.
        "wait_saved_estimate_s": round(sum(miss_p50 - r.seconds for r in hits), 1),
        "savings": run.savings,
    }
    if baseline is not None:
        out["agent_wait_saved_vs_off_s"] = round(
            sum(r.seconds for r in baseline.records) - out["agent_wait_s"], 1
        )
        out["wall_saved_vs_off_s"] = round(baseline.wall_s - run.wall_s, 2)
    return out


def _print(summary: dict[str, Any]) -> None:
    money = summary["savings"].get("money", {})
    saved = {c: f"{m['saved_by_cache']} of {m['baseline']}" for c, m in money.items()}
    reduction = {c: f"{m['reduction']:.1%}" for c, m in money.items()}
    print(
        f"\n== {summary['tier']}: {summary['requests']} requests "
        f"({summary['streamed']} streamed), hit rate {summary['hit_rate']:.1%} {summary['cache']}"
        f"\n   wrong hits {summary['wrong_hits']}, wrong misses {summary['wrong_misses']}, "
        f"unverified {summary['unverified']}, upstream calls {summary['upstream_calls']}"
        f"\n   latency ms {summary['latency_ms']}"
        f"\n   wall {summary['wall_s']} s, agents waited {summary['agent_wait_s']} s "
        f"(saved vs off: {summary.get('agent_wait_saved_vs_off_s')} s; "
        f"estimate from hits: {summary['wait_saved_estimate_s']} s)"
        f"\n   tokens {summary['savings'].get('tokens')}, saved by cache "
        f"{summary['savings'].get('tokens_saved_by_cache')}; money saved by cache {saved}, "
        f"cost reduction with routing {reduction}"
    )
    for kind, counts in summary["per_kind"].items():
        print(f"   {kind:<12} {counts}")
    for wrong in summary["wrong"]:
        print(f"   WRONG {wrong}")


async def _main(args: argparse.Namespace) -> dict[str, Any]:
    work = sessions(args.sessions, args.seed)
    upstream = Upstream((args.delay_ms[0], args.delay_ms[1]), args.seed)
    runner = web.AppRunner(upstream.app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    results: dict[str, Any] = {"requests_per_run": sum(map(len, work)), "runs": {}}
    with ExitStack() as stack, tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        bundle = await asyncio.to_thread(_bundle, root)
        store = KeyStore.load(root / "keys.json")
        keys = {t: store.create(f"wl-{t}", "workload-agent")[0] for t in (*RUNS, "warm")}
        redis_url = stack.enter_context(start_redis())
        opa_url, _ = stack.enter_context(running_opa(bundle))
        env = {**provider_env(f"http://127.0.0.1:{port}/v1"), "KORDON_REDIS_URL": redis_url}
        # The upstream runs on this loop: start the gateway from a thread so it keeps serving.
        gateway = running_gateway(opa_url, root / "keys.json", env, root / "gateway.log")
        url = await asyncio.to_thread(stack.enter_context, gateway)
        # Load the semantic model and open the connections before anything is timed.
        warm = [_single("fresh", "warm", "Warm-up: say hello.", SYSTEM[0], False)]
        await _run(url, keys["warm"], "warm", [warm], 1)
        baseline: RunResult | None = None
        for tier in RUNS:
            upstream.reset()
            run = await _run(url, keys[tier], tier, work, args.concurrency)
            run.upstream_calls = upstream.calls
            results["runs"][tier] = summarise(run, baseline)
            _print(results["runs"][tier])
            baseline = baseline or run
        await asyncio.to_thread(stack.close)
    await runner.cleanup()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=24)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--delay-ms", type=int, nargs=2, default=[300, 800], metavar=("MIN", "MAX"))
    args = parser.parse_args()
    results = {
        "seed": args.seed,
        "sessions": args.sessions,
        "concurrency": args.concurrency,
        "upstream_delay_ms": args.delay_ms,
        "synthetic": True,
        **asyncio.run(_main(args)),
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(f"\nwritten to {OUT}")


if __name__ == "__main__":
    main()
