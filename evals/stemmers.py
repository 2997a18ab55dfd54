"""Stemmers vergeleken op de dev-split (issue 9, punt 9): zoekkwaliteit en botsingen in de woordenschat.

Alleen een meting: het pakket verandert niet. Per variant wordt `assistent.taal.stam` (en voor de splitsing
`taal.ontleed` / `taal.tokens_voor_bm25`) in dit proces vervangen, de BM25-momentopname opnieuw gebouwd en de
dev-split door de gewone evalrunner gehaald (extractief; zoeken gescoord zoals `assistent evalueer` dat doet).
De dichte kant (e5) hangt niet van de stammer af en blijft gelijk. Nooit op de test-split: kiezen op test is
afstemmen op test.

    PYTHONPATH=. .venv/bin/python evals/stemmers.py [--json uit.json] [--markdown]

Nodig: PyStemmer (zit in het pakket) en simplemma (`pip install -e '.[meten]'`; levert zijn Nederlandse data mee).
"""

import argparse
import json
import os
import re
import sys
import time
from collections import defaultdict
from functools import lru_cache
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

import Stemmer  # noqa: E402

from assistent import taal  # noqa: E402

DEV = Path("evals/dev.jsonl")
ZOEKMETRIEKEN = ("hit@1", "hit@5", "mrr@10", "ndcg@10")
# Words the old answer code produces from the chosen stems: shown for information, not what decides.
ANTWOORDMETRIEKEN = ("feiten", "onterecht_geweigerd")


# ---------------- the candidates ----------------

def _snowball(naam: str):
    s = Stemmer.Stemmer(naam)
    return s.stemWord


def _simplemma():
    import simplemma

    return lambda w: simplemma.lemmatize(w, lang="nl").lower()


def _simplemma_anders_porter():
    import simplemma

    porter = Stemmer.Stemmer("dutch_porter")
    # The lemmatiser knows whole words only; compounds and domain words it has not seen get a suffix stemmer.
    return lambda w: (simplemma.lemmatize(w, lang="nl").lower() if simplemma.is_known(w, lang="nl")
                      else porter.stemWord(w))


def kandidaten() -> dict[str, object]:
    """Naam → functie woord → sleutel (kleine letters erin)."""
    uit: dict[str, object] = {"dutch (Snowball, nu)": _snowball("dutch")}
    if "dutch_porter" in Stemmer.algorithms():
        uit["dutch_porter (Snowball, oud)"] = _snowball("dutch_porter")
    uit["porter (Engels)"] = _snowball("porter")
    uit["geen (kleine letters)"] = lambda w: w
    try:
        uit["simplemma (lemma's)"] = _simplemma()
        uit["simplemma, onbekend: dutch_porter"] = _simplemma_anders_porter()
    except ImportError:
        print("simplemma ontbreekt (pip install -e '.[meten]'); die varianten worden overgeslagen.", file=sys.stderr)
    return uit


def als_stam(functie):
    """Een sleutelfunctie in de vorm van taal.stam: getallen blijven, delen met koppelteken apart."""

    @lru_cache(maxsize=200_000)
    def stam(woord: str) -> str:
        if woord[:1].isdigit():
            return woord
        return "-".join(functie(deel) for deel in woord.split("-") if deel)

    return stam


# ---------------- compound splitting ----------------

SPLITSINGEN = ("geen", "vraag", "vraag+index")


def _delen(s: str, woordenschat) -> list[str]:
    """Zoals taal.ontleed, maar ook voor een woord dat zelf in de woordenschat staat (voor de documentkant)."""
    if len(s) < 8:
        return []
    delen = [s[i:] for i in range(3, len(s) - 4) if s[i:] in woordenschat]
    delen += [s[:i] for i in range(len(s) - 3, 4, -1) if s[:i] in woordenschat]
    return delen[:2]


def zet_variant(stam, splitsing: str, teksten: list[str], origineel: dict) -> None:
    """Vervangt taal.stam (en zo nodig ontleed / tokens_voor_bm25) voor deze variant."""
    taal.stam = stam
    taal.ontleed = origineel["ontleed"] if splitsing != "geen" else (lambda s, woordenschat: [])
    taal.tokens_voor_bm25 = origineel["tokens_voor_bm25"]
    if splitsing == "vraag+index":
        woordenschat = {s for t in teksten for s in origineel["tokens_voor_bm25"](t)}

        def tokens(tekst: str) -> list[str]:
            basis = origineel["tokens_voor_bm25"](tekst)
            return basis + [d for t in basis for d in _delen(t, woordenschat)]

        taal.tokens_voor_bm25 = tokens


# ---------------- collisions ----------------

def _gemeenschappelijk(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


def _spelling(w: str) -> str:
    """Dutch spelling alternations within one word family: open/closed syllables (jaar/jaren, deel/delen) and
    f/v, s/z (leef/leven, huis/huizen)."""
    return re.sub(r"([aeou])\1", r"\1", w).replace("v", "f").replace("z", "s")


@lru_cache(maxsize=None)
def _deelwoord_lemma(w: str) -> str | None:
    """Het lemma van een voltooid deelwoord met ge- ('geleerd' → 'leren'), volgens het woordenboek van simplemma;
    None voor een woord dat zelf een lemma met ge- is ('gebied', 'gemeente', 'gewoonte')."""
    if not w.startswith("ge") or len(w) < 6:
        return None
    try:
        import simplemma
    except ImportError:
        return None
    lemma = simplemma.lemmatize(w, lang="nl").lower()
    return lemma if lemma != w and not lemma.startswith("ge") else None


def _zelfde_begin(a: str, b: str) -> bool:
    a, b = _spelling(a), _spelling(b)
    return _gemeenschappelijk(a, b) >= max(3, min(len(a), len(b)) - 4)


def verwant(a: str, b: str) -> bool:
    """Zelfde woordfamilie naar de vorm: een gedeeld begin dat het kortste woord op hoogstens 4 letters na beslaat
    (na de spellingwisselingen jaar/jaren, leef/leven), of een voltooid deelwoord met ge- waarvan het lemma zo
    verwant is ('geleerd'/'leer'). Niet verwant dus: 'gebied'/'bieden', 'gemeente'/'menen', 'gewoonten'/'wonen';
    ook niet (naar de vorm) de sterke werkwoorden 'kwam'/'komen' — zie de voorbeelden in de uitvoer."""
    if _zelfde_begin(a, b):
        return True
    return any((lemma := _deelwoord_lemma(x)) is not None and _zelfde_begin(lemma, y) for x, y in ((a, b), (b, a)))


def inhoudswoorden(teksten: list[str]) -> set[str]:
    """Verschillende inhoudswoorden van het corpus (delen met koppelteken apart, ten minste 3 letters)."""
    uit = set()
    for t in teksten:
        for w in taal.inhoudswoorden(t):
            uit.update(d for d in w.split("-") if len(d) >= 3 and d.isalpha())
    return uit


def botsingen(woorden: set[str], sleutel) -> dict:
    """Woorden die dezelfde sleutel krijgen als een niet-verwant woord; en gemiste vervoegingen (w en w+en/n/s/e
    allebei in het corpus, maar met een andere sleutel)."""
    groepen: dict[str, list[str]] = defaultdict(list)
    for w in sorted(woorden):
        groepen[sleutel(w)].append(w)
    botsend: set[str] = set()
    voorbeelden = []
    for k, ws in groepen.items():
        fout = {a for a in ws for b in ws if a != b and not verwant(a, b)}
        if fout:
            botsend |= fout
            voorbeelden.append((len(fout), k, ws))
    voorbeelden.sort(key=lambda x: (-x[0], x[1]))
    paren = [(w, w + s) for w in woorden for s in ("en", "n", "s", "e") if w + s in woorden]
    gemist = [p for p in paren if sleutel(p[0]) != sleutel(p[1])]
    return {"woorden": len(woorden), "sleutels": len(groepen), "botsend": len(botsend),
            "voorbeelden": [f"{'/'.join(ws[:6])} → {k}" for _, k, ws in voorbeelden[:8]],
            "vervoegingen": len(paren), "vervoegingen_gemist": len(gemist),
            "gemist_voorbeelden": [f"{a}/{b}" for a, b in sorted(gemist)[:8]]}


# ---------------- the run ----------------

def meet(args) -> dict:
    from assistent.config import Instellingen
    from assistent.dienst import Dienst
    from assistent.evaluatie.runner import evalueer, laad_set
    from assistent.index import zoektekst

    dienst = Dienst(Instellingen(llm="extractief"))
    dienst.zorg_voor_index()
    dienst.zoeker.ververs(forceer=True)
    if args.alleen_botsingen:
        woorden = inhoudswoorden([n.text for n in dienst.zoeker.nodes])
        details = {naam: botsingen(woorden, als_stam(f)) for naam, f in kandidaten().items()}
        return {"woorden": len(woorden), "rijen": [], "botsingen": details}
    vragen = laad_set(args.set)
    teksten = [zoektekst(n) for n in dienst.zoeker.nodes]
    woorden = inhoudswoorden([n.text for n in dienst.zoeker.nodes])
    origineel = {"stam": taal.stam, "ontleed": taal.ontleed, "tokens_voor_bm25": taal.tokens_voor_bm25}
    rijen, details = [], {}
    try:
        for naam, functie in kandidaten().items():
            stam = als_stam(functie)
            b = details[naam] = botsingen(woorden, stam)
            for splitsing in SPLITSINGEN:
                zet_variant(stam, splitsing, teksten, origineel)
                stam.cache_clear()
                dienst.zoeker.ververs(forceer=True)
                begin = time.perf_counter()
                m = evalueer(dienst, vragen, modus="extractief", voortgang=False)["metrieken"]
                rij = {"stammer": naam, "splitsing": splitsing} | {k: m[k] for k in ZOEKMETRIEKEN + ANTWOORDMETRIEKEN}
                rij |= {k: b[k] for k in ("botsend", "sleutels", "vervoegingen_gemist")}
                rijen.append(rij)
                print(f"{naam:<36}{splitsing:<13}" + "".join(f"{rij[k]:>8.3f}" for k in ZOEKMETRIEKEN)
                      + f"{b['botsend']:>8}{b['vervoegingen_gemist']:>8}  ({time.perf_counter() - begin:.0f} s)",
                      file=sys.stderr)
    finally:
        taal.stam, taal.ontleed, taal.tokens_voor_bm25 = (origineel["stam"], origineel["ontleed"],
                                                          origineel["tokens_voor_bm25"])
        dienst.zoeker.ververs(forceer=True)
    return {"set": str(args.set), "vragen": len(vragen), "woorden": len(woorden), "rijen": rijen, "botsingen": details}


def tabel(uitslag: dict, markdown: bool = False) -> str:
    """De vergelijking als tekst- of Markdown-tabel, de beste per zoekmetriek vet (Markdown) of met *."""
    kolommen = ZOEKMETRIEKEN + ANTWOORDMETRIEKEN + ("botsend", "vervoegingen_gemist")
    beste = {k: max((r[k] for r in uitslag["rijen"]), default=None) for k in ZOEKMETRIEKEN}

    def cel(r, k):
        w = r[k]
        tekst = f"{w:.3f}" if isinstance(w, float) else str(w)
        if k in beste and w == beste[k]:
            tekst = f"**{tekst}**" if markdown else tekst + "*"
        return tekst

    if markdown:
        regels = ["| stammer | samenstellingen splitsen | " + " | ".join(kolommen) + " |",
                  "|---|---|" + "---:|" * len(kolommen)]
        regels += [f"| {r['stammer']} | {r['splitsing']} | " + " | ".join(cel(r, k) for k in kolommen) + " |"
                   for r in uitslag["rijen"]]
    else:
        regels = [f"{'stammer':<36}{'splitsing':<13}" + "".join(f"{k:>10}" for k in kolommen)]
        regels.append("-" * len(regels[0]))
        regels += [f"{r['stammer']:<36}{r['splitsing']:<13}" + "".join(f"{cel(r, k):>10}" for k in kolommen)
                   for r in uitslag["rijen"]]
    regels.append("")
    n = uitslag["woorden"]
    regels.append(f"Botsingen over {n} verschillende inhoudswoorden van het corpus; voorbeelden per stammer:")
    for naam, b in uitslag["botsingen"].items():
        regels.append(f"- {naam}: {b['botsend']} botsend, {b['sleutels']} sleutels; "
                      f"{b['vervoegingen_gemist']} van {b['vervoegingen']} vervoegingsparen gemist. "
                      f"Botsingen: {'; '.join(b['voorbeelden'][:6]) or '–'}. "
                      f"Gemist: {', '.join(b['gemist_voorbeelden'][:5]) or '–'}.")
    return "\n".join(regels)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--set", type=Path, default=DEV, help="evalset (standaard de dev-split)")
    p.add_argument("--json", type=Path, help="uitslag als JSON naar dit bestand")
    p.add_argument("--markdown", action="store_true", help="de tabel als Markdown (voor evals/README.md)")
    p.add_argument("--alleen-botsingen", action="store_true", help="alleen de botsingen (snel, zonder evalruns)")
    args = p.parse_args(argv)
    if args.set.name == "test.jsonl":
        print("Let op: kiezen op de test-split is afstemmen op de test-split.", file=sys.stderr)
    uitslag = meet(args)
    if args.json:
        args.json.write_text(json.dumps(uitslag, ensure_ascii=False, indent=2), encoding="utf-8")
    print(tabel(uitslag, markdown=args.markdown))
    return 0


if __name__ == "__main__":
    sys.exit(main())
