from requests_tracker.management.commands._job import JobCommand
from requests_tracker.tasks import auto_close


class Command(JobCommand):
    help = "Run requests_tracker.tasks.auto_close now (recorded on the jobs page with trigger=command)."
    task = auto_close
