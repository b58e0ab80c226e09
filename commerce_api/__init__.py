"""The shop behind the showroom: catalog and search over HTTP (issue 4); knows nothing of rendering."""
