"""``ConcurrentTransitionMixin`` with its state fields found once per model, not once per instance."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from django_fsm import ConcurrentTransitionMixin, FSMFieldMixin


class ConcurrentStateMixin(ConcurrentTransitionMixin):
    """django-fsm's optimistic check, unchanged, but ``state_fields`` is cached per class.

    The mixin records each instance's initial states in ``__init__`` by filtering every field of the
    model with ``isinstance``: the daily cycle builds ~35,000 cases a run at 1,000,000 accounts, and that
    filter cost about half a second of it. A model's fields do not change after Django loads it.
    """

    _state_fields_cache: ClassVar[dict[type, tuple[FSMFieldMixin, ...]]] = {}

    @property
    def state_fields(self) -> Iterable[FSMFieldMixin]:
        cls = type(self)
        fields = ConcurrentStateMixin._state_fields_cache.get(cls)
        if fields is None:
            fields = tuple(f for f in self._meta.fields if isinstance(f, FSMFieldMixin))
            ConcurrentStateMixin._state_fields_cache[cls] = fields
        return fields
