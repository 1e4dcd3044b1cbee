"""A fingerprint of the county's records, computed through the ORM so that the original database
and a restored copy (read by another process) are compared with the same code and the same types.

Run as ``python -m tests.drills.history`` with DATABASE_URL pointing at a copy: prints it as JSON.
"""

from __future__ import annotations

import hashlib
import json


def fingerprint() -> dict:
    """Every request with its status and full event history (count + a checksum), and table sizes."""
    from qiqing.models import Notification
    from requests_tracker.models import Request, RequestEvent
    from visits.models import Visit

    requests = {
        ref: [status, 0, hashlib.sha256()] for ref, status in Request.objects.values_list("ref", "status")
    }
    events = RequestEvent.objects.order_by("request__ref", "at", "pk").values_list(
        "request__ref", "pk", "at", "action", "from_status", "to_status", "actor_id", "note", "public", "data"
    )
    for ref, *row in events.iterator(chunk_size=5000):
        entry = requests[ref]
        entry[1] += 1
        entry[2].update(json.dumps(row, default=str, ensure_ascii=False, sort_keys=True).encode())
    return {
        "requests": {ref: [status, n, digest.hexdigest()] for ref, (status, n, digest) in requests.items()},
        "counts": {
            "visits": Visit.objects.count(),
            "events": RequestEvent.objects.count(),
            "notifications": Notification.objects.count(),
        },
    }


if __name__ == "__main__":
    import django

    django.setup()
    print(json.dumps(fingerprint(), ensure_ascii=False))
