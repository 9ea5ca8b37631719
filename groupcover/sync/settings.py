"""The sync's settings: a plain mapping of the VENDOR_* and SYNC_* keys of ``Settings``."""

from __future__ import annotations

from dataclasses import dataclass

from groupcover.config import Settings


@dataclass(frozen=True)
class SyncSettings:
    """What one run needs to know; built from the validated settings, never parsed here."""

    vendor_api_url: str
    concurrency: int = 8
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    retries: int = 3
    backoff_factor: float = 0.5
    max_retry_after: float = 5.0
    requests_per_minute: int = 120
    lease_seconds: int = 600
    vendor_account_ids: tuple[str, ...] = ()

    @classmethod
    def from_settings(cls, settings: Settings) -> SyncSettings:
        return cls(
            vendor_api_url=settings.VENDOR_API_URL,
            concurrency=settings.SYNC_CONCURRENCY,
            connect_timeout=settings.VENDOR_CONNECT_TIMEOUT,
            read_timeout=settings.VENDOR_READ_TIMEOUT,
            retries=settings.VENDOR_RETRIES,
            backoff_factor=settings.VENDOR_BACKOFF_FACTOR,
            max_retry_after=settings.VENDOR_MAX_RETRY_AFTER,
            requests_per_minute=settings.VENDOR_REQUESTS_PER_MINUTE,
            lease_seconds=settings.SYNC_LEASE_SECONDS,
            vendor_account_ids=settings.VENDOR_ACCOUNT_IDS,
        )
