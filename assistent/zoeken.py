"""Hybride zoeken: BM25 over fragmenten plus e5-vectoren per bewijszin, in een consistente momentopname."""

import logging
import math
import threading
from collections import Counter
from dataclasses import dataclass, field

import bm25s
import numpy as np
from llama_index.core.schema import TextNode
from llama_index.core.vector_stores.types import FilterOperator, MetadataFilter, MetadataFilters

from assistent import taal
from assistent.index import Index, bewijszinnen, vertaalwoorden, zin_id, zoektekst
from assistent.vraag import Namen

log = logging.getLogger(__name__)
logging.getLogger("bm25s").setLevel(logging.WARNING)  # bm25s sets its own logger to DEBUG on import

RRF_K = 60
KANDIDATEN = 40
ZIN_KANDIDATEN = 80
VERTAAL_DREMPEL = 0.89  # cosine of an English word with its nearest source word to count as its translation (dev)
NADRUK_VRAAGZIN = 0.3  # weight of the question sentence after a sketched situation (measured on dev: README)


@dataclass
class Kalibratie:
    """Niveaus van de zin-cosinus in dit corpus: willekeurige zin (ongerelateerd) en de zin zelf (raak)."""

    ongerelateerd: float = 0.78
    raak: float = 0.92

    def normaliseer(self, cosinus: float) -> float:
        """Cosinus op een schaal waar 0 = ongerelateerd en 1 = de zin zelf."""
        return (cosinus - self.ongerelateerd) / max(1e-6, self.raak - self.ongerelateerd)


@dataclass
class Corpus:
    """Momentopname van de index: fragmenten, zinnen, woordenschat, records; onveranderlijk na het laden."""

    generatie: int | None = None
    nodes: list[TextNode] = field(default_factory=list)
    per_id: dict[str, TextNode] = field(default_factory=dict)
    zinnen_van: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    bm25: bm25s.BM25 | None = None
    df: Counter = field(default_factory=Counter)
    woordenschat: set[str] = field(default_factory=set)
    kalibratie: Kalibratie = field(default_factory=Kalibratie)
    woorden: list[str] = field(default_factory=list)  # the rows of woordmatrix
    woordmatrix: np.ndarray | None = None  # a normalised vector per source word, to translate English questions
    _namen: Namen | None = None

    def namen(self) -> Namen:
        """Register van namen, aanbevelingen en secties in deze momentopname (eenmaal opgebouwd)."""
        if self._namen is None:
            # A name part that occurs in many passages ('nieuw') is too common to stand for one name.
            self._namen = Namen.uit(self.nodes, lambda w: self.df.get(taal.stam(w), 0) > 2)
        return self._namen

    def idf(self, stam: str) -> float:
        """Inverse documentfrequentie van een stam (onbekend = zeldzaamst)."""
        return math.log(1 + (len(self.nodes) + 1) / (self.df.get(stam, 0) + 0.5))

    def in_corpus(self, woord: str) -> bool:
        """Of het woord (ook als deel van een langer woord) in de bronnen voorkomt."""
        woord = woord.lower()
        return woord in self.woordenschat or (len(woord) >= 5 and any(
            woord in w for w in self.woordenschat if len(w) > len(woord)))

    def van_soort(self, soort: str) -> list[TextNode]:
        """Fragmenten van één soort (tekst, aanbeveling, tabel, tabelrij), in documentvolgorde."""
        return [n for n in self.nodes if n.metadata.get("soort") == soort]

    def volgende(self, node: TextNode) -> TextNode | None:
        """Het fragment na dit fragment in hetzelfde document, of None."""
        m = node.metadata
        return next((n for n in self.nodes if n.metadata.get("document") == m.get("document")
                     and n.metadata.get("volgnr") == m.get("volgnr", 0) + 1), None)

    def zinnen(self, node: TextNode) -> list[str]:
        """De bewijszinnen van een fragment als tekst."""
        return [node.text[b:e] for b, e in self.zinnen_van.get(node.node_id, [])]


@dataclass
class Treffer:
    """Een gevonden fragment met zijn scores; `zinscores` is de cosinus van de vraag met elke bewijszin."""

    node: TextNode
    score: float
    dicht: float = 0.0
    bm25: float = 0.0
    rang_dicht: int | None = None
    rang_bm25: int | None = None
    zinscores: list[float] = field(default_factory=list)

    @property
    def metadata(self) -> dict:
        return self.node.metadata


@dataclass
class Zoekresultaat:
    """Treffers plus de momentopname waaruit ze komen."""

    vraag: str
    treffers: list[Treffer]
    corpus: Corpus
    bron: str | None = None
    aanbeveling: int | None = None

    def toegestaan(self, node: TextNode) -> bool:
        """Of een fragment binnen de filters van deze zoekvraag valt (ook voor antwoorden uit records)."""
        return Zoeker._past(node, self.bron, self.aanbeveling)


class Betekenis:
    """Betekenisgelijkenis van een bewering met de bewijszinnen van passages (voor de steuncontrole)."""

    def __init__(self, index: Index, corpus: Corpus):
        self.index, self.corpus = index, corpus

    def __call__(self, zin: str, nodes: list[TextNode]) -> tuple[list[list[str]], list[float]]:
        """(bewijszinnen per passage, genormaliseerde gelijkenis per zin in die volgorde)."""
        q = np.asarray(self.index.embedder.get_query_embedding(zin), dtype=np.float32)
        ids = [zin_id(n.node_id, j) for n in nodes for j in range(len(self.corpus.zinnen_van.get(n.node_id, [])))]
        vect = self.index.zin_vectoren(ids)
        kal = self.corpus.kalibratie
        return ([self.corpus.zinnen(n) for n in nodes],
                [kal.normaliseer(float(np.dot(q, vect[i]))) if i in vect else -9.0 for i in ids])


class Zoeker:
    """Zoekt in een consistente momentopname van de index; herlaadt als de index verandert."""

    def __init__(self, index: Index, fusie: str = "convex", gewicht_bm25: float = 0.4):
        self.index = index
        self.fusie = fusie
        self.gewicht_bm25 = gewicht_bm25
        self._slot = threading.Lock()
        self.corpus = Corpus()

    @property
    def nodes(self) -> list[TextNode]:
        return self.corpus.nodes

    # ----- snapshot -----

    def ververs(self, forceer: bool = False) -> None:
        """Momentopname (fragmenten, zinnen, BM25, kalibratie) herladen als de index veranderd is."""
        try:
            generatie = self.index.generatie()
        except Exception:  # the collection is being rebuilt right now: keep serving the old snapshot
            generatie = -1
        if self.corpus.nodes and generatie == -1 and not forceer:
            return
        if not forceer and generatie == self.corpus.generatie:
            return
        with self._slot:
            if not forceer and generatie == self.corpus.generatie:
                return
            nodes = self.index.alle_nodes()
            tokens = [taal.tokens_voor_bm25(zoektekst(n)) for n in nodes]
            bm25 = None
            if nodes:
                bm25 = bm25s.BM25(k1=1.2, b=0.75)
                bm25.index([t or ["_"] for t in tokens], show_progress=False)
            df: Counter[str] = Counter()
            for t in tokens:
                df.update(set(t))
            corpus = Corpus(
                generatie=generatie, nodes=nodes, per_id={n.node_id: n for n in nodes},
                zinnen_van={n.node_id: bewijszinnen(n) for n in nodes}, bm25=bm25, df=df,
                woordenschat={w for n in nodes for w in taal.woorden(zoektekst(n))})
            corpus.kalibratie = self._kalibreer(corpus)
            try:
                corpus.woorden, corpus.woordmatrix = self.index.woordvectoren(vertaalwoorden(nodes))
            except Exception as e:  # without word vectors English questions are answered on meaning alone
                log.warning("Woordvectoren niet te lezen (%s).", e)
            # Swap everything at once: a query sees the old or the new snapshot, never a mix.
            self.corpus = corpus

    def _kalibreer(self, corpus: Corpus) -> Kalibratie:
        """Cosinusniveaus uit het corpus zelf: zinnen als vraag tegen zichzelf en tegen willekeurige andere zinnen."""
        alle = [(n.node_id, j, n.text[b:e]) for n in corpus.nodes if n.metadata.get("soort") == "tekst"
                for j, (b, e) in enumerate(corpus.zinnen_van[n.node_id])]
        lang = [z for z in alle if len(z[2].split()) >= 10]
        if len(lang) < 4:
            return Kalibratie()
        stap = max(1, len(lang) // 12)
        proef = lang[::stap][:12]
        rnd = np.random.default_rng(0)
        anders = [alle[int(i)] for i in rnd.integers(0, len(alle), min(200, len(alle)))]
        vect = self.index.zin_vectoren([zin_id(i, j) for i, j, _ in proef + anders])
        if len(vect) < len(proef):
            return Kalibratie()
        q = np.array([self.index.embedder.get_query_embedding(t) for _, _, t in proef], dtype=np.float32)
        eigen = np.array([vect[zin_id(i, j)] for i, j, _ in proef], dtype=np.float32)
        rest = np.array([vect[zin_id(i, j)] for i, j, _ in anders if zin_id(i, j) in vect], dtype=np.float32)
        raak = float(np.mean(np.sum(q * eigen, axis=1)))
        # The best unrelated match of a query is the top of many random ones, not their mean.
        ongerelateerd = float(np.mean(np.percentile(q @ rest.T, 95, axis=1)))
        if raak - ongerelateerd < 0.02:
            raak = ongerelateerd + 0.02
        log.debug("kalibratie zinnen: ongerelateerd %.3f raak %.3f", ongerelateerd, raak)
        return Kalibratie(ongerelateerd, raak)

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
    def _waar(bron: str | None, aanbeveling: int | None) -> dict | None:
        delen = ([{"document": bron}] if bron else []) + ([{"aanbeveling": int(aanbeveling)}] if aanbeveling else [])
        return None if not delen else delen[0] if len(delen) == 1 else {"$and": delen}

    @staticmethod
    def _past(node: TextNode, bron: str | None, aanbeveling: int | None) -> bool:
        m = node.metadata
        return (not bron or m.get("document") == bron) and (not aanbeveling or m.get("aanbeveling") == int(aanbeveling))

    def zoek(self, vraag: str, k: int = 6, bron: str | None = None, aanbeveling: int | None = None,
             taalcode: str | None = None, nadruk: str | None = None) -> Zoekresultaat:
        """De k beste fragmenten voor een vraag, met per fragment de gelijkenis van elke bewijszin.

        `nadruk`: de eigenlijke vraagzin na een geschetste situatie; die telt in de vraagvector extra mee.
        """
        self.ververs()
        corpus = self.corpus
        nodes, per_id = corpus.nodes, corpus.per_id
        if not nodes:
            return Zoekresultaat(vraag, [], corpus, bron, aanbeveling)
        taalcode = taalcode or taal.taal_van(vraag)
        # 'volgens de publicatie' pulls the vector towards sentences about publications, not towards the subject.
        vector = self.index.embedder.get_query_embedding(taal.zonder_bronzinsdeel(vraag))
        if nadruk and nadruk != vraag:
            # A long situation drowns out what is asked; the question sentence pulls the vector back to it.
            v = (1 - NADRUK_VRAAGZIN) * np.asarray(vector) + NADRUK_VRAAGZIN * np.asarray(
                self.index.embedder.get_query_embedding(taal.zonder_bronzinsdeel(nadruk)))
            vector = (v / np.linalg.norm(v)).tolist()
        samen: dict[str, Treffer] = {}
        try:
            dicht = self.index.zoek_dicht(vector, KANDIDATEN, self._filters(bron, aanbeveling))
            zin_treffers = self.index.zoek_zinnen(vector, ZIN_KANDIDATEN, self._waar(bron, aanbeveling))
        except Exception as e:  # collection swapped out by a rebuild: answer from the snapshot (BM25) alone
            log.warning("Dicht zoeken tijdelijk niet mogelijk (%s); alleen BM25.", e)
            dicht, zin_treffers = [], []
        for rang, (nid, s) in enumerate(dicht):
            if nid in per_id:  # ids from a newer index than our snapshot are skipped
                samen.setdefault(nid, Treffer(per_id[nid], 0.0)).rang_dicht = rang
        for zid, _s in zin_treffers:
            nid = zid.rsplit("|", 1)[0]
            if nid in per_id:
                samen.setdefault(nid, Treffer(per_id[nid], 0.0))
        tokens = taal.zonder_bronverwijzing(taal.tokens_voor_bm25(vraag))
        # Compounds the sources do not use ('personeelsverloop') also search for their known parts ('verloop').
        tokens += [d for t in tokens for d in taal.ontleed(t, corpus.df)]
        if tokens and corpus.bm25 is not None:
            n = min(len(nodes), KANDIDATEN * 3)
            docs, scores = corpus.bm25.retrieve([tokens], k=n, show_progress=False, n_threads=1)
            lexicaal = [(int(d), float(s)) for d, s in zip(docs[0], scores[0])
                        if s > 0 and self._past(nodes[int(d)], bron, aanbeveling)][:KANDIDATEN]
            for rang, (idx, s) in enumerate(lexicaal):
                t = samen.setdefault(nodes[idx].node_id, Treffer(nodes[idx], 0.0))
                t.bm25, t.rang_bm25 = s, rang
        self._zinscores(list(samen.values()), vector, corpus)
        # English questions barely match the Dutch words: the multilingual vectors carry them.
        gewicht = self.gewicht_bm25 if taalcode != "en" else self.gewicht_bm25 / 4
        self._fuseer(list(samen.values()), corpus.kalibratie, gewicht)
        treffers = sorted(samen.values(), key=lambda t: -t.score)[:k]
        return Zoekresultaat(vraag, treffers, corpus, bron, aanbeveling)

    def _zinscores(self, treffers: list[Treffer], vector: list[float], corpus: Corpus) -> None:
        """Cosinus van de vraag met elke bewijszin van de kandidaten; het fragment krijgt de beste."""
        # The snapshot this search started from, not self.corpus: a reindex may swap that in meanwhile.
        ids = [zin_id(t.node.node_id, j) for t in treffers for j in range(len(corpus.zinnen_van[t.node.node_id]))]
        try:
            vect = self.index.zin_vectoren(ids)
        except Exception as e:  # index being rebuilt: no sentence scores this time
            log.warning("Zinvectoren tijdelijk niet te lezen (%s).", e)
            vect = {}
        q = np.asarray(vector, dtype=np.float32)
        for t in treffers:
            t.zinscores = [float(np.dot(q, vect[zid])) if (zid := zin_id(t.node.node_id, j)) in vect else 0.0
                           for j in range(len(corpus.zinnen_van[t.node.node_id]))]
            t.dicht = max(t.zinscores, default=0.0)

    def _fuseer(self, treffers: list[Treffer], kal: Kalibratie, gewicht_bm25: float) -> None:
        """Scores samenvoegen: RRF, of een gewogen som van genormaliseerde scores (gemeten: zie README)."""
        if self.fusie == "rrf":
            for t in treffers:
                t.score = sum(1.0 / (RRF_K + r + 1) for r in (t.rang_dicht, t.rang_bm25) if r is not None)
            return
        hoogste_bm25 = max((t.bm25 for t in treffers), default=0.0) or 1.0
        for t in treffers:
            # Not clipped at 0: cross-lingual cosines sit below the Dutch 'unrelated' level, and a floor made them all tie.
            dicht = min(1.5, max(-1.5, kal.normaliseer(t.dicht))) if t.dicht else -1.5
            t.score = gewicht_bm25 * (t.bm25 / hoogste_bm25) + (1 - gewicht_bm25) * dicht

    # ----- vocabulary -----

    def vertaal(self, woorden: list[str]) -> list[str]:
        """Engelse inhoudswoorden als de woorden van de bronnen die dezelfde betekenis hebben ('trust' → 'vertrouwen')."""
        corpus = self.corpus
        uit: list[str] = []
        for w in woorden:
            w = w.lower()
            if not taal.vertaalbaar(w):
                continue
            if w in corpus.woordenschat:
                uit.append(w)  # 'radar', 'transitie': the same word in both languages
                continue
            if corpus.woordmatrix is None or not corpus.woorden:
                continue
            # The multilingual embedder places a word near its translation; only a close neighbour counts.
            q = np.asarray(self.index.embedder.get_query_embedding(w), dtype=np.float32)
            gelijkenis = corpus.woordmatrix @ (q / (np.linalg.norm(q) or 1.0))
            beste = int(np.argmax(gelijkenis))
            if gelijkenis[beste] >= VERTAAL_DREMPEL:
                uit.append(corpus.woorden[beste])
        return uit

    def onbekende_woorden(self, tekst: str) -> list[str]:
        """Inhoudswoorden uit de tekst die nergens in de bronnen voorkomen."""
        return [w for w in taal.inhoudswoorden(tekst) if not w.isdigit() and not self.corpus.in_corpus(w)]
