"""Hybride zoeken: BM25 met Nederlandse stammen plus dichte e5-vectoren, samengevoegd met RRF."""

import logging
import math
import threading
from collections import Counter
from dataclasses import dataclass

import bm25s
import numpy as np
from llama_index.core.schema import TextNode
from llama_index.core.vector_stores.types import FilterOperator, MetadataFilter, MetadataFilters

from assistent import taal
from assistent.index import Index, zoektekst

log = logging.getLogger(__name__)
logging.getLogger("bm25s").setLevel(logging.WARNING)  # bm25s sets its own logger to DEBUG on import

RRF_K = 60
KANDIDATEN = 40

# Off-topic probes calibrate the dense score: e5 cosines are bunched (~0.75 for unrelated text).
_NEGATIEVE_PROEVEN = (
    "Wie won het WK voetbal in 2010?", "Wat is een goed recept voor appeltaart?",
    "Hoe laat vertrekt de trein naar Parijs?", "Wat kost een nieuwe auto?",
    "Hoe vaak moet ik mijn kat voeren?", "What is the capital of Australia?",
    "Hoe installeer ik een printer onder Windows?", "Welke band speelt op Pinkpop?",
)


@dataclass
class Treffer:
    """Een gevonden fragment met zijn scores."""

    node: TextNode
    score: float
    dicht: float = 0.0
    bm25: float = 0.0
    rang_dicht: int | None = None
    rang_bm25: int | None = None

    @property
    def metadata(self) -> dict:
        return self.node.metadata


@dataclass
class Zoekresultaat:
    """Treffers plus het relevantiesignaal voor weigeren."""

    vraag: str
    treffers: list[Treffer]
    relevantie: float
    dekking: float
    dicht_genormaliseerd: float
    ontbrekende_namen: list[str]


class Zoeker:
    """Zoekt in een consistente momentopname van de index; herlaadt als de index verandert."""

    def __init__(self, index: Index, fusie: str = "convex", gewicht_bm25: float = 0.5):
        self.index = index
        self.fusie = fusie
        self.gewicht_bm25 = gewicht_bm25
        self._slot = threading.Lock()
        self._generatie: int | None = None
        self.nodes: list[TextNode] = []
        self.per_id: dict[str, TextNode] = {}
        self._bm25: bm25s.BM25 | None = None
        self._stammen: list[set[str]] = []
        self._df: Counter[str] = Counter()
        self._woordenschat: set[str] = set()
        self._neg = 0.78
        self._pos = 0.88

    # ----- snapshot -----

    def ververs(self, forceer: bool = False) -> None:
        """Momentopname (fragmenten, BM25, kalibratie) herladen als de index veranderd is."""
        try:
            generatie = self.index.generatie()
        except Exception:  # the collection is being rebuilt right now: keep serving the old snapshot
            generatie = -1
        if self.nodes and generatie == -1 and not forceer:
            return
        if not forceer and generatie == self._generatie:
            return
        with self._slot:
            if not forceer and generatie == self._generatie:
                return
            nodes = self.index.alle_nodes()
            stammen = [set(taal.tokens_voor_bm25(zoektekst(n))) for n in nodes]
            bm25 = None
            if nodes:
                bm25 = bm25s.BM25(k1=1.2, b=0.75)
                bm25.index([taal.tokens_voor_bm25(zoektekst(n)) or ["_"] for n in nodes], show_progress=False)
            df: Counter[str] = Counter()
            for s in stammen:
                df.update(s)
            woordenschat = {w for n in nodes for w in taal.woorden(zoektekst(n))}
            # Swap everything at once: a query sees the old or the new snapshot, never a mix.
            self.nodes, self.per_id, self._bm25 = nodes, {n.node_id: n for n in nodes}, bm25
            self._stammen, self._df, self._woordenschat = stammen, df, woordenschat
            self._kalibreer()
            self._generatie = generatie

    def _kalibreer(self) -> None:
        if not self.nodes:
            return
        neg = [self._beste_cosinus(v) for v in self._embed_vragen(_NEGATIEVE_PROEVEN)]
        # Positive probes: the first sentence of a spread of passages, asked as a query.
        stappen = max(1, len(self.nodes) // 12)
        zinnen = []
        for n in self.nodes[::stappen][:12]:
            grenzen = taal.zinnen(n.text)
            if grenzen:
                b, e = max(grenzen, key=lambda z: z[1] - z[0])
                zinnen.append(n.text[b:e])
        pos = [self._beste_cosinus(v) for v in self._embed_vragen(zinnen)]
        if neg and pos:
            self._neg, self._pos = float(np.mean(neg)), float(np.mean(pos))
            if self._pos - self._neg < 0.02:
                self._pos = self._neg + 0.02
        log.debug("kalibratie dicht: negatief %.3f positief %.3f", self._neg, self._pos)

    def _embed_vragen(self, vragen) -> list[list[float]]:
        return [self.index.embedder.get_query_embedding(v) for v in vragen]

    def _beste_cosinus(self, vector: list[float]) -> float:
        r = self.index.zoek_dicht(vector, 1)
        return r[0][1] if r else 0.0

    # ----- search -----

    @staticmethod
    def _filters(bron: str | None, aanbeveling: int | None) -> MetadataFilters | None:
        f = []
        if bron:
            f.append(MetadataFilter(key="document", value=bron, operator=FilterOperator.EQ))
        if aanbeveling:
            f.append(MetadataFilter(key="aanbeveling", value=int(aanbeveling), operator=FilterOperator.EQ))
        return MetadataFilters(filters=f) if f else None

    @staticmethod
    def _past(node: TextNode, bron: str | None, aanbeveling: int | None) -> bool:
        m = node.metadata
        return (not bron or m.get("document") == bron) and (not aanbeveling or m.get("aanbeveling") == int(aanbeveling))

    def zoek(self, vraag: str, k: int = 6, bron: str | None = None, aanbeveling: int | None = None) -> Zoekresultaat:
        """De k beste fragmenten voor een vraag, met relevantiesignaal."""
        self.ververs()
        nodes, per_id, bm25 = self.nodes, self.per_id, self._bm25
        if not nodes:
            return Zoekresultaat(vraag, [], 0.0, 0.0, 0.0, [])
        vector = self.index.embedder.get_query_embedding(vraag)
        try:
            dicht = [(i, s) for i, s in self.index.zoek_dicht(vector, KANDIDATEN, self._filters(bron, aanbeveling))
                     if i in per_id]  # ids from a newer index than our snapshot are skipped
        except Exception as e:  # collection swapped out by a rebuild: answer from the snapshot (BM25) alone
            log.warning("Dicht zoeken tijdelijk niet mogelijk (%s); alleen BM25.", e)
            dicht = []
        # English questions search the Dutch sources with Dutch terms; e5 handles the English itself.
        lexicale_vraag = taal.naar_nederlands(vraag) if taal.taal_van(vraag) == "en" else vraag
        tokens = taal.tokens_voor_bm25(lexicale_vraag)
        # Compounds the sources do not use ('personeelsverloop') also search for their known parts ('verloop').
        tokens += [d for t in tokens for d in taal.ontleed(t, self._df)]
        lexicaal: list[tuple[int, float]] = []
        if tokens and bm25 is not None:
            n = min(len(nodes), KANDIDATEN * 3)
            docs, scores = bm25.retrieve([tokens], k=n, show_progress=False, n_threads=1)
            lexicaal = [(int(d), float(s)) for d, s in zip(docs[0], scores[0])
                        if s > 0 and self._past(nodes[int(d)], bron, aanbeveling)][:KANDIDATEN]

        samen: dict[str, Treffer] = {}
        for rang, (nid, s) in enumerate(dicht):
            t = samen.setdefault(nid, Treffer(per_id[nid], 0.0))
            t.dicht, t.rang_dicht = s, rang
        for rang, (idx, s) in enumerate(lexicaal):
            node = nodes[idx]
            t = samen.setdefault(node.node_id, Treffer(node, 0.0))
            t.bm25, t.rang_bm25 = s, rang
        self._fuseer(list(samen.values()))
        treffers = sorted(samen.values(), key=lambda t: -t.score)[:k]
        return self._met_relevantie(lexicale_vraag, treffers, vector, engels=lexicale_vraag is not vraag)

    def _fuseer(self, treffers: list[Treffer]) -> None:
        """Scores samenvoegen: RRF, of een gewogen som van genormaliseerde scores (gemeten: zie README)."""
        if self.fusie == "rrf":
            for t in treffers:
                t.score = sum(1.0 / (RRF_K + r + 1) for r in (t.rang_dicht, t.rang_bm25) if r is not None)
            return
        # Convex: BM25 relative to the best hit, dense relative to the calibrated off-topic level.
        hoogste_bm25 = max((t.bm25 for t in treffers), default=0.0) or 1.0
        for t in treffers:
            dicht = max(0.0, (t.dicht - self._neg) / max(1e-6, self._pos - self._neg)) if t.dicht else 0.0
            t.score = self.gewicht_bm25 * (t.bm25 / hoogste_bm25) + (1 - self.gewicht_bm25) * min(dicht, 1.5)

    # ----- relevance -----

    def idf(self, stam: str) -> float:
        """Inverse documentfrequentie van een stam in de momentopname (onbekend = zeldzaamst)."""
        n = len(self.nodes)
        return math.log(1 + (n + 1) / (self._df.get(stam, 0) + 0.5))

    def in_corpus(self, woord: str) -> bool:
        """Of het woord (ook als deel van een langer woord) in de bronnen voorkomt."""
        return woord in self._woordenschat or any(
            len(woord) >= 5 and woord in w for w in self._woordenschat if len(w) > len(woord))

    def _met_relevantie(self, vraag: str, treffers: list[Treffer], vector, engels: bool = False) -> Zoekresultaat:
        vraag_stammen = set(taal.stammen(vraag))
        top = set().union(*(set(taal.stammen(zoektekst(t.node))) for t in treffers[:3])) if treffers else set()
        gewicht = totaal = 0.0
        for s in vraag_stammen:
            w = self.idf(s)
            totaal += w
            if taal.dekt(s, top) or any(d in top for d in taal.ontleed(s, self._df)):
                gewicht += w
        dekking = gewicht / totaal if totaal else 0.0
        beste = max((t.dicht for t in treffers), default=0.0)
        dicht_norm = min(1.0, max(0.0, (beste - self._neg) / (self._pos - self._neg)))
        # Named things the corpus never mentions ('Lombok', 'Vinex') mean the sources cannot answer.
        namen = [n for n in taal.eigennamen(vraag) if not self.in_corpus(n)]
        # e5 scores English questions against Dutch text lower; there the translated terms weigh more.
        relevantie = (0.75 * dekking + 0.25 * dicht_norm) if engels else (0.55 * dekking + 0.45 * dicht_norm)
        if namen:
            relevantie *= 0.3
        return Zoekresultaat(vraag, treffers, round(relevantie, 4), round(dekking, 4), round(dicht_norm, 4), namen)

    def onbekende_woorden(self, tekst: str) -> list[str]:
        """Inhoudswoorden uit de tekst die nergens in de bronnen voorkomen."""
        return [w for w in taal.inhoudswoorden(tekst) if not w.isdigit() and not self.in_corpus(w)]

