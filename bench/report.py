"""Turns the benchmark's samples into bench/results/latest.md and a matplotlib chart."""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

MIB = 1024**2


def summary(values: list[float]) -> tuple[float, float, float]:
    return statistics.median(values), min(values), max(values)


def fmt(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:,.2f}"


def median_of(results: Any, test: str, system: str) -> float | None:
    values = results.samples.get((test, system))
    return statistics.median(values) if values else None


def reference(results: Any, test: str) -> float | None:
    """copyparty's figure for the same measurement (its PUT for a tus upload; its listing
    of 100 files for every listing)."""
    wanted = {"upload 1 GiB · tus PATCH": "upload 1 GiB · PUT",
              "download 1 GiB · share link": "download 1 GiB"}.get(test, test)
    if test.startswith("upload ") and test.endswith("GiB · tus PATCH"):
        wanted = test.replace("tus PATCH", "PUT")
    wanted = wanted.replace("1M rows", "100 rows")
    for (t, system), values in results.samples.items():
        if t == wanted and system.startswith("copyparty"):
            return statistics.median(values)
    return None


def ratio(test: str, value: float, ref: float | None) -> str:
    if ref is None or ref == 0:
        return ""
    lower_is_better = test.endswith("(s)") or " ms" in test
    return f"{(ref / value if lower_is_better else value / ref):.2f}×"


def table(results: Any) -> list[str]:
    lines = ["| measurement | system | median | min–max | vs copyparty | server CPU s/GiB "
             "user/sys |", "|---|---|---:|---:|---:|---:|"]
    for (test, system), values in results.samples.items():
        med, low, high = summary(values)
        ref = reference(results, test)
        cpu = results.cpu.get((test, system))
        cpu_text = ""
        if cpu:
            cpu_text = (f"{statistics.median(u for u, _ in cpu):.2f} / "
                        f"{statistics.median(s for _, s in cpu):.2f}")
        unit = "MB/s" if test.startswith(("upload", "download")) else ""
        lines.append(f"| {test} {unit} | {system} | {fmt(med)} | {fmt(low)}–{fmt(high)} | "
                     f"{ratio(test, med, ref)} | {cpu_text} |")
    return lines


def goals(results: Any) -> list[str]:
    m = lambda t, s: median_of(results, t, s) or 0.0  # noqa: E731
    up = "upload 1 GiB · "
    dl_best = max(m("download 1 GiB", "copyparty"), m("download 1 GiB", "nginx"))
    lines = []

    def goal(text: str, ours: float, theirs: float, ok: bool, detail: str) -> None:
        if ours and theirs:  # rows left out (BENCH_ONLY) have no goal line
            lines.append(f"| {text} | {'yes' if ok else '**no**'} | {detail} |")

    tus, cp_put = m(up + "tus PATCH", "compartilha"), m(up + "PUT", "copyparty")
    goal("tus 1 GiB ≥ 1.0× copyparty PUT", tus, cp_put, tus >= cp_put,
         f"{tus / (cp_put or 1):.2f}×")
    mp, cp_mp = m(up + "multipart", "compartilha"), m(up + "multipart", "copyparty")
    goal("multipart ≥ 1.0× copyparty multipart", mp, cp_mp, mp >= cp_mp,
         f"{mp / (cp_mp or 1):.2f}×")
    dl = m("download 1 GiB", "compartilha")
    goal("download ≥ 0.9× the faster of nginx and copyparty", dl, dl_best,
         dl >= 0.9 * dl_best, f"{dl / (dl_best or 1):.2f}×")
    for kind in ("unlimited", "limited"):
        link = m("download 1 GiB · share link", f"compartilha · {kind} link")
        goal(f"share link download ({kind}) ≥ 0.9× the faster of nginx and copyparty", link,
             dl_best, link >= 0.9 * dl_best, f"{link / (dl_best or 1):.2f}×")
    for mode in ("xargs -P16", "curl --parallel 16"):
        test = f"64 × 1 MiB · {mode} (s)"
        ours, theirs = m(test, "compartilha · multipart"), m(test, "copyparty · PUT")
        goal(f"64 × 1 MiB ({mode}) no slower than copyparty", ours, theirs, ours <= theirs,
             f"{ours:.3f} s vs {theirs:.3f} s")
    for what in ("compartilha · API listing", "compartilha · share page"):
        rps, p99 = m("100 rows · req/s", what), m("100 rows · p99 ms", what)
        goal(f"{what.split(' · ')[1]} (100 rows) ≥ 1,500 req/s, p99 ≤ 50 ms", rps, 1,
             rps >= 1500 and p99 <= 50, f"{rps:,.0f} req/s, p99 {p99:.1f} ms")
    page, page_1m = (m(f"{rows} · req/s", "compartilha · share page")
                     for rows in ("100 rows", "1M rows"))
    goal("share page with 1M rows ≥ 0.9× its 100-row figure", page_1m, page,
         page_1m >= 0.9 * page, f"{page_1m / (page or 1):.2f}×")
    idle = results.extra.get("rss_idle", 0) / MIB
    goal("idle worker RSS ≤ 64 MiB", idle, 1, idle <= 64, f"{idle:.0f} MiB")
    big = next((t for (t, _) in results.samples if t.endswith("GiB · tus PATCH")
                and not t.startswith(("upload 1 ", "S3"))), None)
    if big:
        ours, theirs = m(big, "compartilha"), m(big.replace("tus PATCH", "PUT"), "copyparty")
        goal(f"{big.split(' · ')[0]} tus ≥ copyparty PUT", ours, theirs, ours >= theirs,
             f"{ours:,.0f} vs {theirs:,.0f} MB/s")
    s3_up, s3_tus = (m(f"S3 upload 1 GiB · {how}", "compartilha → SeaweedFS")
                     for how in ("multipart", "tus PATCH"))
    boto_up = m("S3 upload 1 GiB · multipart", "boto3 → SeaweedFS, 8 MiB parts, 10 threads")
    goal("S3 upload ≥ boto3 with 10 threads", s3_up, boto_up, s3_up >= boto_up,
         f"{s3_up / (boto_up or 1):.2f}×")
    goal("tus on S3 ≥ 0.8× the S3 multipart upload", s3_tus, s3_up, s3_tus >= 0.8 * s3_up,
         f"{s3_tus / (s3_up or 1):.2f}×")
    s3_dl = m("S3 download 1 GiB", "compartilha → SeaweedFS")
    boto_dl = m("S3 download 1 GiB", "boto3 ← SeaweedFS, 1 stream")
    goal("S3 download ≥ 0.9× boto3 one stream", s3_dl, boto_dl, s3_dl >= 0.9 * boto_dl,
         f"{s3_dl / (boto_dl or 1):.2f}×")
    if "rss_big" in results.extra:
        growth = (results.extra["rss_big"] - results.extra["rss_big_start"]) / MIB
        goal("worker RSS grows < 64 MiB during the big upload", 1, 1, growth < 64,
             f"{growth:.1f} MiB")
    return ["| goal | holds | figure |", "|---|---|---|", *lines]


def memory(ex: dict[str, Any]) -> list[str]:
    parts = [f"idle worker: {ex['rss_idle'] / MIB:.0f} MiB"]
    if "rss_upload" in ex:
        parts.append(f"peak during (a) uploads: {ex['rss_upload'] / MIB:.0f} MiB")
    if "rss_download" in ex:
        parts.append(f"during (b) downloads: {ex['rss_download'] / MIB:.0f} MiB")
    if "rss_big" in ex:
        parts.append(f"during the big upload: {ex['rss_big_start'] / MIB:.0f} → "
                     f"{ex['rss_big'] / MIB:.0f} MiB (largest worker)")
    lines = ["- " + "; ".join(parts)]
    if "fill_seconds" in ex:
        lines.append(f"- 1,000,000 rows bulk-inserted into `arquivos` in "
                     f"{ex['fill_seconds']:.1f} s")
    return lines


def write(results: Any, markdown: Path, chart: Path, rounds: int) -> None:
    machine = results.extra["machine"]
    ex = results.extra
    rss = memory(ex)
    text = [
        "# Benchmark: Compartilha vs copyparty vs nginx (loopback)", "",
        f"{machine['date']} · {machine['cpu']} · {machine['memory']} RAM · Linux "
        f"{machine['kernel']} · Python {machine['python']} · load average at start "
        f"{machine['load']} (a shared machine: compare systems within this run only)", "",
        f"{rounds} rounds, systems alternating within each round; median and min–max. "
        "MB = 10^6 bytes. Compartilha runs as docs/deploy.md recommends (gunicorn -c "
        "gunicorn.conf.py: gthread, a worker per core) on SQLite; copyparty with its "
        "defaults; nginx with WebDAV PUT and sendfile. Clients: curl with `Expect:` off, "
        "wrk -t2 -c32. Ratios: higher is better for Compartilha (times and latencies "
        "inverted). Full run: " f"{ex['minutes']:.1f} min.", "",
        *table(results), "", *ex.get("notes", []), "", "## Memory", "", *rss, "",
        "## Goals", "", *goals(results), "",
        f"![chart]({chart.name})", ""]
    markdown.write_text("\n".join(text))
    draw(results, chart)


def draw(results: Any, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(14, 6))
    groups = [("MB/s (1 GiB)", lambda t: t.startswith(("upload 1", "download"))),
              ("req/s (wrk -c32)", lambda t: t.endswith("req/s"))]
    for ax, (title, keep) in zip(axes, groups, strict=True):
        items = [(f"{t}\n{s}", statistics.median(v))
                 for (t, s), v in results.samples.items() if keep(t)]
        colors = ["#2b7a78" if "compartilha" in label else "#999999" for label, _ in items]
        ax.barh([label for label, _ in items], [v for _, v in items], color=colors)
        ax.invert_yaxis()
        ax.set_title(title)
        ax.tick_params(axis="y", labelsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
