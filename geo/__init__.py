"""Where complaints concentrate: h3 grids, Gi* hotspots with FDR, and the map page."""
