"""Forged, stale and garbage button presses: always answered, never counted, never echoed."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.keyboards import MAX_CALLBACK_DATA
from bot.storage.false_alarms import FalseAlarmRepo
from tests.e2e.conftest import new_user
from tests.e2e.harness import Harness
from tests.e2e.test_groups import answer_to, forward, hola_mama, new_group, person
from tests.fakebot import updates

PREFIXES = (
    "v:tips:",
    "v:rep:",
    "v:repok:",
    "v:repno:",
    "v:fa:",
    "lang:",
    "country:",
    "g:fa:",
    "g:fa:#",
    "gs:",
    "gs:ctry:",
    "mod:",
    "mod:open:",
    "mod:to:",
    "mod:new:",
)
_ids = itertools.count(9_100_000)


def garbage(n: int) -> list[str]:
    """n callback payloads from hypothesis: a known prefix, then anything up to 64 bytes."""
    found: list[str] = []

    @settings(
        max_examples=n, database=None, derandomize=True, suppress_health_check=list(HealthCheck)
    )
    @given(
        st.sampled_from(PREFIXES),
        st.one_of(
            st.text(max_size=70),
            st.from_regex(r"[0-9]{1,19}", fullmatch=True),  # stale or foreign numeric ids
            st.from_regex(r"text:[0-9a-f]{8,40}", fullmatch=True),  # content keys never seen
        ),
    )
    def collect(prefix: str, tail: str) -> None:
        data = (prefix + tail).encode()[:MAX_CALLBACK_DATA].decode("utf-8", "ignore")
        if data:
            found.append(data)

    collect()
    return found


async def test_garbage_presses_on_a_private_verdict_are_all_answered(shared_bot: Harness) -> None:
    user = new_user("es", "Fuzz")
    shared_bot.fake.push_update(updates.text_message("hola, ¿qué tal?", sender=user))
    [verdict] = await shared_bot.answers(user["id"])
    rejected_before = len(shared_bot.fake.rejected())
    for data in garbage(60):
        query_id = str(next(_ids))
        update = updates.callback_query(data, verdict.message, sender=user, query_id=query_id)
        shared_bot.fake.push_update(update)
        assert await answer_to(shared_bot, query_id)  # never silent
    # Nothing the bot sent in reply carried a button Telegram would refuse.
    assert shared_bot.fake.rejected()[rejected_before:] == []
    assert shared_bot.fake.errors == []


async def test_a_forged_not_a_scam_in_a_private_chat_counts_no_vote(shared_bot: Harness) -> None:
    group, rosa = new_group("Vecinas del 3º"), person("es", "Rosa")
    # A child's name of its own: votes are counted per message content across the shared bot,
    # and test_groups counts "Irene"'s votes from zero.
    shared_bot.fake.push_update(forward(hola_mama("Noelia"), group, rosa))
    [warning] = await shared_bot.answers(group["id"])
    data = warning.buttons[1]["callback_data"]
    key = data.removeprefix("g:fa:")
    # The same data pressed on a message in a private chat, and on another group message.
    private = new_user("es", "Mallory")
    shared_bot.fake.push_update(updates.text_message("hola", sender=private))
    [mine] = await shared_bot.answers(private["id"])
    forged = str(next(_ids))
    shared_bot.fake.push_update(
        updates.callback_query(data, mine.message, sender=private, query_id=forged)
    )
    answer = await answer_to(shared_bot, forged)
    assert "ya no vale" in answer["text"]
    other_group_msg = {**warning.message, "message_id": warning.message["message_id"] + 999}
    stale = str(next(_ids))
    shared_bot.fake.push_update(
        updates.callback_query(data, other_group_msg, sender=rosa, query_id=stale)
    )
    assert "ya no vale" in (await answer_to(shared_bot, stale))["text"]
    async with shared_bot.rt.deps.db() as session:
        assert await FalseAlarmRepo(session).count(key) == 0
    # The real warning still counts its member once.
    real = str(next(_ids))
    shared_bot.fake.push_update(
        updates.callback_query(data, warning.message, sender=rosa, query_id=real)
    )
    assert "1 en total" in (await answer_to(shared_bot, real))["text"]
