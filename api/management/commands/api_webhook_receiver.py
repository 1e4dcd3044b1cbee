"""Listen on 127.0.0.1 for webhook pushes and print each one with its signature check."""

import json
import time

from django.core.management.base import BaseCommand

from api.management.commands.api_demo_client import DEMO_WEBHOOK_PORT, DEMO_WEBHOOK_SECRET
from api.receiver import Receiver


class Command(BaseCommand):
    help = "在 127.0.0.1 上接收回调推送并校验签名（演示用）。"

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=DEMO_WEBHOOK_PORT)
        parser.add_argument("--secret", default=DEMO_WEBHOOK_SECRET, help="the client's webhook secret")
        parser.add_argument("--seconds", type=int, default=0, help="stop after this many seconds (0: never)")

    def handle(self, *args, port, secret, seconds, **options):
        def show(headers, body, verified):
            payload = json.loads(body or b"{}")
            mark = "签名有效" if verified else "签名无效"
            self.stdout.write(
                f"[{mark}] {payload.get('service_request_id')} {payload.get('previous_status_code')} → "
                f"{payload.get('status_code')}：{payload.get('status_notes', '')}"
            )

        with Receiver(port=port, secret=secret, on_post=show) as receiver:
            self.stdout.write(f"正在接收回调：{receiver.url}（Ctrl-C 结束）")
            deadline = time.monotonic() + seconds if seconds else None
            try:
                while deadline is None or time.monotonic() < deadline:
                    time.sleep(0.5)
            except KeyboardInterrupt:
                pass
