"""`assistent evalueer --modus a,b,c`: dezelfde set door elke beschikbare modus, één tabel en één grafiek."""

import json
import sys
import time
from pathlib import Path

from tqdm import tqdm

from assistent import citaten as cit
from assistent.evaluatie import metrieken as mt
from assistent.fouten import AssistentFout

# (key, column title, format) of the comparison table, in this order.
KOLOMMEN = [
    ("feiten", "kernfeiten", "{:.2f}"),
    ("juiste_passage", "juiste passage geciteerd", "{:.2f}"),
    ("citatie_recall", "citatie-recall", "{:.2f}"),
    ("citatie_precisie", "citatie-precisie", "{:.2f}"),
    ("markers_geldig", "markers geldig", "{:.0%}"),
    ("goed_geweigerd", "buiten bronnen geweigerd", "{:.2f}"),
    ("onterecht_geweigerd", "beantwoordbaar geweigerd", "{:.2f}"),
    ("verwijderd_aandeel", "modelbeweringen verwijderd", "{:.0%}"),
    ("terugval", "terugval", "{:.0%}"),
    ("eerste_token_p50_s", "eerste token p50 (s)", "{:.1f}"),
    ("eerste_token_p95_s", "eerste token p95 (s)", "{:.1f}"),
    ("totaal_p50_s", "heel antwoord p50 (s)", "{:.1f}"),
    ("totaal_p95_s", "heel antwoord p95 (s)", "{:.1f}"),
]


def modi_uit(waarden: list[str] | None) -> list[str]:
    """'a,b' en herhaalde --modus samen tot één lijst, in volgorde, zonder dubbelen."""
    uit: list[str] = []
    for w in waarden or []:
        for m in w.split(","):
            if m.strip() and m.strip() not in uit:
                uit.append(m.strip())
    return uit


def dienst_voor(basis, spec: str):
    """(dienst, modus) voor een modusspecificatie, met het model al geladen; 'llamacpp:<pad.gguf>' is een ander GGUF.

    Een onbekende modus of een model dat niet laadt geeft hier zijn AssistentFout, niet bij elke vraag opnieuw.
    """
    from assistent.dienst import Dienst

    modus, _, gguf = spec.partition(":")
    dienst = Dienst(basis.instellingen.model_copy(update={"gguf": Path(gguf)})) if modus == "llamacpp" and gguf else basis
    if dienst.modus_kiezen(modus) not in ("extractief", "auto"):
        dienst._llm(modus)  # load or connect once, outside the timings
    return dienst, modus


def _juiste_passage(citaten: list, verwacht: list[str]) -> float | None:
    if not verwacht:
        return None
    return float(any(mt.is_relevant(c.tekst, verwacht) for c in citaten))


def beantwoord(dienst, modus: str, v) -> dict:
    """Eén vraag gestreamd door één modus: antwoord, tijden en de scores van de vergelijking."""
    from assistent import taalmodel as tm

    gesprek = [b.model_dump() for b in v.gesprek] if v.gesprek else None
    tm.OORDELEN = []
    start = time.perf_counter()
    eerste = None
    a = None
    for g in dienst.vraag_stream(v.vraag, gesprek=gesprek, modus=modus):
        if g.soort == "token" and eerste is None:
            eerste = time.perf_counter() - start
        elif g.soort == "klaar":
            a = g.antwoord
    totaal = time.perf_counter() - start
    oordelen, tm.OORDELEN = tm.OORDELEN, None
    geweigerd = mt.is_weigering(a.antwoord, a.gevonden, len(a.citaten))
    model = modus != "extractief"
    # The model wrote, but nothing it wrote was supported (or it failed): the extractive answer stood in.
    terugval = model and a.modus.startswith("extractief") and a.gevonden
    behouden = 0 if a.modus.startswith("extractief") or geweigerd else len(cit.splits_antwoord(a.antwoord))
    rij = {"id": v.id, "vraag": v.vraag, "buiten_bronnen": v.buiten_bronnen, "modus": a.modus,
           "antwoord": a.antwoord, "melding": a.melding, "verwijderd": a.verwijderd, "geweigerd": geweigerd,
           "citaten": [c.model_dump(include={"nr", "document", "pagina", "tekst"}) for c in a.citaten],
           "eerste_token_s": eerste if model else None, "totaal_s": totaal, "terugval": terugval,
           "beweringen": behouden + len(a.verwijderd) if model else 0, "tokens": a.tokens, "oordelen": oordelen,
           "scores": {}}
    s = rij["scores"]
    if not v.buiten_bronnen:
        s["feiten"] = mt.feiten_score(a.antwoord if not geweigerd else "", v.feiten)
        s["juiste_passage"] = _juiste_passage(a.citaten, v.verwachte_passages) if not geweigerd else 0.0
    if not geweigerd:
        s["citatie_recall"], s["citatie_precisie"] = mt.citatie_scores(a.antwoord, a.citaten)
    s["markers_geldig"], s["markers_totaal"] = mt.markers_geldig(a.antwoord, a.citaten)
    return rij


def samenvatten(rijen: list[dict]) -> dict:
    """Per modus de kolommen van de vergelijkingstabel."""
    binnen = [r for r in rijen if not r["buiten_bronnen"]]
    buiten = [r for r in rijen if r["buiten_bronnen"]]
    beantwoord = [r for r in rijen if not r["geweigerd"]]
    geldig = sum(r["scores"]["markers_geldig"] for r in rijen)
    markers = sum(r["scores"]["markers_totaal"] for r in rijen)
    beweringen = sum(r["beweringen"] for r in rijen)
    model = [r for r in rijen if r["eerste_token_s"] is not None or r["beweringen"] or r["terugval"]]
    eerste = [r["eerste_token_s"] for r in rijen if r["eerste_token_s"] is not None]
    totaal = [r["totaal_s"] for r in rijen]
    uit = {
        "vragen": len(rijen),
        "feiten": mt.gemiddelde([r["scores"].get("feiten") for r in binnen]),
        "juiste_passage": mt.gemiddelde([r["scores"].get("juiste_passage") for r in binnen]),
        "citatie_recall": mt.gemiddelde([r["scores"].get("citatie_recall") for r in beantwoord]),
        "citatie_precisie": mt.gemiddelde([r["scores"].get("citatie_precisie") for r in beantwoord]),
        "markers_geldig": geldig / markers if markers else None,
        "goed_geweigerd": sum(r["geweigerd"] for r in buiten) / len(buiten) if buiten else None,
        "onterecht_geweigerd": sum(r["geweigerd"] for r in binnen) / len(binnen) if binnen else None,
        "verwijderd_aandeel": sum(len(r["verwijderd"]) for r in rijen) / beweringen if beweringen else None,
        "terugval": sum(r["terugval"] for r in model) / len(model) if model else None,
        "eerste_token_p50_s": mt.percentiel(eerste, 50), "eerste_token_p95_s": mt.percentiel(eerste, 95),
        "totaal_p50_s": mt.percentiel(totaal, 50), "totaal_p95_s": mt.percentiel(totaal, 95),
    }
    return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in uit.items()}


def vergelijk(basis, vragen: list, modi: list[str], voortgang: bool = True) -> dict:
    """Elke modus over dezelfde vragen; een modus die er niet is wordt overgeslagen met de reden."""
    basis.zorg_voor_index()
    uit: dict = {"modi": {}, "overgeslagen": {}}
    for spec in modi:
        try:
            dienst, modus = dienst_voor(basis, spec)
        except AssistentFout as e:
            uit["overgeslagen"][spec] = e.melding
            print(f"Modus {spec} overgeslagen: {e.melding}", file=sys.stderr)
            continue
        rijen = [beantwoord(dienst, modus, v)
                 for v in tqdm(vragen, desc=spec, unit="vraag", file=sys.stderr, disable=not voortgang)]
        uit["modi"][spec] = {"metrieken": samenvatten(rijen), "vragen": rijen}
    return uit


def _cel(w, fmt: str) -> str:
    return "–" if w is None else fmt.format(w)


def tabel_md(uitslag: dict) -> str:
    """De vergelijking als Markdown-tabel: één rij per modus."""
    kop = "| modus | vragen | " + " | ".join(t for _, t, _ in KOLOMMEN) + " |"
    regels = [kop, "|---|---:|" + "---:|" * len(KOLOMMEN)]
    for spec, d in uitslag["modi"].items():
        m = d["metrieken"]
        regels.append(f"| {spec} | {m['vragen']} | " + " | ".join(_cel(m.get(k), f) for k, _, f in KOLOMMEN) + " |")
    for spec, reden in uitslag.get("overgeslagen", {}).items():
        regels.append(f"| {spec} | overgeslagen: {reden} |" + " |" * len(KOLOMMEN))
    return "\n".join(regels)


def grafiek(pad: Path, uitslag: dict) -> None:
    """Staafgrafiek: kwaliteit (0–1) per modus links, tijden rechts."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    modi = list(uitslag["modi"])
    kwaliteit = [k for k, _, _ in KOLOMMEN if not k.endswith("_s")]
    tijden = [k for k, _, _ in KOLOMMEN if k.endswith("_s")]
    titels = {k: t for k, t, _ in KOLOMMEN}
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(15, 6), gridspec_kw={"width_ratios": [3, 2]})
    breedte = 0.8 / max(1, len(modi))
    for i, spec in enumerate(modi):
        m = uitslag["modi"][spec]["metrieken"]
        y = [j + i * breedte for j in range(len(kwaliteit))]
        ax1.barh(y, [m.get(k) or 0 for k in kwaliteit], height=breedte, label=spec)
        y2 = [j + i * breedte for j in range(len(tijden))]
        ax2.barh(y2, [m.get(k) or 0 for k in tijden], height=breedte, label=spec)
    ax1.set_yticks([j + 0.4 - breedte / 2 for j in range(len(kwaliteit))], [titels[k] for k in kwaliteit])
    ax1.invert_yaxis()
    ax1.set_xlim(0, 1.05)
    ax1.set_title("Kwaliteit per modus (0–1)", fontsize=10)
    ax1.legend(fontsize=8, loc="lower right")
    ax2.set_yticks([j + 0.4 - breedte / 2 for j in range(len(tijden))], [titels[k] for k in tijden])
    ax2.invert_yaxis()
    ax2.set_title("Tijden (s)", fontsize=10)
    fig.tight_layout()
    fig.savefig(pad, dpi=110)
    plt.close(fig)


def schrijf(map_: Path, uitslag: dict) -> None:
    """modi.json, modi.md en modi.png in de map."""
    map_.mkdir(parents=True, exist_ok=True)
    (map_ / "modi.json").write_text(json.dumps(uitslag, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    run = uitslag.get("run", {})
    kop = (f"Set `{run.get('set', '')}` ({run.get('vragen', '')} vragen), {run.get('moment', '')}, "
           f"belasting {run.get('belasting', '')} op {run.get('kernen', '')} kernen.\n\n")
    (map_ / "modi.md").write_text(kop + tabel_md(uitslag) + "\n", encoding="utf-8")
    grafiek(map_ / "modi.png", uitslag)
