"""The moderator web console in a real browser (Playwright driving Debian's chromium)."""

from __future__ import annotations

import os
import re
import shutil
import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from bot.moderation.review import Review
from bot.storage.audit import AuditRepo
from bot.storage.patterns import PatternRepo
from bot.web.console.auth import login_link
from tests.e2e.conftest import new_user
from tests.e2e.harness import Harness, running_bot
from tests.e2e.test_moderation import MOD_CHAT, OWNER, command, group_report, report, settings
from tests.fakebot import updates

CHROMIUM = os.environ.get("OJO_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
# Screenshots go to a temporary directory unless asked for (README's docs/console/*.png).
SHOTS = os.environ.get("OJO_CONSOLE_SCREENSHOTS")

playwright_api = pytest.importorskip("playwright.async_api", reason="Playwright is not installed")
if not (Path(CHROMIUM).exists() or shutil.which("chromium")):
    pytest.skip(
        f"no chromium browser at {CHROMIUM} (make test installs it with apt-get when root)",
        allow_module_level=True,
    )
pytestmark = pytest.mark.asyncio(loop_scope="session")


def free_port() -> int:
    """A TCP port nobody listens on (the console's links need the real port)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def bot(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Harness]:
    """A moderation bot whose web server (and console) listens on a known port."""
    port = free_port()
    overrides = settings(web_port=port, public_url=f"http://127.0.0.1:{port}")
    async with running_bot(tmp_path_factory.mktemp("ojo-console"), **overrides) as harness:
        harness.fake.add_chat(MOD_CHAT)
        yield harness


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def browser() -> AsyncIterator[Any]:
    """Headless chromium."""
    async with playwright_api.async_playwright() as p:
        launched = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        await launched.close()


@pytest_asyncio.fixture(loop_scope="session")
async def page(browser: Any) -> AsyncIterator[Any]:
    """A fresh browser context (no cookies) and page, in Spanish."""
    context = await browser.new_context(locale="es-ES", viewport=DESKTOP)
    yield await context.new_page()
    await context.close()


async def link_from_bot(h: Harness, who: dict[str, Any]) -> str:
    """Send /console to the bot and return the link it answers with."""
    since = len(h.sent_to(who["id"]))
    h.fake.push_update(command("/console", who))
    answer = await h.fake.wait_for(
        lambda: next((m for m in h.sent_to(who["id"])[since:] if m.text), None), 30.0
    )
    found = re.search(r"(http://\S+/console/login\?t=\S+)", answer.text or "")
    assert found is not None, answer.text
    return found.group(1)


async def sign_in(h: Harness, page: Any, who: dict[str, Any] = OWNER) -> None:
    """Open a fresh /console link and press "Entrar"."""
    await page.goto(await link_from_bot(h, who))
    await page.get_by_role("button", name="Entrar").click()
    await page.wait_for_url("**/console/queue")


async def shot(page: Any, name: str, tmp: Path) -> None:
    """Screenshots of the current page at phone and desktop width."""
    where = Path(SHOTS) if SHOTS else tmp
    where.mkdir(parents=True, exist_ok=True)
    for label, size in (("phone", PHONE), ("desktop", DESKTOP)):
        await page.set_viewport_size(size)
        await page.screenshot(path=str(where / f"{name}-{label}.png"), full_page=True)
    await page.set_viewport_size(DESKTOP)


# ----- access -----


async def test_without_a_session_the_console_explains_how_to_get_a_link(
    bot: Harness, page: Any
) -> None:
    response = await page.goto(bot.settings.console_url)
    assert page.url.endswith("/console/welcome")
    assert response.status == 200
    await page.get_by_text("escribe /console al bot").wait_for()
    await page.goto(bot.settings.console_url + "/queue")
    assert page.url.endswith("/console/welcome")


async def test_a_one_time_link_signs_a_moderator_in_once_and_sets_a_strict_cookie(
    bot: Harness, browser: Any, page: Any
) -> None:
    link = await link_from_bot(bot, OWNER)
    await page.goto(link)
    await page.get_by_role("button", name="Entrar").click()
    await page.wait_for_url("**/console/queue")
    await page.get_by_role("heading", name="Cola de revisión").wait_for()
    [cookie] = [c for c in await page.context.cookies() if c["name"] == "ojo_console"]
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Strict"
    assert cookie["secure"] is False  # plain http here; Secure when OJO_PUBLIC_URL is https

    other = await browser.new_context(locale="es-ES")
    again = await other.new_page()
    response = await again.goto(link)
    assert response.status == 403
    await again.get_by_text("Este enlace ya se usó").wait_for()
    await other.close()
    async with bot.rt.deps.db() as session:
        logins = await AuditRepo(session).list(target="console")
    assert logins[0].action == "console.login"
    assert logins[0].actor == f"user:{OWNER['id']}"


async def test_expired_and_forged_links_are_refused(bot: Harness, page: Any) -> None:
    old = login_link(bot.settings, OWNER["id"], now=datetime.now(UTC) - timedelta(minutes=11))
    response = await page.goto(old)
    assert response.status == 403
    await page.get_by_text("Este enlace ha caducado").wait_for()

    link = await link_from_bot(bot, OWNER)
    forged = re.sub(r"t=\d+", f"t={OWNER['id'] + 1}", link)  # someone else's id, same signature
    response = await page.goto(forged)
    assert response.status == 403
    await page.get_by_text("Este enlace no es válido").wait_for()
    response = await page.goto(link[:-3] + "AAA")  # a tampered signature
    assert response.status == 403
    await page.goto(bot.settings.console_url + "/queue")
    assert page.url.endswith("/console/welcome")  # none of them signed anyone in


async def test_people_who_are_not_moderators_get_no_link_and_no_session(
    bot: Harness, page: Any
) -> None:
    stranger = new_user("es", "Curioso")
    bot.fake.push_update(command("/console", stranger))
    [answer] = await bot.answers(stranger["id"])
    assert "solo para moderadores" in (answer.text or "")
    assert "/console/login" not in (answer.text or "")

    # Even a correctly signed link (say, for someone removed since) opens nothing.
    await page.goto(login_link(bot.settings, stranger["id"]))
    await page.get_by_role("button", name="Entrar").click()
    await page.get_by_text("no es moderadora").wait_for()
    await page.goto(bot.settings.console_url + "/queue")
    assert page.url.endswith("/console/welcome")


async def test_a_post_without_the_csrf_token_is_refused(bot: Harness, page: Any) -> None:
    rid = await group_report(bot, "Sorteo de un iPhone: comparte este mensaje con 20 amigos")
    await sign_in(bot, page)
    await page.goto(f"{bot.settings.console_url}/reports/{rid}")
    status = await page.evaluate(
        """async (rid) => {
            const body = new URLSearchParams({status: "rejected"});
            const r = await fetch(`/console/reports/${rid}/resolve`, {method: "POST", body});
            return r.status;
        }""",
        rid,
    )
    assert status == 403
    assert (await report(bot, rid)).status == "new"
    await page.get_by_role("button", name="Descartar").click()  # the form carries the token
    await page.get_by_role("status").get_by_text(f"Denuncia #{rid} descartada").wait_for()
    assert (await report(bot, rid)).status == "rejected"


# ----- curation -----


async def test_a_report_reviewed_into_a_pattern_makes_the_bot_warn_on_the_next_forward(
    bot: Harness, page: Any, tmp_path: Path
) -> None:
    hoax = (
        "URGENTE: el Ministerio de Sanidad confirma que el agua del grifo de Valencia lleva "
        "cloro tóxico desde ayer, no la bebáis y reenviad este aviso a todos vuestros grupos"
    )
    user = new_user("es", "Lola")
    forward = updates.text_message(
        hoax, sender=user, forward_origin=updates.origin_hidden_user("Tía Rosa")
    )
    bot.fake.push_update(forward)
    [before] = await bot.answers(user["id"])
    assert not (before.text or "").startswith("🚨")

    rid = await group_report(bot, hoax)
    await sign_in(bot, page)
    await page.goto(f"{bot.settings.console_url}/queue")
    await page.get_by_role("link", name=f"Denuncia #{rid}").click()
    await page.get_by_text("agua del grifo de Valencia").first.wait_for()
    await shot(page, "report", tmp_path)
    await page.get_by_label("Identificador").fill("agua-grifo-valencia")
    await page.get_by_role("button", name="Crear patrón").click()
    await page.get_by_text("Patrón agua-grifo-valencia v1 activo").wait_for()
    assert (await report(bot, rid)).status == "accepted"

    bot.fake.push_update(
        updates.text_message(
            hoax, sender=user, forward_origin=updates.origin_hidden_user("Tía Rosa")
        )
    )
    _, after = await bot.answers(user["id"], 2)
    assert (after.text or "").startswith("🚨")
    assert "agua" in (after.text or "").lower()

    variant = (
        "Dicen en la radio que el agua del grifo de Valencia lleva cloro tóxico, no la bebáis "
        "y avisad a la familia"
    )
    other = await group_report(bot, variant)
    await page.goto(f"{bot.settings.console_url}/reports/{other}")
    await page.locator("select[name=pattern]").select_option("agua-grifo-valencia")
    await page.get_by_role("button", name="Añadir a un patrón").click()
    await page.get_by_text("Patrón agua-grifo-valencia v2 activo").wait_for()
    async with bot.rt.deps.db() as session:
        history = await PatternRepo(session).history("agua-grifo-valencia")
    assert "Dicen en la radio" in history[-1].body_json  # the variant became an example


async def test_a_trend_alert_is_in_the_queue_with_its_forward_count_and_can_be_marked_legit(
    bot: Harness, page: Any
) -> None:
    chain = (
        "Buenas vecinos, este sábado hay mercadillo solidario en la plaza de la iglesia de "
        "10 a 14h, traed lo que no uséis"
    )
    people = [new_user("es", name) for name in ("Ana", "Berta", "Carla")]
    for person in people:
        bot.fake.push_update(
            updates.text_message(
                chain, sender=person, forward_origin=updates.origin_hidden_user("Parroquia")
            )
        )
        await bot.answers(person["id"])
    await sign_in(bot, page)
    await page.goto(f"{bot.settings.console_url}/queue?sort=forwarded")
    first = page.locator(".items > li").first
    await first.get_by_text("Tendencia #").wait_for()
    assert "personas que lo enviaron: 3" in await first.inner_text()
    await first.get_by_role("link").click()
    await page.get_by_role("button", name="Es legítimo").click()
    await page.get_by_role("status").get_by_text("marcada como legítima").wait_for()
    corpus = await Review(bot.rt.deps).corpus()
    assert any("mercadillo solidario" in c.text for c in corpus)  # joins the false-alarm guard


async def test_a_dry_run_shows_a_pattern_would_flag_the_corpus_and_the_gate_refuses_it(
    bot: Harness, page: Any
) -> None:
    legit = (
        "Familia!! El asado del domingo es en lo de la tía Nora a las 13. Pablo trae el vino, "
        "Caro la ensalada y yo el postre. Confirmen 🙌"
    )
    rid = await group_report(bot, legit)
    await sign_in(bot, page)
    await page.goto(f"{bot.settings.console_url}/reports/{rid}")
    await page.get_by_role("textbox", name=re.compile("^Frases")).fill("asado del domingo = 0.9")
    await page.get_by_role("button", name="Probar (sin guardar)").click()
    await page.get_by_text("No pasaría la comprobación de seguridad").wait_for()
    flagged = page.locator(".flagged li").first
    assert "corpus family" in await flagged.inner_text()

    await page.get_by_role("button", name="Crear patrón").click()
    await page.get_by_text("No activado: la comprobación de seguridad lo impide").wait_for()
    assert "Familia!! El asado del domingo" in await page.locator(".notice.bad").inner_text()
    assert (await report(bot, rid)).status == "new"
    async with bot.rt.deps.db() as session:
        assert await PatternRepo(session).get("asado") is None


async def test_an_edit_goes_live_and_one_click_rolls_it_back_with_diff_and_audit(
    bot: Harness, page: Any, tmp_path: Path
) -> None:
    pid = "tech-support-remote"
    await sign_in(bot, page)
    await page.goto(f"{bot.settings.console_url}/patterns/{pid}")
    title = page.get_by_label("Título (en)")
    original = await title.input_value()
    await title.fill(original + " (edited)")
    await page.locator("#dry .verdict-pass").wait_for()  # the live dry run, while typing
    await page.get_by_role("button", name="Guardar nueva versión").click()
    await page.get_by_text(f"Patrón {pid} ahora en la versión 1").wait_for()
    await title.fill(original + " (edited twice)")
    await page.get_by_role("button", name="Guardar nueva versión").click()
    await page.get_by_text(f"Patrón {pid} ahora en la versión 2").wait_for()
    assert bot.rt.deps.analyzer.engines.engine.patterns  # still serving

    await page.get_by_role("button", name="Volver a esta versión (v1)").click()
    await page.get_by_text(f"Patrón {pid} ahora en la versión 3").wait_for()
    assert await page.get_by_label("Título (en)").input_value() == original + " (edited)"
    await page.locator("#v3 summary").click()
    assert "(edited twice)" in await page.locator("#v3 pre.diff").inner_text()
    await title.fill(original + " (edited)!")
    await page.locator("#dry .verdict-pass").wait_for()
    await shot(page, "pattern", tmp_path)
    async with bot.rt.deps.db() as session:
        audit = await AuditRepo(session).list(target=f"pattern:{pid}")
    assert [a.action for a in reversed(audit)] == [
        "pattern.create",
        "pattern.update",
        "pattern.rollback",
    ]
    assert {a.actor for a in audit} == {f"user:{OWNER['id']}"}
    live = next(p for p in bot.rt.deps.analyzer.engines.engine.patterns if p.id == pid)
    assert live.title.en == original + " (edited)"


async def test_owners_add_and_remove_moderators_and_a_removed_moderators_session_ends(
    bot: Harness, browser: Any, page: Any
) -> None:
    helper = new_user("es", "Ayudante")
    await sign_in(bot, page)
    await page.get_by_role("link", name="Moderadores").click()
    await page.get_by_label("ID de usuario de Telegram").fill(str(helper["id"]))
    await page.get_by_role("button", name="Añadir moderador/a").click()
    await page.get_by_text(f"{helper['id']} ya es moderador/a.").wait_for()

    context = await browser.new_context(locale="es-ES")
    theirs = await context.new_page()
    await sign_in(bot, theirs, helper)
    assert await theirs.get_by_role("link", name="Moderadores").count() == 0
    response = await theirs.goto(bot.settings.console_url + "/moderators")
    assert response.status == 403
    await theirs.get_by_text("Solo los responsables gestionan moderadores").wait_for()

    await page.get_by_role("button", name="Quitar").click()
    await page.get_by_text(f"{helper['id']} ya no es moderador/a.").wait_for()
    response = await theirs.goto(bot.settings.console_url + "/queue")
    assert response.status == 403  # the role is checked on every request
    await theirs.get_by_text("no es moderadora").wait_for()
    await context.close()
    async with bot.rt.deps.db() as session:
        audit = await AuditRepo(session).list(target=f"user:{helper['id']}")
    assert [a.action for a in audit] == ["moderator.remove", "moderator.add"]


async def test_every_page_renders_on_a_phone_and_a_desktop_in_both_languages(
    bot: Harness, page: Any, tmp_path: Path
) -> None:
    base = bot.settings.console_url
    await page.goto(base)
    await shot(page, "welcome", tmp_path)
    await sign_in(bot, page)
    await page.goto(f"{base}/queue?status=all&sort=forwarded")
    await shot(page, "queue", tmp_path)
    await page.goto(f"{base}/stats")
    assert await page.locator("svg.chart").count() >= 3
    await shot(page, "stats", tmp_path)
    await page.goto(f"{base}/patterns")
    await shot(page, "patterns", tmp_path)
    await page.goto(f"{base}/audit")
    await shot(page, "audit", tmp_path)
    await page.goto(f"{base}/moderators")
    await shot(page, "moderators", tmp_path)
    await page.goto(f"{base}/queue?lang=en")
    await page.get_by_role("heading", name="Review queue").wait_for()
    await page.goto(f"{base}/stats")  # the choice sticks
    await page.get_by_role("heading", name="Stats").wait_for()
    await page.set_viewport_size(PHONE)
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]  # nothing overflows sideways on a phone
