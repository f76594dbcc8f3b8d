"""ratecard, the application: the ``ratecard`` command and the HTTP service, thin layers over
the exported names of :mod:`catalog` and :mod:`billing`."""

__all__: list[str] = []
