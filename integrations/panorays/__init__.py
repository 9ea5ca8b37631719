"""The Panorays-style vendor-risk API: a client (``client``) and a faithful fake (``stub``)."""
