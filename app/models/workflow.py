"""One transition table per entity; every status change goes through `Transitions.check`."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from typing import Generic, TypeVar

from flask_babel import lazy_gettext as _l

from app.errors import IllegalTransition

S = TypeVar("S", bound=enum.Enum)


class Transitions(Generic[S]):
    def __init__(self, entity, table: Mapping[S, Iterable[S]]):
        self.entity = entity
        self.table = {state: frozenset(targets) for state, targets in table.items()}

    def allowed(self, old: S, new: S) -> bool:
        return new in self.table.get(old, frozenset())

    def targets(self, old: S) -> frozenset[S]:
        return self.table.get(old, frozenset())

    def check(self, old: S, new: S) -> None:
        if not self.allowed(old, new):
            raise IllegalTransition(
                _l(
                    "This %(entity)s is %(old)s and cannot become %(new)s.",
                    entity=self.entity,
                    old=getattr(old, "label", old),
                    new=getattr(new, "label", new),
                )
            )
