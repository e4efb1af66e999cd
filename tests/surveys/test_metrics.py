from hypothesis import given
from hypothesis import strategies as st

from surveys import metrics


def test_nps_hand_computed():
    # 6 promoters, 2 passives, 2 detractors of 10 → 40.0
    assert metrics.nps([10, 10, 9, 9, 9, 10, 8, 7, 6, 0]) == 40.0
    # The 2025 figure: 86.4 from, e.g., 440 promoters, 30 passives, 10 detractors… of 500 → 86.0
    assert metrics.nps([10] * 440 + [8] * 50 + [3] * 10) == 86.0
    assert metrics.nps([]) is None
    assert metrics.nps([9, 7, 6]) == 0.0
    assert metrics.nps([1, 2, 3]) == -100.0


def test_nps_rounds_half_up_to_one_decimal():
    # 2 promoters − 1 detractor of 3 answers = 33.333… → 33.3
    assert metrics.nps([10, 9, 0]) == 33.3
    # 1 of 8 = 12.5 exactly
    assert metrics.nps([10] + [8] * 7) == 12.5


def test_share_satisfied_and_means():
    assert metrics.share_satisfied([6, 5, 10, 1]) == 50.0
    assert metrics.mean([9, 10, 10]) == 9.67
    assert metrics.pooled_mean({"a": [10, 9], "b": [8]}) == 9.0
    assert metrics.response_rate(572, 753) == 76.0
    assert metrics.response_rate(1, 0) is None
    assert metrics.share_yes([True, True, False, True]) == 75.0


@given(st.lists(st.integers(min_value=0, max_value=10), min_size=1, max_size=300))
def test_nps_bounds_and_counts(scores):
    value = metrics.nps(scores)
    counts = metrics.nps_counts(scores)
    assert -100 <= value <= 100
    assert counts.answered == len(scores)
    assert value == metrics.nps_from_counts(counts.promoters, counts.detractors, len(scores))


@given(st.lists(st.integers(min_value=9, max_value=10), min_size=1))
def test_all_promoters_is_100(scores):
    assert metrics.nps(scores) == 100.0


@given(st.lists(st.integers(min_value=1, max_value=10), min_size=1, max_size=300))
def test_mean_within_range_and_matches_sum_path(scores):
    value = metrics.mean(scores)
    assert 1 <= value <= 10
    assert value == metrics.mean_from_sum(sum(scores), len(scores))
    assert 0 <= metrics.share_satisfied(scores) <= 100
