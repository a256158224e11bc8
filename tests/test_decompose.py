"""Large-day search: giant-tour split and region-by-region improvement, with real OR-Tools solves."""

import dataclasses
import itertools

import numpy as np
import pytest

import routing.solver.solve as solve_mod
from routing.config import MON_THU
from routing.solver.decompose import (
    day_cost,
    decomposable,
    merge,
    objective,
    region,
    route_groups,
)
from routing.solver.problem import Problem, Solution, Stop, Vehicle
from routing.solver.solve import solve, solve_portfolio
from routing.solver.split import applies, best_split, ride_end, serve_start, split
from conftest import check_timeline


def clustered_problem(n=60, couriers=6, seed=3, service=900):
    """Desa-like clusters around an office, long service so that a day needs several couriers."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 5000, (5, 2))
    pts = np.vstack([[0, 0]] + [centres[rng.integers(5)] + rng.normal(0, 400, 2) for _ in range(n)])
    travel = np.rint(np.sqrt(((pts[:, None] - pts[None]) ** 2).sum(-1)) * 1.3 / (25 / 3.6)).astype(np.int64)
    return Problem(travel, (0,) + (service,) * n, (0,) + (10_000_000,) * n,
                   tuple(Vehicle(f"K{v}", MON_THU) for v in range(couriers)), 3600, (-1,) * (n + 1))


def simulate(p, route):
    """End of a route ridden from the shift start, the way the split counts it."""
    v = p.vehicles[0]
    t, prev = v.shift.start_s, v.start
    for stop in route:
        arrive = ride_end(v.shift, t, int(p.travel_s[prev, stop]))
        t = serve_start(v.shift, arrive, p.service_s[stop]) + p.service_s[stop]
        prev = stop
    return ride_end(v.shift, t, int(p.travel_s[prev, v.end]))


def test_break_pauses_a_ride_and_no_delivery_overlaps_it():
    s = MON_THU
    assert ride_end(s, s.break_start_s - 60, 120) == s.break_start_s + 60 + s.break_s
    assert ride_end(s, s.break_start_s - 600, 120) == s.break_start_s - 480
    assert serve_start(s, s.break_start_s - 100, 300) == s.break_end_s
    assert serve_start(s, s.break_start_s - 300, 300) == s.break_start_s - 300


def test_split_is_the_cheapest_cutting_of_the_tour():
    p = clustered_problem(n=11, couriers=11, service=3600)
    tour = list(range(1, 12))
    routes, cost = split(p, tour)
    assert [i for r in routes for i in r] == tour
    # Every way of cutting 11 stops in order (2^10), checked by brute force.
    best = None
    for cuts in itertools.product((0, 1), repeat=10):
        parts, cur = [], [tour[0]]
        for stop, c in zip(tour[1:], cuts):
            if c:
                parts.append(cur)
                cur = []
            cur.append(stop)
        parts.append(cur)
        ends = [simulate(p, r) for r in parts]
        if max(ends) <= MON_THU.end_s:
            c = sum(3600 + e - MON_THU.start_s for e in ends)
            best = c if best is None else min(best, c)
    assert cost == best
    assert all(simulate(p, r) <= MON_THU.end_s for r in routes)


def test_split_refuses_a_tour_that_needs_more_couriers_than_there_are():
    p = clustered_problem(n=20, couriers=1)
    assert split(p, list(range(1, 21))) is None
    assert best_split(p, list(range(1, 21))) is None


def test_split_applies_only_to_a_uniform_fleet_without_windows_or_deadlines():
    p = clustered_problem(n=10, couriers=2)
    assert applies(p)
    assert not applies(dataclasses.replace(p, deadline_s=(-1, 10 * 3600) + (-1,) * 9))
    assert not applies(dataclasses.replace(p, vehicles=(p.vehicles[0], Vehicle("K9", MON_THU, max_stops=3))))


def test_cost_of_routes_matches_what_or_tools_reports():
    p = clustered_problem(n=40, couriers=6)
    sol = solve(p, 2, deterministic=True)
    routes = [[s.location for s in r] for r in sol.routes]
    assert objective(p, routes, sol.dropped) == sol.objective


def test_day_cost_counts_each_working_day_from_the_shift_start_and_stops_left_out():
    p = clustered_problem(n=3, couriers=3)
    start = MON_THU.start_s
    # Back at 11:00 (no break), and back at 15:00 having left 5 min late (7.5 h, the break included).
    sol = Solution(((Stop(1, 28_000),), (Stop(2, 30_000),), ()), (start, start + 300, 0),
                   (11 * 3600, 15 * 3600, 0), (3,), 0, "test")
    assert day_cost(p, sol) == 2 * 3600 + (11 * 3600 - start) + (15 * 3600 - start) + 10_000_000
    assert day_cost(p, sol, vehicles=[0], left_out=[]) == 3600 + 11 * 3600 - start


def test_regions_cover_every_route_and_stop_once_and_merge_back():
    p = clustered_problem(n=60, couriers=6)
    day = solve(p, 2, deterministic=True)
    routes = [[s.location for s in r] for r in day.routes]
    groups = route_groups(p, routes, [], 25, np.random.default_rng(0))
    used = [v for vs, _ in groups for v in vs]
    assert sorted(used) == [v for v, r in enumerate(routes) if r]
    regions = [region(p, routes, vs, extra) for vs, extra in groups]
    assert sum(r.problem.n_stops for r in regions) == 60
    solved = [solve(r.problem, 1, deterministic=True, initial=r.routes) for r in regions]
    for r, s in zip(regions, solved):  # started from the current routes, so never worse
        assert s.objective <= objective(r.problem, r.routes, [])
    merged = merge(day, regions, solved, p)
    seen = sorted([s.location for r in merged.routes for s in r] + list(merged.dropped))
    assert seen == list(range(1, 61))
    assert merged.objective <= day.objective
    check_timeline(p, merged)


def test_region_keeps_couriers_homes_and_their_stops_apart():
    base = clustered_problem(n=30, couriers=2)
    # A home after the stops (location 31): the region renumbers it but rides the same roads.
    travel = np.pad(base.travel_s, ((0, 1), (0, 1)))
    travel[31, :31], travel[:31, 31] = base.travel_s[5], base.travel_s[:, 5]
    p = dataclasses.replace(base, travel_s=travel, service_s=base.service_s + (0,), penalty=base.penalty + (0,),
                            deadline_s=base.deadline_s + (-1,), stops=30,
                            vehicles=(Vehicle("K0", MON_THU, start=31, end=31), Vehicle("K1", MON_THU)))
    day = solve(p, 2, deterministic=True)
    routes = [[s.location for s in r] for r in day.routes]
    reg = region(p, routes, [0, 1])
    assert reg.locations[reg.problem.vehicles[0].start] == 31
    assert reg.problem.n_stops == sum(map(len, routes))
    assert objective(reg.problem, reg.routes, []) == objective(p, routes, day.dropped) - sum(
        p.penalty[i] for i in day.dropped)


def test_dropped_stops_go_to_exactly_one_region():
    p = clustered_problem(n=40, couriers=6)
    routes = [[s.location for s in r] for r in solve(p, 1, deterministic=True).routes]
    dropped = [routes[0].pop(), routes[1].pop()] if routes[1] else [routes[0].pop()]
    groups = route_groups(p, routes, dropped, 10, np.random.default_rng(1))
    assert sorted(i for _, extra in groups for i in extra) == sorted(dropped)


def test_balance_and_keep_together_days_are_searched_whole():
    p = clustered_problem(n=10, couriers=2)
    assert decomposable(p)
    assert not decomposable(dataclasses.replace(p, balance_cost=1))
    assert not decomposable(dataclasses.replace(p, keep_together=((1, 2),), keep_together_cost=100))


@pytest.fixture
def small_regions(monkeypatch):
    """Region search on a day small enough for a unit test."""
    monkeypatch.setattr(solve_mod, "REGION_MIN_STOPS", 40)
    monkeypatch.setattr(solve_mod, "REGION_STOPS", 20)
    monkeypatch.setattr(solve_mod, "REGION_SECONDS", 1)


def test_large_day_search_plans_every_stop_and_is_deterministic(small_regions):
    p = clustered_problem(n=60, couriers=6)
    a = solve_portfolio(p, 4, deterministic=True, workers=1)
    assert not a.dropped
    assert sorted(s.location for r in a.routes for s in r) == list(range(1, 61))
    check_timeline(p, a)
    assert a.objective == objective(p, [[s.location for s in r] for r in a.routes], [])
    assert a == solve_portfolio(p, 4, deterministic=True, workers=1)


def test_large_day_search_on_two_cores_is_complete_and_deterministic(small_regions):
    p = clustered_problem(n=60, couriers=6, seed=5)
    a = solve_portfolio(p, 4, deterministic=True, workers=2)
    assert sorted(s.location for r in a.routes for s in r) == list(range(1, 61))
    check_timeline(p, a)
    assert a == solve_portfolio(p, 4, deterministic=True, workers=2)


def test_region_search_never_makes_the_day_worse(small_regions, monkeypatch):
    p = clustered_problem(n=60, couriers=6, seed=8)
    monkeypatch.setattr(solve_mod, "REGION_ROUNDS", 0)
    whole = solve_portfolio(p, 4, deterministic=True, workers=1)
    monkeypatch.setattr(solve_mod, "REGION_ROUNDS", 3)
    improved = solve_portfolio(p, 4, deterministic=True, workers=1)
    assert day_cost(p, improved) <= day_cost(p, whole)
    check_timeline(p, improved)


def test_giant_tour_start_gives_a_complete_plan_in_the_shifts():
    p = clustered_problem(n=50, couriers=6)
    sol = solve_mod._giant_tour(p, 3, True, 200, descent_only=False)
    assert not sol.dropped
    check_timeline(p, sol)
