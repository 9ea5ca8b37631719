"""Clients and fakes for the outside services groupcover talks to."""
