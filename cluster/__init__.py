"""Real servers on loopback for the tests, `make cluster` and the benchmarks: SeaweedFS as the
S3-compatible object store, app nodes (gunicorn + a scheduler each) behind nginx. Not part
of the installed package."""
