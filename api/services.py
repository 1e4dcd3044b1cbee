"""Writes of the API: registering clients, issuing and revoking tokens, submitting by USCC.

An API submit is an ordinary ``request_submit`` by the client's service account, limited to the
client's town scope; ``external_ref`` makes it idempotent: one (client, reference) is one request.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from api import selectors, tokens
from api.models import ApiClient, ApiSubmission, ApiToken
from enterprises.validators import normalize_uscc, uscc_error
from qiqing import programme
from requests_tracker.models import Category, Request
from requests_tracker.services import request_submit


class Conflict(Exception):
    """The reference was already used for a submission with different content."""

    def __init__(self, message: str, request: Request):
        super().__init__(message)
        self.message = message
        self.request = request


class NotInScope(Exception):
    """No such enterprise in the client's scope (answered 404, existence does not leak)."""


# --- clients and tokens ----------------------------------------------------------------------
@transaction.atomic
def client_create(
    *,
    actor,
    name: str,
    code: str,
    towns: Iterable = (),
    all_towns: bool = False,
    can_submit: bool = True,
    can_read_status: bool = True,
    can_read_enterprises: bool = False,
    source: str = Request.Source.HOTLINE,
    rate_per_minute: int = 120,
    webhook_url: str = "",
) -> tuple[ApiClient, str]:
    """Register an external system with its service account and a first token: (client, token)."""
    client = ApiClient(
        name=(name or "").strip(),
        code=(code or "").strip(),
        all_towns=all_towns,
        can_submit=can_submit,
        can_read_status=can_read_status,
        can_read_enterprises=can_read_enterprises,
        source=source,
        rate_per_minute=rate_per_minute,
        webhook_url=webhook_url,
    )
    client.user = service_account(client)
    client.full_clean()
    client.save()
    client.towns.set(towns)
    _token, plain = token_issue(actor=actor, client=client)
    return client, plain


def service_account(client: ApiClient):
    """The inactive user a client acts as: named in request histories, never able to sign in."""
    User = get_user_model()
    user = User(username=f"api-{client.code}"[:150], first_name=client.name[:150], is_active=False)
    user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    return user


@transaction.atomic
def token_issue(*, actor, client: ApiClient, days: int | None = None) -> tuple[ApiToken, str]:
    """A new token for the client; the full token is returned once and never stored."""
    days = days or programme.value("api_token_days")
    plain, prefix, digest = tokens.generate()
    now = timezone.now()
    token = ApiToken.objects.create(
        client=client,
        prefix=prefix,
        digest=digest,
        created_at=now,
        expires_at=now + dt.timedelta(days=days),
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    return token, plain


def token_revoke(*, actor, token: ApiToken) -> bool:
    """Revoke a token at once; False when it was already revoked."""
    return bool(
        ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    )


def authenticate(token: str) -> tuple[ApiClient, ApiToken] | None:
    """The client of a usable token, or None (unknown, malformed, expired, revoked, client disabled)."""
    parts = tokens.split(token)
    if parts is None:
        return None
    prefix, secret = parts
    row = ApiToken.objects.usable().select_related("client", "client__user").filter(prefix=prefix).first()
    if row is None or not tokens.matches(secret, row.digest):
        return None
    now = timezone.now()
    # Written at most once a minute: a busy client must not turn every read into a write.
    if row.last_used_at is None or now - row.last_used_at > dt.timedelta(minutes=1):
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
    return row.client, row


# --- submission --------------------------------------------------------------------------------
def fingerprint(**fields) -> str:
    return hashlib.sha256(json.dumps(fields, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def api_request_submit(
    *,
    client: ApiClient,
    uscc: str,
    category: Category,
    description: str,
    external_ref: str,
    contact_name: str = "",
    contact_phone: str = "",
) -> tuple[Request, bool]:
    """Submit once per (client, external_ref): (request, created). A retry returns the first request.

    Two retries arriving at once are serialised on the client's row, so the second sees the first's
    submission; the unique constraint stays the last word should anything slip past the lock.
    """
    print_ = fingerprint(
        uscc=uscc,
        service_code=category.pk,
        description=(description or "").strip(),
        contact_name=contact_name,
        contact_phone=contact_phone,
    )
    try:
        with transaction.atomic():
            ApiClient.objects.select_for_update().filter(pk=client.pk).first()
            existing = _existing(client, external_ref, print_)
            if existing is not None:
                return existing, False
            enterprise = selectors.client_enterprises(client).filter(uscc=uscc).first()
            if enterprise is None:
                raise NotInScope()
            request = request_submit(
                actor=client.user,
                enterprise=enterprise,
                category=category,
                description=description,
                source=client.source,
                contact_name=contact_name,
                contact_phone=contact_phone,
                scope=selectors.client_enterprises(client),
            )
            ApiSubmission.objects.create(
                client=client, external_ref=external_ref, request=request, fingerprint=print_
            )
            return request, True
    except IntegrityError:
        existing = _existing(client, external_ref, print_)
        if existing is None:
            raise
        return existing, False


def _existing(client: ApiClient, external_ref: str, print_: str) -> Request | None:
    submission = (
        ApiSubmission.objects.select_related("request")
        .filter(client=client, external_ref=external_ref)
        .first()
    )
    if submission is None:
        return None
    if submission.fingerprint != print_:
        raise Conflict(
            _("external_ref“%(ref)s”已用于内容不同的另一次提交（诉求 %(request)s），请勿复用外部编号。")
            % {"ref": external_ref, "request": submission.request.ref},
            submission.request,
        )
    return submission.request


def check_uscc(value: str) -> str:
    """The normalised code, or ValidationError with the reason (length, character, check character)."""
    message = uscc_error(value)
    if message:
        raise ValidationError(message, code="invalid_uscc")
    return normalize_uscc(value)
