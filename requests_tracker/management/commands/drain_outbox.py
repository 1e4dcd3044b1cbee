from requests_tracker.management.commands._job import JobCommand
from requests_tracker.tasks import drain_outbox


class Command(JobCommand):
    help = "Run requests_tracker.tasks.drain_outbox now (recorded on the jobs page with trigger=command)."
    task = drain_outbox
    accepts_date = False
