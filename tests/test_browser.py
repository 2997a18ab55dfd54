"""De chat in headless Debian-Chromium (Playwright, geen browserdownload): vragen, bron zien, doorklikken."""

import json
import shutil
from pathlib import Path
from urllib.parse import urlparse

import pytest

from appserver import app_module, draai
from hulp import TESTPAGINAS, VOET, schrijf_pdf

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


def _vraag(page, tekst: str) -> None:
    page.fill("#invoer textarea", tekst)
    page.keyboard.press("Enter")


def _wacht_op_antwoord(page, n: int, timeout: float = 60_000) -> str:
    """Wacht tot het n-de antwoord af is (geen cursor meer) en geeft de tekst."""
    page.wait_for_function(
        "n => { const b = document.querySelectorAll('#chat [data-testid=\"bot\"]');"
        " return b.length >= n && !b[n - 1].innerText.includes('▌') && b[n - 1].innerText.trim() !== '…'; }",
        arg=n, timeout=timeout)
    return page.locator("#chat [data-testid='bot']").nth(n - 1).inner_text()


@pytest.fixture(scope="module")
def beheerserver(beheerdienst):
    with draai(app_module().bouw_app(beheerdienst, beheerdienst.instellingen)) as url:
        yield url


def test_publicatie_toevoegen_vragen_en_verwijderen(browser, beheerserver, beheerdienst, artefacten, tmp_path):
    """Het tabblad Publicaties: een PDF uit de test toevoegen, de voortgang zien, erover vragen, verwijderen."""
    pdf = schrijf_pdf(tmp_path / "werkboek-bewoners.pdf", TESTPAGINAS, voet=VOET)
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="nl-NL")
    page = context.new_page()
    extern: list[str] = []
    _volg_extern(page, extern)
    page.goto(beheerserver + "/")
    page.wait_for_selector("#invoer textarea", timeout=30_000)
    page.get_by_role("tab", name="Publicaties").click()
    page.wait_for_selector("#publicatielijst table", timeout=10_000)
    assert "Samen naar een duurzame en leefbare wijk" in page.inner_text("#publicatielijst")
    page.wait_for_selector("#upload input[type=file]", state="attached", timeout=10_000)
    for poging in range(3):  # on a busy machine the tab's file input may not be wired up at the first try
        page.set_input_files("#upload input[type=file]", str(pdf))
        try:
            page.wait_for_selector("#upload >> text=werkboek-bewoners.pdf", timeout=20_000)
            break
        except Exception:
            if poging == 2:
                page.screenshot(path=str(artefacten / "publicaties-upload-mislukt.png"), full_page=True)
                raise
    page.fill("#pub-titel textarea", "Werkboek verduurzamen met bewoners")
    page.fill("#pub-uitgever textarea", "Platform31")
    page.fill("#pub-jaar input", "2020")
    page.fill("#pub-soort textarea", "werkboek")
    # Another indexing run holds the index (as `assistent indexeer` would): the upload waits, with progress shown.
    with beheerdienst.index._slot():
        page.click("#toevoegen")
        page.wait_for_selector("#beheermelding >> text=is toegevoegd", timeout=60_000)
        page.wait_for_selector("#indexering progress", timeout=10_000)
        assert "Bezig met indexeren" in page.inner_text("#indexering")
        page.wait_for_selector("#indexering >> text=wacht tot een andere indexering klaar is", timeout=30_000)
        page.screenshot(path=str(artefacten / "publicaties-bezig.png"), full_page=True)
    page.wait_for_selector("#indexering .indexering:not(.bezig) >> text=Klaar:", timeout=120_000)
    assert page.locator("#indexering progress").count() == 0
    lijst = page.inner_text("#publicatielijst")
    assert "Werkboek verduurzamen met bewoners" in lijst and "geïndexeerd" in lijst and "2020" in lijst
    assert "2 publicaties, 13 pagina's" in page.inner_text("#modusregel")
    page.screenshot(path=str(artefacten / "publicaties-klaar.png"), full_page=True)

    # The chat answers from the new publication, without a restart.
    page.get_by_role("tab", name="Chat").click()
    _vraag(page, "Wat doen energiecoaches in de wijk?")
    antwoord = _wacht_op_antwoord(page, 1)
    assert "Energiecoaches" in antwoord
    page.wait_for_selector("#bronnenpaneel .bronkaart", timeout=10_000)
    assert "Werkboek verduurzamen met bewoners" in page.inner_text("#bronnenpaneel .bronkaart header >> nth=0")
    page.screenshot(path=str(artefacten / "publicaties-antwoord.png"), full_page=True)

    # Remove it (after the browser's confirm), then it is never cited again.
    page.get_by_role("tab", name="Publicaties").click()
    page.click("#pub-keuze input")
    page.get_by_role("option", name="Werkboek verduurzamen met bewoners (werkboek-bewoners.pdf)").click()
    page.once("dialog", lambda d: d.accept())
    page.click("#verwijderen")
    page.wait_for_selector("#beheermelding >> text=is verwijderd", timeout=60_000)
    page.wait_for_selector("#indexering .indexering:not(.bezig) >> text=1 verwijderd", timeout=120_000)
    assert "Werkboek verduurzamen" not in page.inner_text("#publicatielijst")
    assert not (beheerdienst.instellingen.bronnen / "werkboek-bewoners.pdf").exists()
    page.get_by_role("tab", name="Chat").click()
    page.click("#nieuw")
    page.wait_for_selector("#bronnenpaneel .leeg", timeout=10_000)
    _vraag(page, "Wat doen energiecoaches in de wijk?")
    _wacht_op_antwoord(page, 1)
    kaarten = page.locator("#bronnenpaneel .bronkaart header")
    assert all("Werkboek verduurzamen" not in kaarten.nth(i).inner_text() for i in range(kaarten.count()))
    assert extern == [], f"de pagina haalde iets van buiten: {extern[:5]}"
    context.close()


def test_gesprek_blijft_na_herladen_lijst_en_export(browser, server, artefacten):
    """Gesprekken staan in de browser (localStorage): na herladen terug, een lijst om te openen of te wissen, export."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nl-NL", accept_downloads=True)
    page = context.new_page()
    page.goto(server + "/")
    page.wait_for_selector("#invoer textarea", timeout=30_000)
    page.wait_for_timeout(500)
    leeg = page.evaluate("localStorage.getItem('wijkassistent-gesprekken')")
    _vraag(page, "Hoeveel inwoners heeft de wijk Overvecht-Noord?")
    assert "17.335" in _wacht_op_antwoord(page, 1)
    # Saved once the answer is complete (the stored value changes).
    page.wait_for_function("leeg => localStorage.getItem('wijkassistent-gesprekken') !== leeg", arg=leeg,
                           timeout=10_000)
    opgeslagen = page.evaluate("localStorage.getItem('wijkassistent-gesprekken')")
    assert "Overvecht" not in opgeslagen  # stored encrypted, not readable by other scripts on the page

    page.reload()
    page.wait_for_selector("#chat a.marker", timeout=30_000)
    assert "Hoeveel inwoners heeft de wijk Overvecht-Noord?" in page.inner_text("#chat [data-testid='user']")
    assert "17.335" in page.inner_text("#bronnenpaneel .bronkaart mark")
    page.screenshot(path=str(artefacten / "gesprek-na-herladen.png"), full_page=True)

    # A second conversation; both are in the list, the first can be reopened and deleted.
    page.click("#nieuw")
    page.wait_for_selector("#bronnenpaneel .leeg", timeout=10_000)
    _vraag(page, "Wat zijn koppelkansen?")
    _wacht_op_antwoord(page, 1)
    page.click("#eerder")
    page.click("#gesprekkeuze input")
    opties = page.get_by_role("option")
    opties.first.wait_for(timeout=10_000)
    namen = [opties.nth(i).inner_text() for i in range(opties.count())]
    assert len(namen) == 2 and "Wat zijn koppelkansen?" in namen[0] and "Overvecht-Noord" in namen[1], namen
    opties.nth(1).click()
    page.click("#gesprek-openen")
    page.wait_for_selector("#gesprekmelding >> text=geopend", timeout=10_000)
    assert "Overvecht-Noord" in page.inner_text("#chat [data-testid='user']")
    page.screenshot(path=str(artefacten / "gesprekken-lijst.png"), full_page=True)

    # Export: Markdown with every answer's sources (title, page, quote, link).
    page.click("#exporteer")
    page.wait_for_selector("#exportbestand a", timeout=15_000)
    with page.expect_download() as download:
        page.click("#exportbestand a >> nth=0")
    md = Path(download.value.path()).read_text(encoding="utf-8")
    assert "## 1. Hoeveel inwoners heeft de wijk Overvecht-Noord?" in md
    assert "1. *Samen naar een duurzame en leefbare wijk*, p. 4" in md and "> Overvecht-Noord Utrecht 17.335" in md
    assert f"[Open de bron]({server}/api/v1/bronnen/samenvatting-2022/pagina/4?markeer=" in md
    (artefacten / "export.md").write_text(md, encoding="utf-8")

    page.click("#gesprekkeuze input")
    page.get_by_role("option").filter(has_text="Overvecht-Noord").click()
    page.click("#gesprek-verwijderen")
    page.wait_for_selector("#gesprekmelding >> text=verwijderd", timeout=10_000)
    page.reload()
    page.wait_for_selector("#invoer textarea", timeout=30_000)
    page.click("#eerder")
    page.click("#gesprekkeuze input")
    opties = page.get_by_role("option")
    opties.first.wait_for(timeout=10_000)
    assert [opties.nth(i).inner_text() for i in range(opties.count())] == [namen[0]]
    context.close()


def test_filter_zichtbaar_in_weigering_en_weg_bij_nieuw_gesprek(browser, server, artefacten, echte_dienst):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nl-NL")
    page = context.new_page()
    page.goto(server + "/")
    page.wait_for_selector("#invoer textarea", timeout=30_000)
    page.click("#filters button >> nth=0")
    page.click("#filter-aanbeveling input")
    page.get_by_role("option", name="1. Durf te experimenteren").click()
    page.wait_for_selector("#filterregel >> text=Filter actief", timeout=10_000)
    assert "Filters (actief: aanbeveling 1 (Durf te experimenteren))" in page.inner_text("#filters")
    _vraag(page, "Hoeveel inwoners heeft de wijk Overvecht-Noord?")
    antwoord = _wacht_op_antwoord(page, 1)
    assert "Met het filter op aanbeveling 1 (Durf te experimenteren) vind ik hier niets over" in antwoord
    assert "Zonder filter staat er wel iets over in: Samen naar een duurzame en leefbare wijk, p. 4" in antwoord
    page.screenshot(path=str(artefacten / "filter-weigering.png"), full_page=True)
    # Feedback keeps the filter that was on.
    page.click("#chat button[aria-label='Vind ik niet leuk'] >> nth=-1")
    page.wait_for_selector("text=Toelichting (optioneel)", timeout=10_000)
    regels = (echte_dienst.instellingen.feedback / "feedback.jsonl").read_text(encoding="utf-8").splitlines()
    laatste = json.loads(regels[-1])
    assert laatste["aanbeveling"] == 1 and laatste["bron"] is None and laatste["oordeel"] == "slecht"
    page.click("#nieuw")
    page.wait_for_function("() => !document.querySelector('#filterregel').innerText.trim()", timeout=10_000)
    assert "actief" not in page.inner_text("#filters button >> nth=0")
    assert page.input_value("#filter-aanbeveling input") == "Alle aanbevelingen"
    assert not page.is_visible("text=Toelichting (optioneel)")
    context.close()


def test_marker_scrolt_alleen_het_bronnenpaneel(browser, server, artefacten):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nl-NL")
    page = context.new_page()
    page.goto(server + "/")
    page.wait_for_selector("#invoer textarea", timeout=30_000)
    _vraag(page, "Wat zijn de zeven aanbevelingen?")
    _wacht_op_antwoord(page, 1)
    page.wait_for_selector("#chat a.marker", timeout=10_000)
    voor = page.evaluate("() => [window.scrollY, document.querySelector('#invoer textarea').getBoundingClientRect().top]")
    page.click("#chat a.marker >> nth=-1")
    doel = page.locator("#bronnenpaneel .bronkaart").last
    page.wait_for_selector("#bronnenpaneel .bronkaart.geflitst", timeout=5_000)
    page.wait_for_timeout(1_000)  # the smooth scroll
    na = page.evaluate("() => [window.scrollY, document.querySelector('#invoer textarea').getBoundingClientRect().top]")
    assert na == voor, "de pagina scrolde mee; de invoer verschoof"
    assert 0 < na[1] < 900, "de invoer staat niet in beeld"
    paneel = page.evaluate("() => { const p = document.getElementById('bronnenpaneel'); const r = p.getBoundingClientRect();"
                           " return [p.scrollTop, r.top, r.bottom]; }")
    kaart = doel.bounding_box()
    assert paneel[0] > 0 and paneel[1] - 1 <= kaart["y"] < paneel[2], (paneel, kaart)
    page.screenshot(path=str(artefacten / "marker-klik.png"))
    context.close()


def test_duim_omhoog_prullenbak_surrogaat_en_toegankelijke_namen(browser, server, echte_dienst):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nl-NL")
    page = context.new_page()
    page.goto(server + "/")
    page.wait_for_selector("#invoer textarea", timeout=30_000)
    _vraag(page, "Wat zijn koppelkansen?")
    _wacht_op_antwoord(page, 1)
    # Screen readers hear a Dutch name with the text, not Gradio's "user's message: <html>".
    namen = page.evaluate("() => [...document.querySelectorAll('#chat [data-testid]')].filter(e => "
                          "['user', 'bot'].includes(e.dataset.testid)).map(e => e.getAttribute('aria-label'))")
    assert namen[0] == "Vraag: Wat zijn koppelkansen?" and namen[1].startswith("Antwoord: ")
    assert all("<" not in n and "message" not in n for n in namen), namen
    knoppen = page.evaluate("() => [...document.querySelectorAll('#chat button')].map(b => b.getAttribute('aria-label'))")
    assert "Bericht kopiëren" in knoppen and not any("message" in (k or "") for k in knoppen), knoppen
    assert page.get_attribute("#chat [role='log']", "aria-label") == "Gesprek met de Wijkassistent"

    page.click("#chat button[aria-label='Vind ik leuk'] >> nth=-1")
    page.wait_for_selector("#bedankt >> text=je 👍 is opgeslagen", timeout=10_000)
    assert not page.is_visible("text=Toelichting (optioneel)")
    regels = (echte_dienst.instellingen.feedback / "feedback.jsonl").read_text(encoding="utf-8").splitlines()
    assert json.loads(regels[-1])["oordeel"] == "goed"

    # A lone surrogate (possible in a browser's JS string): the question stays visible, with the Dutch message.
    page.evaluate("() => { const t = document.querySelector('#invoer textarea');"
                  " t.value = 'Wat zijn koppelkansen? ' + String.fromCharCode(0xD800);"
                  " t.dispatchEvent(new Event('input', {bubbles: true})); }")
    page.focus("#invoer textarea")
    page.keyboard.press("Enter")
    antwoord = _wacht_op_antwoord(page, 2)
    assert "ongeldig teken" in antwoord and "Unicode" in antwoord
    assert "Wat zijn koppelkansen?" in page.locator("#chat [data-testid='user']").nth(1).inner_text()

    # Gradio's own 🗑 empties the sources panel too.
    page.click("#chat button[aria-label='Gesprek wissen']")
    page.wait_for_selector("#bronnenpaneel .leeg", timeout=10_000)
    assert page.locator("#chat [data-testid='bot']").count() == 0
    context.close()


def test_telefoon_publicaties_zonder_horizontaal_scrollen(browser, server, artefacten):
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True, locale="nl-NL")
    page = context.new_page()
    page.goto(server + "/")
    page.wait_for_selector("#invoer textarea", timeout=30_000)
    page.get_by_role("tab", name="Publicaties").click()
    page.wait_for_selector("#publicatielijst table", timeout=10_000)
    breedte = page.evaluate("document.scrollingElement.scrollWidth")
    assert breedte <= 390 + 1, f"horizontaal scrollen op telefoonbreedte ({breedte}px)"
    page.screenshot(path=str(artefacten / "publicaties-telefoon.png"), full_page=True)
    context.close()
