"""Ask several services at once, each within its deadline: a report is whole or not at all."""
import logging

import eventlet
from nameko.exceptions import UnknownService

from gateway.errors import BROKER_ERRORS, ServiceUnavailable

log = logging.getLogger(__name__)

UNANSWERED = (ServiceUnavailable, UnknownService) + BROKER_ERRORS


def gather(c, calls):
    """``calls``: ``{key: (rpc name, *args)}`` -> ``{key: answer}``, asked in parallel.

    A service that does not answer in time makes the whole request a 503 naming
    every service missing: a report with a missing part is never handed out.
    Any other error (400, 403, 404...) is raised as it is.
    """
    pool = eventlet.GreenPool(max(len(calls), 1))
    threads = {key: pool.spawn(c.call_rpc, name, *args) for key, (name, *args) in calls.items()}
    answers, missing, failure = {}, [], None
    for key, thread in threads.items():
        try:
            answers[key] = thread.wait()
        except UNANSWERED:
            missing.append(calls[key][0].split(".", 1)[0])
        except Exception as exc:  # noqa: BLE001 - raised below, after every call has ended
            failure = failure or exc
    if missing:
        names = sorted(set(missing))
        log.warning("report not made: %s did not answer", ", ".join(names))
        raise ServiceUnavailable(
            f"{'、'.join(names)} 服务暂无响应，报表未生成，请稍后重试 ({', '.join(names)} did not answer)",
            {"services": names})
    if failure is not None:
        raise failure
    return answers
