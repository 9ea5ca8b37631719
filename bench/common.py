"""What every benchmark shares: a throw-away database and the one-line JSON summary.

Each script in ``bench/`` runs against a database of its own — a temporary SQLite file, or a
schema made for the run in the PostgreSQL named by ``--database-url`` and dropped afterwards —
so a benchmark never writes into a schema someone uses. Its last printed line is one JSON object
``{"bench": NAME, "figures": {...}, "targets": {...}}`` that tools can read.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@contextmanager
def throwaway_database(url: str | None, name: str = "bench") -> Iterator[str]:
    """A fresh, empty database URL for one run; removed when the block ends.

    ``url`` None: a SQLite file in a temporary folder. A PostgreSQL URL: a new schema on that
    server, reached through ``search_path``, dropped with everything in it afterwards.
    """
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    if url is None or make_url(url).get_backend_name() == "sqlite":
        folder = Path(tempfile.mkdtemp(prefix=f"gc-{name}-"))
        try:
            yield f"sqlite:///{folder / f'{name}.db'}"
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    base = make_url(url)
    if base.get_backend_name() != "postgresql":
        raise SystemExit(f"--database-url must be SQLite or PostgreSQL, not {base.drivername}")
    schema = f"gc_{name}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    scoped = base.update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield scoped.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
        print(f"dropped schema {schema}")


def backend_of(url: str) -> str:
    return "postgresql" if url.startswith("postgresql") else "sqlite"


def emit(bench: str, figures: dict[str, Any], targets: dict[str, Any]) -> None:
    """Print the run's summary as the last line: one JSON object."""
    print(json.dumps({"bench": bench, "figures": figures, "targets": targets}), flush=True)
