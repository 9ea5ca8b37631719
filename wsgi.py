"""WSGI entry point: ``gunicorn wsgi:app`` and ``flask --app wsgi …``.

A wrong setting stops here with its one message (and exit status 1), before anything starts.
"""

import sys

from groupcover import create_app
from groupcover.config import ConfigError

try:
    app = create_app()
except ConfigError as exc:
    sys.exit(f"groupcover: configuration error:\n{exc}")
