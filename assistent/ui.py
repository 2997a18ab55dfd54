"""De chat in de browser (Gradio Blocks), in het Nederlands, bovenop dezelfde dienst als de API."""

import html
import logging
import re
import secrets
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import gradio as gr
from gradio.themes.utils.fonts import Font

from assistent.antwoord import Antwoord
from assistent.citaten import Citaat
from assistent.dienst import Dienst
from assistent.feedback import Feedback, FeedbackOpslag
from assistent.fouten import AssistentFout
from assistent.gesprekken import als_markdown, bronlink

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
.indexering { padding: .6em .8em; border: 1px solid var(--border-color-primary); border-radius: 8px; }
.tabelrol { overflow-x: auto; }
table.publicaties { width: 100%; border-collapse: collapse; font-size: .9em; }
table.publicaties caption { text-align: left; font-weight: 600; padding: .3em 0; }
table.publicaties th, table.publicaties td { border: 0 !important; border-bottom: 1px solid var(--border-color-primary) !important;
  padding: .35em .5em;
  text-align: left; vertical-align: top; }
table.publicaties td.getal { text-align: right; }
.indexering progress { width: min(24em, 70%); vertical-align: middle; }
#filterregel p { margin: 0; font-size: .9em; }
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
    document.querySelectorAll('[role="log"][aria-label="chatbot conversation"]').forEach(function (el) {
      el.setAttribute('aria-label', 'Gesprek met de Wijkassistent');
    });
    document.querySelectorAll('button[aria-label="Copy message"], button[aria-label="Copied message"]').forEach(
      function (k) {
        const nl = k.getAttribute('aria-label') === 'Copy message' ? 'Bericht kopiëren' : 'Bericht gekopieerd';
        k.setAttribute('aria-label', nl); k.title = nl;
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
    return bronlink(c.document, c.pagina, c.citaat, bestanden.get(c.document, ""))


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


MAX_GESPREKKEN = 25


def publicatietabel_html(publicaties: list[dict]) -> str:
    """De publicaties als tabel: titel, uitgever, jaar, soort, pagina's, fragmenten, wanneer geïndexeerd, status."""
    if not publicaties:
        return "<p>Er zijn nog geen publicaties. Voeg er hieronder een toe.</p>"
    rijen = []
    for p in publicaties:
        status = html.escape(p["status"])
        if p["gewijzigd"]:
            status = f"<b>{status}</b>"
        rijen.append(f"<tr><td>{html.escape(p['titel'])}<br><small><code>{html.escape(p['id'])}</code> · "
                     f"{html.escape(p['bestand'])}</small></td><td>{html.escape(p['uitgever'])}</td>"
                     f"<td>{p['jaar'] or ''}</td><td>{html.escape(p['soort'])}</td><td class='getal'>{p['paginas']}</td>"
                     f"<td class='getal'>{p['fragmenten']}</td>"
                     f"<td>{html.escape((p['geindexeerd'] or '—')[:16].replace('T', ' '))}</td><td>{status}</td></tr>")
    return ("<div class='tabelrol'><table class='publicaties'><caption>Publicaties in de index</caption><thead><tr>"
            "<th>Titel</th><th>Uitgever</th><th>Jaar</th><th>Soort</th><th>Pagina's</th><th>Fragmenten</th>"
            "<th>Geïndexeerd (UTC)</th><th>Status</th></tr></thead><tbody>" + "".join(rijen) + "</tbody></table></div>")


def _heel_diep(waarde):
    """Een beurt zonder losse surrogaten, tot in de citaten (de browseropslag is JSON)."""
    if isinstance(waarde, str):
        return _heel(waarde)
    if isinstance(waarde, dict):
        return {k: _heel_diep(v) for k, v in waarde.items()}
    if isinstance(waarde, list):
        return [_heel_diep(v) for v in waarde]
    return waarde


def _opslag(bewaard) -> dict:
    """De browseropslag, ook als die leeg, van een oudere versie of door iemand aangepast is."""
    if not isinstance(bewaard, dict) or not isinstance(bewaard.get("gesprekken"), list):
        return {"huidig": None, "gesprekken": []}
    goed = [g for g in bewaard["gesprekken"] if isinstance(g, dict) and isinstance(g.get("beurten"), list)
            and isinstance(g.get("id"), str)]
    return {"huidig": bewaard.get("huidig"), "gesprekken": goed}


def _gesprekkeuzes(bewaard: dict) -> list[tuple[str, str]]:
    return [(f"{g.get('tijd', '')} · {g.get('titel', '')}", g["id"]) for g in bewaard["gesprekken"]]


def browsergeheim(indexmap: Path) -> str:
    """Sleutel voor de versleuteling van de browseropslag; blijft gelijk over herstarts (in de indexmap)."""
    pad = Path(indexmap) / ".browsergeheim"
    try:
        if pad.exists():
            return pad.read_text(encoding="utf-8").strip()
        pad.parent.mkdir(parents=True, exist_ok=True)
        geheim = secrets.token_urlsafe(24)
        pad.write_text(geheim, encoding="utf-8")
        return geheim
    except OSError:  # read-only index: conversations then last as long as this server process
        return secrets.token_urlsafe(24)


def voortgang_html(stand: dict) -> str:
    """Voortgangsbalk en stand van het indexeren, of de uitslag van de laatste keer."""
    if stand["bezig"]:
        procent = round(100 * float(stand.get("voortgang") or 0))
        wacht = f" · nog {len(stand['wachtrij'])} in de wachtrij" if stand.get("wachtrij") else ""
        return (f'<div class="indexering bezig" role="status"><b>Bezig met indexeren:</b> '
                f'{html.escape(stand.get("taak") or "in de wachtrij")}{wacht}<br>'
                f'<progress max="100" value="{procent}" aria-label="Voortgang van het indexeren">{procent}%</progress> '
                f'{procent}% · {html.escape(stand.get("stap") or "")}</div>')
    delen = []
    if stand.get("fout"):
        f = stand["fout"]
        delen.append(f"⚠ <b>{html.escape(f.get('taak', ''))} mislukte:</b> {html.escape(f['fout'])} "
                     f"{html.escape(f.get('oplossing', ''))}")
    if stand.get("laatste"):
        s = stand["laatste"]
        wat = [f"{len(s[k])} {w}" for k, w in (("nieuw", "nieuw"), ("vervangen", "vervangen"),
                                                ("verwijderd", "verwijderd")) if s.get(k)]
        delen.append(f"✓ <b>Klaar:</b> {html.escape(s.get('taak', ''))} ({', '.join(wat) or 'niets veranderd'}; "
                     f"{s.get('fragmenten', 0)} fragmenten in de index).")
        for naam, reden in (s.get("mislukt") or {}).items():
            delen.append(f"⚠ {html.escape(naam)}: {html.escape(reden)}")
    if not delen:
        delen.append("De index is bij. Een toegevoegde publicatie wordt meteen op de achtergrond geïndexeerd.")
    return '<div class="indexering" role="status">' + "<br>".join(delen) + "</div>"


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
            huidig["weergave"] = f"⚠ {e.melding}" + (f"\n\n{e.oplossing}" if e.oplossing else "")
            yield _berichten(beurten), beurten, gr.skip(), gr.skip()
        except Exception:  # noqa: BLE001 - the chat must show a message, not hang
            log.exception("Fout in de chat")
            huidig["weergave"] = "⚠ Er ging iets mis bij het beantwoorden. Probeer het opnieuw."
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
                f"**Filter actief:** {tekst}. Antwoorden komen alleen uit die passages.")

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

    # ----- conversations kept in the browser -----

    def bewaar(beurten: list[dict], gesprek_id: str | None, bewaard: dict | None):
        """Het gesprek in de browseropslag (localStorage): nieuwste bovenaan, hoogstens MAX_GESPREKKEN."""
        bewaard = _opslag(bewaard)
        klaar = [b for b in beurten if b.get("antwoord")]
        if not klaar:
            return bewaard, gesprek_id, gr.update(choices=_gesprekkeuzes(bewaard))
        gesprek_id = gesprek_id or uuid.uuid4().hex[:10]
        gesprek = {"id": gesprek_id, "titel": _heel(klaar[0]["vraag"])[:80], "tijd": time.strftime("%d-%m %H:%M"),
                   "beurten": [_heel_diep(b) for b in klaar]}
        bewaard["gesprekken"] = [gesprek] + [g for g in bewaard["gesprekken"] if g["id"] != gesprek_id]
        bewaard["gesprekken"] = bewaard["gesprekken"][:MAX_GESPREKKEN]
        bewaard["huidig"] = gesprek_id
        return bewaard, gesprek_id, gr.update(choices=_gesprekkeuzes(bewaard), value=None)

    def open_gesprek(gesprek_id: str | None, bewaard: dict | None):
        bewaard = _opslag(bewaard)
        g = next((g for g in bewaard["gesprekken"] if g["id"] == gesprek_id), None)
        if g is None:
            return (gr.skip(),) * 4 + (bewaard, "Kies eerst een gesprek uit de lijst.")
        bewaard["huidig"] = g["id"]
        beurten_ = g["beurten"]
        return (_berichten(beurten_), beurten_, bronnenpaneel(beurten_, bestanden()), g["id"], bewaard,
                f"Gesprek ‘{html.escape(g['titel'])}’ geopend.")

    def verwijder_gesprek(gesprek_id: str | None, huidig_id: str | None, bewaard: dict | None):
        bewaard = _opslag(bewaard)
        bewaard["gesprekken"] = [g for g in bewaard["gesprekken"] if g["id"] != gesprek_id]
        if bewaard.get("huidig") == gesprek_id:
            bewaard["huidig"] = None
        melding = "Gesprek verwijderd uit deze browser." if gesprek_id else "Kies eerst een gesprek uit de lijst."
        return bewaard, gr.update(choices=_gesprekkeuzes(bewaard), value=None), melding

    def herstel(bewaard: dict | None):
        """Bij het laden van de pagina: het laatste gesprek terug, en de lijst met eerdere gesprekken."""
        bewaard = _opslag(bewaard)
        g = next((g for g in bewaard["gesprekken"] if g["id"] == bewaard.get("huidig")), None)
        keuzes = gr.update(choices=_gesprekkeuzes(bewaard), value=None)
        if g is None:
            return gr.skip(), gr.skip(), gr.skip(), None, keuzes
        return _berichten(g["beurten"]), g["beurten"], bronnenpaneel(g["beurten"], bestanden()), g["id"], keuzes

    def vergeet_huidig(gesprek_id: str | None, bewaard: dict | None):
        """🗑 wist het gesprek ook uit de browseropslag."""
        bewaard = _opslag(bewaard)
        bewaard["gesprekken"] = [g for g in bewaard["gesprekken"] if g["id"] != gesprek_id]
        bewaard["huidig"] = None
        return bewaard, None, gr.update(choices=_gesprekkeuzes(bewaard), value=None)

    def exporteer(beurten: list[dict], request: gr.Request):
        klaar = [b for b in beurten if b.get("antwoord")]
        if not klaar:
            return gr.update(visible=False), "Er is nog geen antwoord om te exporteren."
        basis = ""
        try:
            basis = str(request.request.base_url)
        except AttributeError:
            pass
        tekst = als_markdown([b | {"filters": dienst.filterbeschrijving(b.get("bron"), b.get("aanbeveling"))}
                              for b in klaar], bestanden(), basis)
        map_ = Path(tempfile.mkdtemp(prefix="wijkassistent-export-"))
        pad = map_ / f"wijkassistent-gesprek-{time.strftime('%Y%m%d-%H%M')}.md"
        pad.write_text(tekst, encoding="utf-8")
        return gr.update(value=str(pad), visible=True), "Het gesprek staat klaar als Markdown-bestand."

    # ----- publications -----

    def publicatietabel() -> str:
        return publicatietabel_html(dienst.publicaties.lijst())

    def publicatiekeuzes() -> list[tuple[str, str]]:
        return [(f"{p['titel']} ({p['bestand']})", p["id"]) for p in dienst.publicaties.lijst()]

    def beheerstand():
        stand = dienst.publicaties.stand()
        bezig = stand["bezig"]
        uit = (voortgang_html(stand), publicatietabel(), gr.update(choices=publicatiekeuzes()), gr.Timer(active=bezig))
        if bezig:
            return uit + (gr.skip(), gr.skip())
        # Done: the chat's status line and source filter show the new set of publications.
        return uit + (modusregel(dienst), gr.update(choices=bronkeuzes()))

    def toevoegen(pad: str | None, titel: str, uitgever: str, jaar: float | None, soort: str, id_: str):
        if not pad:
            return ("⚠ Kies eerst een bestand (PDF, .txt of .md).",) + (gr.skip(),) * 6 + (gr.Timer(active=False),)
        try:
            inhoud = Path(pad).read_bytes()
            p = dienst.publicaties.voeg_toe(Path(pad).name, inhoud, titel or "", uitgever or "",
                                            int(jaar) if jaar else None, soort or "", (id_ or "").strip() or None)
        except AssistentFout as e:
            return (f"⚠ {e.melding}" + (f" {e.oplossing}" if e.oplossing else ""),) + (gr.skip(),) * 6 + (
                gr.Timer(active=False),)
        melding = (f"✓ ‘{html.escape(p['titel'])}’ is toegevoegd ({p['paginas']} pagina's) en wordt geïndexeerd; "
                   "de chat gebruikt de publicatie zodra dat klaar is.")
        return (melding, None, "", "", None, "", "", gr.Timer(active=True))

    def verwijder_publicatie(id_: str | None):
        if not id_:
            return "⚠ Kies eerst een publicatie.", gr.Timer(active=False)
        try:
            p = dienst.publicaties.verwijder(id_)
        except AssistentFout as e:
            return f"⚠ {e.melding} {e.oplossing}", gr.Timer(active=False)
        return (f"‘{html.escape(p['titel'])}’ is verwijderd; de fragmenten gaan uit de index.",
                gr.Timer(active=True))

    def herindexeer(id_: str | None, alles: bool = False):
        if not id_ and not alles:
            return "⚠ Kies eerst een publicatie.", gr.Timer(active=False)
        try:
            dienst.publicaties.herindexeer(None if alles else id_)
        except AssistentFout as e:
            return f"⚠ {e.melding} {e.oplossing}", gr.Timer(active=False)
        return ("Alles wordt opnieuw geïndexeerd." if alles else "De publicatie wordt opnieuw geïndexeerd.",
                gr.Timer(active=True))

    with gr.Blocks(title="Wijkassistent", analytics_enabled=False) as demo:
        gr.Markdown("## Wijkassistent\nVragen over de publicaties van het experimentenprogramma *Verduurzaming van "
                    "Kwetsbare Wijken*; elk antwoord met de bronnen erbij.")
        regel = gr.Markdown(modusregel(dienst), elem_id="modusregel")
        beurten = gr.State([])
        laatste_feedback = gr.State(None)
        gesprek_id = gr.State(None)
        # Conversations live in the browser's localStorage only; the server keeps nothing.
        bewaard = gr.BrowserState({"huidig": None, "gesprekken": []}, storage_key="wijkassistent-gesprekken",
                                  secret=browsergeheim(dienst.instellingen.index))
        with gr.Tabs(elem_id="tabs"):
            with gr.Tab("Chat", id="chat-tab", elem_id="chat-tab"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3, min_width=300):
                        chat = gr.Chatbot(label="Gesprek", show_label=False, height=520, elem_id="chat",
                                          buttons=["copy"], examples=[{"text": v} for v in VOORBEELDEN],
                                          placeholder="Stel een vraag, of kies een voorbeeld.",
                                          feedback_options=("Like", "Dislike"))
                        with gr.Row():
                            invoer = gr.Textbox(label="Je vraag", placeholder="Bijvoorbeeld: Wat zijn koppelkansen?",
                                                scale=5, min_width=200, max_length=dienst.instellingen.max_vraag_tekens,
                                                elem_id="invoer", submit_btn="Vraag")
                        filterregel = gr.Markdown("", elem_id="filterregel")
                        with gr.Row():
                            nieuw = gr.Button("Nieuw gesprek", variant="secondary", size="sm", elem_id="nieuw")
                            export = gr.Button("Exporteer (Markdown)", variant="secondary", size="sm",
                                               elem_id="exporteer")
                        exportbestand = gr.File(label="Export", visible=False, elem_id="exportbestand",
                                                interactive=False)
                        with gr.Row(visible=False) as feedbackrij:
                            uitleg = gr.Textbox(label="Toelichting (optioneel)", scale=4, min_width=200,
                                                placeholder="Wat klopte er niet, of wat miste je?")
                            stuur = gr.Button("Toelichting versturen", scale=1, min_width=120)
                        bedankt = gr.Markdown("", elem_id="bedankt")
                        with gr.Accordion("Filters", open=False, elem_id="filters") as filterbalk:
                            bron = gr.Dropdown(bronkeuzes(), value="", label="Bron", elem_id="filter-bron")
                            # Titles come from the index, so they match the publications word for word.
                            aanbeveling = gr.Dropdown([("Alle aanbevelingen", 0)] + [(f"{i}. {t}", i) for i, t in
                                                                                     dienst.aanbevelingen()],
                                                      value=0, label="Aanbeveling", elem_id="filter-aanbeveling")
                        with gr.Accordion("Eerdere gesprekken", open=False, elem_id="eerder"):
                            gr.Markdown("Gesprekken blijven alleen in deze browser bewaard (niet op de server).")
                            gesprekkeuze = gr.Dropdown([], value=None, label="Gesprek", elem_id="gesprekkeuze")
                            with gr.Row():
                                openen = gr.Button("Openen", size="sm", elem_id="gesprek-openen")
                                wegdoen = gr.Button("Verwijderen", size="sm", variant="stop",
                                                    elem_id="gesprek-verwijderen")
                            gesprekmelding = gr.Markdown("", elem_id="gesprekmelding")
                    with gr.Column(scale=2, min_width=280):
                        gr.Markdown("### Bronnen")
                        paneel = gr.HTML(bronnenpaneel([], {}), elem_id="bronnenpaneel")

            with gr.Tab("Publicaties", id="publicaties-tab", elem_id="publicaties-tab"):
                gr.Markdown("### Publicaties\nVoeg een publicatie toe (PDF, `.txt` of `.md`), indexeer opnieuw of "
                            "verwijder er een. Het indexeren loopt op de achtergrond; de chat gebruikt een nieuwe "
                            "publicatie zodra het klaar is, zonder herstart.")
                voortgang = gr.HTML(voortgang_html(dienst.publicaties.stand()), elem_id="indexering")
                tabel = gr.HTML(publicatietabel(), elem_id="publicatielijst")
                with gr.Row(equal_height=False):
                    with gr.Column(min_width=300):
                        gr.Markdown("#### Toevoegen")
                        upload = gr.File(label="Bestand (PDF, .txt of .md)", file_types=[".pdf", ".txt", ".md"],
                                         type="filepath", elem_id="upload")
                        titel = gr.Textbox(label="Titel", elem_id="pub-titel",
                                           placeholder="Zoals die bij elk citaat moet staan")
                        with gr.Row():
                            uitgever = gr.Textbox(label="Uitgever", elem_id="pub-uitgever", min_width=160)
                            jaar = gr.Number(None, label="Jaar", precision=0, elem_id="pub-jaar", min_width=90)
                        with gr.Row():
                            soort = gr.Textbox(label="Soort", placeholder="rapport, samenvatting, …", min_width=160,
                                               elem_id="pub-soort")
                            pub_id = gr.Textbox(label="Id (optioneel)", placeholder="uit de bestandsnaam",
                                                min_width=160, elem_id="pub-id")
                        toevoeg = gr.Button("Toevoegen en indexeren", variant="primary", elem_id="toevoegen")
                    with gr.Column(min_width=300):
                        gr.Markdown("#### Beheren")
                        keuze = gr.Dropdown(publicatiekeuzes(), value=None, label="Publicatie", elem_id="pub-keuze")
                        with gr.Row():
                            herindexeer_knop = gr.Button("Opnieuw indexeren", size="sm", elem_id="herindexeer")
                            verwijder_knop = gr.Button("Verwijderen", size="sm", variant="stop", elem_id="verwijderen")
                        alles_knop = gr.Button("Alles opnieuw indexeren", size="sm", elem_id="alles-herindexeren")
                beheermelding = gr.Markdown("", elem_id="beheermelding")
                klok = gr.Timer(1.0, active=False)

        vraag_uit = [chat, beurten, paneel, invoer]
        bewaar_io = ([beurten, gesprek_id, bewaard], [bewaard, gesprek_id, gesprekkeuze])
        invoer.submit(beantwoord, [invoer, beurten, bron, aanbeveling], vraag_uit, api_visibility="private").then(
            bewaar, *bewaar_io, api_visibility="private")
        chat.example_select(_voorbeeld, None, invoer, api_visibility="private").then(
            beantwoord, [invoer, beurten, bron, aanbeveling], vraag_uit, api_visibility="private").then(
            bewaar, *bewaar_io, api_visibility="private")
        leeg = [chat, beurten, paneel, invoer, feedbackrij, laatste_feedback, bedankt, bron, aanbeveling, filterbalk,
                filterregel]
        nieuw.click(nieuw_gesprek, None, leeg, api_visibility="private").then(
            lambda: (None, gr.update(visible=False)), None, [gesprek_id, exportbestand], api_visibility="private")
        # Gradio's own 🗑 empties only the chat; the sources, filters and feedback box go with it, and the
        # conversation leaves the browser storage.
        chat.clear(vergeet_huidig, [gesprek_id, bewaard], [bewaard, gesprek_id, gesprekkeuze],
                   api_visibility="private").then(nieuw_gesprek, None, leeg, api_visibility="private")
        for f in (bron, aanbeveling):
            f.change(filters_getoond, [bron, aanbeveling], [filterbalk, filterregel], api_visibility="private")
        chat.like(oordeel, [beurten], [feedbackrij, laatste_feedback, bedankt], api_visibility="private")
        stuur.click(toelichting, [uitleg, laatste_feedback], [feedbackrij, laatste_feedback, uitleg, bedankt],
                    api_visibility="private")
        uitleg.submit(toelichting, [uitleg, laatste_feedback], [feedbackrij, laatste_feedback, uitleg, bedankt],
                      api_visibility="private")
        export.click(exporteer, [beurten], [exportbestand, bedankt], api_visibility="private")
        openen.click(open_gesprek, [gesprekkeuze, bewaard], [chat, beurten, paneel, gesprek_id, bewaard,
                                                            gesprekmelding], api_visibility="private")
        wegdoen.click(verwijder_gesprek, [gesprekkeuze, gesprek_id, bewaard], [bewaard, gesprekkeuze, gesprekmelding],
                      api_visibility="private")

        beheer_uit = [voortgang, tabel, keuze, klok, regel, bron]
        klok.tick(beheerstand, None, beheer_uit, api_visibility="private")
        toevoeg.click(toevoegen, [upload, titel, uitgever, jaar, soort, pub_id],
                      [beheermelding, upload, titel, uitgever, jaar, soort, pub_id, klok], api_visibility="private"
                      ).then(beheerstand, None, beheer_uit, api_visibility="private")
        # A deleted file is gone for good: ask first (the browser's own confirm dialog).
        verwijder_knop.click(verwijder_publicatie, [keuze], [beheermelding, klok], api_visibility="private",
                             js="(id) => (id && confirm('Deze publicatie verwijderen? Het bestand gaat uit de "
                                "bronnen en de antwoorden citeren haar niet meer.')) ? [id] : [null]"
                             ).then(beheerstand, None, beheer_uit, api_visibility="private")
        herindexeer_knop.click(herindexeer, [keuze], [beheermelding, klok], api_visibility="private").then(
            beheerstand, None, beheer_uit, api_visibility="private")
        alles_knop.click(lambda: herindexeer(None, alles=True), None, [beheermelding, klok],
                         api_visibility="private").then(beheerstand, None, beheer_uit, api_visibility="private")

        demo.load(lambda: (modusregel(dienst), gr.update(choices=bronkeuzes())), None, [regel, bron],
                  api_visibility="private")
        demo.load(herstel, [bewaard], [chat, beurten, paneel, gesprek_id, gesprekkeuze], api_visibility="private")
        demo.load(beheerstand, None, beheer_uit, api_visibility="private")
        gr.api(api_vraag, api_name="vraag")
    return demo
