"""What is sent: the robots' JSON bodies, the email, the digest's text. No I/O.

企业微信 (WeCom) and 钉钉 (DingTalk) group robots take the same ``text`` body; their ``markdown``
bodies differ. Both refuse a message over their size (WeCom: text 2048 bytes, markdown 4096;
DingTalk: 20000), so a long text is cut, with "……", rather than lost.
"""
import base64
import hashlib
import hmac
import re
import urllib.parse
from email.message import EmailMessage
from email.utils import formatdate

WECOM, DINGTALK = "wecom", "dingtalk"
LIMITS = {(WECOM, "text"): 2048, (WECOM, "markdown"): 4096, (DINGTALK, "text"): 20000, (DINGTALK, "markdown"): 20000}
CUT = "……"
DIGEST_TITLES = 20  # the newest items a digest names; the rest are counted


def cut(text, limit_bytes):
    """``text`` in at most ``limit_bytes`` of UTF-8, cut at a character and marked when cut."""
    if len(text.encode("utf-8")) <= limit_bytes:
        return text
    room = limit_bytes - len(CUT.encode("utf-8"))
    return text.encode("utf-8")[:room].decode("utf-8", "ignore") + CUT


def robot_body(kind, title, text, markdown=False):
    """The JSON a group robot accepts: text for one item, markdown for a digest."""
    if not markdown:
        return {"msgtype": "text", "text": {"content": cut(text, LIMITS[(kind, "text")])}}
    content = cut(text, LIMITS[(kind, "markdown")])
    if kind == DINGTALK:
        return {"msgtype": "markdown", "markdown": {"title": title, "text": content}}
    return {"msgtype": "markdown", "markdown": {"content": content}}


def dingtalk_signed(url, secret, timestamp_ms):
    """DingTalk's 加签: the URL with ``timestamp`` and ``sign``, the base64 HMAC-SHA256 of
    "<timestamp>\\n<secret>" keyed by the secret, URL-encoded."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode("utf-8"), hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest))
    return f"{url}{'&' if '?' in url else '?'}timestamp={timestamp_ms}&sign={sign}"


def message_id(key, host):
    """The same Message-ID for every send of one delivery: a mail system that drops repeats drops it."""
    return f"<{re.sub(r'[^A-Za-z0-9.-]', '.', key)}.wuji@{host}>"


def email(title, text, *, sender, recipients, key, host):
    message = EmailMessage()
    message["Subject"] = title
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = message_id(key, host)
    message.set_content(text, charset="utf-8")
    return message


def item_text(label, title):
    """One item pushed at once: its kind, then what to do."""
    return f"【五基·{label}】{title}"


def digest_text(day, open_by_kind, new_titles, new_total):
    """The day's digest (markdown): what is open by kind, then what came since the last digest.
    ``open_by_kind``: [(label, count)]; ``new_titles``: the newest titles (at most DIGEST_TITLES)."""
    lines = [f"### 五基 每日待办汇总（{day.month}月{day.day}日）", ""]
    if open_by_kind:
        lines.append("**尚未办结：**")
        lines += [f"- {label}：{count} 项" for label, count in open_by_kind]
        lines.append("")
    if new_titles:
        lines.append(f"**新增 {new_total} 项：**")
        lines += [f"- {title}" for title in new_titles]
        if new_total > len(new_titles):
            lines.append(f"- ……等 {new_total} 项")
        lines.append("")
    lines.append("请登录五基系统查看“待办”。")
    return "\n".join(lines)
