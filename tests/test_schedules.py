"""Tests of skbackprop._schedules: learning-rate schedules and the stopping
rule."""

import math

import numpy as np
import pytest

from skbackprop._schedules import (
    ADAPTIVE_FACTOR,
    MIN_ADAPTIVE_RATE,
    Adaptive,
    Constant,
    Cosine,
    InvScaling,
    StoppingRule,
    Warmup,
    make_schedule,
)

# ----------------------------------------------------------------------------
# schedules


def _rates(schedule, n_epochs, samples_per_epoch=10):
    """The rate of each of ``n_epochs`` epochs (read before the epoch ends)."""
    rates = []
    for e in range(n_epochs):
        rates.append(schedule.rate)
        schedule.epoch_end((e + 1) * samples_per_epoch)
    return rates


def test_constant_never_changes_and_never_goes_on():
    schedule = Constant(0.1)
    assert schedule.rate == 0.1
    for t in (0, 10, 10_000):
        schedule.epoch_end(t)
        assert schedule.rate == 0.1
    assert schedule.reduce() is False
    assert schedule.reduce(np.array([True, False])) is False
    assert schedule.rate == 0.1


def test_constant_per_parameter_rate():
    rate = np.array([0.1, 0.2, 0.3])
    schedule = Constant(rate)
    schedule.epoch_end(100)
    np.testing.assert_array_equal(schedule.rate, [0.1, 0.2, 0.3])


@pytest.mark.parametrize("power_t", [0.25, 0.5, 1.0])
def test_invscaling(power_t):
    schedule = InvScaling(0.2, power_t)
    assert schedule.rate == 0.2  # until the first epoch ends
    for t in (0, 1, 9, 150, 10_000):
        schedule.epoch_end(t)
        assert schedule.rate == pytest.approx(0.2 / (t + 1) ** power_t, rel=1e-15)
    assert schedule.reduce() is False


def test_invscaling_default_power_and_per_parameter_rate():
    rate = np.array([0.1, 0.4])
    schedule = InvScaling(rate)
    assert schedule.power_t == 0.5
    schedule.epoch_end(3)
    np.testing.assert_allclose(schedule.rate, [0.05, 0.2], rtol=1e-15)
    schedule.epoch_end(15)
    np.testing.assert_allclose(schedule.rate, [0.025, 0.1], rtol=1e-15)
    # the initial rates are not eaten away
    np.testing.assert_array_equal(rate, [0.1, 0.4])


def test_adaptive_divides_by_five_until_1e_6():
    assert ADAPTIVE_FACTOR == 5.0
    assert MIN_ADAPTIVE_RATE == 1e-6
    schedule = Adaptive(0.1)
    schedule.epoch_end(1000)  # not time based
    assert schedule.rate == 0.1
    rates = [schedule.rate]
    while schedule.reduce():
        rates.append(schedule.rate)
    # 0.1 / 5**k > 1e-6 for k <= 7; the eighth reduction gives 1.28e-6 / 5
    np.testing.assert_allclose(rates, [0.1 / 5.0**k for k in range(9)], rtol=1e-12)
    assert rates[-1] <= 1e-6 < rates[-2]
    # once at most 1e-6 it refuses to go on, and the rate stays put
    assert schedule.reduce() is False
    assert schedule.rate == rates[-1]


def test_adaptive_stops_at_exactly_1e_6():
    schedule = Adaptive(5e-6)
    assert schedule.reduce() is True
    assert schedule.rate == pytest.approx(1e-6, rel=1e-15)
    schedule.rate = 1e-6
    assert schedule.reduce() is False


def test_adaptive_scalar_rate_broadcast_to_n_params():
    schedule = Adaptive(0.01, n_params=4)
    assert isinstance(schedule.rate, np.ndarray)
    assert schedule.rate.shape == (4,)
    np.testing.assert_array_equal(schedule.rate, [0.01] * 4)
    assert schedule.reduce() is True
    np.testing.assert_allclose(schedule.rate, [0.002] * 4, rtol=1e-15)


def test_adaptive_broadcast_copies_the_given_rates():
    rate = np.array([0.1, 0.2, 0.3])
    schedule = Adaptive(rate, n_params=3)
    assert schedule.reduce(np.array([True, False, False]))
    np.testing.assert_array_equal(rate, [0.1, 0.2, 0.3])


def test_adaptive_reduce_where_only_touches_selected_entries():
    schedule = Adaptive(0.1, n_params=5)
    where = np.array([False, True, True, False, False])
    assert schedule.reduce(where) is True
    np.testing.assert_allclose(schedule.rate, [0.1, 0.02, 0.02, 0.1, 0.1], rtol=1e-15)
    assert schedule.reduce(np.array([True, False, False, False, False])) is True
    np.testing.assert_allclose(schedule.rate, [0.02, 0.02, 0.02, 0.1, 0.1], rtol=1e-15)
    # reduce() without where reduces every entry
    assert schedule.reduce() is True
    np.testing.assert_allclose(
        schedule.rate, [0.004, 0.004, 0.004, 0.02, 0.02], rtol=1e-15
    )


def test_adaptive_where_decides_on_the_selected_entries_only():
    schedule = Adaptive(0.1, n_params=4)
    schedule.rate[:2] = 1e-6  # the first network is done, the second is not
    first = np.array([True, True, False, False])
    assert schedule.reduce(first) is False
    np.testing.assert_array_equal(schedule.rate, [1e-6, 1e-6, 0.1, 0.1])
    assert schedule.reduce(~first) is True
    np.testing.assert_allclose(schedule.rate, [1e-6, 1e-6, 0.02, 0.02], rtol=1e-15)


def test_adaptive_goes_on_while_any_selected_rate_is_above_1e_6():
    # per-layer rates: stops only once the largest is at most 1e-6
    schedule = Adaptive(np.array([1e-6, 1e-3]))
    assert schedule.reduce() is True
    np.testing.assert_allclose(schedule.rate, [2e-7, 2e-4], rtol=1e-15)


@pytest.mark.parametrize(
    "name, cls", [("constant", Constant), ("invscaling", InvScaling)]
)
def test_make_schedule(name, cls):
    schedule = make_schedule(name, 0.3, power_t=0.7)
    assert type(schedule) is cls
    assert schedule.rate == 0.3
    if cls is InvScaling:
        assert schedule.power_t == 0.7


def test_make_schedule_adaptive():
    schedule = make_schedule("adaptive", 0.3)
    assert type(schedule) is Adaptive
    assert schedule.rate == 0.3
    schedule = make_schedule("adaptive", 0.3, n_params=6)
    assert schedule.rate.shape == (6,)


def test_make_schedule_unknown_name():
    with pytest.raises(ValueError, match="unknown learning-rate schedule 'step'"):
        make_schedule("step", 0.1)


# ----------------------------------------------------------------------------
# the stopping rule


def test_stopping_rule_defaults():
    rule = StoppingRule(1e-4, 10)
    assert rule.best == math.inf
    assert rule.count == 0
    assert not rule.stalled
    rule = StoppingRule(1e-4, 10, maximize=True)
    assert rule.best == -math.inf
    rule = StoppingRule(1e-4, 10, best=0.5, count=3)
    assert rule.best == 0.5 and rule.count == 3


def test_stopping_rule_loss_minimizes():
    rule = StoppingRule(tol=0.1, n_iter_no_change=2)
    assert rule.update(1.0) is True  # anything beats inf
    assert rule.best == 1.0 and rule.count == 0
    assert rule.update(0.5) is True
    assert rule.count == 0
    # a new best by less than tol is recorded but does not count as progress
    assert rule.update(0.45) is True
    assert rule.best == 0.45 and rule.count == 1
    # worse: neither best nor progress
    assert rule.update(0.6) is False
    assert rule.best == 0.45 and rule.count == 2
    assert not rule.stalled
    assert rule.update(0.45) is False  # equal is not a new best
    assert rule.count == 3
    assert rule.stalled
    # a real improvement resets the count
    assert rule.update(0.2) is True
    assert rule.count == 0 and not rule.stalled


def test_stopping_rule_score_maximizes():
    rule = StoppingRule(tol=0.01, n_iter_no_change=1, maximize=True)
    assert rule.update(0.5) is True
    assert rule.count == 0
    assert rule.update(0.4) is False
    assert rule.best == 0.5 and rule.count == 1
    assert not rule.stalled
    assert rule.update(0.505) is True  # new best, but by less than tol
    assert rule.best == 0.505 and rule.count == 2
    assert rule.stalled
    assert rule.update(0.52) is True  # improves by more than tol
    assert rule.count == 0 and not rule.stalled


def test_stopping_rule_nan_score_is_no_improvement():
    rule = StoppingRule(tol=1e-4, n_iter_no_change=1, maximize=True)
    rule.update(0.8)
    assert rule.update(np.nan) is False
    assert rule.best == 0.8
    assert rule.count == 1
    assert rule.update(float("nan")) is False
    assert rule.count == 2 and rule.stalled
    assert rule.best == 0.8


def test_stopping_rule_nan_first_score_is_no_improvement():
    rule = StoppingRule(tol=1e-4, n_iter_no_change=0, maximize=True)
    assert rule.update(np.nan) is False
    assert rule.best == -math.inf
    assert rule.count == 1 and rule.stalled


@pytest.mark.parametrize("n_iter_no_change", [0, 1, 3, 7])
@pytest.mark.parametrize("maximize", [False, True], ids=["loss", "score"])
def test_stalled_after_n_iter_no_change_plus_one_stalls(n_iter_no_change, maximize):
    rule = StoppingRule(1e-3, n_iter_no_change, maximize=maximize)
    rule.update(1.0)  # the first value always improves
    for k in range(1, n_iter_no_change + 1):
        rule.update(1.0)
        assert rule.count == k
        assert not rule.stalled
    rule.update(1.0)
    assert rule.count == n_iter_no_change + 1
    assert rule.stalled


@pytest.mark.parametrize("maximize", [False, True], ids=["loss", "score"])
def test_count_reset_on_improvement(maximize):
    sign = 1.0 if maximize else -1.0
    rule = StoppingRule(0.01, 5, maximize=maximize, best=0.0, count=4)
    rule.update(0.0)
    assert rule.count == 5
    assert rule.update(sign * 0.5) is True
    assert rule.count == 0
    assert rule.best == sign * 0.5


def test_infinite_patience_never_stalls():
    rule = StoppingRule(0.1, math.inf)
    for _ in range(50):
        rule.update(1.0)
    assert rule.count == 49
    assert not rule.stalled


# ----------------------------------------------------------------------------
# cosine decay and warm-up


def test_cosine_decays_from_the_initial_rate_to_zero():
    rates = _rates(Cosine(0.2, 4), 6)
    expected = [0.2 * (1 + math.cos(math.pi * min(e, 4) / 4)) / 2 for e in range(6)]
    np.testing.assert_allclose(rates, expected, rtol=1e-15, atol=1e-18)
    assert rates[0] == 0.2 and rates[2] == pytest.approx(0.1)
    assert rates[4] == pytest.approx(0.0, abs=1e-17) and rates[5] == rates[4]
    assert Cosine.per_epoch


def test_cosine_per_parameter_rates_and_no_restart_on_plateau():
    schedule = Cosine(np.array([0.1, 0.4]), 2)
    schedule.epoch_end(5)
    np.testing.assert_allclose(schedule.rate, [0.05, 0.2])
    assert schedule.reduce() is False  # a plateau stops training


def test_cosine_needs_an_epoch():
    with pytest.raises(ValueError, match="n_epochs"):
        Cosine(0.1, 0)


def test_warmup_ramps_linearly_then_hands_over():
    schedule = Warmup(Constant(0.5), 4)
    assert schedule.rate_init == 0.5
    np.testing.assert_allclose(_rates(schedule, 7), [0.1, 0.2, 0.3, 0.4, 0.5, 0.5, 0.5])


def test_warmup_starts_the_inner_schedule_where_it_ends():
    # invscaling counts the samples seen since the warm-up ended
    warm = Warmup(InvScaling(1.0, power_t=0.5), 2)
    rates = _rates(warm, 5, samples_per_epoch=10)
    plain = _rates(InvScaling(1.0, power_t=0.5), 3, samples_per_epoch=10)
    np.testing.assert_allclose(rates, [1 / 3, 2 / 3, *plain], rtol=1e-15)
    # cosine decays over the epochs after the warm-up
    warm = _rates(Warmup(Cosine(0.3, 4), 3), 8)
    np.testing.assert_allclose(warm[3:], _rates(Cosine(0.3, 4), 5), rtol=1e-15)


def test_warmup_passes_plateaus_to_the_inner_schedule():
    warm = Warmup(Adaptive(np.full(3, 1.0)), 1)
    assert warm.rate[0] == 0.5
    assert warm.reduce(np.array([True, False, False])) is True
    np.testing.assert_allclose(warm.rate, [0.5 / ADAPTIVE_FACTOR, 0.5, 0.5])
    warm.epoch_end(10)
    np.testing.assert_allclose(warm.rate, [1 / ADAPTIVE_FACTOR, 1, 1])
    assert Warmup(Constant(1.0), 3).reduce() is False


@pytest.mark.parametrize(
    "make",
    [
        lambda: Constant(0.1),
        lambda: InvScaling(0.1, 0.5),
        lambda: Adaptive(0.1, 3),
        lambda: Cosine(0.1, 5),
        lambda: Warmup(Cosine(0.1, 5), 2),
        lambda: Warmup(Adaptive(0.1, 3), 2),
    ],
    ids=["constant", "invscaling", "adaptive", "cosine", "warm-cosine", "warm-adapt"],
)
def test_state_dict_continues_the_schedule(make):
    # an uninterrupted run of six epochs (a plateau after the second) against
    # three epochs, a save, a load into a fresh schedule and three more
    def run(schedule, epochs):
        rates = []
        for e in epochs:
            rates.append(np.copy(schedule.rate))
            if e == 1:
                schedule.reduce()
            schedule.epoch_end((e + 1) * 10)
        return rates

    expected = run(make(), range(6))
    first = make()
    head = run(first, range(3))
    second = make()
    second.load_state(first.state_dict())
    tail = run(second, range(3, 6))
    np.testing.assert_array_equal(np.array(head + tail), np.array(expected))


def test_state_of_another_schedule_is_refused():
    # a partial_fit after learning_rate changed starts a fresh optimizer
    with pytest.raises(KeyError):
        Cosine(0.1, 5).load_state(Adaptive(0.1).state_dict())
    with pytest.raises(KeyError):
        Adaptive(0.1).load_state(Cosine(0.1, 5).state_dict())


def test_make_schedule_cosine_and_warmup():
    schedule = make_schedule("cosine", 0.1, max_iter=10)
    assert isinstance(schedule, Cosine) and schedule.n_epochs == 10
    schedule = make_schedule("cosine", 0.1, max_iter=10, warmup_epochs=4)
    assert isinstance(schedule, Warmup) and schedule.n_epochs == 4
    assert isinstance(schedule.inner, Cosine) and schedule.inner.n_epochs == 6
    schedule = make_schedule("constant", 0.1, warmup_epochs=2)
    assert isinstance(schedule.inner, Constant)
    for max_iter in (None, 4, 3):
        with pytest.raises(ValueError, match="warm-up"):
            make_schedule("cosine", 0.1, max_iter=max_iter, warmup_epochs=4)
