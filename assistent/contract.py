"""Het publieke contract: modi, het antwoordobject, een gespreksbeurt en de vaste zinnen van een weigering."""

from pydantic import BaseModel, Field

from assistent import citaten as cit

# Answer modes a user may ask for; 'nep' (tests) is wired by dienst but never offered here.
MODI = ("auto", "extractief", "openai", "ollama", "llamacpp")

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


class Beurt(BaseModel):
    """Een eerdere beurt in een gesprek."""

    rol: str = Field(description="'gebruiker' of 'assistent'.")
    tekst: str


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
