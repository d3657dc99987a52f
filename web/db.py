"""Database work from async code (off the event loop, without holding a connection afterwards),
and single-row reads for the hot paths without rebuilding the query each time."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from asgiref.sync import sync_to_async
from django.core.exceptions import ValidationError
from django.db import connection, connections, models, router
from django.db.backends.base.base import BaseDatabaseWrapper

T = TypeVar("T")
M = TypeVar("M", bound=models.Model)


async def run_db(function: Callable[..., T], *args: Any, detached: bool = False) -> T:
    """Run database work off the event loop, then close that thread's connection.

    A stream lives for seconds to minutes; holding a database connection all that time would
    cost one connection per open stream. `detached` is for work that may outlive its request
    (a lease released after the client left): it runs on the event loop's own thread pool, not
    on the request's thread (web/handler.py), which is no longer there once the request ended.
    """

    def run() -> T:
        try:
            return function(*args)
        finally:
            # Not inside a transaction someone else opened (a test's, say): that one is theirs.
            if not connection.in_atomic_block:
                connection.close()

    return await sync_to_async(run, thread_sensitive=not detached)()


# What Django's SQLite cursor turns into "?" (django.db.backends.sqlite3.base.FORMAT_QMARK_REGEX).
_FORMAT_PARAMETER = re.compile(r"(?<!%)%s")


def _plain_sqlite(connection: BaseDatabaseWrapper) -> bool:
    """Whether a read may go straight to this SQLite connection: it is open (so this is a
    thread that has used it, never the event loop's), and nothing Django's cursor adds is
    wanted: no query logging (DEBUG, a test counting queries), no execute wrappers, no broken
    transaction to refuse the read in (which Django's cursor reports)."""
    return (
        connection.connection is not None
        and not connection.queries_logged
        and not connection.execute_wrappers
        and not connection.needs_rollback
    )


@dataclass(frozen=True)
class _Statement:
    """A RowByField read compiled for one database: the ORM's SQL and parameters, with the
    looked-up value's place among them, and how each column becomes an attribute."""

    sql: str
    sqlite_sql: str | None  # the same statement as Django's SQLite cursor sends it
    params: tuple[object, ...]
    position: int  # where the looked-up value goes in `params`
    names: list[str]
    converters: dict[int, Any]

    def params_for(self, value: object) -> tuple[object, ...]:
        return (*self.params[: self.position], value, *self.params[self.position + 1 :])


class RowByField(Generic[M]):
    """`Model.objects.filter(field=value).first()` for the hot read paths, with the ORM's own SQL
    compiled once per database instead of on every call (issue 14).

    Building a query costs Django far more than running it: on SQLite the catalog version read
    through the ORM took 324 µs against 30 µs for the same SQL on an open connection, and a
    profile 522 against 86 µs, on pages whose whole budget is about 1.6 ms. The SQL and the
    value converters come from the ORM's compiler (so each database gets its own dialect and
    JSON decoding), only the value changes between calls, and the row becomes a model instance
    through `Model.from_db` like any queryset's.
    """

    def __init__(
        self,
        model: type[M],
        field: str,
        *,
        only: tuple[str, ...] = (),
        annotations: Mapping[str, Any] | None = None,
    ) -> None:
        """`only`: read just these fields (and the primary key), as `QuerySet.only`; the others
        are deferred on the instance, so a page that needs one column does not decode them.
        `annotations`: expressions read in the same statement, as `QuerySet.annotate` (their
        parameters are fixed; only the looked-up value changes between reads)."""
        self.model = model
        self.field = field
        self.only = only
        self.annotations = dict(annotations or {})
        self._compiled: dict[tuple[str, str], _Statement] = {}

    def _compile(self, using: str) -> _Statement:
        connection = connections[using]
        key = (using, connection.vendor)
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = self._compiled[key] = self._statement(using, connection.vendor)
        return compiled

    def _statement(self, using: str, vendor: str) -> _Statement:
        field = (
            self.model._meta.pk if self.field == "pk" else self.model._meta.get_field(self.field)
        )
        marker: object = (
            -7_654_321_987 if isinstance(field, models.IntegerField) else "__row_by_field__"
        )
        try:
            query = self.model._default_manager.filter(**{self.field: marker}).order_by()
            if self.only:
                query = query.only(*self.only)
            if self.annotations:
                query = query.annotate(**self.annotations)
            compiler = query.query.get_compiler(using)
            sql, params = compiler.as_sql()
        except (ValidationError, ValueError, TypeError) as error:
            raise ValueError(f"{self.model.__name__}.{self.field} is not a plain lookup") from error
        # The value goes in unchanged (a text or integer key), in exactly one parameter.
        places = [place for place, param in enumerate(params) if param == marker]
        if len(places) != 1:
            raise ValueError(f"{self.model.__name__}.{self.field} is not a plain lookup")
        columns = [column for column, _, _ in compiler.select]
        names = [
            alias if alias in self.annotations else column.target.attname
            for column, _, alias in compiler.select
        ]
        return _Statement(
            sql=sql,
            # As Django's SQLite cursor turns it ("format" -> "qmark" style).
            sqlite_sql=_FORMAT_PARAMETER.sub("?", sql).replace("%%", "%")
            if vendor == "sqlite"
            else None,
            params=tuple(params),
            position=places[0],
            names=names,
            converters=compiler.get_converters(columns),
        )

    def get(self, value: object) -> M | None:
        """The row whose field equals `value`, or None (annotations set as attributes)."""
        using = router.db_for_read(self.model)
        read = self._read(using, value)
        if read is None:
            return None
        row = dict(zip(*read, strict=True))
        annotated = {name: row.pop(name) for name in self.annotations}
        instance = self.model.from_db(using, list(row), list(row.values()))
        for name, annotation in annotated.items():
            setattr(instance, name, annotation)
        return instance

    def values(self, value: object) -> dict[str, Any] | None:
        """The row's fields (those read: see `only`) and annotations by attribute name, as
        `get` would set them on the instance, or None; for a page that needs a column's value
        and not the model's instance (building one with deferred fields costs more than
        reading the row)."""
        read = self._read(router.db_for_read(self.model), value)
        return None if read is None else dict(zip(*read, strict=True))

    def _read(self, using: str, value: object) -> tuple[list[str], list[Any]] | None:
        """(attribute names, converted values) of the row, or None."""
        statement = self._compile(using)
        connection = connections[using]
        params = statement.params_for(value)
        if statement.sqlite_sql is not None and _plain_sqlite(connection):
            # The statement Django's cursor would send, on the same connection, without the
            # cursor's wrappers: 5 µs a read instead of 17 on SQLite, and two of these are
            # most of what step 1 with saved answers reads (issue 14). Errors become Django's.
            with connection.wrap_database_errors:
                row = connection.connection.execute(statement.sqlite_sql, params).fetchone()
        else:
            with connection.cursor() as cursor:
                cursor.execute(statement.sql, params)
                row = cursor.fetchone()
        if row is None:
            return None
        values = list(row)
        for position, (functions, expression) in statement.converters.items():
            for function in functions:
                values[position] = function(values[position], expression, connection)
        return statement.names, values
