"""De chat in de browser (Gradio Blocks), in het Nederlands, bovenop dezelfde dienst als de API."""

import html
import logging
import re
import time
from collections.abc import Iterator
from urllib.parse import quote

import gradio as gr
from gradio.themes.utils.fonts import Font

from assistent.antwoord import Antwoord
from assistent.citaten import Citaat
from assistent.dienst import Dienst
from assistent.feedback import Feedback, FeedbackOpslag
from assistent.fouten import AssistentFout

log = logging.getLogger(__name__)

VOORBEELDEN = [
    "Wat zijn de zeven aanbevelingen?",
    "Wat zijn koppelkansen?",
    "Hoe bereik je bewoners die normaal niet meedoen?",
    "Welke wijken deden mee aan het programma?",
]
# System fonts only: the default theme would fetch Google Fonts.
_SYSTEEM = [Font("system-ui"), Font("-apple-system"), Font("Segoe UI"), Font("Roboto"), Font("Helvetica Neue"),
            Font("Arial"), Font("sans-serif")]
_MONO = [Font("ui-monospace"), Font("SFMono-Regular"), Font("Consolas"), Font("Liberation Mono"), Font("monospace")]
THEMA = gr.themes.Default(font=_SYSTEEM, font_mono=_MONO, primary_hue="teal")

CSS = """
#modusregel p { margin: 0; font-size: .9em; opacity: .85; }
.bronkaart { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: .6em .8em; margin: .5em 0; }
.bronkaart.geflitst { outline: 3px solid var(--color-accent); }
.bronkaart header { font-size: .95em; }
.bronkaart .passage { white-space: pre-wrap; font-size: .9em; margin: .4em 0; }
.bronkaart mark { background: #ffe58a; color: inherit; }
.bronnen-antwoord h3 { font-size: 1em; margin: .8em 0 .2em; }
a.marker { text-decoration: none; font-weight: 600; }
#bronnenpaneel { max-height: 78vh; overflow-y: auto !important; }
@media (max-width: 640px) { .gradio-container { padding: 4px !important; } #bronnenpaneel { max-height: none; } }
"""

# Markers in the answer jump to their card in the sources panel (the chat would otherwise open links in a new tab).
# On a wide screen only the panel scrolls, so the chat and the input stay where they are; on a phone the panel
# sits below the chat and the page has to scroll to it.
# Gradio names each message "user's message: <raw html>"; screen readers get "Vraag: …" / "Antwoord: …" instead.
KOP = """<script>
document.addEventListener('click', function (e) {
  const a = e.target.closest && e.target.closest('a[href^="#bron-"]');
  if (!a) return;
  const doel = document.getElementById(a.getAttribute('href').slice(1));
  if (!doel) return;
  e.preventDefault(); e.stopPropagation();
  const paneel = document.getElementById('bronnenpaneel');
  if (paneel && paneel.scrollHeight > paneel.clientHeight + 1) {
    const boven = doel.getBoundingClientRect().top - paneel.getBoundingClientRect().top + paneel.scrollTop;
    paneel.scrollTo({top: Math.max(0, boven - 8), behavior: 'smooth'});
  } else {
    doel.scrollIntoView({behavior: 'smooth', block: 'nearest'});
  }
  doel.classList.add('geflitst'); setTimeout(() => doel.classList.remove('geflitst'), 1600);
  const link = doel.querySelector('a.open-bron'); if (link) link.focus({preventScroll: true});
}, true);
(function () {
  let gepland = false;
  function noem() {
    gepland = false;
    document.querySelectorAll('[data-testid="user"][aria-label], [data-testid="bot"][aria-label]').forEach(function (el) {
      const wie = el.getAttribute('data-testid') === 'user' ? 'Vraag' : 'Antwoord';
      const label = wie + ': ' + (el.textContent || '').replace(/\\s+/g, ' ').trim().slice(0, 300);
      if (el.getAttribute('aria-label') !== label) el.setAttribute('aria-label', label);
    });
  }
  new MutationObserver(function () {
    if (!gepland) { gepland = true; requestAnimationFrame(noem); }
  }).observe(document.documentElement, {subtree: true, childList: true, characterData: true, attributes: true,
                                         attributeFilter: ['aria-label']});
})();
</script>"""


def mount_opties() -> dict:
    """Thema, css en kop voor gr.mount_gradio_app (in Gradio 6 horen die bij het mounten)."""
    return {"theme": THEMA, "css": CSS, "head": KOP}


def modusregel(dienst: Dienst) -> str:
    """Zichtbare regel: wie antwoordt en hoeveel er geïndexeerd is."""
    s = dienst.status()
    modus = s["modus"]
    wie = "zonder taalmodel: antwoorden uit de bronnen" if modus == "extractief" else f"taalmodel {modus}"
    n, p = s["index"]["publicaties"], s["index"]["paginas"]
    return (f"**Antwoordmodus:** {wie} · **geïndexeerd:** {n} {'publicatie' if n == 1 else 'publicaties'}, "
            f"{p} pagina's")


def _bronlink(c: Citaat, bestanden: dict[str, str]) -> str:
    # Relative links, so the chat also works behind a proxy under a path prefix.
    if bestanden.get(c.document, "").lower().endswith(".pdf"):
        return f"api/v1/bronnen/{quote(c.document)}/bestand#page={c.pagina}"
    return f"api/v1/bronnen/{quote(c.document)}/pagina/{c.pagina}?markeer={quote(c.citaat)}#markering"


def _markeer(passage: str, citaat: str) -> str:
    tekst = html.escape(passage)
    for stuk in sorted({s.strip() for s in citaat.split("…") if len(s.strip()) > 3}, key=len, reverse=True):
        tekst = tekst.replace(html.escape(stuk), f"<mark>{html.escape(stuk)}</mark>")
    return tekst


def bronkaart(k: int, c: Citaat, bestanden: dict[str, str]) -> str:
    """Eén bron in het paneel: titel, pagina, sectie/aanbeveling, passage met het citaat gemarkeerd, link."""
    pagina = f"p. {c.pagina}" + (f"–{c.pagina_eind}" if c.pagina_eind and c.pagina_eind != c.pagina else "")
    delen = [f"<b>{html.escape(c.titel)}</b>", pagina]
    if c.sectie:
        delen.append(html.escape(c.sectie))
    if c.aanbeveling and not c.sectie.lower().startswith("aanbeveling"):
        delen.append(f"aanbeveling {c.aanbeveling}")
    return (f'<article class="bronkaart" id="bron-{k}-{c.nr}"><header>[{c.nr}] {" — ".join(delen)}</header>'
            f'<div class="passage">{_markeer(c.tekst, c.citaat)}</div>'
            f'<a class="open-bron" href="{html.escape(_bronlink(c, bestanden))}" target="_blank" rel="noopener">'
            f"Open de bron op pagina {c.pagina}</a></article>")


def bronnenpaneel(beurten: list[dict], bestanden: dict[str, str]) -> str:
    """Alle bronnen van het gesprek, nieuwste antwoord bovenaan."""
    delen = []
    for k, b in reversed(list(enumerate(beurten, start=1))):
        a = b.get("antwoord")
        if not a or not a.get("citaten"):
            continue
        kaarten = "".join(bronkaart(k, Citaat(**c), bestanden) for c in a["citaten"])
        delen.append(f'<section class="bronnen-antwoord"><h3>Bronnen bij antwoord {k}: '
                     f'<q>{html.escape(b["vraag"][:120])}</q></h3>{kaarten}</section>')
    if not delen:
        return "<p class='leeg'>Hier verschijnen de bronnen bij elk antwoord, met de pagina en de passage.</p>"
    return "".join(delen)


def _met_links(tekst: str, k: int) -> str:
    """Markers [n] worden links naar de bronkaart van dit antwoord."""
    def link(m: re.Match) -> str:
        return "".join(f'<a class="marker" href="#bron-{k}-{n}">[{n}]</a>' for n in re.findall(r"\d+", m.group(0)))
    return re.sub(r"\[\d+(?:\s*[,;]\s*\d+)*\]", link, tekst)


def _heel(tekst: str) -> str:
    """Tekst zonder losse surrogaten (die kunnen niet als UTF-8 naar de browser)."""
    return tekst.encode("utf-8", "replace").decode("utf-8")


def _berichten(beurten: list[dict]) -> list[dict]:
    uit = []
    for k, b in enumerate(beurten, start=1):
        # Shown as text: markup in a question (or in a model's tokens) is never rendered as HTML.
        uit.append({"role": "user", "content": html.escape(_heel(b["vraag"]))})
        uit.append({"role": "assistant", "content": b.get("weergave") or "…"})
    return uit


def _gesprek(beurten: list[dict]) -> list[dict]:
    uit = []
    for b in beurten:
        if b.get("antwoord"):
            uit += [{"rol": "gebruiker", "tekst": b["vraag"]}, {"rol": "assistent", "tekst": b["antwoord"]["antwoord"]}]
    return uit


def _weergave(a: Antwoord, k: int) -> str:
    tekst = _met_links(html.escape(a.antwoord, quote=False), k)
    if a.melding:
        tekst = f"*{a.melding}*\n\n{tekst}"
    return tekst


def _voorbeeld(data: gr.SelectData) -> str:
    return data.value["text"]


def maak_ui(dienst: Dienst) -> gr.Blocks:
    """De Gradio-chat; alle antwoorden komen van `dienst`."""
    opslag = FeedbackOpslag(dienst.instellingen.feedback)

    def bestanden() -> dict[str, str]:
        return {b["document"]: b.get("bestand", "") for b in dienst.bronnen()}

    def bronkeuzes() -> list[tuple[str, str]]:
        return [("Alle bronnen", "")] + [(b.get("korte_titel") or b.get("titel") or b["document"], b["document"])
                                         for b in dienst.bronnen()]

    def beantwoord(vraag: str, beurten: list[dict], bron: str, aanbeveling: int) -> Iterator[tuple]:
        vraag = (vraag or "").strip()
        if not vraag:
            yield gr.skip(), beurten, gr.skip(), gr.skip()
            return
        ruwe_vraag, vraag = vraag, _heel(vraag)
        beurten = beurten + [{"vraag": vraag, "weergave": "…", "antwoord": None, "bron": bron or None,
                              "aanbeveling": int(aanbeveling or 0) or None}]
        k = len(beurten)
        yield _berichten(beurten), beurten, gr.skip(), ""
        huidig = beurten[-1]
        ruw = ""
        try:
            for g in dienst.vraag_stream(ruwe_vraag, _gesprek(beurten[:-1]) or None, bron or None,
                                         int(aanbeveling) or None):
                if g.soort == "token":
                    ruw += g.tekst
                    huidig["weergave"] = html.escape(ruw, quote=False) + " ▌"
                    yield _berichten(beurten), beurten, gr.skip(), gr.skip()
                elif g.soort == "melding":
                    huidig["weergave"] = f"*{g.tekst}*"
                    yield _berichten(beurten), beurten, gr.skip(), gr.skip()
                elif g.soort == "klaar":
                    a = g.antwoord
                    if not ruw:
                        # No model tokens (extractive): still show the answer growing, briefly.
                        woorden = re.findall(r"\S+\s*", a.antwoord)
                        stap = max(4, len(woorden) // 12)
                        for i in range(stap, len(woorden), stap):
                            huidig["weergave"] = html.escape("".join(woorden[:i]), quote=False) + " ▌"
                            yield _berichten(beurten), beurten, gr.skip(), gr.skip()
                            time.sleep(0.03)
                    huidig["antwoord"] = a.model_dump(mode="json")
                    huidig["weergave"] = _weergave(a, k)
                    yield _berichten(beurten), beurten, bronnenpaneel(beurten, bestanden()), gr.skip()
        except AssistentFout as e:
            huidig["weergave"] = f"⚠️ {e.melding}" + (f"\n\n{e.oplossing}" if e.oplossing else "")
            yield _berichten(beurten), beurten, gr.skip(), gr.skip()
        except Exception:  # noqa: BLE001 - the chat must show a message, not hang
            log.exception("Fout in de chat")
            huidig["weergave"] = "⚠️ Er ging iets mis bij het beantwoorden. Probeer het opnieuw."
            yield _berichten(beurten), beurten, gr.skip(), gr.skip()

    def nieuw_gesprek():
        # A new conversation starts without filters too: a forgotten filter would silently narrow every answer.
        return ([], [], bronnenpaneel([], {}), "", gr.update(visible=False), None, "", "", 0,
                gr.update(label="Filters"), "")

    def filters_getoond(bron_: str, aanbeveling_: int):
        tekst = dienst.filterbeschrijving(bron_ or None, int(aanbeveling_ or 0) or None)
        if not tekst:
            return gr.update(label="Filters"), ""
        return (gr.update(label=f"Filters (actief: {tekst})"),
                f"🔎 **Filter actief:** {tekst}. Antwoorden komen alleen uit die passages.")

    def oordeel(beurten: list[dict], data: gr.LikeData):
        if not isinstance(data.liked, bool) or not isinstance(data.index, int):
            return gr.update(visible=False), None, ""
        b = beurten[data.index // 2] if 0 <= data.index // 2 < len(beurten) else None
        if not b or not b.get("antwoord"):
            return gr.update(visible=False), None, "Bij dit bericht kan geen feedback worden gegeven."
        a = b["antwoord"]
        eerder = _gesprek(beurten[:data.index // 2])
        fb = opslag.bewaar(Feedback(vraag=a["vraag"], antwoord=a["antwoord"], citaten=a["citaten"], modus=a["modus"],
                                    oordeel="goed" if data.liked else "slecht", gesprek=eerder or None,
                                    bron=b.get("bron"), aanbeveling=b.get("aanbeveling")))
        if data.liked:
            # Only a 👎 asks what was wrong; a 👍 is thanked and done.
            return gr.update(visible=False), None, "Dank je, je 👍 is opgeslagen."
        return (gr.update(visible=True), fb.model_dump(mode="json"),
                "Dank je, je oordeel is opgeslagen. Wat klopte er niet?")

    def toelichting(tekst: str, laatste: dict | None):
        if not laatste:
            return gr.update(visible=False), None, "", ""
        # Same id: the later line replaces the earlier one when feedback is read.
        opslag.bewaar(Feedback(**(laatste | {"toelichting": (tekst or "").strip()[:4000]})))
        return gr.update(visible=False), None, "", "Dank je, je toelichting is opgeslagen."

    def api_vraag(vraag: str, bron: str = "", aanbeveling: int = 0, modus: str = "") -> dict:
        """Beantwoordt een vraag: antwoord met markers [n] en de citaten (titel, pagina, passage, citaat)."""
        try:
            a = dienst.vraag(vraag, None, bron or None, int(aanbeveling or 0) or None, modus or None)
        except AssistentFout as e:
            raise gr.Error(e.melding + (f" {e.oplossing}" if e.oplossing else "")) from None
        return a.model_dump(mode="json", include={"vraag", "antwoord", "gevonden", "modus", "citaten", "duur_s",
                                                   "melding"})

    with gr.Blocks(title="Wijkassistent", analytics_enabled=False) as demo:
        gr.Markdown("## Wijkassistent\nVragen over de publicaties van het experimentenprogramma *Verduurzaming van "
                    "Kwetsbare Wijken*; elk antwoord met de bronnen erbij.")
        regel = gr.Markdown(modusregel(dienst), elem_id="modusregel")
        beurten = gr.State([])
        laatste_feedback = gr.State(None)
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=300):
                chat = gr.Chatbot(label="Gesprek", show_label=False, height=520, elem_id="chat", buttons=["copy"],
                                  examples=[{"text": v} for v in VOORBEELDEN],
                                  placeholder="Stel een vraag, of kies een voorbeeld.",
                                  feedback_options=("Like", "Dislike"))
                with gr.Row():
                    invoer = gr.Textbox(label="Je vraag", placeholder="Bijvoorbeeld: Wat zijn koppelkansen?",
                                        scale=5, min_width=200, max_length=dienst.instellingen.max_vraag_tekens,
                                        elem_id="invoer", submit_btn="Vraag")
                filterregel = gr.Markdown("", elem_id="filterregel")
                with gr.Row():
                    nieuw = gr.Button("Nieuw gesprek", variant="secondary", size="sm", elem_id="nieuw")
                with gr.Row(visible=False) as feedbackrij:
                    uitleg = gr.Textbox(label="Toelichting (optioneel)", scale=4, min_width=200,
                                        placeholder="Wat klopte er niet, of wat miste je?")
                    stuur = gr.Button("Toelichting versturen", scale=1, min_width=120)
                bedankt = gr.Markdown("", elem_id="bedankt")
                with gr.Accordion("Filters", open=False, elem_id="filters") as filterbalk:
                    bron = gr.Dropdown(bronkeuzes(), value="", label="Bron")
                    # Titles come from the index, so they match the publications word for word.
                    aanbeveling = gr.Dropdown([("Alle aanbevelingen", 0)] + [(f"{i}. {t}", i) for i, t in
                                                                             dienst.aanbevelingen()],
                                              value=0, label="Aanbeveling")
            with gr.Column(scale=2, min_width=280):
                gr.Markdown("### Bronnen")
                paneel = gr.HTML(bronnenpaneel([], {}), elem_id="bronnenpaneel")

        vraag_uit = [chat, beurten, paneel, invoer]
        invoer.submit(beantwoord, [invoer, beurten, bron, aanbeveling], vraag_uit, api_visibility="private")
        chat.example_select(_voorbeeld, None, invoer, api_visibility="private").then(
            beantwoord, [invoer, beurten, bron, aanbeveling], vraag_uit, api_visibility="private")
        leeg = [chat, beurten, paneel, invoer, feedbackrij, laatste_feedback, bedankt, bron, aanbeveling, filterbalk,
                filterregel]
        nieuw.click(nieuw_gesprek, None, leeg, api_visibility="private")
        # Gradio's own 🗑 empties only the chat; the sources, filters and feedback box go with it.
        chat.clear(nieuw_gesprek, None, leeg, api_visibility="private")
        for f in (bron, aanbeveling):
            f.change(filters_getoond, [bron, aanbeveling], [filterbalk, filterregel], api_visibility="private")
        chat.like(oordeel, [beurten], [feedbackrij, laatste_feedback, bedankt], api_visibility="private")
        stuur.click(toelichting, [uitleg, laatste_feedback], [feedbackrij, laatste_feedback, uitleg, bedankt],
                    api_visibility="private")
        uitleg.submit(toelichting, [uitleg, laatste_feedback], [feedbackrij, laatste_feedback, uitleg, bedankt],
                      api_visibility="private")
        demo.load(lambda: (modusregel(dienst), gr.update(choices=bronkeuzes())), None, [regel, bron],
                  api_visibility="private")
        gr.api(api_vraag, api_name="vraag")
    return demo
