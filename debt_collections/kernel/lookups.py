"""``field__any=values``: membership in a list sent as one parameter, for the long id lists of bulk steps.

``__in`` with 17,000 ids is 17,000 placeholders: Django prepares each value, psycopg splits the statement
at every placeholder and PostgreSQL parses a new statement text every time (about 4 s of the 1,000,000
account cycle went there). ``__any`` sends the list as one array, ``col = ANY(%s::type[])``, and on SQLite
as one JSON text read by ``json_each`` (no limit on the number of variables either).

For plain values of the field's own type (ids, keys, strings); the result is that of ``__in``.
Registered on every field by ``CollectionsConfig.ready``.
"""

from __future__ import annotations

import json
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, ForeignObject, Lookup
from django.db.models.sql.compiler import SQLCompiler


class AnyOf(Lookup):
    lookup_name = "any"
    prepare_rhs = False

    def get_prep_lookup(self) -> Any:
        field = self.lhs.output_field
        # The field's own conversion per value (e.g. a key given as int for a CharField), as ``__in`` does.
        return [field.get_prep_value(v) for v in self.rhs]

    def as_sql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = list(self.rhs)
        if connection.vendor == "postgresql":
            db_type = self.lhs.output_field.db_type(connection)
            return f"{lhs} = ANY(%s::{db_type}[])", [*lhs_params, values]
        # The column is Django's compiled SQL, the values one parameter.
        return f"{lhs} IN (SELECT value FROM json_each(%s))", [*lhs_params, json.dumps(values)]  # noqa: S608


def register() -> None:
    Field.register_lookup(AnyOf)
    ForeignObject.register_lookup(AnyOf)  # relations look their lookups up from ForeignObject down only
