"""Spanish-or-English detection from function words: Ojo only needs to tell these two apart."""

from __future__ import annotations

_ES = frozenset(
    "el la los las de del que y en un una por con para es no se me te mi tu su lo le al como "
    "pero mas muy ya esta este esto eso hola gracias porque cuando donde tengo tienes tiene "
    "hay soy eres estoy estas hoy manana ahora mama papa hijo hija usted ustedes nos sus fue "
    "ser hacer puedes puede favor aqui alli bueno vale oye mira pues entonces tambien".split()
)
_EN = frozenset(
    "the a an of and to in is it you that he she was for on are with as i his they be at one "
    "have this from or had by but not what all were we when your can said there use each "
    "which do how if will up about out them then so some her would make like him into has "
    "just my me please thanks hi hey mum mom dad got know need don't im i'm it's can't".split()
)


def detect_language(normalized_text: str, default: str = "es") -> str:
    """Return "es" or "en" for a normalised text; `default` when there is no evidence."""
    es = en = 0
    for word in normalized_text.split():
        es += word in _ES
        en += word in _EN
    if es == en:
        return default
    return "es" if es > en else "en"
