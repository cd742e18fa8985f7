"""Operations: the unattended daily job (day-ahead, history) over a versioned state store.

Thin layers over the run seam (:mod:`optimiser.run`): :mod:`.store` (SQLite or PostgreSQL,
Alembic migrations in ``migrations/``), :mod:`.state` (what crosses a day boundary),
:mod:`.dayahead` (the day-ahead job), :mod:`.history`, :mod:`.commands` (the CLI's handlers).
"""
