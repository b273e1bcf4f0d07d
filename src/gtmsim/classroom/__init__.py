"""The classroom: the projector dashboard (a live model in the browser) and its server."""
