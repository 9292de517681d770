"""The office's channels: a group robot's webhook (企业微信 or 钉钉) and email over SMTP.

Configured by the environment (wuji_infra.config: NOTIFY_WEBHOOK_URL, SMTP_URL, NOTIFY_EMAIL_TO …)
and, over it, by the admin in the policy (``channels``: webhook_url, webhook_kind, email_to).
``send`` makes one attempt and raises ChannelError with the reason when it did not land.
"""
import dataclasses
import smtplib
import ssl
import time
import urllib.parse

import requests

from notifications.domain import messages
from wuji_infra.config import env

WEBHOOK, EMAIL = "webhook", "email"
CHANNELS = (WEBHOOK, EMAIL)
HOSTS = {"qyapi.weixin.qq.com": messages.WECOM, "oapi.dingtalk.com": messages.DINGTALK}


class ChannelError(Exception):
    """A push that did not land; the text says why (kept in the delivery log)."""


@dataclasses.dataclass(frozen=True)
class ChannelSettings:
    webhook_url: str | None = None
    webhook_kind: str | None = None
    webhook_secret: str | None = None
    smtp_url: str | None = None
    email_to: tuple = ()
    email_from: str | None = None
    retry_seconds: tuple = (30, 120, 600, 1800, 7200)
    timeout: float = 10.0

    @property
    def kind(self):
        """wecom or dingtalk: as set, else from the webhook's host, else wecom."""
        host = urllib.parse.urlsplit(self.webhook_url or "").hostname or ""
        return self.webhook_kind or HOSTS.get(host, messages.WECOM)


def _addresses(text):
    return tuple(address.strip() for address in (text or "").split(",") if address.strip())


def settings_from_env():
    """The channels as the environment sets them; ValueError for a value that cannot work."""
    webhook_url, smtp_url = env("NOTIFY_WEBHOOK_URL"), env("SMTP_URL")
    if webhook_url and urllib.parse.urlsplit(webhook_url).scheme not in ("http", "https"):
        raise ValueError(f"NOTIFY_WEBHOOK_URL must be an http(s) URL, not {webhook_url!r}")
    kind = env("NOTIFY_WEBHOOK_KIND")
    if kind and kind not in (messages.WECOM, messages.DINGTALK):
        raise ValueError(f"NOTIFY_WEBHOOK_KIND must be wecom or dingtalk, not {kind!r}")
    if smtp_url and urllib.parse.urlsplit(smtp_url).scheme not in ("smtp", "smtps"):
        raise ValueError("SMTP_URL must be smtp://user:password@host:port or smtps://…")
    try:
        retry_seconds = tuple(int(part) for part in env("NOTIFY_RETRY_SECONDS").split(","))
        timeout = float(env("NOTIFY_TIMEOUT_SECONDS"))
    except ValueError:
        raise ValueError("NOTIFY_RETRY_SECONDS must be whole seconds separated by commas, "
                         "NOTIFY_TIMEOUT_SECONDS a number") from None
    if not retry_seconds or min(retry_seconds) < 0 or timeout <= 0:
        raise ValueError("NOTIFY_RETRY_SECONDS needs at least one wait, none negative; NOTIFY_TIMEOUT_SECONDS > 0")
    return ChannelSettings(webhook_url=webhook_url, webhook_kind=kind, webhook_secret=env("NOTIFY_WEBHOOK_SECRET"),
                           smtp_url=smtp_url, email_to=_addresses(env("NOTIFY_EMAIL_TO")),
                           email_from=env("NOTIFY_EMAIL_FROM"), retry_seconds=retry_seconds, timeout=timeout)


def in_force(settings, overrides):
    """``settings`` with the admin's channels over them (None keeps the environment's)."""
    overrides = overrides or {}
    changes = {name: overrides[name] for name in ("webhook_url", "webhook_kind") if overrides.get(name)}
    if overrides.get("email_to"):
        changes["email_to"] = tuple(overrides["email_to"])
    return dataclasses.replace(settings, **changes)


def configured(settings):
    """The channels that can send: a webhook set; email with a server and an address."""
    return tuple(name for name, ready in ((WEBHOOK, settings.webhook_url),
                                          (EMAIL, settings.smtp_url and settings.email_to)) if ready)


def send(settings, channel, title, text, key, markdown=False):
    """One attempt to push; ChannelError when it did not land."""
    try:
        if channel == WEBHOOK:
            _post_to_robot(settings, title, text, markdown)
        else:
            _mail(settings, title, text, key)
    except ChannelError:
        raise
    except (requests.RequestException, smtplib.SMTPException, OSError) as exc:
        raise ChannelError(f"{type(exc).__name__}: {exc}"[:1000]) from exc


def _post_to_robot(settings, title, text, markdown):
    url = settings.webhook_url
    if settings.kind == messages.DINGTALK and settings.webhook_secret:
        url = messages.dingtalk_signed(url, settings.webhook_secret, int(time.time() * 1000))
    response = requests.post(url, json=messages.robot_body(settings.kind, title, text, markdown),
                             timeout=(settings.timeout, settings.timeout))
    if not 200 <= response.status_code < 300:
        raise ChannelError(f"HTTP {response.status_code}: {response.text[:300]}")
    try:
        answer = response.json()
    except ValueError:
        raise ChannelError(f"not the robot's JSON answer: {response.text[:300]}") from None
    # both robots answer 200 with errcode on a refusal (45009, 130101: too many messages)
    if isinstance(answer, dict) and answer.get("errcode", 0) != 0:
        raise ChannelError(f"errcode {answer.get('errcode')}: {answer.get('errmsg', '')}"[:500])


def _mail(settings, title, text, key):
    parts = urllib.parse.urlsplit(settings.smtp_url)
    host = parts.hostname
    sender = settings.email_from or f"wuji@{host}"
    message = messages.email(title, text, sender=sender, recipients=settings.email_to, key=key, host=host)
    if parts.scheme == "smtps":
        server = smtplib.SMTP_SSL(host, parts.port or 465, timeout=settings.timeout,
                                  context=ssl.create_default_context())
    else:
        server = smtplib.SMTP(host, parts.port or 25, timeout=settings.timeout)
    with server:
        if parts.scheme == "smtp":
            server.ehlo()
            if server.has_extn("starttls"):
                server.starttls(context=ssl.create_default_context())
                server.ehlo()
        if parts.username:
            server.login(urllib.parse.unquote(parts.username), urllib.parse.unquote(parts.password or ""))
        server.send_message(message)
