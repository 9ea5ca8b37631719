"""Registered suppliers (登録企業): a member's registration of a supplier for a span of days."""
