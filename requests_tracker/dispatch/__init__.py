"""Dispatch like a 12345 work-order desk (派单): the dispatch catalogue (派单目录) that pre-routes a
request by category (and town), numbered assignment batches (交办批次), and merged cases (并单:
children follow their parent's status). Models and reads live here; the writes are
``requests_tracker.dispatch.services``; batch figures are defined in ``analytics.metrics``.
"""
