"""Fouten voor gebruikers: elke fout zegt wat er mis is en hoe je het oplost."""


class AssistentFout(Exception):
    """Basis: een Nederlandse melding plus hoe je het oplost."""

    http_status = 500

    def __init__(self, melding: str, oplossing: str = ""):
        super().__init__(melding)
        self.melding = melding
        self.oplossing = oplossing

    def __str__(self) -> str:
        return f"{self.melding}\nOplossing: {self.oplossing}" if self.oplossing else self.melding


class ConfiguratieFout(AssistentFout):
    """Een instelling klopt niet."""

    http_status = 400


class BronFout(AssistentFout):
    """Een bronbestand kan niet gelezen worden."""


class IndexFout(AssistentFout):
    """De index ontbreekt, is beschadigd of past niet bij deze instellingen."""

    http_status = 503


class IndexBezet(AssistentFout):
    """Er loopt al een indexering."""

    http_status = 409


class BackendOntbreekt(AssistentFout):
    """Een gekozen backend is niet geïnstalleerd."""

    http_status = 503


class ModelNietBereikbaar(AssistentFout):
    """Het taalmodel is niet bereikbaar of niet geladen."""

    http_status = 503


class OngeldigeVraag(AssistentFout):
    """De vraag of het gesprek is ongeldig."""

    http_status = 422


class OngeldigeUpload(AssistentFout):
    """Een publicatie kan niet worden toegevoegd (verkeerd soort bestand, onleesbaar, ongeldige gegevens)."""

    http_status = 422


class UploadTeGroot(OngeldigeUpload):
    """Het bestand is groter dan toegestaan."""

    http_status = 413


class PublicatieBestaatAl(OngeldigeUpload):
    """Er is al een publicatie met deze naam, id of inhoud."""

    http_status = 409


class OnbekendePublicatie(AssistentFout):
    """Er is geen publicatie met deze id."""

    http_status = 404
