"""Roads: an OpenStreetMap network in, flat arrays out.

``network`` (motorbike access, speeds, the flat :class:`~routing.roads.network.RoadNetwork`,
its cache), ``_osmnx`` (every call into osmnx), ``matrix`` (snapping, travel matrices, leg
shapes), ``roadstats`` (km of road by class) and ``streets`` (the streets around a plan's routes).
Nothing here knows about cards, couriers or the solver.
"""
