"""The app's ``ensure_sync`` shortcut answers like Flask's for plain and async functions."""

from __future__ import annotations

import pytest
from flask import Flask

from groupcover import _Flask


def plain():
    return 1


async def coroutine():
    return 2


def test_a_plain_function_is_returned_as_it_is():
    assert _Flask("t").ensure_sync(plain) is plain


def test_an_async_function_still_goes_to_flask():
    with pytest.raises(RuntimeError) as ours:
        _Flask("t").ensure_sync(coroutine)
    with pytest.raises(RuntimeError) as flasks:
        Flask("t").ensure_sync(coroutine)
    assert str(ours.value) == str(flasks.value)  # no asgiref here: Flask refuses, and so do we
