"""HTML maps for couriers and the dispatch officer: the only package that imports folium."""
