"""Register the demo's loopback client (演示回环客户端) with a published token, for trying the API."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from api import services
from api.models import ApiClient, ApiToken, token_digest

DEMO_CODE = "demo-loopback"
DEMO_PREFIX = "demo2026"
DEMO_SECRET = "Demo-2026-qiqing-api"
DEMO_TOKEN = f"qq_{DEMO_PREFIX}_{DEMO_SECRET}"
DEMO_WEBHOOK_SECRET = "Demo-2026-qiqing-webhook"
DEMO_WEBHOOK_PORT = 8765


class Command(BaseCommand):
    help = "注册演示用的回环接口客户端（令牌公开，仅供演示）。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="allow with DEBUG off (throw-away databases only)"
        )
        parser.add_argument("--webhook-port", type=int, default=DEMO_WEBHOOK_PORT)

    def handle(self, *args, force, webhook_port, **options):
        if not settings.DEBUG and not force:
            raise CommandError("api_demo_client writes a published token: refused while DEBUG is off.")
        if ApiClient.objects.filter(code=DEMO_CODE).exists():
            self.stdout.write("演示回环客户端已存在。")
            return
        client, _token = services.client_create(
            actor=None,
            name="演示回环客户端（12345 热线）",
            code=DEMO_CODE,
            all_towns=True,
            can_read_enterprises=True,
            webhook_url=f"http://127.0.0.1:{webhook_port}/webhook",
        )
        client.webhook_secret = DEMO_WEBHOOK_SECRET
        client.save(update_fields=["webhook_secret"])
        # The random first token is replaced by the published one, like the demo logins' password.
        token = client.tokens.get()
        ApiToken.objects.filter(pk=token.pk).update(prefix=DEMO_PREFIX, digest=token_digest(DEMO_SECRET))
        self.stdout.write(
            f"演示接口客户端（仅供演示）：令牌 {DEMO_TOKEN}，回调 {client.webhook_url}，签名密钥 {DEMO_WEBHOOK_SECRET}"
        )
