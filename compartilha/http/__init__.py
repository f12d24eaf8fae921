"""HTTP plumbing: everything between the WSGI server and the routes of `api` and `web`."""
