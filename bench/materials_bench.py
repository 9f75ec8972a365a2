"""Materials benchmark: poster rendering and the public landing page, on the embedded default.

1. Poster 1080×1920 for one RM through the real service (token, render, cache write):
   p50/p95 uncached, then cached (the repeat is a file read).
2. Batch: posters/s for --rms RMs (default 100; the issue's size is 1,500) in 1 process and
   across --processes (default 2) with a process pool, after a template change so all miss.
3. GET /s/{token} under --clients (default 50) concurrent clients on gunicorn: requests/s,
   p50/p95, queries per request. Visitors are drawn from a pool so de-duplication is exercised.

Runs on SQLite and media under a temporary var/ directory. Figures are printed, never asserted.

    .venv/bin/python bench/materials_bench.py [--rms 100] [--processes 2] [--clients 50] [--requests 5000]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.harness import PASSWORD, LoadResult, gunicorn, hammer  # noqa: E402


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[max(0, int(len(values) * p) - 1)] * 1000


def setup_django(var_dir: str) -> None:
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("REDIS_URL", None)
    os.environ.update(
        {"RM_VAR_DIR": var_dir, "DJANGO_SETTINGS_MODULE": "rm_portal.settings", "LOG_LEVEL": "WARNING"}
    )
    import django

    from rm_portal.bootstrap import prepare_embedded

    prepare_embedded()  # var/ and the embedded secret key, as manage.py does
    django.setup()


def make_rms(count: int) -> list[int]:
    """Bench RMs created in bulk (no password hashing: nobody logs in as them)."""
    from django.contrib.auth.models import User

    from rm_portal.org.models import Branch, Role, Staff

    branch = Branch.objects.get(code="B01")
    users = User.objects.bulk_create(
        [User(username=f"bench{i:05d}", password="!") for i in range(count)], batch_size=500
    )
    users = list(User.objects.filter(username__startswith="bench").order_by("id"))
    Staff.objects.bulk_create(
        [
            Staff(
                user=u,
                role=Role.RM,
                branch=branch,
                employee_no=f"BENCH{i:05d}",
                name=f"客户经理{i}",
                title="客户经理",
                phone=f"139{i:08d}",
            )
            for i, u in enumerate(users)
        ],
        batch_size=500,
    )
    return [u.pk for u in users]


def url_for(token: str) -> str:
    return f"https://rm.example.com/s/{token}"


def render_for(user_ids: list[int], material_id: int) -> list[float]:
    from django.contrib.auth.models import User

    from materials.models import Material
    from materials.services.posters import poster_make

    material = Material.objects.select_related("layout").get(pk=material_id)
    timings = []
    for user in User.objects.filter(pk__in=user_ids):
        start = time.perf_counter()
        poster_make(rm=user, material=material, url_for=url_for)
        timings.append(time.perf_counter() - start)
    return timings


def poster_parts(material_id: int, rounds: int = 10) -> dict[str, float]:
    """Median ms of each part of an uncached poster, and of the earlier way of each, same run."""
    import io
    import zlib

    import qrcode

    from materials import png_bands, posters
    from materials.models import Material

    layout = Material.objects.select_related("layout").get(pk=material_id).layout
    url = "https://rm.example.com/s/" + "x" * 32
    image = posters._background(layout.background.name).copy()
    changing = posters._changing(layout, image.height)
    segments = posters._background_plan(layout.background.name, changing)

    def median(work) -> float:  # type: ignore[no-untyped-def]
        times = []
        for _ in range(rounds):
            start = time.perf_counter()
            work()
            times.append(time.perf_counter() - start)
        return statistics.median(times) * 1000

    def best_mask_qr() -> None:
        code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4, box_size=1)
        code.add_data(url)
        code.make(fit=True)

    return {
        "QR, fixed mask (now)": median(lambda: posters.qr_image(url, layout.qr_size)),
        "QR matrix, best of 8 masks (before)": median(best_mask_qr),
        "PNG, changed bands spliced (now)": median(lambda: png_bands.encode(image, segments)),
        "PNG, whole image, Pillow level 1 (before)": median(
            lambda: image.save(io.BytesIO(), "PNG", compress_level=1)
        ),
        "PNG, whole image, level 1 + Z_RLE": median(
            lambda: image.save(io.BytesIO(), "PNG", compress_level=1, compress_type=zlib.Z_RLE)
        ),
        "background copy": median(image.copy),
    }


def cached_queries(user_id: int, material_id: int) -> int:
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from materials.models import Material
    from materials.services.posters import poster_make

    material = Material.objects.select_related("layout").get(pk=material_id)
    user = User.objects.get(pk=user_id)
    poster_make(rm=user, material=material, url_for=url_for)
    with CaptureQueriesContext(connection) as ctx:
        poster_make(rm=user, material=material, url_for=url_for)
    return len(ctx.captured_queries)


def _spin(_: int) -> int:
    total = 0
    for i in range(2_000_000):
        total += i * i
    return total


def cpu_headroom(processes: int) -> float:
    """What `processes` processes gain on pure CPU work right now: the ceiling for the batch ratio."""
    start = time.perf_counter()
    for n in range(processes * 2):
        _spin(n)
    one = time.perf_counter() - start
    start = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        pool.map(_spin, range(processes * 2))
    return one / (time.perf_counter() - start)


def _worker_init() -> None:
    from django.db import connections

    connections.close_all()  # each process opens its own SQLite connection


def batch(user_ids: list[int], material_id: int, processes: int) -> float:
    from django.db import connections

    from materials.models import Material

    Material.objects.filter(pk=material_id).update(version=models_f_plus_one())  # a template change: all miss
    connections.close_all()
    chunks = [user_ids[i::processes] for i in range(processes)]
    started = time.perf_counter()
    if processes == 1:
        render_for(user_ids, material_id)
    else:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(processes, mp_context=context, initializer=_worker_init) as pool:
            list(pool.map(render_for, chunks, [material_id] * processes))
    return len(user_ids) / (time.perf_counter() - started)


def models_f_plus_one():
    from django.db.models import F

    return F("version") + 1


def landing_load(port: int, tokens: list[str], clients: int, total: int, *, fresh: bool) -> LoadResult:
    """fresh: every request a first view of its link (a view is written: `tokens` holds one link per
    request, since a visitor is keyed on the address, and every client here comes from 127.0.0.1);
    else each client one returning visitor of one link."""
    per_client = total // clients

    def landing(rng, client, i):
        token = tokens[(client * per_client + i) % len(tokens)] if fresh else tokens[client % len(tokens)]
        return ("GET", f"/s/{token}", None, {"User-Agent": "Mozilla/5.0 (iPhone) MicroMessenger/8.0"})

    return hammer(port, clients, total, landing)


def landing_queries(token: str) -> int:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="localhost", HTTP_USER_AGENT="bench-query-count")
    client.get(f"/s/{token}")
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(f"/s/{token}").status_code == 200
    return len(ctx.captured_queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rms", type=int, default=100, help="RMs in the batch (the issue's size: 1500)")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--samples", type=int, default=30, help="posters timed one by one")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
    parser.add_argument("--posters-only", action="store_true", help="only section 1 (and its parts)")
    args = parser.parse_args()
    print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f} (1/5/15 min)")

    with tempfile.TemporaryDirectory(prefix="rm-bench-materials-") as var_dir:
        setup_django(var_dir)
        from django.contrib.auth.models import User
        from django.core.management import call_command
        from django.db import connections

        from materials.models import Material
        from materials.services.shares import share_create

        call_command("migrate", verbosity=0)
        call_command("seed_demo", "--password", PASSWORD, stdout=open(os.devnull, "w"))  # noqa: SIM115
        material = Material.objects.filter(kind="poster").order_by("id").first()
        user_ids = make_rms(max(args.rms, args.samples))

        # 1. one poster at a time
        sample = user_ids[: args.samples]
        uncached = render_for(sample, material.pk)
        cached = render_for(sample, material.pk)
        print("Poster 1080×1920 via materials.services.posters.poster_make (SQLite, media on local disk)")
        print(
            f"  uncached p50 / p95   {pct(uncached, 0.5):.1f} ms / {pct(uncached, 0.95):.1f} ms  (aim ≤ 100)"
        )
        print(f"  cached   p50 / p95   {pct(cached, 0.5):.2f} ms / {pct(cached, 0.95):.2f} ms  (aim ≤ 5 ms)")
        print(f"  cached speed-up      {statistics.median(uncached) / statistics.median(cached):.0f}×")
        queries = cached_queries(sample[0], material.pk)
        print(f"  cached queries       {queries} (the link with the RM's card)")
        print("  parts of an uncached poster, median ms (the earlier way measured in the same run)")
        for label, ms in poster_parts(material.pk).items():
            print(f"    {label:<44} {ms:6.1f}")
        if args.posters_only:
            return

        # 2. a batch after a template change
        batch_ids = user_ids[: args.rms]
        render_for(batch_ids, material.pk)  # tokens exist: the batch measures rendering, not inserts
        one = batch(batch_ids, material.pk, 1)
        many = batch(batch_ids, material.pk, args.processes)
        print(f"Batch of {len(batch_ids)} RMs after a template change (every poster re-rendered)")
        print(f"  1 process            {one:.1f} posters/s")
        print(f"  {args.processes} processes          {many:.1f} posters/s  ({many / one:.2f}× of one)")
        print(f"  1,500 RMs would take {1500 / many:.0f} s at this rate")
        headroom = cpu_headroom(args.processes)
        print(f"  (pure CPU work gains {headroom:.2f}× from {args.processes} processes on this machine now)")

        # 3. the landing page on gunicorn
        rms = list(User.objects.filter(pk__in=user_ids[:200]))
        tokens = [share_create(rm=rm, material=material).token for rm in rms]
        fresh_tokens = [
            share_create(rm=rms[k % len(rms)], material=material).token for k in range(args.requests)
        ]
        queries = landing_queries(tokens[0])
        connections.close_all()
        with gunicorn(dict(os.environ), workers=args.workers) as port:
            landing_load(port, tokens, args.clients, min(500, args.requests), fresh=False)  # warm-up
            results = {
                "returning visitors (de-duplicated, no write)": landing_load(
                    port, tokens, args.clients, args.requests, fresh=False
                ),
                "new visitors (a view written each time)": landing_load(
                    port, fresh_tokens, args.clients, args.requests, fresh=True
                ),
            }

    print(f"GET /s/{{token}} — gunicorn {args.workers} workers × 4 threads, SQLite, {args.clients} clients")
    for label, result in results.items():
        print(f"  {label}")
        print("\n".join(result.lines(aim="aim ≥ 500", indent="    ")))
    print(f"  queries/request      {queries} for a repeat view; 4 for a new view (+1 for a known customer)")


if __name__ == "__main__":
    main()
