"""gunicorn settings used by `make run` (and recommended for production)."""

import multiprocessing
import os

from dotenv import find_dotenv, load_dotenv

load_dotenv(find_dotenv(usecwd=True))

bind = f"{os.environ.get('HOST') or '127.0.0.1'}:{os.environ.get('PORT') or '8000'}"
# Threads keep a worker answering small requests while others stream large files.
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count())
threads = int(os.environ.get("GUNICORN_THREADS") or 8)
# Large uploads and downloads can take minutes; a worker moving bytes is not stuck.
timeout = 300
graceful_timeout = 30
accesslog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


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
