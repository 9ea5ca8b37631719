"""The console's pages, one module per area; importing this registers them on the blueprint."""

from groupcover.console.views import (  # noqa: F401
    admin,
    claims,
    coverage,
    imports,
    incidents,
    members,
    notices,
    signin,
)
