"""The version of what the engine reads of the official lists and the subsidy programmes:
the tags each enterprise holds, the programmes with their budgets and what is drawn of them.
Every write to them moves it, so a page kept from the engine's verdicts (the official's
product table for a need) is never older than the last such write."""

from __future__ import annotations

from app.models import EnterpriseTag, ProgrammeCommitment, SubsidyProgramme, TagKind
from app.reports.cache import TOKENS, WriteToken

_MODELS = (EnterpriseTag, ProgrammeCommitment, SubsidyProgramme, TagKind)
LISTS_AND_PROGRAMMES = WriteToken(
    "programmes:lists-version", _MODELS, frozenset(m.__tablename__ for m in _MODELS)
)
TOKENS.append(LISTS_AND_PROGRAMMES)


def init_app(_app) -> None:
    LISTS_AND_PROGRAMMES.listen()
