"""De dienst: de enige plek die een werkende assistent in elkaar zet (index, zoeker, antwoorders)."""

import logging
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from llama_index.core.llms import LLM

import assistent
from assistent import antwoord as ant
from assistent import contract
from assistent import taalmodel as tm
from assistent import citaten as cit
from assistent import taal
from assistent.vraag import Vraag, analyseer, zelfstandig
from assistent.backends import maak_embedder, maak_llm
from assistent.backends.llms import ollama_heeft, openai_heeft
from assistent.config import Instellingen
from assistent.fouten import AssistentFout, ConfiguratieFout, IndexFout, OngeldigeVraag
from assistent.index import Index, Samenvatting
from assistent.publicaties import Publicaties
from assistent.zoeken import Betekenis, Treffer, Zoekresultaat, Zoeker

log = logging.getLogger(__name__)

MODI = (*contract.MODI, "nep")  # 'nep' (an injected test model) is wired, never offered
# What users and API clients may choose.
PUBLIEKE_MODI = contract.MODI
_PROBE_GELDIG_S = 30.0
_SURROGAAT = re.compile(r"[\ud800-\udfff]")


@dataclass
class Gebeurtenis:
    """Eén stap in een gestreamd antwoord: 'token' (ruwe tekst van het model), 'melding' of 'klaar'."""

    soort: str
    tekst: str = ""
    antwoord: ant.Antwoord | None = None


class Dienst:
    """Wijkassistent als dienst: indexeren, zoeken, vragen beantwoorden, status."""

    def __init__(self, instellingen: Instellingen, llm: LLM | None = None):
        self.instellingen = instellingen
        self.embedder = maak_embedder(instellingen.embedder)
        self.index = Index(instellingen.index, self.embedder, instellingen.chroma_url, instellingen.collectie)
        self.zoeker = Zoeker(self.index)
        self.extractief = ant.Extractief()
        self._llms: dict[str, LLM] = {}
        if llm is not None:  # an injected model (tests, embedding apps) answers as 'nep'
            self._llms["nep"] = llm
        self._slot = threading.Lock()
        self._probes: dict[str, tuple[float, bool]] = {}

    # ----- index -----

    def indexeer(self, opnieuw: bool = False, voortgang: bool = True) -> Samenvatting:
        """De bronnen (incrementeel) indexeren."""
        s = self.index.bouw(self.instellingen.bronnen, opnieuw=opnieuw, voortgang=voortgang)
        self.zoeker.ververs(forceer=True)
        return s

    def zorg_voor_index(self, voortgang: bool = False) -> Samenvatting | None:
        """Bouwt de index als die ontbreekt of een ouder formaat heeft; weigert een index van een andere embedder."""
        bronnen = self.instellingen.bronnen
        ouder = self.index.ouder_schema() and any(bronnen.glob("*"))
        if ouder:
            # Uploaded publications live in the sources folder too, so a rebuild from it loses nothing.
            log.warning("De index heeft een ouder formaat; hij wordt opnieuw opgebouwd uit %s.", bronnen)
        else:
            self.index.controleer()
            if self.index.bestaat():
                return None
            if not any(bronnen.glob("*")):
                raise IndexFout(f"Er is geen index en de bronnenmap {bronnen} is leeg of ontbreekt.",
                                "Zet de publicaties in bronnen/ (of zet ASSISTENT_BRONNEN) en draai `assistent indexeer`.")
            log.warning("Er is nog geen index; die wordt nu gebouwd uit %s.", bronnen)
        s = self.indexeer(opnieuw=ouder, voortgang=voortgang)
        if not self.index.bestaat():
            raise IndexFout("Er kon geen index gebouwd worden: geen enkele bron was leesbaar.",
                            "Zie de meldingen hierboven en zet leesbare publicaties in bronnen/.")
        return s

    def _klaar_om_te_zoeken(self) -> None:
        # Only the very first request may build the index: later, an index that is briefly empty because
        # `indexeer` is replacing a file must not trigger a second build; the snapshot keeps serving.
        if not self.zoeker.nodes:
            self.zorg_voor_index()
        self.zoeker.ververs()

    # ----- search -----

    def zoek(self, vraag: str, k: int = 6, bron: str | None = None, aanbeveling: int | None = None) -> list[cit.Citaat]:
        """De beste passages voor een vraag, zonder antwoord."""
        self._controleer_vraag(vraag)
        self._controleer_filters(bron, aanbeveling)
        self._klaar_om_te_zoeken()
        r = self.zoeker.zoek(vraag, k=k, bron=bron, aanbeveling=aanbeveling)
        return [ant.citaat_van(t.node, i, t.score, []) for i, t in enumerate(r.treffers, start=1)]

    # ----- models -----

    def _server_beschikbaar(self, modus: str) -> bool:
        """Of de modelserver van `modus` (ollama, openai) antwoordt en het model heeft; kort onthouden als ja."""
        moment, ok = self._probes.get(modus, (0.0, False))
        # Re-probe every request while down, so a returning server is used again at once.
        if ok and time.monotonic() - moment < _PROBE_GELDIG_S:
            return True
        i = self.instellingen
        try:
            if modus == "openai":
                ok = bool(i.openai_url and i.openai_model) and openai_heeft(i.openai_url, i.openai_model,
                                                                            i.openai_sleutel, timeout=1.5)
            else:
                ok = ollama_heeft(i.ollama_url, i.ollama_model, timeout=1.5)
        except AssistentFout:
            ok = False
        self._probes[modus] = (time.monotonic(), ok)
        return ok

    def _ollama_beschikbaar(self) -> bool:
        return self._server_beschikbaar("ollama")

    def beschikbare_modi(self) -> list[str]:
        """Publieke modi die nu kunnen antwoorden (extractief altijd)."""
        uit = ["extractief"]
        if self.instellingen.openai_url and self._server_beschikbaar("openai"):
            uit.append("openai")
        if self._server_beschikbaar("ollama"):
            uit.append("ollama")
        if self.instellingen.gguf and Path(self.instellingen.gguf).is_file():
            uit.append("llamacpp")
        return uit

    def _llm(self, naam: str) -> LLM:
        with self._slot:
            if naam not in self._llms:
                self._llms[naam] = maak_llm(naam, self.instellingen.model_dump())
            return self._llms[naam]

    def modus_kiezen(self, gevraagd: str | None = None) -> str:
        """Welke antwoorder antwoordt: expliciet gevraagd, of bij 'auto' de beste die er is."""
        modus = (gevraagd or self.instellingen.llm or "auto").lower()
        # 'nep' only where a test injected or configured it; an API or chat request cannot pick it.
        if modus not in MODI or (modus == "nep" and "nep" not in self._llms and self.instellingen.llm != "nep"):
            raise OngeldigeVraag(f"Onbekende modus '{modus}'.", f"Kies uit: {', '.join(PUBLIEKE_MODI)}.")
        if modus != "auto":
            return modus
        if "nep" in self._llms:
            return "nep"
        # An explicitly configured server comes first: Ollama's URL has a default, this one never.
        if self.instellingen.openai_url and self._server_beschikbaar("openai"):
            return "openai"
        if self._ollama_beschikbaar():
            return "ollama"
        if self.instellingen.gguf and Path(self.instellingen.gguf).is_file():
            try:
                self._llm("llamacpp")
                return "llamacpp"
            except AssistentFout as e:
                log.warning("llama.cpp niet bruikbaar: %s", e)
        return "extractief"

    def modus_naam(self, modus: str) -> str:
        """Leesbare naam van een modus, met het model."""
        if modus == "ollama":
            return f"ollama:{self.instellingen.ollama_model}"
        if modus == "openai":
            return f"openai:{self.instellingen.openai_model}"
        if modus == "llamacpp":
            return f"llamacpp:{Path(str(self.instellingen.gguf)).name}"
        return modus

    # ----- answering -----

    def _controleer_vraag(self, vraag: Any) -> str:
        if not isinstance(vraag, str) or not vraag.strip():
            raise OngeldigeVraag("De vraag is leeg.", "Stel een vraag in gewone tekst.")
        if len(vraag) > self.instellingen.max_vraag_tekens:
            raise OngeldigeVraag(f"De vraag is te lang ({len(vraag)} tekens; maximaal "
                                 f"{self.instellingen.max_vraag_tekens}).", "Stel een kortere vraag.")
        if re.search(r"[\x00-\x08\x0e-\x1f]", vraag):
            raise OngeldigeVraag("De vraag bevat stuurtekens.", "Stel de vraag in gewone tekst.")
        self._controleer_tekens(vraag, "De vraag")
        return vraag.strip()

    @staticmethod
    def _controleer_tekens(tekst: str, wat: str) -> None:
        # A lone surrogate cannot be encoded as UTF-8: every later step (tokenizer, JSON, browser) would fail on it.
        if _SURROGAAT.search(tekst):
            raise OngeldigeVraag(f"{wat} bevat een ongeldig teken (een losse UTF-16-surrogaat).",
                                 "Typ of plak de tekst opnieuw; stuur geldige Unicode (UTF-8).")

    def _controleer_filters(self, bron: str | None, aanbeveling: int | None) -> None:
        if aanbeveling is not None and not (1 <= int(aanbeveling) <= 7):
            raise OngeldigeVraag(f"Aanbeveling {aanbeveling} bestaat niet.", "Kies een aanbeveling van 1 tot en met 7.")
        if bron:
            self._controleer_bron(bron)

    def _controleer_bron(self, bron: str) -> None:
        bekend = [b["document"] for b in self.bronnen()]
        if bron not in bekend:
            toon = bron.encode("utf-8", "replace").decode("utf-8")[:80]
            raise OngeldigeVraag(f"Onbekende bron '{toon}'.",
                                 f"Kies een van deze ids: {', '.join(bekend) or '(nog geen bronnen geïndexeerd)'} "
                                 "(zie GET /api/v1/bronnen), of laat 'bron' weg.")

    @staticmethod
    def _controleer_gesprek(gesprek: Any) -> list[dict]:
        if gesprek is None:
            return []
        if not isinstance(gesprek, list) or not all(
                isinstance(b, dict) and b.get("rol") in {"gebruiker", "assistent"} and isinstance(b.get("tekst"), str)
                for b in gesprek):
            raise OngeldigeVraag("Het gesprek heeft een ongeldige vorm.",
                                 'Geef een lijst van {"rol": "gebruiker"|"assistent", "tekst": "..."}.')
        for b in gesprek:
            Dienst._controleer_tekens(b["tekst"], "Het gesprek")
        return gesprek[-12:]

    def vraag(self, vraag: str, gesprek: list[dict] | None = None, bron: str | None = None,
              aanbeveling: int | None = None, modus: str | None = None) -> ant.Antwoord:
        """Een vraag beantwoorden (niet gestreamd)."""
        laatste = None
        for g in self.vraag_stream(vraag, gesprek, bron, aanbeveling, modus):
            if g.soort == "klaar":
                laatste = g.antwoord
        assert laatste is not None
        return laatste

    def vraag_stream(self, vraag: str, gesprek: list[dict] | None = None, bron: str | None = None,
                     aanbeveling: int | None = None, modus: str | None = None) -> Iterator[Gebeurtenis]:
        """Een vraag beantwoorden als stroom: ruwe tokens van het model, dan het gecontroleerde antwoord."""
        for g in self._vraag_stream(vraag, gesprek, bron, aanbeveling, modus):
            if g.soort == "klaar" and g.antwoord is not None and not g.antwoord.gevonden and (bron or aanbeveling):
                self._leg_filter_uit(g.antwoord, bron, aanbeveling)
            yield g

    def filterbeschrijving(self, bron: str | None, aanbeveling: int | None) -> str:
        """De actieve filters in woorden, bijv. 'bron Samen naar …, aanbeveling 1 (Hanteer een …)'."""
        delen = []
        if bron:
            regel = next((b for b in self.bronnen() if b["document"] == bron), {})
            delen.append(f"bron ‘{regel.get('korte_titel') or regel.get('titel') or bron}’")
        if aanbeveling:
            titel = dict(self.aanbevelingen()).get(int(aanbeveling), "")
            delen.append(f"aanbeveling {aanbeveling}" + (f" ({titel})" if titel else ""))
        return " en ".join(delen)

    def _leg_filter_uit(self, a: ant.Antwoord, bron: str | None, aanbeveling: int | None) -> None:
        """Een weigering met filter: zeg dat het filter de oorzaak kan zijn en wat zonder filter gevonden wordt."""
        filters = self.filterbeschrijving(bron, aanbeveling)
        try:
            # The same decision as any answer, on the unfiltered search.
            v = self._ontleed(a.zelfstandige_vraag or a.vraag, taal.taal_van(a.vraag))
            r = self.zoeker.zoek(v.tekst, k=self.instellingen.top_k, taalcode=v.taal, nadruk=v.kern)
            c = self.extractief.concept(v, r)
        except AssistentFout:
            return
        if c is not None and c.gevonden and c.passages:
            plekken = []
            for n in c.passages[:3]:
                m = n.metadata
                plek = f"{m.get('korte_titel') or m.get('titel') or m.get('document')}, p. {m.get('pagina')}"
                if m.get("aanbeveling"):
                    plek += f" (aanbeveling {m['aanbeveling']})"
                if plek not in plekken:
                    plekken.append(plek)
            a.antwoord = (f"Met het filter op {filters} vind ik hier niets over. Zonder filter staat er wel iets "
                          f"over in: {'; '.join(plekken)}. Zet het filter uit (of kies een ander) en vraag het opnieuw.")
        else:
            a.antwoord = (f"Met het filter op {filters} vind ik hier niets over, en ook zonder filter niet. "
                          f"{ant.SUGGESTIE['nl']}")
        a.melding = f"Filter actief: {filters}."

    def _vraag_stream(self, vraag: str, gesprek: list[dict] | None = None, bron: str | None = None,
                      aanbeveling: int | None = None, modus: str | None = None) -> Iterator[Gebeurtenis]:
        start = time.perf_counter()
        vraag = self._controleer_vraag(vraag)
        gesprek = self._controleer_gesprek(gesprek)
        self._controleer_filters(bron, aanbeveling)
        gekozen = self.modus_kiezen(modus)
        self._klaar_om_te_zoeken()
        taalcode = taal.taal_van(vraag)
        antwoorder, gekozen, melding = self._antwoorder(gekozen, modus)
        zelfstandige = self._zelfstandig(vraag, gesprek, antwoorder)
        v = self._ontleed(zelfstandige, taalcode)
        if zelfstandige != vraag:
            # 'Waarom is dat?' wants what the previous answer did not say yet.
            vorige = next((b["tekst"] for b in reversed(gesprek) if b["rol"] == "assistent"), "")
            v.al_gezegd = [cit.zonder_markers(z.tekst) for z in cit.splits_antwoord(vorige)]
        # Search with the analysed text: injected instructions are no part of what is asked.
        resultaat = self.zoeker.zoek(v.tekst, k=self.instellingen.top_k, bron=bron, aanbeveling=aanbeveling,
                                     taalcode=taalcode, nadruk=v.kern)
        concept = self._concept(v, resultaat, bron, aanbeveling)

        def klaar(c: ant.Concept | None, modusnaam: str, verwijderd: list[str] | None = None,
                  tokens: dict | None = None) -> Gebeurtenis:
            if c is None:
                c = ant.Concept(ant.weigering(taalcode), [], gevonden=False)
            tekst, citaten = ant.nummer_opnieuw(c) if c.gevonden else (c.tekst, [])
            gebruikt = {x.id for x in citaten}
            verder = [ant.citaat_van(n, 0, 0.0, []) for n in c.verder] + (
                [ant.citaat_van(t.node, 0, t.score, []) for t in resultaat.treffers[:4] if t.node.node_id not in gebruikt]
                if c.gevonden else [])
            return Gebeurtenis("klaar", antwoord=ant.Antwoord(
                vraag=vraag, antwoord=tekst, gevonden=c.gevonden, modus=modusnaam, citaten=citaten,
                duur_s=round(time.perf_counter() - start, 3), melding=melding, verder_lezen=verder,
                zelfstandige_vraag=zelfstandige if zelfstandige != vraag else None,
                verwijderd=verwijderd or c.verwijderd, tokens=tokens))

        # What the sources do not hold is refused on the evidence, whichever mode would write the answer.
        if antwoorder is None or concept is None or not concept.gevonden:
            yield klaar(concept, self.modus_naam(gekozen) if concept is None or not concept.gevonden else "extractief")
            return
        treffers, keuze = self.bewijs(v, resultaat, concept, gekozen)
        try:
            for delta in antwoorder.stream(vraag if not gesprek else zelfstandige, treffers, taalcode, keuze):
                yield Gebeurtenis("token", delta)
        except Exception as e:  # connection lost, model unloaded, …: never a crash, fall back
            log.warning("Taalmodel %s faalde: %s", antwoorder.naam, e)
            self._probes.pop(gekozen, None)
            melding = "Het taalmodel is niet bereikbaar; dit antwoord is zonder taalmodel uit de bronnen samengesteld."
            yield Gebeurtenis("melding", melding)
            yield klaar(concept, "extractief")
            return
        gecontroleerd = antwoorder.controleer(treffers, markeer=self.instellingen.claimcheck == "markeer",
                                              betekenis=Betekenis(self.index, resultaat.corpus))
        if not cit.markers(gecontroleerd.tekst):
            melding = ant.TERUGVAL[taalcode]
            yield klaar(concept, f"extractief (na {antwoorder.naam})", gecontroleerd.verwijderd, antwoorder.tokens)
            return
        yield klaar(gecontroleerd, antwoorder.naam, tokens=antwoorder.tokens)

    # ----- the steps of answering -----

    def _antwoorder(self, gekozen: str, gevraagd: str | None) -> tuple["tm.MetTaalmodel | None", str, str | None]:
        """Het taalmodel voor deze modus, of None (extractief); valt bij 'auto' terug met een melding."""
        if gekozen == "extractief":
            return None, gekozen, None
        try:
            antwoorder = tm.MetTaalmodel(self._llm(gekozen), self.modus_naam(gekozen), self.instellingen.gestructureerd)
            return antwoorder, gekozen, None
        except AssistentFout as e:
            if gevraagd and gevraagd != "auto":
                raise
            return None, "extractief", f"Taalmodel niet beschikbaar ({e.melding}); antwoord zonder taalmodel."

    def analyseer(self, tekst: str) -> Vraag:
        """De vraag ontleden tegen wat de index kent (namen, aanbevelingen, woordenschat)."""
        corpus = self.zoeker.corpus
        return analyseer(tekst, corpus.namen(), corpus.in_corpus)

    def _ontleed(self, tekst: str, taalcode: str) -> Vraag:
        """De vraag ontleed in de taal waarin hij gesteld is; een Engelse met zijn woorden in die van de bronnen."""
        v = self.analyseer(tekst)
        v.taal = taalcode
        if taalcode == "en":
            v.vertaald = self.zoeker.vertaal(v.onderwerp)
        return v

    def _zelfstandig(self, vraag: str, gesprek: list[dict], antwoorder: "tm.MetTaalmodel | None") -> str:
        """Een vervolgvraag zelfstandig maken, alleen als hij op het gesprek leunt."""
        zelfstandige = zelfstandig(vraag, gesprek, self.analyseer)
        if zelfstandige != vraag and antwoorder is not None:
            try:
                herschreven = antwoorder.herschrijf(vraag, gesprek)
                # A weak model may drop the subject; keep the deterministic rewrite's context then.
                if herschreven and len(herschreven) < 400 and not self.zoeker.onbekende_woorden(herschreven):
                    zelfstandige = f"{herschreven} ({zelfstandige})"
            except Exception as e:  # the model failing here must not stop the answer
                log.warning("Herschrijven met het model mislukte: %s", e)
        return zelfstandige

    def bewijs(self, v: Vraag, resultaat: Zoekresultaat, concept: ant.Concept,
               modus: str) -> tuple[list[Treffer], dict[str, list[int]] | None]:
        """De passages voor het taalmodel en per passage de zinnen die het ziet (None: hele passages)."""
        i = self.instellingen
        max_passages = i.llamacpp_passages if modus == "llamacpp" else None
        if i.prompt_zinnen <= 0:
            return resultaat.treffers[:max_passages], None
        return tm.kies_bewijs(concept, self.extractief.kandidaten(v, resultaat), resultaat.treffers,
                              i.prompt_zinnen, max_passages)

    def _concept(self, v: Vraag, resultaat: Zoekresultaat, bron: str | None, aanbeveling: int | None) -> ant.Concept | None:
        """Het extractieve antwoord; een vraag in twee delen wordt per deel beantwoord."""
        if not v.delen:
            return self.extractief.concept(v, resultaat)
        delen: list[tuple[str, ant.Concept | None]] = []
        gesteld = ""
        for deel in v.delen:
            vraag = deel
            if delen:
                # 'Which neighbourhood represented Amsterdam, and how many people live there?': the second part leans
                # on the first, as a follow-up leans on the conversation.
                c = delen[-1][1]
                vraag = zelfstandig(deel, [{"rol": "gebruiker", "tekst": gesteld},
                                           {"rol": "assistent", "tekst": c.tekst if c is not None else ""}], self.analyseer)
            gesteld = vraag
            dv = self._ontleed(vraag, v.taal)
            r = self.zoeker.zoek(vraag, k=self.instellingen.top_k, bron=bron, aanbeveling=aanbeveling, taalcode=v.taal)
            delen.append((deel, self.extractief.concept(dv, r)))
        beantwoord = [(d, c) for d, c in delen if c is not None and c.gevonden]
        if not beantwoord:
            return self.extractief.concept(v, resultaat)
        return ant.voeg_samen([c for _, c in beantwoord], [d for d, c in delen if c is None or not c.gevonden], v.taal)

    # ----- managing publications -----

    @property
    def publicaties(self) -> Publicaties:
        """Beheer van de publicaties (toevoegen, verwijderen, herindexeren op de achtergrond); één per dienst."""
        with self._slot:
            if getattr(self, "_publicaties", None) is None:
                self._publicaties = Publicaties(self.instellingen.bronnen, self.index,
                                                self.instellingen.max_upload_bytes,
                                                na_indexeren=lambda: self.zoeker.ververs(forceer=True))
            return self._publicaties

    # ----- catalogue and status -----

    def bronnen(self) -> list[dict]:
        """Geïndexeerde publicaties met aantallen pagina's en fragmenten."""
        return self.index.bronnen() if self.index.bestaat() else []

    def aanbevelingen(self) -> list[tuple[int, str]]:
        """(nummer, titel) van de aanbevelingen zoals de index ze kent, op nummer."""
        self._klaar_om_te_zoeken()
        titels: dict[int, str] = {}
        for n in self.zoeker.nodes:
            if n.metadata.get("soort") == "aanbeveling":
                titels.setdefault(int(n.metadata["aanbeveling"]), n.metadata.get("aanbeveling_titel", ""))
        return sorted(titels.items())

    def bronbestand(self, document: str) -> Path:
        """Het bestand van een geïndexeerde bron (alleen binnen de bronnenmap)."""
        regel = next((b for b in self.bronnen() if b["document"] == document), None)
        if regel is None:
            raise ConfiguratieFout(f"Onbekende bron '{document}'.", "Zie GET /api/v1/bronnen voor de ids.")
        map_ = self.instellingen.bronnen.resolve()
        pad = (map_ / regel["bestand"]).resolve()
        if map_ not in pad.parents or not pad.is_file():
            raise ConfiguratieFout(f"Bestand van bron '{document}' niet gevonden.", "Draai `assistent indexeer`.")
        return pad

    def paginatekst(self, document: str, pagina: int) -> str:
        """Opgeschoonde tekst van één pagina."""
        paginas = self.index.paginas(document)
        if not 1 <= pagina <= len(paginas):
            raise ConfiguratieFout(f"Pagina {pagina} bestaat niet in '{document}' (1–{len(paginas)}).",
                                   "Kies een bestaande pagina.")
        return paginas[pagina - 1]

    def status(self) -> dict:
        """Stand van index, embedder en antwoordmodus."""
        bronnen = self.bronnen()
        try:
            modus = self.modus_naam(self.modus_kiezen())
        except AssistentFout as e:
            modus = f"fout: {e.melding}"
        return {
            "versie": assistent.__version__,
            "index": {"aanwezig": bool(bronnen), "publicaties": len(bronnen),
                      "paginas": sum(int(b.get("paginas", 0)) for b in bronnen),
                      "fragmenten": sum(int(b.get("fragmenten", 0)) for b in bronnen),
                      "locatie": self.instellingen.chroma_url or str(self.instellingen.index)},
            "embedder": self.instellingen.embedder,
            "modus": modus,
        }
