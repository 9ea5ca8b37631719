"""CSV exports of every list, streamed: UTF-8 with BOM and CRLF, as Excel opens them."""
