"""Antwoorders: extractief (zonder model) en met een taalmodel, beide met gecontroleerde citaten."""

import logging
import re
from dataclasses import dataclass, field

from llama_index.core.schema import TextNode
from pydantic import BaseModel, Field

from assistent import citaten as cit
from assistent import taal
from assistent.zoeken import Zoekresultaat, Zoeker

log = logging.getLogger(__name__)

# Below this calibrated relevance the sources do not hold the answer (see evals: goed/onterecht geweigerd).
DREMPEL_RELEVANTIE = 0.45

WEIGERING = {
    "nl": "Dat kan ik niet terugvinden in de publicaties van het programma.",
    "en": "I cannot find that in the publications of the programme.",
}
SUGGESTIE = {
    "nl": "De publicaties gaan over de lessen en de zeven aanbevelingen van het experimentenprogramma Verduurzaming "
          "van Kwetsbare Wijken: de deelnemende wijken, koppelkansen, participatie van bewoners en de "
          "wijkgerichte aanpak.",
    "en": "The publications cover the lessons and seven recommendations of the Dutch programme 'Verduurzaming van "
          "Kwetsbare Wijken': the participating neighbourhoods, linking opportunities, resident participation and "
          "the neighbourhood approach.",
}
TERUGVAL = {
    "nl": "Het taalmodel gaf geen antwoord dat door de bronnen wordt gedragen; dit antwoord bestaat uit zinnen uit de bronnen.",
    "en": "The language model gave no answer supported by the sources; this answer consists of sentences from the sources.",
}
ENGELSE_INLEIDING = "According to the programme's publications (quoted in Dutch):"


class Antwoord(BaseModel):
    """Een antwoord met citaten, zoals CLI, API, UI en evals het gebruiken."""

    vraag: str
    antwoord: str
    gevonden: bool
    modus: str = Field(description="extractief, ollama:<model>, llamacpp:<bestand> of nep.")
    citaten: list[cit.Citaat] = Field(default_factory=list)
    duur_s: float = 0.0
    melding: str | None = Field(None, description="Bijvoorbeeld: teruggevallen op extractief.")
    verder_lezen: list[cit.Citaat] = Field(default_factory=list, description="Gevonden maar niet geciteerd.")
    zelfstandige_vraag: str | None = None
    verwijderd: list[str] = Field(default_factory=list, description="Zinnen die de claimcontrole niet doorstonden.")
    tokens: dict[str, int] | None = Field(None, description="Tokens van het taalmodel (prompt, antwoord); None zonder model.")


@dataclass
class Concept:
    """Antwoordtekst met markers die naar `passages` (1-based) verwijzen."""

    tekst: str
    passages: list[TextNode]
    scores: list[float] = field(default_factory=list)
    verwijderd: list[str] = field(default_factory=list)


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


# ---------------- extractive ----------------

_LIJSTVRAAG = re.compile(r"\b(welke|noem|opsomm|overzicht|alle|lijst|zeven|wat zijn|which|list|what are|all)\b", re.I)
_AANBEVELING = re.compile(r"aanbevel|aanbevol|recommend|advies|adviezen", re.I)
_WIJKVRAAG = re.compile(r"\b(wijk|wijken|buurt|gemeente|gemeenten|inwoners|deelnemers|deel|deelgenomen|meegedaan|"
                        r"neighbourhoods?|neighborhoods?|municipalit\w+|inhabitants|residents|took part|participat\w*)\b", re.I)


class Extractief:
    """Antwoorden uit bronzinnen, zonder taalmodel; deterministisch."""

    naam = "extractief"

    def __init__(self, zoeker: Zoeker):
        self.zoeker = zoeker

    def concept(self, vraag: str, resultaat: Zoekresultaat, taalcode: str = "nl") -> Concept | None:
        """Concept-antwoord, of None als er geen bruikbare zin is."""
        if taalcode == "en":
            vraag = f"{vraag} {taal.naar_nederlands(vraag)}"
        for poging in (self._aanbevelingen, self._tabel, self._zinnen):
            c = poging(vraag, resultaat)
            if c is not None:
                if taalcode == "en":
                    c.tekst = f"{ENGELSE_INLEIDING}\n{c.tekst}"
                return c
        return None

    # recommendations as data
    def _aanbevelingen(self, vraag: str, r: Zoekresultaat) -> Concept | None:
        alle = [n for n in self.zoeker.nodes if n.metadata.get("soort") == "aanbeveling"]
        if not alle:
            return None
        if not _AANBEVELING.search(vraag) and not self._titel_genoemd(vraag, alle):
            return None
        documenten = [t.metadata.get("document") for t in r.treffers if t.metadata.get("soort") == "aanbeveling"]
        document = documenten[0] if documenten else alle[0].metadata.get("document")
        per_nr: dict[int, TextNode] = {}
        for n in alle:
            if n.metadata.get("document") == document:
                per_nr.setdefault(int(n.metadata["aanbeveling"]), n)
        nummer = re.search(r"(?:aanbeveling|recommendation)\s*(\d)|(\d)(?:e|de|ste)?\s+aanbeveling", vraag, re.I)
        gevraagd = int(nummer.group(1) or nummer.group(2)) if nummer else None
        if gevraagd is None:
            # 'Wat houdt "Durf te experimenteren" in?': a recommendation named by its title words.
            genoemd = self._titel_genoemd(vraag, list(per_nr.values()))
            gevraagd = int(genoemd.metadata["aanbeveling"]) if genoemd is not None else None
        if gevraagd in per_nr:
            node = per_nr[gevraagd]
            regels = node.text.split("\n")
            punten = [r for r in regels if r.startswith("– ")]
            lopend = " ".join(r for r in regels[1:] if not r.startswith("– "))
            intro = [lopend[b:e] for b, e in taal.zinnen(lopend)]
            tekst = f"Aanbeveling {gevraagd}: {node.metadata.get('aanbeveling_titel')} [1]."
            if intro:
                tekst += " " + " ".join(cit.met_marker(z, [1]) for z in intro[:2] if not z.endswith(":"))
            if punten:
                tekst += "\n" + "\n".join(cit.met_marker(p, [1]) for p in punten)
            return Concept(tekst, [node], [1.0])
        if not _LIJSTVRAAG.search(vraag) and not re.search(r"aanbevelingen|recommendations", vraag, re.I):
            return None
        nodes = [per_nr[k] for k in sorted(per_nr)]
        inleiding = next((n for n in self.zoeker.nodes if n.metadata.get("document") == document
                          and "aanbevelingen" in n.text.lower() and n.metadata.get("soort") == "tekst"
                          and re.search(r"zijn \w+ aanbevelingen", n.text)), None)
        regels, passages = [], []
        if inleiding is not None:
            m = re.search(r"[^.]*zijn \w+ aanbevelingen:?", inleiding.text)
            passages.append(inleiding)
            regels.append(f"{m.group(0).strip().rstrip(':')} [1]:")
        for n in nodes:
            passages.append(n)
            regels.append(f"{n.metadata['aanbeveling']}. {n.metadata.get('aanbeveling_titel')} [{len(passages)}]")
        return Concept("\n".join(regels), passages, [1.0] * len(passages))

    @staticmethod
    def _titel_genoemd(vraag: str, nodes: list[TextNode]) -> TextNode | None:
        """De aanbeveling waarvan de vraag de titel (grotendeels) noemt, of None."""
        vraag_stammen = set(taal.stammen(vraag)) - {"aanbevel", "aanbevol"}
        beste, beste_score = None, 0.0
        for n in nodes:
            titel = set(taal.stammen(n.metadata.get("aanbeveling_titel", "")))
            raak = len(vraag_stammen & titel)
            if titel and raak >= 2 and raak / len(titel) >= 0.6 and raak / len(titel) > beste_score:
                beste, beste_score = n, raak / len(titel)
        return beste

    # the table of participating neighbourhoods
    def _tabel(self, vraag: str, r: Zoekresultaat) -> Concept | None:
        rijen = [n for n in self.zoeker.nodes if n.metadata.get("soort") == "tabelrij"]
        if not rijen:
            return None
        vraag_l = taal.normaliseer(vraag).lower()

        def genoemd(naam: str) -> bool:
            return bool(naam) and re.search(r"(?<!\w)" + re.escape(naam.lower()) + r"(?!\w)", vraag_l) is not None

        raak = [n for n in rijen if genoemd(n.metadata.get("wijk", "")) or genoemd(n.metadata.get("gemeente", ""))]
        # A neighbourhood name beats the municipality: 'Zuidhoven' is one row, 'Leiden' might be two.
        op_wijk = [n for n in raak if genoemd(n.metadata.get("wijk", ""))]
        raak = op_wijk or raak
        if raak:
            regels = []
            for i, n in enumerate(raak[:5], start=1):
                m = n.metadata
                regels.append(f"De wijk {m['wijk']} (gemeente {m['gemeente']}) heeft {_getal(m['inwoners'])} "
                              f"inwoners [{i}].")
            return Concept(" ".join(regels) if len(regels) == 1 else "\n".join(f"- {x}" for x in regels),
                           raak[:5], [1.0] * len(raak[:5]))
        if _WIJKVRAAG.search(vraag) and _LIJSTVRAAG.search(vraag):
            tabel = next((n for n in self.zoeker.nodes if n.metadata.get("soort") == "tabel"), None)
            if tabel is None or not any(t.node.node_id == tabel.node_id or t.metadata.get("soort") == "tabelrij"
                                        for t in r.treffers[:5]):
                return None
            passages: list[TextNode] = [tabel]
            regels = []
            inleiding = next((t.node for t in r.treffers if t.metadata.get("sectie") == "Achttien wijken"
                              or re.search(r"namen in totaal \w+ wijken", t.node.text)), None)
            if inleiding is not None:
                m = re.search(r"[^.]*namen in totaal \w+ wijken deel\.", inleiding.text)
                if m:
                    passages.append(inleiding)
                    regels.append(cit.met_marker(m.group(0).strip(), [2]))
            for n in rijen:
                m = n.metadata
                regels.append(f"- {m['wijk']} ({m['gemeente']}), {_getal(m['inwoners'])} inwoners [1]")
            return Concept("\n".join(regels), passages, [1.0] * len(passages))
        return None

    # the best sentences from the top passages
    def _zinnen(self, vraag: str, r: Zoekresultaat) -> Concept | None:
        # 'Geef een voorbeeld van meekoppelen': find the concept; the example follows it (see _met_vervolg).
        vraag_stammen = set(taal.stammen(_VOORBEELDVRAAG.sub(" ", vraag)))
        if not vraag_stammen or not r.treffers:
            return None
        totaal = sum(self.zoeker.idf(s) for s in vraag_stammen)
        definitie = bool(_DEFINITIEVRAAG.search(vraag))
        getalvraag = bool(_GETALVRAAG.search(vraag))
        kandidaten: list[tuple[float, float, TextNode, int, str]] = []
        for rang, t in enumerate(r.treffers[:4]):
            if t.metadata.get("soort") in {"tabelrij", "tabel"}:
                continue
            sectie_stammen = set(taal.stammen(t.metadata.get("sectie", "")))
            for positie, zin in enumerate(_zinnen_met_labels(t.node.text)):
                if len(zin.split()) < 4 or re.match(r"^\d+\.\s+\w+,", zin):  # skip footnotes
                    continue
                if positie == 0 and t.metadata.get("soort") == "aanbeveling":
                    continue  # the title line; recommendations as such are answered by _aanbevelingen
                z_stammen = set(taal.stammen(zin))
                # Share of the question's weight this sentence covers; the passage's rank is a mild prior.
                deel = sum(self.zoeker.idf(s) for s in vraag_stammen if taal.dekt(s, z_stammen)) / totaal
                if deel <= 0:
                    continue
                # A question naming a section ('transitieperspectief') favours sentences under that heading.
                in_sectie = sum(self.zoeker.idf(s) for s in vraag_stammen if s in sectie_stammen) / totaal
                score = deel + 0.15 / (1 + rang) + 0.4 * in_sectie
                if definitie and _begint_met_term(zin, vraag_stammen):
                    score *= 1.4  # 'Wat zijn koppelkansen?' wants '1. Koppelkansen. Dit is …'
                if getalvraag and re.search(r"\d", zin):
                    score *= 1.4  # 'Wanneer …?' and 'Hoeveel …?' want the sentence with the year or number
                if _VERWIJST_TERUG.match(zin):
                    score *= 0.8  # 'Die vrees is …' leans on a sentence the reader does not see
                if len(zin.split()) > 45:
                    score *= 0.9
                kandidaten.append((score, deel, t.node, positie, zin))
        if not kandidaten:
            return None
        kandidaten.sort(key=lambda k: -k[0])
        beste_deel = max(k[1] for k in kandidaten[:3])
        # Only sentences close to the best one: a high-ranked passage must not smuggle in a weak sentence.
        gekozen = [k for k in kandidaten[:3] if k[0] >= 0.6 * kandidaten[0][0] and k[1] >= 0.5 * beste_deel]
        if getalvraag and any(re.search(r"\d", k[4]) and k[1] >= 0.8 * beste_deel for k in gekozen):
            # A factoid question gets the fact, when that sentence matches the question as well as the rest.
            gekozen = [k for k in gekozen if re.search(r"\d", k[4])]
        if _VOORBEELDVRAAG.search(vraag):
            gekozen = self._met_vervolg(gekozen)
        gekozen += self._lijstitems(gekozen)
        # Reading order of the document, so list items 1, 2, 3 come out in order.
        uniek = {(k[2].node_id, k[3]): k for k in gekozen}
        gekozen = sorted(uniek.values(), key=lambda k: (k[2].metadata.get("document", ""),
                                                        k[2].metadata.get("volgnr", 0), k[3]))
        passages: list[TextNode] = []
        scores: list[float] = []
        score_van = {t.node.node_id: t.score for t in r.treffers}
        regels: list[str] = []
        for _s, _d, node, _pos, zin in gekozen:
            if node not in passages:
                passages.append(node)
                # A list continued into the next chunk: that chunk inherits the score of the one it continues.
                scores.append(score_van.get(node.node_id, scores[-1] if scores else 0.0))
            regels.append(cit.met_marker(zin, [passages.index(node) + 1]))
        tekst, vorige_lijst = "", False
        for regel in regels:
            lijst = bool(re.match(r"^(?:[-–•]|\d+\.)\s", regel))
            # List items each on their own line, and the sentence after a list starts a new line too.
            nieuwe_regel = lijst or vorige_lijst or tekst.endswith(":")
            tekst += ("\n" if nieuwe_regel else " ") + regel if tekst else regel
            vorige_lijst = lijst
        return Concept(tekst, passages, scores)

    def _met_vervolg(self, gekozen: list) -> list:
        """Bij een vraag om een voorbeeld: de beste zin plus de zinnen die erop volgen, tot het volgende punt."""
        if not gekozen:
            return gekozen
        beste = max(gekozen, key=lambda k: k[0])
        score, deel, node, positie, _zin = beste
        uit = [beste]
        for j, z in enumerate(_zinnen_met_labels(node.text)[positie + 1 : positie + 3], start=positie + 1):
            if re.match(r"^(?:[-–•]|\d+\.)\s", z):
                break
            uit.append((score, deel, node, j, z))
        return uit

    def _lijstitems(self, gekozen: list) -> list:
        """Een zin die een opsomming inleidt (eindigt op ':') neemt de punten mee, ook uit het volgende fragment."""
        extra = []
        for score, deel, node, positie, zin in gekozen:
            if not zin.endswith(":"):
                continue
            volgende = next((n for n in self.zoeker.nodes if n.metadata.get("document") == node.metadata.get("document")
                             and n.metadata.get("volgnr") == node.metadata.get("volgnr", 0) + 1
                             and n.metadata.get("sectie") == node.metadata.get("sectie")), None)
            reeks = [(node, j, z) for j, z in enumerate(_zinnen_met_labels(node.text)) if j > positie]
            if volgende is not None:
                reeks += [(volgende, j, z) for j, z in enumerate(_zinnen_met_labels(volgende.text))]
            los = 0
            for n, j, z in reeks[:16]:
                if re.match(r"^(?:[-–•]|\d+\.)\s", z):
                    extra.append((score, deel, n, j, z))
                    los = 0
                else:
                    # Explanations between items stay out; several in a row mean the list has ended.
                    los += 1
                    if los >= 4:
                        break
        return extra


def _zinnen_met_labels(tekst: str) -> list[str]:
    """Zinnen van een passage (een los label als '1. Koppelkansen.' hoort bij de zin erna; zie taal.zinnen)."""
    return [tekst[b:e].strip() for b, e in taal.zinnen(tekst)]


_DEFINITIEVRAAG = re.compile(r"^\s*(wat\s+(is|zijn|betekent|betekenen|houdt|houden|bedoel\w*)|what\s+(is|are|does)|"
                             r"leg\s+uit|verschil)|\bverschil\b|\bbegrip\b", re.I)


def _begint_met_term(zin: str, vraag_stammen: set[str]) -> bool:
    kop = re.sub(r"^\d+\.\s+", "", zin).split()[:3]
    return any(taal.stam(w.lower().strip(".,:'")) in vraag_stammen for w in kop)


_GETALVRAAG = re.compile(r"\b(hoeveel|welk jaar|in welk jaar|sinds wanneer|hoe lang|how many|how much|what year)\b"
                         r"|^\s*(wanneer|when)\s+(begon|startte|start|eindigde|stopte|began|started|ended)\b", re.I)
_VOORBEELDVRAAG = re.compile(r"\b(voorbeeld|voorbeelden|bijvoorbeeld|example|examples)\b", re.I)
_VERWIJST_TERUG = re.compile(r"^(Die|Deze|Dat|Dit|Daar|Daarom|Want|En|Maar|Ook|Bovendien|Hier|Zij|Ze|Het)\b")


def _getal(n: int) -> str:
    return f"{n:,}".replace(",", ".")


# ---------------- follow-up questions ----------------

_VERWIJZING = re.compile(r"\b(die|deze|dat|daar|daarvan|ervan|hun|hij|zij|ze|het|dezelfde|diezelfde|"
                         r"that|it|they|those|there|this)\b", re.I)


def zelfstandig(vraag: str, gesprek: list[dict] | None, namen_in_bronnen=None) -> str:
    """Deterministische herschrijving: neem het onderwerp van de vorige beurt mee als de vraag ernaar verwijst."""
    if not gesprek:
        return vraag
    vorige_vraag = next((b["tekst"] for b in reversed(gesprek) if b.get("rol") == "gebruiker"), "")
    vorig_antwoord = next((b["tekst"] for b in reversed(gesprek) if b.get("rol") == "assistent"), "")
    kort = len(taal.inhoudswoorden(vraag)) <= 5
    if not (_VERWIJZING.search(vraag) or kort or vraag.lower().startswith(("en ", "and ", "ook "))):
        return vraag
    namen = [w for w in re.findall(r"\b[A-Z][\w-]+", cit.zonder_markers(vorig_antwoord))
             if w.lower() not in taal.STOPWOORDEN and (namen_in_bronnen is None or namen_in_bronnen(w))]
    onderwerp = vorige_vraag.strip().rstrip("?")
    # Lower-case the first word: a capital inside the rewrite would read as a name the sources lack.
    onderwerp = onderwerp[:1].lower() + onderwerp[1:] if onderwerp[:2].istitle() else onderwerp
    extra = " ".join(dict.fromkeys(namen[:4]))
    return f"{vraag.strip()} ({onderwerp}{'; ' + extra if extra else ''})"
