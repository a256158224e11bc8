"""Households searched for in one desa are visited in RW/RT order, and only when that costs nothing."""

import dataclasses

import numpy as np
from conftest import rec

from routing.assemble import RouteDraft, in_search_order
from routing.config import MON_THU
from routing.geo import LatLon
from routing.geocode import Location
from routing.households import group_households
from routing.roads.snap import Snap
from routing.solver.problem import Problem, Vehicle
from routing.stops import LocatedStop

JABON = LatLon(-7.565, 112.212)
ELSEWHERE = LatLon(-7.560, 112.230)


def stop(k, rw, rt, precision="desa", point=JABON, desa="Jabon", dusun=""):
    (h,) = group_households([rec(k + 1, k, rw=rw, rt=rt, desa=desa, dusun=dusun, alamat=f"Gang {k}")])
    on_road = Snap(edge=0, reverse=-1, tail=0, head=1, fraction=0.0, distance_m=0, point=point)
    return LocatedStop(f"S{k:03d}", h, Location(point, precision), snap=on_road, snap_m=0)


def day(stops, service=(0, 300, 400, 500, 600, 700), deadline=None, windows=None):
    """A problem in which stops at the same point are 0 s apart and every other pair 120 s."""
    n = len(stops) + 1
    points = [None] + [s.location.point for s in stops]
    travel = np.array([[0 if (i == j or (i and j and points[i] == points[j])) else 120 for j in range(n)]
                       for i in range(n)])
    return Problem(travel, tuple(service[:n]), (0,) + (1000,) * (n - 1), (Vehicle("K01", MON_THU),), 3600,
                   tuple(deadline or (-1,) * n), windows=windows)


def draft(order, problem, start_s=8 * 3600):
    arrivals, t, prev = [], start_s, 0
    for i in order:
        t += int(problem.travel_s[prev, i]) + (problem.service_s[prev] if prev else 0)
        arrivals.append(t)
        prev = i
    return RouteDraft(Vehicle("K01", MON_THU), tuple(order), tuple(arrivals), start_s, t + 600, 0, 0)


def test_a_run_of_one_desa_is_put_in_rw_rt_order_with_the_same_end():
    stops = [stop(1, "3", "1"), stop(2, "10", "1"), stop(3, "1", "4"), stop(4, "", ""), stop(5, "1", "2")]
    problem = day(stops)
    d = draft([1, 2, 3, 4, 5], problem)
    out = in_search_order(d, stops, problem)
    # RW 1 (RT 2, RT 4), RW 3, RW 10 (numbers, not text), then the household without RW/RT.
    assert out.stops == (5, 3, 1, 2, 4)
    assert out.arrivals_s[0] == d.arrivals_s[0]
    for k in range(4):
        assert out.arrivals_s[k + 1] == out.arrivals_s[k] + problem.service_s[out.stops[k]]
    # The run ends when it ended: the courier leaves the desa at the same time.
    assert out.arrivals_s[-1] + problem.service_s[out.stops[-1]] == d.arrivals_s[-1] + problem.service_s[d.stops[-1]]


def test_runs_are_split_by_place_and_located_doors_stay_put():
    stops = [stop(1, "2", "1"), stop(2, "1", "1"), stop(3, "1", "1", precision="coordinates", point=ELSEWHERE),
             stop(4, "5", "1", desa="Jombatan", point=ELSEWHERE), stop(5, "4", "1", desa="Jombatan", point=ELSEWHERE)]
    problem = day(stops)
    out = in_search_order(draft([1, 2, 3, 4, 5], problem), stops, problem)
    assert out.stops == (2, 1, 3, 5, 4)
    # Two dusun of one desa are two places (two points): each keeps its own order.
    stops = [stop(1, "2", "1", "dusun", dusun="Caruk Kulon"), stop(2, "1", "1", "dusun", LatLon(-7.566, 112.209),
                                                                  dusun="Caruk Wetan")]
    problem = day(stops)
    assert in_search_order(draft([1, 2], problem), stops, problem).stops == (1, 2)


def test_a_run_with_a_deadline_window_or_break_keeps_the_solvers_order():
    stops = [stop(1, "3", "1"), stop(2, "2", "1"), stop(3, "1", "1")]
    problem = day(stops, deadline=(-1, -1, 10 * 3600, -1))
    assert in_search_order(draft([1, 2, 3], problem), stops, problem).stops == (1, 2, 3)
    problem = day(stops, windows=(None, None, None, (9 * 3600, 11 * 3600)))
    assert in_search_order(draft([1, 2, 3], problem), stops, problem).stops == (1, 2, 3)
    problem = day(stops)
    d = draft([1, 2, 3], problem)
    lunch = dataclasses.replace(d, arrivals_s=(d.arrivals_s[0], d.arrivals_s[1] + 3600, d.arrivals_s[2] + 3600))
    assert in_search_order(lunch, stops, problem).stops == (1, 2, 3)
    assert in_search_order(d, stops, problem).stops == (3, 2, 1)
