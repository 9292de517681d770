"""Health probe for compose: ``python -m wuji_infra.health members`` exits 0 when ready: a service
answers its ping over the broker with its database at the newest migration; the gateway answers
``/health/ready``."""
import json
import sys
import time
import urllib.request

from nameko.standalone.rpc import ClusterRpcClient

from wuji_infra import access, config


def check(process, timeout=5):
    if process == "gateway":  # ready: its database at the newest migration, the broker reachable
        url = f"http://127.0.0.1:{config.env('GATEWAY_PORT')}/health/ready"
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return json.load(response)["status"] == "ready"
    context = access.context(access.context_secret(), access.SYSTEM, time.time() + timeout)
    with ClusterRpcClient(uri=config.amqp_uri(process), timeout=timeout, context_data=context) as cluster:
        return cluster[process].ping()["status"] == "ok"


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    try:
        healthy = check(argv[0])
    except Exception as exc:
        print(f"{argv[0]}: unhealthy: {exc}")
        return 1
    print(f"{argv[0]}: {'ok' if healthy else 'unhealthy'}")
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main())
