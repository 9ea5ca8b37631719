from tests.smtp_stub import refused_port, smtp_server, tls_files, tls_smtp_server  # noqa: F401
