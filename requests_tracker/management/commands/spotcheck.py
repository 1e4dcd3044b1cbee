from requests_tracker.management.commands._job import JobCommand
from requests_tracker.tasks import spotcheck


class Command(JobCommand):
    help = "Run requests_tracker.tasks.spotcheck now: draw last week's random spot check (随机抽查)."
    task = spotcheck
