"""Simulated recorded days for the calibration tests: routes planned with the default clock and ridden in
a field whose clock the test chooses."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import numpy as np
from conftest import MONDAY

from routing.config import MON_THU, Settings
from routing.geo import LatLon
from routing.planfact import RouteFact, StopFact
from routing.solver.split import ride_end, serve_start

DOOR = LatLon(-7.55, 112.23)
#: The field's truth in these tests: 6.5 min a household, 1.5 min a card, main roads at 0.8 and local
#: roads at 0.65 of the configured speeds.
TRUTH = Settings(service_base_s=390, service_per_card_s=90, speed_factor_main=0.8, speed_factor_local=0.65)


def field(seed=1, routes=18, stops=30, truth=TRUTH, detours=0.0, main_share=0.5, noise=0.1, searched=0.0,
          door_spread=0.15, shifts=True):
    """Routes planned with the default clock and ridden in a field whose clock is ``truth``.

    Each ride times a log-normal noise (``noise``), a share of rides (``detours``) takes a 5-20 min
    detour, the break is taken as planned, a share of households (``searched``) is located by desa name
    (``truth.search_s`` to find the door), and each time at a door is the truth's within ``door_spread``.
    ``shifts=False`` gives them as a ledger of plans recorded before routes were kept.
    """
    rng = np.random.default_rng(seed)
    plan_clock = Settings()
    out = []
    for r in range(routes):
        t_plan = t_true = MON_THU.start_s
        facts = []
        for k in range(1, stops + 1):
            cards = int(rng.integers(1, 4))
            ride = int(rng.integers(60, 600))
            main = int(ride * main_share * rng.uniform(0, 2)) if main_share else 0
            main = min(main, ride)
            by_name = rng.random() < searched
            service = plan_clock.service_s(cards) + (plan_clock.search_s if by_name else 0)
            arrive = serve_start(MON_THU, ride_end(MON_THU, t_plan, ride), service)
            t_plan = arrive + service
            true_ride = (main / truth.speed_factor_main + (ride - main) / truth.speed_factor_local)
            true_ride *= rng.lognormal(0, noise)
            detour = rng.uniform(300, 1200)  # drawn always, so fields with and without detours share the rest
            if rng.random() < detours:
                true_ride += detour
            true_service = ((truth.service_s(cards) + (truth.search_s if by_name else 0))
                            * rng.uniform(1 - door_spread, 1 + door_spread))
            there = ride_end(MON_THU, t_true, round(true_ride))
            t_true = serve_start(MON_THU, there, round(true_service)) + round(true_service)
            facts.append(StopFact(k, cards, arrive, service, ride, main, ride * 6, "desa" if by_name else "coordinates",
                                  DOOR, t_true, "DT", DOOR, 8.0, f"K{r:02d}", ""))
        route = RouteFact(MONDAY + dt.timedelta(days=r % 3), f"K{r:02d}", tuple(facts), MON_THU, MON_THU.start_s,
                          t_plan, plan_clock.clock())
        out.append(route if shifts else replace(route, shift=None, start_s=None, end_s=None, clock={}))
    return out
