"""A supplier is identified by its normalised primary domain."""

import pytest

from groupcover.rules.domains import normalise_domain


@pytest.mark.parametrize(
    ("raw", "domain"),
    [
        ("example.co.jp", "example.co.jp"),
        ("EXAMPLE.CO.JP", "example.co.jp"),
        ("https://www.Example.co.jp/login?x=1", "example.co.jp"),
        ("http://example.com:8443/", "example.com"),
        ("www.example.com.", "example.com"),
        ("  shop.example.com  ", "shop.example.com"),
        ("user@mail.example.com", "mail.example.com"),
        ("www2.example.com", "www2.example.com"),
        ("例え.jp", "xn--r8jz45g.jp"),
    ],
)
def test_normalise(raw, domain):
    assert normalise_domain(raw) == domain


@pytest.mark.parametrize("raw", ["", "localhost", "exa mple.com", "-bad.com", "https://", "a..b"])
def test_rejects_what_is_not_a_domain(raw):
    with pytest.raises(ValueError):
        normalise_domain(raw)
