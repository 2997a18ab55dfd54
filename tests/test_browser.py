"""De chat in headless Debian-Chromium (Playwright, geen browserdownload): vragen, bron zien, doorklikken."""

import json
import shutil
from urllib.parse import urlparse

import pytest

from appserver import app_module, draai

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = pytest.mark.traag


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright (Python-pakket) is niet geïnstalleerd")
    if not shutil.which("chromium"):
        pytest.skip("Debian-chromium ontbreekt (apt-get install chromium)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def server(echte_dienst):
    with draai(app_module().bouw_app(echte_dienst, echte_dienst.instellingen)) as url:
        yield url


def _volg_extern(page, extern: list):
    def kijk(req):
        host = urlparse(req.url).hostname
        if req.url.startswith(("http", "ws")) and host not in ("127.0.0.1", "localhost"):
            extern.append(req.url)
    page.on("request", kijk)


def test_vragen_bron_zien_en_doorklikken(browser, server, artefacten, echte_dienst):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nl-NL")
    page = context.new_page()
    extern: list[str] = []
    _volg_extern(page, extern)
    page.goto(server + "/")
    page.wait_for_selector("#invoer textarea", timeout=30_000)
    assert "zonder taalmodel: antwoorden uit de bronnen" in page.inner_text("#modusregel")
    assert "10 pagina's" in page.inner_text("#modusregel")

    page.fill("#invoer textarea", "Hoeveel inwoners heeft de wijk Overvecht-Noord?")
    page.keyboard.press("Enter")
    page.wait_for_selector("#bronnenpaneel .bronkaart", timeout=30_000)
    page.wait_for_selector("#chat a.marker", timeout=10_000)
    antwoord = page.inner_text("#chat [data-testid='bot']")
    assert "17.335" in antwoord
    kop = page.inner_text("#bronnenpaneel .bronkaart header")
    assert "Samen naar een duurzame en leefbare wijk" in kop and "p. 4" in kop
    assert "17.335" in page.inner_text("#bronnenpaneel .bronkaart mark")

    # The marker in the answer leads to its card in the sources panel.
    page.click("#chat a.marker >> nth=0")
    page.wait_for_selector("#bron-1-1.geflitst", timeout=5_000)
    page.screenshot(path=str(artefacten / "chat-antwoord.png"), full_page=True)

    # Click through to the source, opened at the cited page with the quote highlighted.
    with page.expect_popup() as nieuw:
        page.click("#bron-1-1 a.open-bron")
    bron = nieuw.value
    bron.wait_for_load_state()
    assert "/api/v1/bronnen/samenvatting-2022/pagina/4" in bron.url
    assert "Pagina 4 van 10" in bron.inner_text("body")
    assert "17.335" in bron.inner_text("mark")
    bron.screenshot(path=str(artefacten / "bron-pagina.png"), full_page=True)

    # 👎 with a comment ends up in the feedback file.
    # Gradio translates its buttons for a Dutch browser: 'Dislike' becomes 'Vind ik niet leuk'.
    page.click("#chat button[aria-label='Vind ik niet leuk'] >> nth=-1")
    page.wait_for_selector("text=Toelichting (optioneel)", timeout=10_000)
    page.get_by_label("Toelichting (optioneel)").fill("Ik miste de andere wijken.")
    page.click("text=Toelichting versturen")
    page.wait_for_selector("#bedankt >> text=toelichting is opgeslagen", timeout=10_000)
    regels = [json.loads(r) for r in
              (echte_dienst.instellingen.feedback / "feedback.jsonl").read_text(encoding="utf-8").splitlines()]
    laatste = regels[-1]
    assert laatste["oordeel"] == "slecht" and laatste["toelichting"] == "Ik miste de andere wijken."
    assert laatste["vraag"].startswith("Hoeveel inwoners") and laatste["citaten"][0]["pagina"] == 4

    # "Nieuw gesprek" empties chat and sources panel.
    page.click("#nieuw")
    page.wait_for_selector("#bronnenpaneel .leeg", timeout=10_000)
    assert page.query_selector("#chat [data-testid='bot']") is None
    assert extern == [], f"de pagina haalde iets van buiten: {extern[:5]}"
    context.close()


def test_telefoonbreedte_met_voorbeeldvraag(browser, server, artefacten):
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True, locale="nl-NL")
    page = context.new_page()
    extern: list[str] = []
    _volg_extern(page, extern)
    page.goto(server + "/")
    page.wait_for_selector("#chat button.example", timeout=30_000)
    page.click("#chat button.example >> nth=0")  # "Wat zijn de zeven aanbevelingen?"
    page.wait_for_selector("#bronnenpaneel .bronkaart", timeout=30_000)
    assert "Hanteer een lerende werkwijze" in page.inner_text("#chat [data-testid='bot']")
    breedte = page.evaluate("document.scrollingElement.scrollWidth")
    assert breedte <= 390 + 1, f"horizontaal scrollen op telefoonbreedte ({breedte}px)"
    page.screenshot(path=str(artefacten / "chat-telefoon.png"), full_page=False)
    assert extern == []
    context.close()


def test_chat_achter_sleutel(browser, echte_dienst):
    from conftest import maak_instellingen

    inst = maak_instellingen(echte_dienst.instellingen.index, api_sleutel="geheim-123")
    with draai(app_module().bouw_app(echte_dienst, inst)) as url:
        context = browser.new_context(locale="nl-NL")
        page = context.new_page()
        # (Without the key a browser gets a Basic-auth prompt; headless Chromium reports that as an error.)
        with pytest.raises(Exception, match="ERR_INVALID_AUTH_CREDENTIALS"):
            page.goto(url + "/")
        page.close()  # its error page would interrupt the next navigation
        page = context.new_page()
        # The key once in the link (as in an iframe src), then a cookie carries it.
        page.goto(url + "/?sleutel=geheim-123")
        assert page.url == url + "/"
        page.fill("#invoer textarea", "Wat zijn koppelkansen?")
        page.keyboard.press("Enter")
        page.wait_for_selector("#bronnenpaneel .bronkaart", timeout=30_000)
        with page.expect_popup() as nieuw:
            page.click("#bronnenpaneel a.open-bron >> nth=0")
        nieuw.value.wait_for_load_state()
        assert "Pagina" in nieuw.value.inner_text("body")
        context.close()


def test_html_en_script_in_een_vraag_blijven_onschadelijk(browser, server, artefacten):
    """Markup in een vraag wordt getoond als tekst: geen script, geen event-handler, geen extra element."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nl-NL")
    page = context.new_page()
    page.goto(server + "/")
    page.wait_for_selector("#invoer textarea", timeout=30_000)
    aanval = ('<img src=x onerror="window.__geraakt=1"><script>window.__geraakt=2</script>'
              '<a href="javascript:window.__geraakt=3">klik</a> Wat zijn koppelkansen?')
    page.fill("#invoer textarea", aanval)
    page.keyboard.press("Enter")
    page.wait_for_selector("#bronnenpaneel .bronkaart", timeout=30_000)
    page.click("#chat [data-testid='user'] >> nth=-1")  # clicking the question must not run anything either
    assert page.evaluate("window.__geraakt === undefined")
    assert page.locator("#chat img[onerror]").count() == 0
    assert page.locator("#chat script").count() == 0
    assert page.locator("#chat a[href^='javascript:']").count() == 0
    assert "koppelkansen" in page.inner_text("#chat [data-testid='bot'] >> nth=-1").lower()
    # The markup is shown as the text the user typed, not turned into (sanitised) elements.
    assert page.locator("#chat img").count() == 0 and page.locator("#chat [data-testid='user'] a").count() == 0
    assert '<img src=x onerror="window.__geraakt=1">' in page.inner_text("#chat [data-testid='user'] >> nth=-1")
    page.screenshot(path=str(artefacten / "chat-injectie.png"), full_page=True)
    context.close()
