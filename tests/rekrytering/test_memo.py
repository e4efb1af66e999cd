"""The figure cache keeps a figure for one page only."""

from rekrytering import memo


def test_nothing_is_cached_outside_a_figure_cache():
    calls = []
    assert memo.cached("k", lambda: calls.append(1) or len(calls)) == 1
    assert memo.cached("k", lambda: calls.append(1) or len(calls)) == 2
    assert memo.keep("k", 5) == 5 and memo.lookup("k") is None and not memo.active()


def test_a_figure_is_computed_once_per_cache_and_nested_blocks_share_it():
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    with memo.figure_cache():
        assert memo.active()
        assert memo.cached(("a", 1), compute) == 1
        with memo.figure_cache():
            assert memo.cached(("a", 1), compute) == 1
            memo.keep(("b",), None)
        assert memo.lookup(("b",), "missing") is None
        assert memo.cached(("a", 2), compute) == 2
    with memo.figure_cache():  # a new page starts empty
        assert memo.cached(("a", 1), compute) == 3
