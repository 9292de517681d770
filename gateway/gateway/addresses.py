"""The client address a login is counted against (accounts.py, throttling).

It is the connection's peer (werkzeug ``request.remote_addr``). Only when that
peer is a proxy named in ``TRUSTED_PROXIES`` (addresses or networks, comma
separated; none by default) is ``X-Forwarded-For`` believed: then the client is
the last address in it that is not itself a trusted proxy. Anyone can send the
header, so believing it from anyone else would let a guesser pick its address.
"""
import functools
import ipaddress


@functools.lru_cache(maxsize=4)
def trusted_proxies(setting):
    """The networks of the ``TRUSTED_PROXIES`` setting; ValueError names a bad entry."""
    networks = []
    for part in (setting or "").split(","):
        if part.strip():
            try:
                networks.append(ipaddress.ip_network(part.strip(), strict=False))
            except ValueError:
                raise ValueError(f"TRUSTED_PROXIES: {part.strip()!r} is no IP address or network") from None
    return tuple(networks)


def client_address(request, trusted=()):
    peer = request.remote_addr
    if not peer or not _within(peer, trusted):
        return peer
    hops = [hop.strip() for hop in request.headers.get("X-Forwarded-For", "").split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _within(hop, trusted):
            return hop[:64]
    return hops[0][:64] if hops else peer


def _within(address, networks):
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)
