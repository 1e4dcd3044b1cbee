"""Ratings that can be trusted (评价可信): callbacks (回访), weekly random spot checks (抽查) and
appeals of ratings (申诉复核). Models, reads and pages live here; the writes are
``requests_tracker.services.trust`` like every other request service; the figures are defined in
``analytics.metrics`` (``trust_grouped``).
"""
