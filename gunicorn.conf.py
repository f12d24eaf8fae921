"""gunicorn settings used by `make run` (and recommended for production)."""

import multiprocessing
import os

from dotenv import find_dotenv, load_dotenv

load_dotenv(find_dotenv(usecwd=True))

bind = f"{os.environ.get('HOST') or '127.0.0.1'}:{os.environ.get('PORT') or '8000'}"
# Threads keep a worker answering small requests while others stream large files.
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count())
# A gthread worker gives a thread to a connection as soon as its first byte arrives (a
# connection silent for 5 s waits in the worker's poller instead), and the thread then
# reads the headers and the app reads the body: a client sending them slowly holds it.
# gunicorn has no setting that bounds that time, so each worker has enough threads for
# 64 such clients and room to spare; idle threads cost ~100 KiB each, and they are only
# started when needed. Beyond that, slow clients are nginx's to hold (docs/deploy.md).
threads = int(os.environ.get("GUNICORN_THREADS") or 128)
# Large uploads and downloads can take minutes; a worker moving bytes is not stuck.
timeout = 300
graceful_timeout = 30
# Idle kept-alive connections wait in the worker's poller, not in a thread. Longer than
# nginx's upstream keepalive_timeout (docs/nginx.conf), so nginx closes them first.
keepalive = 5
accesslog = "-"
# Link tokens and invitations are masked in the access log (compartilha/access_log.py).
logger_class = "compartilha.access_log.MaskedLogger"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# gunicorn 25+ opens a control socket at one fixed path per user ($HOME/.gunicorn/
# gunicorn.ctl): every server on the machine (tests and benchmarks start many) would take
# it from the one before. Nothing here uses `gunicornc`; signals still manage the server.
control_socket_disable = True


def address_to_open(bind: str, public_url: str = "") -> str | None:
    """The URL a person should open for a `bind` setting ("host:port", "[v6]:port", "host").

    PUBLIC_URL wins: it is the address links are built from. Otherwise the bound address,
    except that a wildcard or IPv6 address is shown as a name this machine accepts in
    `Host` (config.trusted_hosts: localhost, 127.0.0.1; Werkzeug cannot match [v6]).
    """
    if public_url:
        return public_url.rstrip("/") + "/"
    if bind.startswith(("unix:", "fd://")):
        return None
    if bind.startswith("["):  # [v6]:port
        host, _, rest = bind[1:].partition("]")
        port = rest.lstrip(":")
    elif bind.count(":") == 1:  # host:port
        host, port = bind.split(":")
    else:  # a host alone, or a bare IPv6 address
        host, port = bind, ""
    port = port or "8000"
    if host in ("", "0.0.0.0"):  # noqa: S104 - compared, not bound
        host = "127.0.0.1"
    elif ":" in host:
        host = "localhost"
    return f"http://{host}:{port}/"


def when_ready(server):
    # The one line `make run` must not bury: where to go next.
    url = address_to_open(server.cfg.bind[0], os.environ.get("PUBLIC_URL") or "")
    if url:
        server.log.info("Compartilha is running: open %s and create your first account", url)


def post_fork(server, worker):
    # glibc maps (and the kernel faults in) every buffer above 128 KiB afresh: reading large
    # request bodies cost ~420,000 page faults per GiB. The same as starting with
    # MALLOC_MMAP_THRESHOLD_=16777216 MALLOC_TRIM_THRESHOLD_=268435456 (which win if set).
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    if not name or "libc.so" not in name:
        return
    mallopt = ctypes.CDLL(name).mallopt
    if "MALLOC_TRIM_THRESHOLD_" not in os.environ:
        mallopt(-1, 256 * 1024 * 1024)  # M_TRIM_THRESHOLD
    if "MALLOC_MMAP_THRESHOLD_" not in os.environ:
        mallopt(-3, 16 * 1024 * 1024)  # M_MMAP_THRESHOLD
