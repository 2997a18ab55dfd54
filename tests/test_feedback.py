"""Feedbackopslag (JSON-regels onder slot) en `assistent feedback --naar-evals`."""

import json
import multiprocessing as mp

from assistent import cli
from assistent.citaten import Citaat
from assistent.feedback import Feedback, FeedbackOpslag

LANG = "Bewoners betrekken vraagt tijd en vertrouwen. " * 1500  # ~70 kB: far beyond one atomic pipe write


def _schrijf(map_: str, schrijver: int, n: int) -> None:
    opslag = FeedbackOpslag(map_)
    for i in range(n):
        opslag.bewaar(Feedback(vraag=f"vraag {schrijver}-{i}", antwoord=LANG, oordeel="slecht"))


def test_gelijktijdige_schrijvers_lopen_niet_door_elkaar(tmp_path):
    ctx = mp.get_context("spawn")
    processen = [ctx.Process(target=_schrijf, args=(str(tmp_path), s, 15)) for s in range(4)]
    for p in processen:
        p.start()
    # This process writes at the same time, from threads too.
    import threading
    draden = [threading.Thread(target=_schrijf, args=(str(tmp_path), 10 + s, 15)) for s in range(2)]
    for d in draden:
        d.start()
    for x in processen + draden:
        x.join(timeout=120)
    regels = (tmp_path / "feedback.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(regels) == 6 * 15
    vragen = {json.loads(r)["vraag"] for r in regels}  # every line is whole JSON
    assert len(vragen) == 90
    assert len(FeedbackOpslag(tmp_path).alles()) == 90


def test_latere_regel_met_zelfde_id_vervangt(tmp_path):
    opslag = FeedbackOpslag(tmp_path)
    fb = opslag.bewaar(Feedback(vraag="Wat zijn koppelkansen?", oordeel="slecht"))
    opslag.bewaar(fb.model_copy(update={"toelichting": "te vaag"}))
    with open(opslag.pad, "a", encoding="utf-8") as f:
        f.write("{half kapot\n")  # a damaged line must not hide the rest
    alles = opslag.alles()
    assert len(alles) == 1 and alles[0].toelichting == "te vaag"


def test_naar_evals_via_cli(tmp_path, capsys):
    opslag = FeedbackOpslag(tmp_path / "fb")
    c = Citaat(nr=1, document="samenvatting-2022", titel="Samen", pagina=9, tekst="Er zijn zeven aanbevelingen:")
    opslag.bewaar(Feedback(vraag="Wat zijn de zeven aanbevelingen?", antwoord="…", citaten=[c], oordeel="goed"))
    slecht = opslag.bewaar(Feedback(vraag="En de laatste?", oordeel="slecht", modus="extractief",
                                    gesprek=[{"rol": "gebruiker", "tekst": "Wat zijn de aanbevelingen?"},
                                             {"rol": "assistent", "tekst": "Er zijn er zeven."}]))
    opslag.bewaar(slecht.model_copy(update={"toelichting": "noemt nummer 7 niet"}))
    opslag.bewaar(Feedback(vraag="Wie betaalt de warmtepomp?", oordeel="slecht"))

    uit = tmp_path / "evals" / "concept.jsonl"
    assert cli.main(["feedback", "--naar-evals", "--map", str(tmp_path / "fb"), "--uit", str(uit)]) == 0
    gevallen = [json.loads(r) for r in uit.read_text(encoding="utf-8").splitlines()]
    assert [g["vraag"] for g in gevallen] == ["En de laatste?", "Wie betaalt de warmtepomp?"]
    assert gevallen[0] == {"id": f"feedback-{slecht.id}", "vraag": "En de laatste?",
                           "gesprek": [{"rol": "gebruiker", "tekst": "Wat zijn de aanbevelingen?"},
                                       {"rol": "assistent", "tekst": "Er zijn er zeven."}],
                           "verwachte_passages": [], "feiten": [], "buiten_bronnen": False}
    assert "gesprek" not in gevallen[1] and list(gevallen[1]) == ["id", "vraag", "verwachte_passages", "feiten",
                                                                  "buiten_bronnen"]

    # Without --uit: the same lines on stdout.
    capsys.readouterr()
    assert cli.main(["feedback", "--naar-evals", "--map", str(tmp_path / "fb")]) == 0
    assert capsys.readouterr().out == uit.read_text(encoding="utf-8")
    assert cli.main(["feedback", "--map", str(tmp_path / "fb")]) == 0
    assert "3 keer feedback" in capsys.readouterr().out
