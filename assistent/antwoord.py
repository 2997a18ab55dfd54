"""Extractief antwoorden uit de index: aanbevelingen en tabellen als gegevens, anders de best passende bronzinnen."""

import re
from dataclasses import dataclass, field, replace

from llama_index.core.schema import TextNode

from assistent import citaten as cit
from assistent import taal
from assistent.contract import ENGELSE_INLEIDING, SUGGESTIE, TERUGVAL, WEIGERING, Antwoord  # noqa: F401 (re-export)
from assistent.vraag import (SOORT_WOORDEN, Entiteit, Vraag, bevat_bedrag, is_superlatief, na_superlatief,
                             zonder_accenten)
from assistent.zoeken import Treffer, Zoekresultaat

# Weights of the sentence score and the answerability bounds; calibrated on the dev split (evals/README.md).
GEWICHT_DICHT = 0.55
GEWICHT_LEXICAAL = 0.35
GEWICHT_RANG = 0.10
MIN_SCORE = {"nl": -0.14, "en": -0.62}  # fused score of the best sentence below which the question is refused
MIN_SCORE_ONBEKEND = 0.05  # stricter when most of the question's words occur nowhere in the sources
PASSAGES_VOOR_ZINNEN = 6
# Scores can be negative (below the unrelated level), so cue adjustments add and sentences compare by distance.
AFSTAND_TWEEDE = 0.08  # a second sentence this close to the best one joins the answer
AFSTAND_AANSLUITEND = 0.15  # the sentence right after a chosen one may be a little further off
AFSTAND_VORIGE = 0.3  # an open answer also brings the sentence before a chosen one when that scores this close
AFSTAND_ANDERE = 0.12  # an open answer from one passage also quotes the best sentence of another this close
STRAF_GEZEGD = 0.2  # a follow-up ('Waarom is dat?') wants what the answer before it did not say yet (dev)
OVERLAP_GEZEGD = 0.5  # share of a sentence's stems in a sentence of that answer to count as said already
AFSTAND_FEIT = 0.05  # a sentence holding the asked number or date may replace a slightly better one

# Words about publications as such: 'de zeven aanbevelingen van het programma' asks for the list, nothing more.
_META = frozenset(taal.stam(w) for w in """programma experimentenprogramma publicatie publicaties rapport samenvatting
    document bron bronnen belangrijkste belangrijk concrete concreet allemaal precies eigenlijk gedaan geformuleerd
    genoemd noemt noemen staan staat zeven programme publication report summary main key concrete important all
    volgens according gegeven geeft give gives doet deden""".split())

# The participants table answers questions about size, place and taking part; these are the general words for that.
_TABELBEGRIPPEN = frozenset(taal.stam(w) for w in """groot grote grootte omvang klein kleine inwoners inwonertal
    bewoners mensen wonen woont wonend telt tellen aantal deelnemend deelnemende deelnemen deelgenomen meedoen
    meegedaan deed deden mee doen ingediend ingebracht aangemeld namens vanuit uit ligt liggen gelegen plaats stad
    stadsdeel gemeente gemeenten wijk wijken buurt buurten groter kleiner meer minder
    size big large small people live lives living inhabitants residents population neighbourhood neighborhood
    district municipality city town located lie lies take took taking part participate participated participating
    join joined submitted entered many bigger larger smaller""".split())

# What the participants table counts, besides the words of its own header: people and places.
_TABELEENHEDEN = frozenset(taal.stam(w) for w in """inwoners bewoners mensen personen wijken buurten gemeenten
    deelnemende people persons inhabitants residents neighbourhoods neighborhoods districts municipalities participating
    """.split())


@dataclass
class Concept:
    """Antwoordtekst met markers die naar `passages` (1-based) verwijzen; gevonden=False is een (gedeeltelijke) weigering."""

    tekst: str
    passages: list[TextNode]
    scores: list[float] = field(default_factory=list)
    verwijderd: list[str] = field(default_factory=list)
    gevonden: bool = True
    verder: list[TextNode] = field(default_factory=list)


def citaat_van(node: TextNode, nr: int, score: float, zinnen: list[str]) -> cit.Citaat:
    """Citaatobject voor een passage; `citaat` zijn de passagezinnen die de beweringen dragen."""
    m = node.metadata
    dragend: list[str] = []
    for z in zinnen:
        for b in cit.beste_zinnen(z, node.text, 1):
            if b not in dragend:
                dragend.append(b)
    return cit.Citaat(
        nr=nr, document=m.get("document", ""), titel=m.get("korte_titel") or m.get("titel", ""),
        pagina=int(m.get("pagina", 0)), pagina_eind=int(m.get("pagina_eind", m.get("pagina", 0))),
        sectie=m.get("sectie", ""), aanbeveling=int(m.get("aanbeveling") or 0) or None, tekst=node.text,
        citaat=" … ".join(dragend), score=round(float(score), 4), id=node.node_id,
    )


def nummer_opnieuw(concept: Concept) -> tuple[str, list[cit.Citaat]]:
    """Markers hernummeren naar 1..m in volgorde van gebruik; alleen gebruikte passages worden citaten."""
    volgorde: list[int] = []
    for n in cit.markers(concept.tekst):
        if 1 <= n <= len(concept.passages) and n not in volgorde:
            volgorde.append(n)
    nieuw = {oud: i + 1 for i, oud in enumerate(volgorde)}
    zinnen_per: dict[int, list[str]] = {n: [] for n in volgorde}

    def vervang(m: re.Match) -> str:
        nrs = [int(x) for x in re.split(r"\s*[,;]\s*", m.group(1))]
        return "".join(f"[{nieuw[n]}]" for n in nrs if n in nieuw)

    regels = []
    for regel in concept.tekst.split("\n"):
        for z in cit.splits_antwoord(regel):
            for n in z.markers:
                if n in zinnen_per:
                    zinnen_per[n].append(cit.zonder_markers(z.tekst))
        regels.append(re.sub(r"\[(\d+(?:\s*[,;]\s*\d+)*)\]", vervang, regel))
    scores = concept.scores or [0.0] * len(concept.passages)
    citaten = [citaat_van(concept.passages[oud - 1], nieuw[oud], scores[oud - 1], zinnen_per[oud]) for oud in volgorde]
    return "\n".join(regels).strip(), citaten


def _getal(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def _lijstregel(zin: str) -> bool:
    return bool(re.match(r"^(?:[-–•]|\d+\.)\s", zin))


@dataclass
class Kandidaat:
    """Een bronzin met zijn scores."""

    score: float
    dicht: float
    lexicaal: float
    node: TextNode
    positie: int
    zin: str
    basis: float = 0.0  # the score before answer-type cues: what answerability is judged on


class Extractief:
    """Antwoorden uit bronzinnen en records, zonder taalmodel; deterministisch."""

    naam = "extractief"

    def concept(self, v: Vraag, r: Zoekresultaat) -> Concept | None:
        """Concept-antwoord; None als de bronnen de vraag niet beantwoorden."""
        if not r.treffers:
            return None
        if v.injectie and len(v.onderwerp) < 2:
            return None  # nothing left once the injected instructions are taken out
        if v.onbekende_namen and v.taal != "en":
            return None  # 'Lombok', 'ISDE': named things the sources never mention (English capitalises more)
        if re.search(r"\b(procent|percentage|percent)\b|%", v.tekst, re.I) and not any(
                re.search(r"\bprocent\b|%", t.node.text) for t in r.treffers):
            return None  # a share is asked and no passage gives one
        if v.is_("bedrag") and not any(bevat_bedrag(t.node.text) for t in r.treffers):
            return None  # a price or budget question the passages hold no amount for
        for poging in (self._aanbeveling, self._tabel, self._over_entiteit, self._zinnen):
            c = poging(v, r)
            if c is not None:
                if v.taal == "en" and c.gevonden:
                    c.tekst = f"{ENGELSE_INLEIDING}\n{c.tekst}"
                return c
        return None

    # ----- recommendations as data -----

    def _aanbeveling(self, v: Vraag, r: Zoekresultaat) -> Concept | None:
        alle = r.corpus.namen().aanbevelingen
        if not alle:
            return None
        documenten = [t.metadata.get("document") for t in r.treffers if t.metadata.get("soort") == "aanbeveling"]
        document = next((d for d in documenten if d in alle), next(iter(alle)))
        per_nr = {nr: n for nr, n in alle[document].items() if r.toegestaan(n)}
        if not per_nr:
            return None
        genoemd = self._titel_genoemd(v, per_nr)
        nummer = None
        if v.noemt_aanbeveling and v.rangtelwoord:
            # 'de laatste' is -1, 'de voorlaatste' -2: counted from the end of what the index holds.
            nummer = sorted(per_nr)[max(v.rangtelwoord, -len(per_nr))] if v.rangtelwoord < 0 else v.rangtelwoord
            if nummer not in per_nr:
                # 'De achtste aanbeveling' when there are seven: say so, instead of answering something else.
                tekst = (f"The publications give {len(per_nr)} recommendations; there is no number {nummer}."
                         if v.taal == "en" else
                         f"De publicaties geven {len(per_nr)} aanbevelingen; een aanbeveling {nummer} is er niet.")
                return Concept(tekst, [], gevonden=False, verder=[per_nr[k] for k in sorted(per_nr)][:3])
        elif genoemd is not None:
            nummer = int(genoemd.metadata["aanbeveling"])
        if nummer is not None and v.subpunt:
            return self._aanbeveling_punt(nummer, per_nr[nummer], v.subpunt, v.taal)
        if nummer is not None:
            return self._aanbeveling_detail(nummer, per_nr[nummer])
        rest = [w for w in v.onderwerp if not SOORT_WOORDEN["aanbeveling"].search(w) and taal.stam(w) not in _META
                and w not in taal.TELWOORDEN]
        if v.noemt_aanbeveling and not rest:
            return self._aanbeveling_lijst(r, document, per_nr)
        return None

    @staticmethod
    def _titel_genoemd(v: Vraag, per_nr: dict[int, TextNode]) -> TextNode | None:
        """De aanbeveling waarvan de vraag de titel (grotendeels) noemt, en niet veel meer."""
        vraag_stammen = {taal.stam(w) for w in v.onderwerp if not SOORT_WOORDEN["aanbeveling"].search(w)}
        beste, beste_score = None, 0.0
        for n in per_nr.values():
            titel = set(taal.stammen(n.metadata.get("aanbeveling_titel", "")))
            raak = len({s for s in vraag_stammen if taal.dekt(s, titel)})
            over = len(vraag_stammen - {s for s in vraag_stammen if taal.dekt(s, titel)} - _META)
            # 'Wat houdt "Durf te experimenteren" in?' names the title; a question about one detail does not.
            if titel and raak >= 1 and raak / len(titel) >= 0.6 and over <= 1 and raak / len(titel) > beste_score:
                beste, beste_score = n, raak / len(titel)
        return beste

    @staticmethod
    def _aanbeveling_detail(nummer: int, node: TextNode) -> Concept:
        regels = node.text.split("\n")
        punten = _punten(node)
        lopend = " ".join(x for x in regels[1:] if not x.startswith(_PUNTTEKENS))
        intro = [lopend[b:e] for b, e in taal.zinnen(lopend)]
        tekst = f"Aanbeveling {nummer}: {node.metadata.get('aanbeveling_titel')} [1]."
        if intro:
            tekst += " " + " ".join(cit.met_marker(z, [1]) for z in intro[:2] if not z.endswith(":"))
        if punten:
            tekst += "\n" + "\n".join(cit.met_marker(p, [1]) for p in punten)
        return Concept(tekst, [node], [1.0])

    @staticmethod
    def _aanbeveling_punt(nummer: int, node: TextNode, punt: int, taalcode: str) -> Concept:
        """Eén punt binnen een aanbeveling ('het tweede punt bij aanbeveling 3'); -1 is het laatste."""
        punten = _punten(node)
        titel = node.metadata.get("aanbeveling_titel")
        plek = len(punten) + 1 + punt if punt < 0 else punt
        if not 1 <= plek <= len(punten):
            tekst = (f"Recommendation {nummer} ({titel}) has {len(punten)} points; there is no point {punt}."
                     if taalcode == "en" else
                     f"Aanbeveling {nummer} ({titel}) heeft {len(punten)} punten; een punt {punt} is er niet.")
            return Concept(tekst, [], gevonden=False, verder=[node])
        return Concept(f"Aanbeveling {nummer}: {titel} [1]. Punt {plek} daarvan:\n{cit.met_marker(punten[plek - 1], [1])}",
                       [node], [1.0])

    @staticmethod
    def _aanbeveling_lijst(r: Zoekresultaat, document: str, per_nr: dict[int, TextNode]) -> Concept:
        eerste = per_nr[min(per_nr)]
        # The sentence that introduces the list, in the passages before the first recommendation.
        inleiding = None
        for n in r.corpus.nodes:
            if (n.metadata.get("document") == document and n.metadata.get("soort") == "tekst"
                    and n.metadata.get("volgnr", 0) < eerste.metadata.get("volgnr", 0)):
                for b, e in taal.zinnen(n.text):
                    if SOORT_WOORDEN["aanbeveling"].search(n.text[b:e]) and taal.getallen(n.text[b:e]) & {str(len(per_nr))}:
                        inleiding = (n, n.text[b:e])
        regels, passages = [], []
        if inleiding is not None:
            passages.append(inleiding[0])
            regels.append(cit.met_marker(inleiding[1].rstrip(":. "), [1]) + ":")
        for nr in sorted(per_nr):
            passages.append(per_nr[nr])
            regels.append(f"{nr}. {per_nr[nr].metadata.get('aanbeveling_titel')} [{len(passages)}]")
        return Concept("\n".join(regels), passages, [1.0] * len(passages))

    # ----- tables as data -----

    @staticmethod
    def _vraagt_tabel(v: Vraag, r: Zoekresultaat) -> bool:
        """Of alles wat de vraag naast de namen vraagt in de tabel staat (omvang, plaats, deelname)."""
        tabelwoorden = r.corpus.namen().tabelwoorden | _TABELBEGRIPPEN
        if v.geteld and taal.stam(v.geteld[0]) not in r.corpus.namen().tabelwoorden | _TABELEENHEDEN:
            return False  # 'Hoeveel woningen telt Selwerd?' counts something the table does not count
        anders = [w for w in v.gevraagd if taal.stam(w) not in tabelwoorden and taal.stam(w) not in _META
                  and not is_superlatief(w)]
        # One stray word ('qua', a typo) next to a table word still asks the table; 'projectleider' alone does not.
        return not anders or (len(anders) == 1 and len(v.gevraagd) - len(anders) >= 1)

    def _tabel(self, v: Vraag, r: Zoekresultaat) -> Concept | None:
        rijen = [n for n in r.corpus.van_soort("tabelrij") if r.toegestaan(n)]
        if not rijen or v.is_("waarom"):
            return None  # a table holds figures, never the reason asked for
        vraagt_tabel = self._vraagt_tabel(v, r)
        tabel_gevonden = any(t.metadata.get("soort") in {"tabel", "tabelrij"} for t in r.treffers[:4])
        ents = _genoemd_binnen_filters(v, r)
        if len(ents) == 1 and v.richting and v.drempel is None and re.search(r"\b(dan|than)\b", v.tekst, re.I):
            # 'Welke wijken zijn kleiner dan Nijverheid?': the named neighbourhood sets the bound.
            grens = max(n.metadata["inwoners"] for n in ents[0].nodes)
            v.drempel = ("<" if v.richting == "kleiner" else ">", grens)
            ents = []
        if v.superlatief and len(ents) == 1 and not v.rangtelwoord and _na_naam(v.tekst, ents[0]):
            # 'Welke wijk is na Laak de grootste?': the place after the named one in that order.
            volgorde = sorted(rijen, key=lambda n: n.metadata["inwoners"], reverse=v.superlatief == "max")
            eigen = [i for i, n in enumerate(volgorde) if n in ents[0].nodes]
            if eigen:
                v.rangtelwoord, ents = max(eigen) + 2, []
        samen = _rijen_met_gemeenten(v, rijen)
        if samen:
            return self._tabel_rijen(samen, v)  # 'Welke wijk werd namens twee gemeenten tegelijk ingediend?'
        # A superlative the search itself answers with the table ('de kleinste wijk die meedeed, gemeten naar
        # inwoners') is a table question, even with words the table vocabulary lacks.
        tabel_bovenaan = bool(r.treffers) and r.treffers[0].metadata.get("soort") in {"tabel", "tabelrij"}
        # 'de grootste uitdaging' is no largest neighbourhood: the superlative must be about what the table holds.
        bij = na_superlatief(v.tekst)
        over_tabel = bij is None or taal.stam(bij) in r.corpus.namen().tabelwoorden | _TABELBEGRIPPEN | _TABELEENHEDEN
        if v.superlatief and not over_tabel:
            return None
        if (v.superlatief or v.drempel or v.bereik) and (vraagt_tabel or tabel_bovenaan):
            return self._tabel_selectie(v, rijen, ents)
        if ents:
            if not vraagt_tabel:
                return None
            op_wijk = [e for e in ents if e.soort == "wijk"]
            gekozen = self._rijen_van(op_wijk or ents)
            if len(gekozen) == 2 and v.richting and len(ents) >= 2:
                return self._tabel_vergelijk(gekozen)
            c = self._tabel_rijen(gekozen[:6], v)
            if not v.onderwerp:
                # 'Wat staat er over Delft?': besides its row, what the text says about it.
                for node, zin in self._zinnen_met_naam(ents, r)[:2]:
                    if node not in c.passages:
                        c.passages.append(node)
                        c.scores.append(1.0)
                    # After a list of rows the sentence starts its own line, as everywhere else.
                    c.tekst += ("\n" if "\n" in c.tekst else " ") + cit.met_marker(zin, [c.passages.index(node) + 1])
            return c
        if vraagt_tabel and tabel_gevonden and (v.is_("lijst") or not v.onderwerp) and not v.is_("getal"):
            return self._tabel_alles(r, rijen)
        return None

    @staticmethod
    def _rijen_van(ents: list[Entiteit]) -> list[TextNode]:
        uit: list[TextNode] = []
        for e in ents:
            uit.extend(n for n in e.nodes if n not in uit)
        return uit

    @staticmethod
    def _rij(n: TextNode, nr: int) -> str:
        m = n.metadata
        return f"De wijk {m['wijk']} (gemeente {m['gemeente']}) heeft {_getal(m['inwoners'])} inwoners [{nr}]."

    def _tabel_rijen(self, rijen: list[TextNode], v: Vraag) -> Concept:
        regels = [self._rij(n, i) for i, n in enumerate(rijen, start=1)]
        tekst = regels[0] if len(regels) == 1 else "\n".join(f"- {x}" for x in regels)
        return Concept(tekst, rijen, [1.0] * len(rijen))

    def _tabel_vergelijk(self, rijen: list[TextNode]) -> Concept:
        a, b = rijen
        na, nb = a.metadata["inwoners"], b.metadata["inwoners"]
        groot, klein = (a, b) if na >= nb else (b, a)
        tekst = f"{self._rij(a, 1)} {self._rij(b, 2)}"
        if na != nb:
            tekst += (f"\n{groot.metadata['wijk']} heeft dus meer inwoners dan {klein.metadata['wijk']} "
                      f"[{1 if groot is a else 2}][{2 if groot is a else 1}].")
        return Concept(tekst, [a, b], [1.0, 1.0])

    def _tabel_selectie(self, v: Vraag, rijen: list[TextNode], ents: list[Entiteit]) -> Concept | None:
        kandidaten = rijen
        gemeenten = [e for e in ents if e.soort == "gemeente"]
        if gemeenten:
            kandidaten = self._rijen_van(gemeenten)
        if v.drempel or v.bereik:
            if v.bereik:
                laag, hoog = sorted(v.bereik)
                kandidaten = [n for n in kandidaten if laag <= n.metadata["inwoners"] <= hoog]
                voorwaarde = f"tussen {_getal(laag)} en {_getal(hoog)} inwoners"
            else:
                op, grens = v.drempel
                kandidaten = [n for n in kandidaten if (n.metadata["inwoners"] > grens if op == ">" else
                                                        n.metadata["inwoners"] < grens)]
                voorwaarde = f"{'meer' if op == '>' else 'minder'} dan {_getal(grens)} inwoners"
            kandidaten.sort(key=lambda n: -n.metadata["inwoners"])
            if not kandidaten:
                return Concept(f"Geen van de {len(rijen)} deelnemende wijken in het overzicht heeft {voorwaarde} [1].",
                               [rijen[0]], [1.0])
            kop = f"{len(kandidaten)} van de {len(rijen)} deelnemende wijken hebben {voorwaarde}:"
            regels = [f"- {n.metadata['wijk']} (gemeente {n.metadata['gemeente']}): "
                      f"{_getal(n.metadata['inwoners'])} inwoners [{i}]" for i, n in enumerate(kandidaten, start=1)]
            return Concept("\n".join([kop] + regels), kandidaten, [1.0] * len(kandidaten))
        volgorde = sorted(kandidaten, key=lambda n: n.metadata["inwoners"], reverse=v.superlatief == "max")
        plek = max(1, v.rangtelwoord or 1) if v.rangtelwoord and v.rangtelwoord > 0 else 1
        if plek > len(volgorde):
            return None
        n = volgorde[plek - 1]
        rang = "" if plek == 1 else f"{plek}e "
        woord = "meeste" if v.superlatief == "max" else "minste"
        tekst = (f"De deelnemende wijk met de {rang}{woord} inwoners is {n.metadata['wijk']} (gemeente "
                 f"{n.metadata['gemeente']}), met {_getal(n.metadata['inwoners'])} inwoners [1].")
        return Concept(tekst, [n], [1.0])

    def _tabel_alles(self, r: Zoekresultaat, rijen: list[TextNode]) -> Concept:
        tabel = next((n for n in r.corpus.van_soort("tabel") if r.toegestaan(n)), None)
        passages = [tabel] if tabel is not None else list(rijen)
        regels = []
        for i, n in enumerate(rijen):
            m = n.metadata
            regels.append(f"- {m['wijk']} ({m['gemeente']}), {_getal(m['inwoners'])} inwoners "
                          f"[{1 if tabel is not None else i + 1}]")
        return Concept("\n".join(regels), passages, [1.0] * len(passages))

    # ----- a named neighbourhood or municipality, asked about something else -----

    @staticmethod
    def _zinnen_met_naam(ents: list[Entiteit], r: Zoekresultaat) -> list[tuple[TextNode, str]]:
        """Bronzinnen (tekst en aanbevelingen, binnen de filters) die een van de namen noemen, in documentvolgorde."""
        patroon = re.compile(r"(?<![\w-])(" + "|".join(re.escape(zonder_accenten(e.naam)) for e in ents) + r")(?![\w-])")
        uit: list[tuple[TextNode, str]] = []
        for n in r.corpus.nodes:
            # Split into sentences only the passages that name it at all: this runs for every question with a name.
            if (n.metadata.get("soort") in {"tekst", "aanbeveling"} and r.toegestaan(n)
                    and patroon.search(zonder_accenten(n.text))):
                for zin in r.corpus.zinnen(n):
                    zin = zin.strip()
                    if patroon.search(zonder_accenten(zin)) and not any(_zelfde_tekst(zin, z) for _, z in uit):
                        uit.append((n, zin))
        return uit

    def _over_entiteit(self, v: Vraag, r: Zoekresultaat) -> Concept | None:
        ents = _genoemd_binnen_filters(v, r)
        if not ents:
            return None
        # Text passages that mention the name may answer it ('Leiden verliet het programma voortijdig').
        met_naam = self._zinnen_met_naam(ents, r)
        noemt = {n.node_id for n, _ in met_naam}
        if noemt:
            c = self._zinnen(v, r, alleen=noemt)
            # 'Waarom …?' about one named place needs a reason in the text, not just the fact.
            if c is not None and (not v.is_("waarom") or _REDEN.search(c.tekst)):
                return c
        rijen = self._rijen_van(ents)[:3]
        tekstpassages: list[TextNode] = []
        for n, _ in met_naam:
            if n not in tekstpassages and len(tekstpassages) < 2:
                tekstpassages.append(n)
        namen = " en ".join(dict.fromkeys(e.naam for e in ents))
        if v.taal == "en":
            waar = ("They do mention it; see further reading." if tekstpassages else
                    f"{namen} appears in them only in the overview of participating neighbourhoods; see further reading.")
            tekst = f"The publications do not say that about {namen}. {waar}"
        else:
            feiten = "; ".join(f"{n.metadata['wijk']}, gemeente {n.metadata['gemeente']}, "
                               f"{_getal(n.metadata['inwoners'])} inwoners" for n in rijen)
            waar = (f"Ze noemen {namen} wel, in het overzicht van deelnemende wijken ({feiten}) en in de tekst; zie "
                    "verder lezen." if tekstpassages else
                    f"{namen} komt er alleen in voor in het overzicht van deelnemende wijken ({feiten}); zie verder lezen.")
            tekst = f"Wat u vraagt over {namen} staat niet in de publicaties van het programma. {waar}"
        return Concept(tekst, [], [], gevonden=False, verder=tekstpassages + rijen)

    # ----- the best sentences of the best passages -----

    def kandidaten(self, v: Vraag, r: Zoekresultaat, alleen: set[str] | None = None) -> list[Kandidaat]:
        """Bronzinnen uit de beste passages, gescoord op betekenis (e5), gedekte vraagwoorden en passagerang."""
        corpus = r.corpus
        kal = corpus.kalibratie
        # 'Wat zegt het rapport over …' names the source, not the subject: such words do not pick a sentence.
        if v.taal == "en":
            # English words do not occur in Dutch sources; their translations into the sources' words do.
            stammen_v = set(taal.zonder_bronverwijzing(taal.stammen(" ".join(v.vertaald))))
        else:
            stammen_v = set(taal.zonder_bronverwijzing(taal.stammen(" ".join(v.onderwerp)) or taal.stammen(v.tekst)))
        totaal = sum(corpus.idf(s) for s in stammen_v) or 1.0
        if v.taal == "en" and stammen_v:
            # A word without a translation still belongs to the question, as a rare one: covering only the
            # translated words ('programme', 'start') must not pass for covering the question (evals/README.md).
            onvertaald = max(0, len([w for w in v.onderwerp if taal.vertaalbaar(w)]) - len(v.vertaald))
            totaal += onvertaald * corpus.idf("")
        hoogste = max(1e-6, max((t.score for t in r.treffers), default=0.0))
        w_lex = GEWICHT_LEXICAAL if v.taal != "en" or stammen_v else 0.0
        noemer = GEWICHT_DICHT + w_lex + GEWICHT_RANG
        # Answerability of an English question stays judged on meaning: a few translated words must not carry it.
        w_basis = 0.0 if v.taal == "en" else w_lex
        sectie_cache: dict[str, set[str]] = {}
        gezegd = [s for s in (set(taal.stammen(g)) for g in v.al_gezegd) if s]
        uit: list[Kandidaat] = []
        treffers = [t for t in r.treffers if t.metadata.get("soort") not in {"tabel", "tabelrij"}]
        if alleen is not None:
            treffers = [t for t in treffers if t.node.node_id in alleen] or [
                Treffer(corpus.per_id[i], 0.0) for i in alleen if i in corpus.per_id]
        geteld = {taal.stam(w) for w in v.geteld}
        for t in treffers[:PASSAGES_VOOR_ZINNEN]:
            kop = t.metadata.get("aanbeveling_titel") or t.metadata.get("sectie", "")
            kop_stammen = sectie_cache.setdefault(kop, set(taal.stammen(kop)))
            for j, (b, e) in enumerate(corpus.zinnen_van.get(t.node.node_id, [])):
                zin = t.node.text[b:e].strip()
                lijst = _lijstregel(zin)
                if len(zin.split()) < (3 if lijst else 4) or re.match(r"^\d+\.\s+\w+,", zin):  # footnotes
                    continue
                if j == 0 and t.metadata.get("soort") == "aanbeveling":
                    continue  # the title line; recommendations as such are answered as data
                eigen = set(taal.stammen(zin))
                z_stammen = eigen | kop_stammen
                lex = sum(corpus.idf(s) for s in stammen_v if taal.dekt(s, z_stammen)) / totaal
                dicht = kal.normaliseer(t.zinscores[j]) if j < len(t.zinscores) else 0.0
                rang = GEWICHT_RANG * max(0.0, t.score) / hoogste
                score = (GEWICHT_DICHT * dicht + w_lex * lex + rang) / noemer
                basis = (GEWICHT_DICHT * dicht + w_basis * lex + rang) / (GEWICHT_DICHT + w_basis + GEWICHT_RANG)
                if geteld and _telt(zin, geteld):
                    score += 0.12  # 'Hoeveel wijken …?': a number right before 'wijken' counts them
                if v.is_("getal") or v.is_("tijd"):
                    # 'Wanneer …?' and 'Hoeveel …?' want the sentence that holds the date or the number.
                    score += 0.06 if re.search(r"\d", zin) or taal.getallen(zin) else -0.06
                # The answer type of 'hoe lang' is a duration, of 'wanneer' a moment in time.
                if v.is_("duur") and _DUUR.search(zin):
                    score += 0.12
                if v.is_("tijdstip") and _TIJDSTIP.search(zin):
                    score += 0.15  # 'Wanneer begon het?' is answered by a date, not by the sentence about the start
                if v.is_("definitie") and _begint_met_term(zin, stammen_v):
                    score += 0.06
                if _LEUNT.match(zin):
                    score -= 0.02  # leans on the sentence before it (which an open question's answer then brings)
                if eigen and any(len(eigen & g) / len(eigen) > OVERLAP_GEZEGD for g in gezegd):
                    score -= STRAF_GEZEGD  # mostly the words of a sentence of the answer it follows up on
                if len(zin.split()) > 45:
                    score -= 0.03
                if zin.endswith("?"):
                    score -= 0.15  # a question in the text raises the topic; the answer follows it
                if v.is_("wie") and taal.eigennamen(zin):
                    score += 0.04
                uit.append(Kandidaat(score, dicht, lex, t.node, j, zin, basis))
        uit.sort(key=lambda k: -k.score)
        return uit

    @staticmethod
    def beantwoordbaar(v: Vraag, beste: Kandidaat, onbekend: float) -> bool:
        """Of de beste zin de vraag draagt: genoeg score, strenger bij onbekende woorden of een Engelse vraag."""
        if beste.basis < MIN_SCORE.get(v.taal, MIN_SCORE["nl"]):
            return False
        # English words are unknown to Dutch sources by nature; only Dutch questions are judged on them.
        return v.taal == "en" or not (onbekend >= 0.75 and beste.basis < MIN_SCORE_ONBEKEND)

    @staticmethod
    def onbekend_deel(v: Vraag, r: Zoekresultaat) -> float:
        """Aandeel (idf-gewogen) van de vraagwoorden dat nergens in de bronnen voorkomt."""
        corpus = r.corpus
        woorden = [w for w in v.onderwerp if len(w) > 3]
        if not woorden:
            return 0.0
        gewicht = {w: corpus.idf(taal.stam(w)) for w in woorden}
        totaal = sum(gewicht.values()) or 1.0
        return sum(g for w, g in gewicht.items() if not corpus.in_corpus(w) and taal.stam(w) not in corpus.df
                   and not taal.ontleed(taal.stam(w), corpus.df)) / totaal

    def _zinnen(self, v: Vraag, r: Zoekresultaat, alleen: set[str] | None = None) -> Concept | None:
        kandidaten = self.kandidaten(v, r, alleen)
        if not kandidaten or not self.beantwoordbaar(v, max(kandidaten, key=lambda k: k.basis), self.onbekend_deel(v, r)):
            return None
        beste = kandidaten[0]
        # Only in Dutch: an English role word never occurs in Dutch sources, and words must not veto English.
        if v.rol and v.taal != "en" and not any(_noemt_rol(k.zin, v.rol) for k in kandidaten[:3]):
            return None  # 'Wie was de programmamanager?': no sentence near the top names that role at all
        lijstvraag = v.is_("lijst")
        maximum = 4 if lijstvraag else 2
        gekozen = [beste]
        for k in kandidaten[1:]:
            if len(gekozen) >= maximum:
                break
            # The sentence right after a chosen one continues its thought ('enerzijds … Anderzijds …').
            aansluitend = any(k.node is g.node and k.positie == g.positie + 1 for g in gekozen)
            if k.score < beste.score - (AFSTAND_AANSLUITEND if aansluitend else AFSTAND_TWEEDE):
                continue
            if k.zin.endswith("?") or any(_bijna_gelijk(k.zin, g.zin) for g in gekozen):
                continue  # a question in the text raises a topic, it never answers one
            gekozen.append(k)
        # An open question answered from one passage also gets the best sentence of another passage that scores
        # nearly as well: a second place in the publication where it is discussed (measured in evals/README.md).
        ander = None
        if all(g.node is beste.node for g in gekozen) and not any(v.is_(s) for s in _FEITVRAGEN):
            # It comes alone, without its neighbours: a question, a list's introduction or a sentence that leans on
            # the one before it ('Bijvoorbeeld met …', 'Want …') would say nothing by itself.
            ander = next((k for k in kandidaten[1:] if k.node is not beste.node and k.score >= beste.score - AFSTAND_ANDERE
                          and not k.zin.endswith(("?", ":")) and not _LEUNT.match(k.zin)
                          and not re.match(r"(Bijvoorbeeld|Zoals)\b", k.zin)), None)
        if (v.is_("getal") or v.is_("tijd")) and not re.search(r"\d", beste.zin):
            # A factoid question gets the fact, when a sentence with a number matches it nearly as well.
            met_getal = next((k for k in kandidaten[1:4] if re.search(r"\d", k.zin) and k.score >= beste.score - AFSTAND_FEIT), None)
            if met_getal is not None:
                gekozen = [met_getal] + [g for g in gekozen if g is not met_getal][:1]
        # 'Hoeveel woningen zijn afgekoppeld?' counts things (a plural); 'Hoeveel invloed …' does not.
        if v.geteld and re.search(r"(en|s)$", v.geteld[0]) and not any(_noemt_aantal(g.zin) for g in gekozen):
            return None  # no chosen sentence gives any number or quantity of them
        hoofd = gekozen[0]  # the sentence the answer rests on, after a number or date took its place
        if v.is_("voorbeeld"):
            gekozen = self._met_vervolg(r, gekozen)
        elif not any(v.is_(s) for s in _FEITVRAGEN):
            gekozen = self._met_toelichting(r, gekozen, kandidaten)
        elif v.is_("waarom") and not any(_REDEN.search(g.zin) for g in gekozen):
            # The sentence that names what is asked about is often followed by the one that explains it.
            volgend = [k for k in self._met_vervolg(r, gekozen)[1:2] if not k.zin.endswith("?")]
            gekozen = gekozen[:1] + volgend + gekozen[1:]
        if ander is not None and not any(_zelfde_tekst(ander.zin, g.zin) for g in gekozen):
            gekozen.append(ander)
        items = self._lijstitems(r, gekozen)
        if not items and gekozen[-1].zin.endswith(":") and len(gekozen) > 1:
            gekozen = gekozen[:-1]  # an introduction to a list that is not there says nothing
        elif not items and len(gekozen) == 1 and gekozen[0].zin.endswith(":"):
            # Alone it still answers ('Er zijn zeven aanbevelingen:'), but it must not announce a list it lacks.
            gekozen = [replace(gekozen[0], zin=gekozen[0].zin[:-1].rstrip() + ".")]
        gekozen += items + self._voetnoten(r, gekozen)
        uniek: dict[tuple[str, int], Kandidaat] = {}
        for k in gekozen:
            # Overlapping chunks hold the same sentence twice; it is said once.
            if not any(_zelfde_tekst(k.zin, u.zin) for u in uniek.values()):
                uniek.setdefault((k.node.node_id, k.positie), k)
        # In the order of the text; a number, a moment or a name asked for comes first, with its passage.
        eerst = hoofd.node.node_id if (v.is_("getal") or v.is_("tijd") or v.is_("wie")) and not v.is_("lijst") else None
        gekozen = sorted(uniek.values(), key=lambda k: (k.node.node_id != eerst, k.node.metadata.get("document", ""),
                                                        k.node.metadata.get("volgnr", 0), k.positie))
        passages: list[TextNode] = []
        scores: list[float] = []
        score_van = {t.node.node_id: t.score for t in r.treffers}
        regels: list[str] = []
        for k in gekozen:
            if k.node not in passages:
                passages.append(k.node)
                # A list continued into the next chunk: that chunk inherits the score of the one it continues.
                scores.append(score_van.get(k.node.node_id, scores[-1] if scores else 0.0))
            regels.append(cit.met_marker(k.zin, [passages.index(k.node) + 1]))
        tekst, vorige_lijst = "", False
        for regel in regels:
            lijst = _lijstregel(regel)
            # List items each on their own line, and the sentence after a list starts a new line too.
            nieuwe_regel = lijst or vorige_lijst or tekst.endswith(":")
            tekst += ("\n" if nieuwe_regel else " ") + regel if tekst else regel
            vorige_lijst = lijst
        return Concept(tekst, passages, scores)

    @staticmethod
    def _met_toelichting(r: Zoekresultaat, gekozen: list[Kandidaat], kandidaten: list[Kandidaat]) -> list[Kandidaat]:
        """Bij een open vraag: elke gekozen zin met de zin erna en, als die erbij hoort, de zin ervoor."""
        uit: list[Kandidaat] = []
        score_van = {(c.node.node_id, c.positie): c.score for c in kandidaten}
        for k in gekozen:
            # The sentence before often states the point the best match works out ('… zien we ambtelijke drukte.
            # Er zijn soms tientallen …'); measured on dev and test in evals/README.md (fifth round).
            vorige_past = score_van.get((k.node.node_id, k.positie - 1), -9.0) >= k.score - AFSTAND_VORIGE
            if (_LEUNT.match(k.zin) or vorige_past) and k.positie > 0:
                # 'Want nagenoeg overal lag de focus …' leans on the sentence before it: that one comes first.
                vorige = r.corpus.zinnen(k.node)[k.positie - 1].strip()
                if (not vorige.endswith(("?", ":")) and not _lijstregel(vorige)
                        and not any(_zelfde_tekst(vorige, x.zin) for x in gekozen + uit)):
                    uit.append(Kandidaat(k.score, k.dicht, k.lexicaal, k.node, k.positie - 1, vorige))
            uit.append(k)
            if k.zin.endswith(":"):
                continue  # its list items follow anyway
            # 'Deelnemers kampten geregeld met frustratie.' is followed by what frustrated them.
            for na in Extractief._met_vervolg(r, [k])[1:2]:
                if not na.zin.endswith(("?", ":")) and not any(_zelfde_tekst(na.zin, x.zin) for x in gekozen + uit):
                    uit.append(na)
        return uit

    @staticmethod
    def _met_vervolg(r: Zoekresultaat, gekozen: list[Kandidaat]) -> list[Kandidaat]:
        """Bij een vraag om een voorbeeld: de beste zin plus de zinnen die erop volgen, tot het volgende punt."""
        beste = gekozen[0]
        uit = [beste]
        spannen = r.corpus.zinnen_van.get(beste.node.node_id, [])
        for j in range(beste.positie + 1, min(len(spannen), beste.positie + 3)):
            z = beste.node.text[spannen[j][0]:spannen[j][1]].strip()
            if _lijstregel(z):
                break
            uit.append(Kandidaat(beste.score, beste.dicht, beste.lexicaal, beste.node, j, z))
        return uit

    @staticmethod
    def _voetnoten(r: Zoekresultaat, gekozen: list[Kandidaat]) -> list[Kandidaat]:
        """De voetnoot waar een gekozen zin naar verwijst ('… omarmen.1' → '1. Rotmans, J. … Omarm de chaos.')."""
        extra: list[Kandidaat] = []
        for k in gekozen:
            m = re.search(r"[.!?](\d{1,2})$", k.zin)
            if not m:
                continue
            zinnen = r.corpus.zinnen(k.node)
            begin = next((j for j, z in enumerate(zinnen) if j > k.positie and z.strip().startswith(f"{m.group(1)}.")), None)
            if begin is None:
                continue
            # A reference is split at its full stops ('… (2021).', 'Omarm de chaos.', 'De Geus.'): its short pieces follow.
            einde = begin + 1
            while einde < min(len(zinnen), begin + 4) and len(zinnen[einde].split()) < 6:
                einde += 1
            for j in range(begin, einde):
                # Without its number, so it reads as the reference it is, not as a list item.
                z = zinnen[j].strip()[len(m.group(1)) + 1:].strip() if j == begin else zinnen[j].strip()
                extra.append(Kandidaat(k.score, k.dicht, k.lexicaal, k.node, j, z))
        return extra

    @staticmethod
    def _lijstitems(r: Zoekresultaat, gekozen: list[Kandidaat]) -> list[Kandidaat]:
        """Een zin die een opsomming inleidt (eindigt op ':') neemt de punten mee, ook uit het volgende fragment."""
        extra: list[Kandidaat] = []
        for k in gekozen:
            if not k.zin.endswith(":"):
                continue
            volgende = r.corpus.volgende(k.node)
            if volgende is not None and volgende.metadata.get("sectie") != k.node.metadata.get("sectie"):
                volgende = None
            reeks = [(k.node, j, z) for j, z in enumerate(r.corpus.zinnen(k.node)) if j > k.positie]
            if volgende is not None:
                reeks += [(volgende, j, z) for j, z in enumerate(r.corpus.zinnen(volgende))]
            los = 0
            for n, j, z in reeks[:16]:
                z = z.strip()
                if _lijstregel(z):
                    extra.append(Kandidaat(k.score, k.dicht, k.lexicaal, n, j, z))
                    los = 0
                else:
                    # Explanations between items stay out; several in a row mean the list has ended.
                    los += 1
                    if los >= 4:
                        break
        return extra


# A sentence opening with one of these words continues the one before it.
_LEUNT = re.compile(r"^(Die|Deze|Dat|Dit|Daar|Daarom|Want|En|Maar|Ook|Bovendien|Hier|Zij|Ze|Het)\b")
# Questions after a fact (a number, a moment, a name, a list) get that fact; other questions the thought. 'Waar'
# is no fact question here: 'Waar lag de focus?' asks for a thought, places are asked by name ('in welke gemeente').
_FEITVRAGEN = ("getal", "tijd", "wie", "lijst")
_TELWOORD = "|".join(sorted(taal.TELWOORDEN, key=len, reverse=True))
_DUUR = re.compile(rf"\b(\d+|{_TELWOORD}|enkele|een paar|meerdere|vele|several|a few|many)\s+(jaar|jaren|maanden|maand|weken|week|dagen|years?|months?|weeks?)\b", re.I)
_TIJDSTIP = re.compile(r"\b(1[89]\d\d|20\d\d)\b|\b(januari|februari|maart|april|mei|juni|juli|augustus|september|"
                       r"oktober|november|december)\b", re.I)
_REDEN = re.compile(r"\b(omdat|doordat|want|vanwege|daardoor|daarom|dankzij|oorzaak|reden|verklaren|verklaart|"
                    r"because|due to|since|reason)\b", re.I)


_PUNTTEKENS = ("– ", "- ", "• ")  # how a point of a recommendation opens its line


def _punten(node: TextNode) -> list[str]:
    """De opsommingspunten van een aanbeveling, als regels."""
    return [x for x in node.text.split("\n") if x.startswith(_PUNTTEKENS)]


_HOEVEELHEID = re.compile(r"\b(enkele|sommige|meeste|alle|geen|handvol|meerdere|tientallen|honderden|duizenden|helft|"
                          r"meerderheid|minderheid|few|several|most|some|all|none|half|majority|minority|dozens|hundreds|"
                          r"thousands)\b", re.I)


def _noemt_aantal(zin: str) -> bool:
    """Of de zin een getal, telwoord of hoeveelheid noemt."""
    return bool(re.search(r"\d", zin) or taal.getallen(zin) or _HOEVEELHEID.search(zin))


def _telt(zin: str, stammen: set[str]) -> bool:
    """Of de zin een getal noemt vlak voor het getelde woord (hooguit één woord ertussen)."""
    w = taal.woorden(zin)
    return any((x.isdigit() or x in taal.TELWOORDEN) and stammen & {taal.stam(y) for y in w[i + 1:i + 3]}
               for i, x in enumerate(w))


def _noemt_rol(zin: str, rol: str) -> bool:
    """Of de zin de rol noemt, ook in een langer woord ('projectleiders', 'transitiehoogleraar')."""
    return rol.lower() in zin.lower()


def _na_naam(tekst: str, e: Entiteit) -> bool:
    """Of de vraag 'na <naam>' of 'after <naam>' zegt."""
    return bool(re.search(rf"\b(?:na|after)\s+(?:de\s+wijk\s+|the\s+)?{re.escape(zonder_accenten(e.naam))}\b",
                          zonder_accenten(tekst)))


def _rijen_met_gemeenten(v: Vraag, rijen: list[TextNode]) -> list[TextNode]:
    """Rijen van een wijk die namens N gemeenten samen meedeed, als de vraag naar N (≥ 2) gemeenten vraagt."""
    m = re.search(rf"\b(\d+|{_TELWOORD})\s+(?:\w+\s+)?(?:gemeenten|gemeentes|municipalities)\b", v.tekst, re.I)
    if not m:
        return []
    n = int(m.group(1)) if m.group(1).isdigit() else taal.TELWOORDEN.get(m.group(1).lower(), 0)
    return [r for r in rijen if n >= 2 and
            len([g for g in re.split(r"\s+(?:en|and|&)\s+|\s*[,/]\s*", r.metadata.get("gemeente", "")) if g]) == n]


def _genoemd_binnen_filters(v: Vraag, r: Zoekresultaat) -> list[Entiteit]:
    """De wijken en gemeenten uit de vraag waarvan een record binnen de filters van de zoekvraag valt."""
    return [e for e in v.tabel_entiteiten if any(r.toegestaan(n) for n in e.nodes)]


def _zelfde_tekst(a: str, b: str) -> bool:
    return re.sub(r"\W+", " ", a.lower()).strip() == re.sub(r"\W+", " ", b.lower()).strip()


def _bijna_gelijk(a: str, b: str) -> bool:
    sa, sb = set(taal.stammen(a)), set(taal.stammen(b))
    return bool(sa and sb) and len(sa & sb) / min(len(sa), len(sb)) > 0.8


def _begint_met_term(zin: str, vraag_stammen: set[str]) -> bool:
    kop = re.sub(r"^\d+\.\s+", "", zin).split()[:3]
    return any(taal.stam(w.lower().strip(".,:'")) in vraag_stammen for w in kop)


def weigering(taalcode: str) -> str:
    """De vaste weigering met wat de bronnen wel bevatten."""
    return f"{WEIGERING[taalcode]} {SUGGESTIE[taalcode]}"


def voeg_samen(concepten: list[Concept], onbeantwoord: list[str], taalcode: str) -> Concept:
    """Antwoorden op de delen van een vraag achter elkaar; wat niet te beantwoorden was wordt genoemd."""
    tekst, passages, scores = [], [], []
    gezegd: list[str] = []
    for c in concepten:
        verschuiving = len(passages)
        deel = re.sub(r"\[(\d+)\]", lambda m: f"[{int(m.group(1)) + verschuiving}]",
                      c.tekst.removeprefix(ENGELSE_INLEIDING).strip())
        regels = []
        for regel in deel.split("\n"):
            # A sentence that answers both parts is said once, in the first.
            nieuw = [z.tekst for z in cit.splits_antwoord(regel)
                     if not any(_zelfde_tekst(cit.zonder_markers(z.tekst), g) for g in gezegd)]
            gezegd += [cit.zonder_markers(z) for z in nieuw]
            if nieuw:
                regels.append(" ".join(nieuw))
        if regels:
            tekst.append("\n".join(regels))
        passages += c.passages
        scores += c.scores or [0.0] * len(c.passages)
    for deel in onbeantwoord:
        tekst.append(f"Not found in the publications: “{deel}”" if taalcode == "en"
                     else f"Op het deel “{deel}” geven de publicaties geen antwoord.")
    kop = [ENGELSE_INLEIDING] if taalcode == "en" else []
    return Concept("\n".join(kop + tekst), passages, scores)
