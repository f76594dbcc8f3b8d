"""ratecard, the application over the two libraries :mod:`catalog` and :mod:`billing`.

It holds the ``ratecard`` command (:mod:`ratecard.cli`) and the HTTP service
(:mod:`ratecard.service`). It is thin: it parses, renders and
calls the functions the libraries export. Nothing in :mod:`catalog` or :mod:`billing`
imports it.
"""
