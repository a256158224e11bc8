"""Real OR-Tools solves on small integer problems."""

import dataclasses

import numpy as np
import pytest
from conftest import check_timeline

from routing.clock import Shift
from routing.config import FRIDAY, MON_THU
from routing.solver.problem import Problem, Vehicle
from routing.solver.solve import solve


def grid_problem(n=40, couriers=3, shift=MON_THU, service=300, urgent=(), seed=1, penalty=100_000):
    rng = np.random.default_rng(seed)
    pts = rng.uniform(0, 6000, (n + 1, 2))
    pts[0] = 3000
    travel = (np.abs(pts[:, None, :] - pts[None, :, :]).sum(-1) / (25 / 3.6)).astype(np.int64)
    pen = [0] + [penalty * (100 if i in urgent else 1) for i in range(1, n + 1)]
    return Problem(travel, (0,) + (service,) * n, tuple(pen),
                   tuple(Vehicle(f"K{v + 1:02d}", shift) for v in range(couriers)), 3600, (-1,) * (n + 1))


def test_all_stops_planned_within_shift_and_break():
    p = grid_problem()
    sol = solve(p, time_limit_s=2)
    assert not sol.dropped
    assert sorted(s.location for r in sol.routes for s in r) == list(range(1, 41))
    check_timeline(p, sol)


def test_fixed_cost_prefers_fewer_couriers():
    p = grid_problem(n=10, couriers=5)
    sol = solve(p, time_limit_s=2)
    assert sum(1 for r in sol.routes if r) == 1


def test_overfull_day_keeps_urgent_and_drops_ordinary():
    urgent = set(range(1, 61, 6))  # 10 urgent of 60
    p = grid_problem(n=60, couriers=1, service=600, urgent=urgent)
    sol = solve(p, time_limit_s=3)
    assert sol.dropped, "one courier cannot serve 60 stops of 10 minutes"
    assert not set(sol.dropped) & urgent
    check_timeline(p, sol)


def test_friday_hours():
    p = grid_problem(n=60, couriers=1, service=480, shift=FRIDAY)  # more work than one Friday holds
    sol = solve(p, time_limit_s=3)
    check_timeline(p, sol)
    assert sol.dropped
    assert MON_THU.end_s < sol.ends_s[0] <= FRIDAY.end_s  # the Friday half hour is used
    for r in sol.routes:
        for s in r:
            assert not (11 * 3600 + 1800 <= s.arrival_s < 13 * 3600)


def test_deterministic_mode_repeats_exactly():
    p = grid_problem(n=50, couriers=3)
    a = solve(p, time_limit_s=1, deterministic=True)
    b = solve(p, time_limit_s=1, deterministic=True)
    assert a == b


def test_max_stops_per_courier():
    p = grid_problem(n=12, couriers=3)
    p = Problem(p.travel_s, p.service_s, p.penalty, tuple(Vehicle(v.courier_id, v.shift, 5) for v in p.vehicles),
                p.fixed_cost, p.deadline_s)
    sol = solve(p, time_limit_s=2)
    assert not sol.dropped and max(len(r) for r in sol.routes) <= 5


def test_fits_alone_accounts_for_break():
    short = Shift(7 * 3600, 9 * 3600)
    p = grid_problem(n=2, couriers=1, shift=short)
    travel = p.travel_s.copy()
    travel[0, 1] = travel[1, 0] = 3000  # 50 min each way + 5 min service: fits in 2 h
    travel[0, 2] = travel[2, 0] = 3700
    p = Problem(travel, p.service_s, p.penalty, p.vehicles, 0, p.deadline_s)
    assert p.fits_alone(1, Vehicle("K1", short)) and not p.fits_alone(2, Vehicle("K1", short))
    with_break = Shift(7 * 3600, 9 * 3600 + 1800, 7 * 3600 + 600, 8 * 3600 + 600 + 1)
    assert not p.fits_alone(1, Vehicle("K1", with_break))


def test_problem_validation():
    with pytest.raises(ValueError, match="travel matrix"):
        Problem(np.zeros((2, 2), dtype=int), (0, 1, 2), (0, 1, 1), (Vehicle("K1", MON_THU),), 0, (-1, -1, -1))


def test_time_windows_and_capacity():
    import dataclasses

    p = grid_problem(n=20, couriers=3)
    windows = (None,) + tuple((30000 + i * 600, 30000 + i * 600 + 900) for i in range(1, 21))
    p = dataclasses.replace(p, windows=windows, demand=(0,) + (3,) * 20,
                            vehicles=tuple(dataclasses.replace(v, capacity=30) for v in p.vehicles))
    sol = solve(p, time_limit_s=2)
    assert not sol.dropped
    assert max(len(r) for r in sol.routes) <= 10  # 10 stops of 3 fill a capacity of 30
    for r in sol.routes:
        for s in r:
            lo, hi = windows[s.location]
            assert lo <= s.arrival_s <= hi
    with pytest.raises(ValueError, match="earliest <= latest"):
        dataclasses.replace(p, windows=(None,) + ((5, 1),) * 20)


def test_portfolio_is_no_worse_than_each_strategy_and_deterministic():
    from routing.solver.decompose import day_cost
    from routing.solver.solve import STRATEGIES, solve_portfolio

    p = grid_problem(n=40, couriers=3, seed=5)
    singles = [solve(p, 2, deterministic=True, first=name) for name in STRATEGIES]
    best = solve_portfolio(p, 6, deterministic=True, workers=2)  # 6 s for 40 stops: all six starts
    assert day_cost(p, best) == min(day_cost(p, s) for s in singles)
    assert best == solve_portfolio(p, 6, deterministic=True, workers=2)
    check_timeline(p, best)


def test_a_plan_starved_by_the_clock_is_searched_on_until_every_stop_is_placed():
    """A large day on a busy machine can come back with most stops dropped and couriers idle."""
    import numpy as np

    from routing.solver.problem import Problem, Solution, Stop, Vehicle
    from routing.solver.solve import complete, starved

    rng = np.random.default_rng(3)
    pts = rng.uniform(0, 4000, (61, 2))
    travel = (np.linalg.norm(pts[:, None] - pts[None], axis=2) / 6).astype(np.int64)
    n = len(pts)
    problem = Problem(travel, (0,) + (240,) * (n - 1), (0,) + (100_000,) * (n - 1),
                      tuple(Vehicle(f"K{k}", MON_THU) for k in range(4)), 3600, (-1,) * n)
    # What a timed-out first solution looks like: five stops on one route, the rest "dropped".
    t = MON_THU.start_s
    partial = Solution(((Stop(1, t + 600), Stop(2, t + 1200), Stop(3, t + 1800), Stop(4, t + 2400),
                         Stop(5, t + 3000)), (), (), ()), (t,) * 4, (t + 3600, t, t, t), tuple(range(6, n)), 0, "2")
    assert starved(problem, partial)
    done = complete(problem, partial, time_limit_s=2)
    assert not done.dropped and not starved(problem, done)
    assert sorted(s.location for r in done.routes for s in r) == list(range(1, n))
    full = Solution(done.routes, done.starts_s, done.ends_s, (7,), 0, "1")
    assert not starved(problem, dataclasses.replace(full, routes=tuple(r or (Stop(7, t),) for r in full.routes)))


@pytest.mark.parametrize("n", [1, 2, 5])
def test_a_tiny_deterministic_day_ends_at_its_optimum_not_at_the_safety_clock(n):
    """Found by bench/fuzz.py: --group-by desa --deterministic with a desa of one stop ran 600 s."""
    import subprocess
    import sys

    code = f"""
import numpy as np
from routing.config import MON_THU
from routing.solver.problem import Problem, Vehicle
from routing.solver.solve import solve
n = {n}
pts = np.random.default_rng(1).uniform(0, 3000, (n + 1, 2))
t = (np.linalg.norm(pts[:, None] - pts[None], axis=2) / 5).astype(np.int64)
p = Problem(t, (0,) + (300,) * n, (0,) + (100000,) * n, (Vehicle("K01", MON_THU),), 3600, (-1,) * (n + 1))
s = solve(p, 15, True)
print(len(s.dropped), sorted(x.location for r in s.routes for x in r))
"""
    # A subprocess with a timeout: the old behaviour did not fail, it ran to OR-Tools' 600 s clock.
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split(maxsplit=1) == ["0", f"{list(range(1, n + 1))}\n"]
