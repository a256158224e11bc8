"""The solver: a :class:`~routing.solver.problem.Problem` of plain integers in, a ``Solution`` out.

``problem`` (the integer model), ``split`` (giant-tour start), ``decompose`` (region-by-region
improvement) and ``solve`` (OR-Tools). It imports nothing of the project but
:mod:`routing.clock` (the courier's ``Shift``) and :mod:`routing.progress`.
"""
