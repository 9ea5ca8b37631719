"""CSV in and out: imports of members, terms and suppliers; exports of every list."""
