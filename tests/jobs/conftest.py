from tests.jobs.test_send_notices import published  # noqa: F401,E402  (shared with the proof tests)
from tests.smtp_stub import refused_port, smtp_server, tls_files, tls_smtp_server  # noqa: F401
