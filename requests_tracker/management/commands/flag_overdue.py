from requests_tracker.management.commands._job import JobCommand
from requests_tracker.tasks import flag_overdue


class Command(JobCommand):
    help = "Run requests_tracker.tasks.flag_overdue now (recorded on the jobs page with trigger=command)."
    task = flag_overdue
