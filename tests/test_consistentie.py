"""Vragen tijdens het indexeren: antwoorden komen uit een consistente index (oud of nieuw, nooit een mengsel)."""

import threading

from assistent.dienst import Dienst
from conftest import maak_instellingen


def test_vragen_tijdens_herindexeren(bronkopie, tmp_path):
    d = Dienst(maak_instellingen(tmp_path / "index", bronnen=bronkopie, embedder="nep"))
    d.indexeer(voortgang=False)
    bron = next(bronkopie.glob("*.txt"))
    origineel = bron.read_text(encoding="utf-8")
    geldig = {n.node_id: n.text for n in d.index.alle_nodes()}
    fouten: list[str] = []
    stop = threading.Event()
    antwoorden = [0]
    gezien: list[list[tuple[str, str]]] = []

    def vragensteller() -> None:
        vragen = ["Hoeveel inwoners heeft de wijk Selwerd?", "Wat zijn koppelkansen?", "Wat zijn de zeven aanbevelingen?"]
        i = 0
        while not stop.is_set():
            try:
                a = d.vraag(vragen[i % len(vragen)])
            except Exception as e:  # any error while indexing runs is a failure of this guarantee
                fouten.append(f"{type(e).__name__}: {e}")
                continue
            i += 1
            antwoorden[0] += 1
            gezien.append([(c.id, c.tekst) for c in a.citaten])

    draad = threading.Thread(target=vragensteller)
    draad.start()
    try:
        for ronde in range(3):
            tekst = origineel.replace("6.231", f"6.{231 + ronde + 1}") if ronde % 2 == 0 else origineel
            bron.write_text(tekst, encoding="utf-8")
            d.indexeer(voortgang=False)
            geldig.update({n.node_id: n.text for n in d.index.alle_nodes()})
    finally:
        stop.set()
        draad.join(timeout=60)
    assert not fouten, fouten[:5]
    for citaten in gezien:
        # Every cited chunk exists in a version of the index with exactly that text, and one answer never
        # mixes versions (chunk ids carry the file's content hash).
        for nid, tekst in citaten:
            assert geldig.get(nid) == tekst, f"citaat {nid} hoort bij geen enkele versie van de index"
        assert len({nid.split(":")[1] for nid, _ in citaten}) <= 1
    assert antwoorden[0] > 0
    # After the last run the index holds exactly one version of the file.
    nodes = d.index.alle_nodes()
    assert len({n.node_id for n in nodes}) == len(nodes)
    assert sum("Selwerd Groningen" in n.text and n.metadata["soort"] == "tabelrij" for n in nodes) == 1
