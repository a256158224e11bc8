"""Days of any size get a whole plan: the construction that cannot starve, PyVRP's proposals timed with the
real break, and the large-day path of ``solve_portfolio``. Real OR-Tools and PyVRP solves."""

import numpy as np
import pytest
from conftest import check_timeline

from routing.config import MON_THU
from routing.solver import hgs
from routing.solver.construct import construct, nearest_tour, time_route
from routing.solver.decompose import day_cost
from routing.solver.problem import Problem, Vehicle
from routing.solver.solve import WHOLE_DAY_MAX_STOPS, solve_portfolio

PENALTY = 10_000_000


def clustered_day(n, couriers, seed=1, deadlines=None):
    """Stops in desa clusters around the office, 4 min a stop plus 1 min a card, 25 km/h (as bench/solvers.py)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 6000, (max(4, n // 35), 2))
    pts = np.vstack([np.zeros(2), centres[rng.integers(len(centres), size=n)] + rng.normal(0, 450, (n, 2))])
    travel = np.rint(np.sqrt(((pts[:, None] - pts[None]) ** 2).sum(-1)) * 1.3 / (25 / 3.6)).astype(np.int64)
    service = (0, *(int(240 + 60 * c) for c in rng.choice([0, 1, 2, 3], n, p=[0.55, 0.25, 0.13, 0.07])))
    return Problem(travel, service, (0,) + (PENALTY,) * n,
                   tuple(Vehicle(f"K{k + 1:02d}", MON_THU) for k in range(couriers)), 3600,
                   deadlines or (-1,) * (n + 1))


def test_the_nearest_tour_visits_every_stop_once_riding_to_the_nearest_each_time():
    p = clustered_day(300, 6)
    tour = nearest_tour(p.travel_s, range(1, 301))
    assert sorted(tour) == list(range(1, 301))
    here, left = 0, set(tour)
    for stop in tour:
        assert p.travel_s[here, stop] == min(p.travel_s[here, j] for j in left)
        left.remove(stop)
        here = stop


def test_a_large_day_is_constructed_whole_and_every_route_keeps_the_shift_and_the_break():
    p = clustered_day(2000, 40)
    sol = construct(p)
    assert sol.dropped == ()
    assert sorted(s.location for r in sol.routes for s in r) == list(range(1, 2001))
    check_timeline(p, sol)


def test_constructed_times_are_what_the_break_rules_give():
    """A ride that crosses 12:00 pauses for the hour; a delivery never overlaps the break."""
    p = clustered_day(60, 2)
    route = nearest_tour(p.travel_s, range(1, 61))[:45]
    times = time_route(p, p.vehicles[0], route)
    assert times is not None
    arrivals, back = times
    b0, b1 = MON_THU.break_start_s, MON_THU.break_end_s
    for s, a in zip(route, arrivals):
        assert a + p.service_s[s] <= b0 or a >= b1
    assert any(a >= b1 for a in arrivals) and back <= MON_THU.end_s


def test_a_day_too_big_for_the_couriers_leaves_stops_out_only_when_every_courier_is_full():
    p = clustered_day(900, 4)
    sol = solve_portfolio(p, 6, workers=2)
    assert sol.dropped, "four couriers cannot serve 900 stops"
    assert all(sol.routes), "a courier was left idle while stops were left out"
    check_timeline(p, sol)
    for v, route in enumerate(sol.routes):
        assert sol.ends_s[v] >= MON_THU.end_s - 45 * 60, f"courier {v} back {MON_THU.end_s - sol.ends_s[v]} s early"


@pytest.mark.parametrize("n", [WHOLE_DAY_MAX_STOPS + 400, 2000])
def test_a_large_day_gets_a_whole_plan_within_a_short_budget(n):
    """OR-Tools' own starts had placed 84 of 1,000 stops after 5 s; this path places all of them."""
    p = clustered_day(n, n // 45)
    sol = solve_portfolio(p, 8, workers=2)
    assert sol.dropped == ()
    check_timeline(p, sol)
    assert day_cost(p, sol) < day_cost(p, construct(p)), "the search did not improve the constructed plan"


def test_pyvrp_routes_are_timed_with_the_break_and_keep_urgent_deadlines_after_it():
    n = 300
    deadlines = tuple(-1 if i == 0 or i % 10 else 14 * 3600 for i in range(n + 1))
    p = clustered_day(n, 8, seed=3, deadlines=deadlines)
    sol = hgs.search(p, 3, seed=1)
    assert sol.dropped == ()
    check_timeline(p, sol)
    arrival = {s.location: s.arrival_s for r in sol.routes for s in r}
    assert all(arrival[i] <= 14 * 3600 for i in range(10, n + 1, 10))


def test_pyvrp_starts_from_the_plan_it_is_given():
    """Started from the constructed plan (what ``solve_portfolio`` hands it), a short search is never worse
    than that plan; from PyVRP's own start the same few iterations are far from it."""
    p = clustered_day(700, 16, seed=4)
    built = construct(p)
    start = [[s.location for s in r] for r in built.routes]
    from_plan = hgs.search(p, 0, seed=1, iterations=50, initial=start)
    assert from_plan.dropped == ()
    check_timeline(p, from_plan)
    assert day_cost(p, from_plan) <= day_cost(p, built)
    own = hgs.search(p, 0, seed=1, iterations=50)
    assert day_cost(p, own) > day_cost(p, from_plan)
