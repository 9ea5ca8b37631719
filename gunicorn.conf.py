"""gunicorn settings: `make run` uses this file; in production run
``gunicorn -c gunicorn.conf.py --bind … --workers … wsgi:app`` (the command line wins over it).

gunicorn reads the request line and headers before the app sees anything, so these limits are
answered by gunicorn itself, with a small HTML page and ``Connection: close`` (not the app's
JSON error body): a request line longer than ``limit_request_line`` → 414 URI Too Long; more
than ``limit_request_fields`` headers or one longer than ``limit_request_field_size`` → 431
Request Header Fields Too Large; a malformed request line or header → 400. Bodies are the
app's business: ``MAX_REQUEST_BYTES`` / ``MAX_IMPORT_BYTES`` → 413 JSON (README § Security).
"""

# Request line (method, path and query, protocol): 8190 bytes is gunicorn's ceiling; a
# coverage query with a long domain name and paging fits with room to spare.
limit_request_line = 8190
# Header count and size: a bearer token, cookies and a proxy's forwarding headers fit.
limit_request_fields = 50
limit_request_field_size = 8190
# A worker silent for this long is killed and replaced (the longest request is a CSV import).
timeout = 60
