"""A figure cache for one page: the same figure asked for twice while one page is built (the
dashboard and its plan section, the tertial report's sheets) is fetched once.

    with figure_cache():
        data = dashboard.build(...)

Outside `figure_cache()` nothing is cached, so a figure read after a change is always fresh.
`cached(key, compute)` returns the cached value of `key` or computes and keeps it; `lookup` and
`keep` serve functions that fetch several keys in one query and cache each on its own.
Keys must be hashable and name everything the figure depends on.
"""

from contextlib import contextmanager
from contextvars import ContextVar

_store: ContextVar[dict | None] = ContextVar("figure_cache", default=None)
_MISSING = object()


@contextmanager
def figure_cache():
    """Cache figures for the block; a nested block shares the outer cache."""
    if _store.get() is not None:
        yield
        return
    token = _store.set({})
    try:
        yield
    finally:
        _store.reset(token)


def active() -> bool:
    return _store.get() is not None


def lookup(key, default=None):
    store = _store.get()
    if store is None:
        return default
    return store.get(key, default)


def keep(key, value):
    store = _store.get()
    if store is not None:
        store[key] = value
    return value


def cached(key, compute):
    """The cached value of `key`, or `compute()` kept under it."""
    store = _store.get()
    if store is None:
        return compute()
    value = store.get(key, _MISSING)
    if value is _MISSING:
        value = store[key] = compute()
    return value
