"""Catalog, cart, checkout and accounts over HTTP (issue 4); nothing here yet."""
