"""Bronnen lezen (PDF, txt, md), opschonen en in fragmenten met structuur knippen."""

import hashlib
import logging
import re
import statistics
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from llama_index.core.schema import TextNode

from assistent import taal
from assistent.fouten import BronFout

log = logging.getLogger(__name__)

EXTENSIES = (".pdf", ".txt", ".md")
CATALOGUS = "catalogus.toml"

# Chunk sizes in words: measured on the summary (see tests/test_bronnen.py::test_fragmentgroottes).
# Raise when cleaning or chunking changes: indexed files are then processed again though their content is the same.
VERWERKING = 3
DOEL_WOORDEN = 130
MAX_WOORDEN = 200
MIN_WOORDEN = 60


@dataclass
class Bron:
    """Eén publicatie: bestand plus catalogusgegevens."""

    bestand: Path
    id: str
    titel: str
    korte_titel: str = ""
    uitgever: str = ""
    jaar: int | None = None
    soort: str = ""
    in_catalogus: bool = True
    hash: str = ""

    @property
    def naam(self) -> str:
        return self.bestand.name


@dataclass
class GelezenBron:
    """Resultaat van het inlezen: opgeschoonde paginateksten en fragmenten."""

    bron: Bron
    paginas: list[str]
    fragmenten: list[TextNode]


@dataclass
class _Regel:
    pagina: int
    tekst: str
    soort: str = "tekst"
    afgebroken: bool = False  # a word from the next line was pulled up: the line was not short


@dataclass
class _Blok:
    soort: str  # alinea, kop, hoofdstuk, opsomming, genummerd, aanbeveling, tabelkop, tabelrij
    stukken: list[tuple[int, str]] = field(default_factory=list)
    sectie: str = ""
    hoofdstuk: str = ""
    aanbeveling: int | None = None
    aanbeveling_titel: str = ""
    posities: list[tuple[int, int, int]] = field(default_factory=list)

    @property
    def tekst(self) -> str:
        return " ".join(t for _, t in self.stukken)

    @property
    def pagina(self) -> int:
        return self.stukken[0][0]


def bestandshash(pad: Path) -> str:
    """SHA-256 van de bestandsinhoud."""
    h = hashlib.sha256()
    with pad.open("rb") as f:
        for blok in iter(lambda: f.read(1 << 20), b""):
            h.update(blok)
    return h.hexdigest()


def _slug(tekst: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", tekst.lower()).strip("-") or "bron"


def lees_catalogus(map_: Path) -> dict[str, dict]:
    """Catalogus (TOML) met per bestandsnaam id, titel, uitgever, jaar en soort."""
    pad = map_ / CATALOGUS
    if not pad.exists():
        return {}
    try:
        return tomllib.loads(pad.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        log.warning("De catalogus %s is ongeldig (%s); titels worden uit de bestandsnamen afgeleid. "
                    "Herstel de TOML-syntax.", pad, e)
        return {}


def bron_voor(pad: Path, catalogus: dict[str, dict]) -> Bron:
    """Bron met catalogusgegevens, of met een titel uit de bestandsnaam."""
    gegevens = catalogus.get(pad.name)
    if gegevens:
        titel = str(gegevens.get("titel") or pad.stem)
        return Bron(
            bestand=pad, id=str(gegevens.get("id") or _slug(pad.stem)), titel=titel,
            korte_titel=str(gegevens.get("korte_titel") or re.split(r"[.?]", titel)[0]),
            uitgever=str(gegevens.get("uitgever", "")), jaar=gegevens.get("jaar"), soort=str(gegevens.get("soort", "")),
        )
    titel = re.sub(r"[-_]+", " ", pad.stem).strip().capitalize()
    return Bron(bestand=pad, id=_slug(pad.stem), titel=titel, korte_titel=titel, in_catalogus=False)


def vind_bestanden(map_: Path) -> list[Path]:
    """Alle leesbare bronbestanden in de map, gesorteerd."""
    if not map_.is_dir():
        return []
    return sorted(p for p in map_.iterdir() if p.is_file() and p.suffix.lower() in EXTENSIES and not p.name.startswith("."))


# ---------- reading ----------


def lees_paginas(pad: Path) -> list[str]:
    """Ruwe paginateksten van een bestand; BronFout met reden als dat niet lukt."""
    if pad.stat().st_size == 0:
        raise BronFout(f"{pad.name}: leeg bestand (0 bytes)", "Vervang het door de echte publicatie of verwijder het.")
    suffix = pad.suffix.lower()
    if suffix == ".pdf":
        paginas = _lees_pdf(pad)
    else:
        try:
            tekst = pad.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as e:
            raise BronFout(
                f"{pad.name}: geen geldige UTF-8-tekst (byte {e.start})",
                "Sla het bestand op als UTF-8 (bijv. `iconv -f cp1252 -t utf-8`).",
            ) from None
        paginas = tekst.split("\f")
        if suffix == ".md":
            paginas = [_md_naar_tekst(p) for p in paginas]
    if not any(p.strip() for p in paginas):
        raise BronFout(f"{pad.name}: bevat geen tekst",
                       "Vervang het door een versie met tekst, of haal het uit de bronnenmap.")
    return paginas


def _lees_pdf(pad: Path) -> list[str]:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(pad))
        if reader.is_encrypted:
            try:
                if not reader.decrypt(""):
                    raise BronFout(f"{pad.name}: PDF is versleuteld met een wachtwoord",
                                   "Sla een onbeveiligde versie op en zet die in bronnen/.")
            except BronFout:
                raise
            except Exception:
                raise BronFout(f"{pad.name}: PDF is versleuteld en kan niet geopend worden",
                               "Sla een onbeveiligde versie op en zet die in bronnen/.") from None
        paginas = [(p.extract_text() or "") for p in reader.pages]
    except BronFout:
        raise
    except (PdfReadError, Exception) as e:  # pypdf raises many types on broken files
        raise BronFout(f"{pad.name}: PDF is beschadigd of onleesbaar ({type(e).__name__}: {e})",
                       "Download of exporteer de PDF opnieuw.") from None
    if not paginas:
        raise BronFout(f"{pad.name}: PDF heeft geen pagina's", "Download of exporteer de PDF opnieuw.")
    if not any(p.strip() for p in paginas):
        raise BronFout(f"{pad.name}: PDF bevat geen tekstlaag (alleen afbeeldingen?)",
                       "Maak de PDF doorzoekbaar met OCR (bijv. `ocrmypdf`) en zet hem opnieuw in bronnen/.")
    return paginas


def _md_naar_tekst(tekst: str) -> str:
    # Markdown headings become their own line without '#', so the heading detector sees them.
    regels = []
    for r in tekst.split("\n"):
        m = re.match(r"^#{1,6}\s+(.*)", r)
        regels.append(("\x01" + m.group(1).strip()) if m else r)
    return "\n".join(regels)


# ---------- cleaning ----------


def _genormaliseerd(regel: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", " ", regel.strip().lower()))


def kop_en_voetregels(paginas: list[list[str]], korte_titel: str = "") -> set[str]:
    """Regels aan de rand van pagina's die terugkeren (lopende kop/voet) of de titel herhalen."""
    rand: Counter[str] = Counter()
    for regels in paginas:
        niet_leeg = [r for r in regels if r.strip()]
        for r in set(niet_leeg[:2] + niet_leeg[-2:]):
            rand[_genormaliseerd(r)] += 1
    weg = {r for r, n in rand.items() if n >= 2 and len(paginas) >= 3 and len(r) < 120}
    titel = _genormaliseerd(korte_titel)
    if len(titel) >= 12:
        weg |= {r for r in rand if r.startswith(titel) and len(r) < len(titel) + 40}
    weg |= {r for r in rand if re.fullmatch(r"(pagina |p\. ?)?#( / #)?", r)}
    return weg


_KOPTEKEN = re.compile(r"[.,;:!?)]$")


def _regels(paginas: list[str], korte_titel: str) -> list[_Regel]:
    gesplitst = [taal.normaliseer(p).replace("\t", " ").split("\n") for p in paginas]
    weg = kop_en_voetregels(gesplitst, korte_titel)
    uit: list[_Regel] = []
    for nr, regels in enumerate(gesplitst, start=1):
        niet_leeg = [r for r in regels if r.strip()]
        rand = set(niet_leeg[:2] + niet_leeg[-2:])
        for r in regels:
            if not r.strip():
                continue
            if r in rand and _genormaliseerd(r) in weg:
                continue
            markdown_kop = r.startswith("\x01")
            tekst = re.sub(r"[ ]{2,}", " ", r.lstrip("\x01").strip())
            # Keep the trailing space: 'beleids- ' (space) is a weaker hyphenation signal than 'leefbaar-'.
            uit.append(_Regel(nr, tekst + (" " if r.endswith(" ") else ""), "mdkop" if markdown_kop else "tekst"))
    return uit


_BIJVOEGLIJK_LINKS = re.compile(r"(aal|eel|ief|isch|iek|lijk|air)$")
_BIJVOEGLIJK_RECHTS = re.compile(r"(lijke?|ische?|ele|eel|ieve?|ale|aal|aire?)$")


def _bijvoeglijk_paar(links: str, rechts: str) -> bool:
    """'sociaal-' + 'maatschappelijke': twee bijvoeglijke naamwoorden houden hun koppelteken."""
    return (len(links) >= 4 and len(rechts) >= 5 and bool(_BIJVOEGLIJK_LINKS.search(links.lower()))
            and bool(_BIJVOEGLIJK_RECHTS.search(rechts.lower())))


def _ontafbreken(regels: list[_Regel]) -> list[_Regel]:
    """Afbrekingen aan het regeleinde ongedaan maken; echte koppeltekens blijven."""
    woordenschat: set[str] = set()
    for r in regels:
        woordenschat.update(w.lower() for w in re.findall(r"\w+(?:-\w+)*", r.tekst))
    i = 0
    while i < len(regels) - 1:
        r, volgende = regels[i], regels[i + 1]
        m = re.search(r"(\w+)-\s?$", r.tekst)
        n = re.match(r"([a-zA-Zà-ÿÀ-Þ]\w*[^\s]*)\s*(.*)$", volgende.tekst)
        if m and n and not re.match(r"\s*[–•*-]\s", volgende.tekst):
            links, rechts = m.group(1), n.group(1)
            woord = re.match(r"\w+", rechts).group(0)
            if woord in {"en", "of", "tot", "als", "noch"}:
                i += 1
                continue  # 'energie- en duurzaamheidsspecialisten': a real hyphen
            samen = (links + woord).lower()
            met_streep = f"{links}-{woord}".lower()
            echt = (met_streep in woordenschat and samen not in woordenschat) or woord[:1].isupper() \
                or _bijvoeglijk_paar(links, woord)
            verbinding = "-" if echt else ""
            r.tekst = r.tekst[: m.start()] + links + verbinding + rechts
            r.afgebroken = True
            rest = n.group(2).strip()
            # Keep the trailing space information of the continuation for the sentence end heuristics.
            if rest:
                volgende.tekst = rest + " "
            else:
                r.tekst += " "
                del regels[i + 1]
                continue
        i += 1
    return regels


# ---------- structure ----------

_OPSOMMING = re.compile(r"^[–•*▪◦·-]\s+")
_GENUMMERD = re.compile(r"^(\d{1,2})[.)]\s+(\S.*)$")
_TABELRIJ = re.compile(r"^(.+?)\s+(\d{1,3}(?:\.\d{3})+|\d{1,7})\s*$")
_HOOFDSTUK = re.compile(r"^([A-Z][\w-]+):\s+\S")


def _is_kop(regels: list[_Regel], i: int) -> bool:
    r = regels[i].tekst.strip()
    if regels[i].soort == "mdkop":
        return True
    if regels[i].afgebroken:
        return False
    if not r or not r[0].isupper() or _KOPTEKEN.search(r) or len(r) > 80 or len(r.split()) > 10:
        return False
    if _OPSOMMING.match(r) or _GENUMMERD.match(r) or _TABELRIJ.match(r):
        return False
    vorige = regels[i - 1].tekst.strip() if i > 0 else ""
    if vorige and not re.search(r"[.!?:]['\")]?$|\d$", vorige) and regels[i - 1].soort not in {"kop", "hoofdstuk"}:
        if regels[i - 1].pagina == regels[i].pagina:
            return False
    volgende = regels[i + 1].tekst.strip() if i + 1 < len(regels) else ""
    return bool(volgende) and (volgende[0].isupper() or volgende[0].isdigit() or volgende[0] in "‘'\"")


def _blokken(regels: list[_Regel]) -> list[_Blok]:
    """Regels indelen in koppen, alinea's, opsommingen, aanbevelingen en tabelrijen."""
    lengtes = [len(r.tekst) for r in regels if len(r.tekst) > 20] or [60]
    blokken: list[_Blok] = []
    hoofdstuk = sectie = ""
    aanbeveling: int | None = None
    aanbeveling_titel = ""
    in_aanbevelingen = in_tabel = False
    i = 0

    def nieuw(soort: str, regel: _Regel, tekst: str | None = None) -> _Blok:
        b = _Blok(soort, [(regel.pagina, (tekst if tekst is not None else regel.tekst).strip())], sectie, hoofdstuk,
                  aanbeveling, aanbeveling_titel)
        blokken.append(b)
        return b

    while i < len(regels):
        r = regels[i]
        t = r.tekst.strip()
        genummerd = _GENUMMERD.match(t)
        if in_tabel:
            rij = _TABELRIJ.match(t)
            if rij and not _KOPTEKEN.search(rij.group(1)):
                nieuw("tabelrij", r)
                i += 1
                continue
            in_tabel = False
        if re.search(r"\bWijk\b.*\bGemeente\b", t) and len(t.split()) <= 8:
            in_tabel = True
            nieuw("tabelkop", r)
            i += 1
            continue
        if (in_aanbevelingen and genummerd and not re.search(r"[.:;]$", genummerd.group(2).strip())
                and len(genummerd.group(2).split()) <= 14 and 1 <= int(genummerd.group(1)) <= 20):
            aanbeveling = int(genummerd.group(1))
            titel = genummerd.group(2).strip()
            # A long title wraps: 'Schep de randvoorwaarden voor effectieve integrale' + 'samenwerking'.
            while i + 1 < len(regels) and re.match(r"^[a-zà-ÿ]", regels[i + 1].tekst) and len(regels[i + 1].tekst.split()) <= 4 \
                    and not _KOPTEKEN.search(regels[i + 1].tekst.strip()):
                i += 1
                titel += " " + regels[i].tekst.strip()
            aanbeveling_titel = re.sub(r"\s+", " ", titel)
            sectie = f"Aanbeveling {aanbeveling}: {aanbeveling_titel}"
            regels[i].soort = "kop"
            nieuw("aanbeveling", r, f"{aanbeveling}. {aanbeveling_titel}")
            i += 1
            continue
        if _is_kop(regels, i):
            r.soort = "kop"
            if _HOOFDSTUK.match(t) or r.soort == "mdkop":
                hoofdstuk = t
                in_aanbevelingen = bool(re.search(r"aanbeveling", t, re.I))
                aanbeveling, aanbeveling_titel = None, ""
            elif aanbeveling is not None:
                # A plain heading after the recommendations ends them.
                aanbeveling, aanbeveling_titel, in_aanbevelingen = None, "", False
            sectie = t
            nieuw("hoofdstuk" if _HOOFDSTUK.match(t) else "kop", r)
            i += 1
            continue
        if _OPSOMMING.match(t):
            blok = nieuw("opsomming", r, _OPSOMMING.sub("– ", t))
            i += 1
            while i < len(regels) and re.match(r"^[a-zà-ÿ(]", regels[i].tekst.strip()):
                blok.stukken.append((regels[i].pagina, regels[i].tekst.strip()))
                i += 1
            continue
        # Paragraph (or numbered item): join wrapped lines until a paragraph end.
        blok = nieuw("genummerd" if genummerd else "alinea", r)
        i += 1
        while i < len(regels):
            vorige = regels[i - 1].tekst
            volgende = regels[i].tekst.strip()
            lokaal = statistics.median(lengtes[max(0, i - 8) : i + 8] or lengtes)
            einde_zin = bool(re.search(r"[.!?:]['\")]?\s*$", vorige))
            # A colon ends the paragraph only when a list or a new sentence follows ('aanpak:' + 'de energie-…'
            # is one sentence wrapped after the colon).
            if vorige.rstrip().endswith(":") and not re.match(r"^[a-zà-ÿ]", volgende):
                break
            if einde_zin and not vorige.rstrip().endswith(":") and len(vorige.strip()) < 0.72 * lokaal:
                break
            if einde_zin and regels[i].pagina != regels[i - 1].pagina:
                break  # a finished sentence at the foot of a page: the next page starts a new paragraph
            if _OPSOMMING.match(volgende) or _GENUMMERD.match(volgende) or _is_kop(regels, i):
                break
            if re.search(r"\bWijk\b.*\bGemeente\b", volgende):
                break
            blok.stukken.append((regels[i].pagina, volgende))
            i += 1
    return blokken


def _paginateksten(blokken: list[_Blok], aantal: int) -> list[str]:
    """Opgeschoonde paginatekst: één regel per blok; zet ook de posities van de stukken."""
    buffers: list[list[str]] = [[] for _ in range(aantal)]
    lengtes = [0] * aantal
    for blok in blokken:
        vorige_pagina = None
        for pagina, tekst in blok.stukken:
            idx = pagina - 1
            scheiding = " " if pagina == vorige_pagina else ("\n" if buffers[idx] else "")
            begin = lengtes[idx] + len(scheiding)
            buffers[idx].append(scheiding + tekst)
            lengtes[idx] = begin + len(tekst)
            if pagina == vorige_pagina:
                p, b, _ = blok.posities[-1]
                blok.posities[-1] = (p, b, lengtes[idx])
            else:
                blok.posities.append((pagina, begin, lengtes[idx]))
            vorige_pagina = pagina
        # One piece per page, aligned with the positions, so long paragraphs can be split per page.
        samengevoegd: list[tuple[int, str]] = []
        for pagina, tekst in blok.stukken:
            if samengevoegd and samengevoegd[-1][0] == pagina:
                samengevoegd[-1] = (pagina, samengevoegd[-1][1] + " " + tekst)
            else:
                samengevoegd.append((pagina, tekst))
        blok.stukken = samengevoegd
    return ["".join(b) for b in buffers]


# ---------- chunking ----------


def _aantal_woorden(tekst: str) -> int:
    return len(tekst.split())


def _splits_lange_alinea(blok: _Blok) -> list[_Blok]:
    """Een alinea van meer dan MAX_WOORDEN woorden in stukken op zinsgrenzen."""
    if _aantal_woorden(blok.tekst) <= MAX_WOORDEN:
        return [blok]
    delen: list[_Blok] = []
    huidig: list[tuple[int, str]] = []
    posities: list[tuple[int, int, int]] = []
    woorden_huidig = 0
    for (pagina, stuk), (p, begin, _eind) in zip(blok.stukken, blok.posities):
        for zb, ze in taal.zinnen(stuk):
            zin = stuk[zb:ze]
            n = _aantal_woorden(zin)
            if huidig and woorden_huidig + n > DOEL_WOORDEN + 20:
                delen.append(_Blok(blok.soort, huidig, blok.sectie, blok.hoofdstuk, blok.aanbeveling,
                                   blok.aanbeveling_titel, posities))
                huidig, posities, woorden_huidig = [], [], 0
            if huidig and huidig[-1][0] == pagina:
                huidig[-1] = (pagina, huidig[-1][1] + " " + zin)
                posities[-1] = (p, posities[-1][1], begin + ze)
            else:
                huidig.append((pagina, zin))
                posities.append((p, begin + zb, begin + ze))
            woorden_huidig += n
    if huidig:
        delen.append(_Blok(blok.soort, huidig, blok.sectie, blok.hoofdstuk, blok.aanbeveling, blok.aanbeveling_titel,
                           posities))
    # A short tail joins its predecessor so no chunk is a lone sentence.
    if len(delen) > 1 and _aantal_woorden(delen[-1].tekst) < MIN_WOORDEN // 2:
        laatste = delen.pop()
        delen[-1].stukken += laatste.stukken
        delen[-1].posities += laatste.posities
    return delen


def _groepen(blokken: list[_Blok]) -> list[list[_Blok]]:
    """Blokken per sectie samenvoegen tot fragmenten van ongeveer DOEL_WOORDEN woorden."""
    groepen: list[list[_Blok]] = []
    huidig: list[_Blok] = []
    sleutel = None

    def sluit() -> None:
        nonlocal huidig
        if huidig:
            groepen.append(huidig)
        huidig = []

    for blok in blokken:
        if blok.soort in {"kop", "hoofdstuk", "tabelkop", "tabelrij", "aanbeveling"}:
            continue
        nieuwe_sleutel = (blok.sectie, blok.aanbeveling)
        if nieuwe_sleutel != sleutel:
            sluit()
            sleutel = nieuwe_sleutel
        for deel in _splits_lange_alinea(blok):
            n = _aantal_woorden(deel.tekst)
            totaal = sum(_aantal_woorden(b.tekst) for b in huidig)
            lijst = deel.soort in {"opsomming", "genummerd"}
            # Recommendations stay whole; lists stay with their intro; otherwise close near the target size.
            grens = MAX_WOORDEN if (deel.aanbeveling is not None or lijst) else DOEL_WOORDEN
            if huidig and totaal + n > grens and totaal >= MIN_WOORDEN:
                sluit()
            huidig.append(deel)
    sluit()
    # Merge a too small group into its predecessor in the same section.
    samengevoegd: list[list[_Blok]] = []
    for g in groepen:
        n = sum(_aantal_woorden(b.tekst) for b in g)
        if (samengevoegd and n < MIN_WOORDEN // 2 + 10 and samengevoegd[-1][0].sectie == g[0].sectie
                and samengevoegd[-1][0].aanbeveling == g[0].aanbeveling
                and sum(_aantal_woorden(b.tekst) for b in samengevoegd[-1]) + n <= MAX_WOORDEN + 40):
            samengevoegd[-1].extend(g)
        else:
            samengevoegd.append(g)
    return samengevoegd


def _basis_metadata(bron: Bron) -> dict:
    return {
        "document": bron.id, "titel": bron.titel, "korte_titel": bron.korte_titel or bron.titel,
        "bestand": bron.naam, "bestand_hash": bron.hash, "jaar": bron.jaar or 0, "soort_bron": bron.soort,
    }


def _node(bron: Bron, volgnr: int, tekst: str, posities: list[tuple[int, int, int]], soort: str, sectie: str,
          hoofdstuk: str, aanbeveling: int | None, extra: dict | None = None) -> TextNode:
    eerste, laatste = posities[0], posities[-1]
    metadata = _basis_metadata(bron) | {
        "pagina": eerste[0], "pagina_eind": laatste[0], "begin": eerste[1], "eind": laatste[2],
        "sectie": sectie, "hoofdstuk": hoofdstuk, "aanbeveling": aanbeveling or 0, "soort": soort, "volgnr": volgnr,
    }
    metadata |= extra or {}
    node = TextNode(id_=f"{bron.id}:{bron.hash[:12]}:{volgnr:04d}", text=tekst, metadata=metadata)
    # Only the section travels into the embedding text; the rest is bookkeeping.
    node.excluded_embed_metadata_keys = [k for k in metadata if k not in {"sectie"}]
    node.excluded_llm_metadata_keys = list(metadata)
    return node


_PLAATS_VOORZETSELS = {"den", "de", "het", "'s", "sint", "aan", "op", "bij"}


def splits_tabelrij(tekst: str) -> tuple[str, str, str] | None:
    """'Nieuwborgen Oldambt en Delfzijl 2.825' → (wijk, gemeente, inwoners)."""
    m = _TABELRIJ.match(tekst.strip())
    if not m:
        return None
    delen, inwoners = m.group(1).split(), m.group(2)
    if len(delen) < 2:
        return None
    k = len(delen) - 1
    # Municipality = last word, extended over 'Den Haag' and 'Oldambt en Delfzijl'.
    if k - 1 >= 1 and delen[k - 1].lower() in _PLAATS_VOORZETSELS:
        k -= 1
    if k - 2 >= 1 and delen[k - 1] == "en" and delen[k - 2][:1].isupper() and not delen[k - 2].endswith("-"):
        k -= 2
    return " ".join(delen[:k]), " ".join(delen[k:]), inwoners


def fragmenten_uit(bron: Bron, ruwe_paginas: list[str]) -> tuple[list[str], list[TextNode]]:
    """Opgeschoonde paginateksten en fragmenten (nodes) met metadata."""
    regels = _ontafbreken(_regels(ruwe_paginas, bron.korte_titel or bron.titel))
    blokken = _blokken(regels)
    paginas = _paginateksten(blokken, len(ruwe_paginas))
    nodes: list[TextNode] = []

    for groep in _groepen(blokken):
        tekst = "\n".join(b.tekst for b in groep)
        posities = [p for b in groep for p in b.posities]
        eerste = groep[0]
        soort = "aanbeveling" if eerste.aanbeveling is not None else "tekst"
        extra = {"aanbeveling_titel": eerste.aanbeveling_titel} if eerste.aanbeveling is not None else {}
        if eerste.aanbeveling is not None:
            # The recommendation's own heading belongs to its passage: it carries the title.
            kop = next(b for b in blokken if b.soort == "aanbeveling" and b.aanbeveling == eerste.aanbeveling)
            tekst = kop.tekst + "\n" + tekst
            posities = kop.posities + posities
        nodes.append(_node(bron, len(nodes), tekst, posities, soort, eerste.sectie, eerste.hoofdstuk,
                           eerste.aanbeveling, extra))

    # Tables: the whole table as one passage, and each row as its own citable record.
    tabelkop: _Blok | None = None
    rijen: list[_Blok] = []

    def sluit_tabel() -> None:
        if tabelkop is None or not rijen:
            return
        tabel_tekst = "\n".join([tabelkop.tekst] + [r.tekst for r in rijen])
        naam = tabelkop.sectie or "Tabel"
        nodes.append(_node(bron, len(nodes), tabel_tekst, tabelkop.posities + [p for r in rijen for p in r.posities],
                           "tabel", naam, tabelkop.hoofdstuk, None))
        for rij in rijen:
            delen = splits_tabelrij(rij.tekst)
            if not delen:
                continue
            wijk, gemeente, inwoners = delen
            # The passage is the source's own header and row; the search text also reads as a sentence.
            nodes.append(_node(bron, len(nodes), f"{tabelkop.tekst}\n{rij.tekst}", rij.posities, "tabelrij", naam,
                               tabelkop.hoofdstuk, None, {
                                   "wijk": wijk, "gemeente": gemeente, "inwoners": int(inwoners.replace(".", "")),
                                   "zoektekst": f"De wijk {wijk} in de gemeente {gemeente} heeft {inwoners} inwoners.",
                               }))

    for blok in blokken:
        if blok.soort == "tabelkop":
            sluit_tabel()
            tabelkop, rijen = blok, []
        elif blok.soort == "tabelrij" and tabelkop is not None:
            rijen.append(blok)
    sluit_tabel()
    return paginas, nodes


def lees_bron(bron: Bron) -> GelezenBron:
    """Een bron inlezen en in fragmenten knippen; BronFout als het bestand onbruikbaar is."""
    ruw = lees_paginas(bron.bestand)
    paginas, nodes = fragmenten_uit(bron, ruw)
    if not nodes:
        raise BronFout(f"{bron.naam}: geen bruikbare tekst gevonden (alleen koppen of losse regels)",
                       "Controleer of de tekst leesbaar is (bijv. met `pdftotext`); haal het anders uit de bronnenmap.")
    return GelezenBron(bron, paginas, nodes)
