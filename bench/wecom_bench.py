"""WeCom measure at a bank's size, on PostgreSQL.

1. Contacts stats over --follows rows (default 1,000,000) spread over a year, built in the
   database with generate_series: p50/p95 of `contact_stats` per grouping (rm, poster, branch,
   day) for head office over 30 days and over the whole year, and for a branch lead over 30 days,
   beside a baseline measured in the same run on the same rows: a plain `count(*)` of the table
   and the scoped count of the same range (what any filtered list pays before grouping).
2. A callback burst: --events (default 1,000) genuinely signed and encrypted add events (built with
   the simulator's own crypto, not the product's) POSTed by --clients (default 10) keep-alive
   clients to /wecom/callback/ on gunicorn: the callback's answer time p50/p95 and the events
   stored per second. Then the same number of adds through the simulator itself
   (`/_sim/add_customer`, which pushes each event and waits for the answer): the whole loop's
   seconds.
3. End to end: a Celery worker on the embedded broker with 1, then 2 prefork processes, running
   while --events adds are pushed through the simulator: the seconds from the first push until
   every add is handled (externalcontact/get, the welcome's compliance check and send_welcome_msg,
   the auto-bind query), adds/s, and how many welcomes made WeCom's 20 s.
1b. The same stats again once the rollup is built (stats_rollup.py), with the ratio to the live
   figures and a check that every figure is identical.

Works on a database of its own, `bench_wecom_measure`, dropped and created again on the server
of DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres). Figures are printed,
never asserted.

    .venv/bin/python bench/wecom_bench.py [--follows 1000000] [--repeat 20] [--events 1000] [--clients 10]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
import urllib.parse
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.harness import gunicorn, hammer  # noqa: E402

BENCH_DB = os.environ.get("WECOM_BENCH_DB", "bench_wecom_measure")
CORP_ID = "wwbench000000001"
TOKEN = "benchCallbackToken"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
CONTACT_SECRET = "bench-contact-secret"
BRANCHES, RMS, POSTERS, CUSTOMERS = 50, 1000, 40, 20_000


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * p + 0.5) - 1)] * 1000


def fresh_database(redis: str = "") -> str:
    import psycopg

    url = os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/postgres"
    with psycopg.connect(url.replace("postgres://", "postgresql://"), autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {BENCH_DB}")
        connection.execute(f"CREATE DATABASE {BENCH_DB}")
    os.environ["DATABASE_URL"] = url
    os.environ["RM_DB_NAME"] = BENCH_DB
    if redis:  # broker, cache and results on Redis, as a production install has them
        os.environ["REDIS_URL"] = redis
    else:  # the embedded file broker
        os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret-key-not-for-production")
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1")
    os.environ.update(
        {
            "WECOM_CORP_ID": CORP_ID,
            "WECOM_CONTACT_SECRET": CONTACT_SECRET,
            "WECOM_CALLBACK_TOKEN": TOKEN,
            "WECOM_CALLBACK_AES_KEY": AES_KEY,
            "LOG_LEVEL": "WARNING",
            "DJANGO_HTTPS": "false",  # plain HTTP on loopback: no redirect to https
            "DJANGO_SETTINGS_MODULE": "rm_portal.settings",
        }
    )
    return f"postgresql {urllib.parse.urlparse(url).hostname}/{BENCH_DB}"


def setup_django(var_dir: str) -> None:
    os.environ["RM_VAR_DIR"] = var_dir
    os.environ["RM_BROKER_DIR"] = str(Path(var_dir) / "broker")
    import django

    from rm_portal.bootstrap import prepare_embedded

    prepare_embedded()
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def build(follows: int) -> tuple[float, dict[str, object]]:
    """People, posters, customers with the ORM; contacts and follows with generate_series."""
    from django.contrib.auth.models import User
    from django.db import connection
    from django.utils import timezone

    from materials.models import Kind, Material
    from rm_portal.customers.models import Customer
    from rm_portal.org.models import Branch, Role, Staff

    started = time.perf_counter()
    Branch.objects.bulk_create([Branch(code=f"W{n:03d}", name=f"压测支行{n:03d}") for n in range(BRANCHES)])
    branches = list(Branch.objects.order_by("code"))
    hq = Branch.objects.create(code="WHQ", name="总行")
    users = User.objects.bulk_create(
        [User(username=f"wrm{n:05d}", password="!") for n in range(RMS)]
        + [User(username=f"wlead{n:03d}", password="!") for n in range(BRANCHES)]
        + [User(username="whq", password="!")],
        batch_size=1000,
    )
    users = list(User.objects.order_by("id"))
    staff = [
        Staff(user=u, role=Role.RM, branch=branches[n % BRANCHES], employee_no=f"W{n:05d}", name=f"经理{n}")
        for n, u in enumerate(users[:RMS])
    ]
    staff += [
        Staff(user=u, role=Role.BRANCH_LEAD, branch=branches[n], employee_no=f"WL{n:03d}", name=f"主任{n}")
        for n, u in enumerate(users[RMS : RMS + BRANCHES])
    ]
    staff.append(Staff(user=users[-1], role=Role.HEAD_OFFICE, branch=hq, employee_no="WHQ", name="总行"))
    Staff.objects.bulk_create(staff, batch_size=1000)
    Material.objects.bulk_create(
        [
            Material(
                kind=Kind.POSTER, title=f"海报{n}", body="", publish_from=timezone.now(), created_by=users[-1]
            )
            for n in range(POSTERS)
        ]
    )
    rm_ids = [u.pk for u in users[:RMS]]
    Customer.objects.bulk_create(
        [
            Customer(
                cust_no=f"WC{n:06d}",
                name=f"客户{n}",
                branch=branches[n % RMS % BRANCHES],
                owner_id=rm_ids[n % RMS],
            )
            for n in range(CUSTOMERS)
        ],
        batch_size=2000,
    )
    first_material = Material.objects.order_by("id").values_list("id", flat=True).first()
    first_customer = Customer.objects.order_by("id").values_list("id", flat=True).first()
    first_rm = rm_ids[0]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO wecom_externalcontact
                (external_userid, name, type, avatar, corp_name, unionid, created_at, updated_at)
            SELECT 'wmB' || lpad(g::text, 10, '0'), '微信用户' || g, 1, '', '', '', now(), now()
            FROM generate_series(1, %s) AS g
            """,
            [follows],
        )
        cursor.execute("SELECT min(id) FROM wecom_externalcontact")
        first_contact = cursor.fetchone()[0]
        # Every 4th add through a poster; 35 % bound to a customer of the same RM; 8 % lost;
        # 2 % handovers (not counted); the adds spread evenly over the last 365 days.
        cursor.execute(
            """
            INSERT INTO wecom_contactfollow
                (contact_id, rm_id, status, remark, description, remark_mobiles, wecom_tags, add_way,
                 state, source, material_id, customer_id, bind_method, welcome_error, transfer_error,
                 added_at, updated_at)
            SELECT %(contact)s + g - 1,
                   %(rm)s + (g %% %(rms)s),
                   CASE WHEN g %% 100 < 8 THEN 'lost' ELSE 'active' END,
                   '', '', '[]', '[]', 1, '',
                   CASE WHEN g %% 50 = 7 THEN 'transfer' WHEN g %% 4 = 0 THEN 'poster' ELSE 'rm' END,
                   CASE WHEN g %% 4 = 0 THEN %(material)s + (g / 4) %% %(posters)s END,
                   CASE WHEN g %% 100 >= 65  -- a customer of the follow's own RM
                        THEN %(customer)s + (g %% %(rms)s) + %(rms)s * ((g / %(rms)s) %% %(per_rm)s)
                   END,
                   '', '', '',
                   now() - (g %% 365) * interval '1 day' - (g %% 86400) * interval '1 second',
                   now()
            FROM generate_series(1, %(n)s) AS g
            """,
            {
                "contact": first_contact,
                "rm": first_rm,
                "rms": RMS,
                "material": first_material,
                "posters": POSTERS,
                "customer": first_customer,
                "per_rm": CUSTOMERS // RMS,
                "n": follows,
            },
        )
        # Every RM is a WeCom member under their username: the add handler finds the RM by it.
        cursor.execute(
            "UPDATE org_staff SET wechat_id = (SELECT username FROM auth_user WHERE id = user_id)"
            " WHERE role = 'rm'"
        )
        cursor.execute("ANALYZE")
    people = {
        "head office": User.objects.get(username="whq"),
        "branch lead": User.objects.get(username="wlead000"),
        "rm": User.objects.get(username="wrm00000"),
    }
    return time.perf_counter() - started, people


def timed(func, repeat: int) -> list[float]:
    func()  # warm: plans and the buffer cache, as a busy server has them
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        samples.append(time.perf_counter() - started)
    return samples


def stats_bench(people: dict[str, object], repeat: int) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from rm_portal.wecom.models import ContactFollow
    from rm_portal.wecom.stats import Group, contact_stats, follows_added
    from rm_portal.wecom.stats_rollup import contact_figures_rebuild

    today = timezone.localdate()
    month, year = today - timedelta(days=29), today - timedelta(days=365)
    ho = people["head office"]
    baseline = timed(lambda: ContactFollow.objects.count(), repeat)
    scoped_month = timed(lambda: follows_added(user=ho, since=month, until=today).count(), repeat)
    scoped_year = timed(lambda: follows_added(user=ho, since=year, until=today).count(), repeat)
    base95 = pct(baseline, 0.95)
    for label, samples in (
        ("baseline count(*) of all rows", baseline),
        ("scoped count, 30 days (head office)", scoped_month),
        ("scoped count, 1 year (head office)", scoped_year),
    ):
        print(f"  {label:37} p50 {pct(samples, 0.5):7.1f} ms  p95 {pct(samples, 0.95):7.1f} ms")
    cases = [("head office", month), ("head office", year), ("branch lead", month), ("rm", month)]

    def run(
        title: str, against: dict[tuple[str, str, str], float] | None
    ) -> dict[tuple[str, str, str], object]:
        print(f"  contact_stats {title}:")
        heads = ("rows", "queries", "p50 ms", "p95 ms", "p95/count(*)") + (("vs live",) if against else ())
        print(f"    {'who':12} {'range':8} {'group':7} " + " ".join(f"{h:>8}" for h in heads))
        seen: dict[tuple[str, str, str], object] = {}
        for who, since in cases:
            user = people[who]
            label = "30 days" if since == month else "1 year"
            for group in Group:
                with CaptureQueriesContext(connection) as queries:
                    result = contact_stats(user=user, since=since, until=today, group=group)
                samples = timed(
                    lambda u=user, s=since, g=group: contact_stats(user=u, since=s, until=today, group=g),
                    repeat,
                )
                p95 = pct(samples, 0.95)
                key = (who, label, group.value)
                seen[key] = [(r.label, r.adds, r.bound, r.lost) for r in result.rows]
                seen[(*key, "p95")] = p95
                ratio = f" {against[(*key, 'p95')] / p95:7.1f}x faster" if against else ""
                print(
                    f"    {who:12} {label:8} {group.value:7} {len(result.rows):8} {len(queries):8}"
                    f" {pct(samples, 0.5):8.1f} {p95:8.1f} {p95 / base95:11.1f}x{ratio}"
                )
        return seen

    live = run("live (no rollup built: totals + groups + names)", None)
    started = time.perf_counter()
    build = contact_figures_rebuild()
    print(f"  rollup rebuilt through {build.through} in {time.perf_counter() - started:.1f} s")
    rolled = run("from the rollup (days before today) + today's follows", live)
    same = all(live[k] == rolled[k] for k in live if len(k) == 3)
    print(f"  rollup figures identical to the live ones in every case: {'yes' if same else 'NO'}")
    total = contact_stats(user=ho, since=year, until=today, group=Group.BRANCH).totals
    print(
        f"  year totals (head office): adds {total.adds:,}, bound {total.bound:,}, lost {total.lost:,},"
        f" verified add rate {total.verified_add_rate}"
    )


def signed_add(n: int) -> tuple[str, bytes]:
    """An add event as WeCom pushes it, signed and encrypted with the simulator's crypto."""
    from wecom_sim import crypto as sim_crypto
    from wecom_sim.server import event_xml

    plain = event_xml(
        CORP_ID,
        "add_external_contact",
        {
            "UserID": "wrm00001",
            "ExternalUserID": f"wmBURST{n:08d}",
            "State": "rBench",
            "WelcomeCode": f"w{n}",
        },
    )
    encrypted = sim_crypto.encrypt(AES_KEY, plain, CORP_ID)
    timestamp, nonce = str(int(time.time())), f"{n:010d}"
    query = urllib.parse.urlencode(
        {
            "msg_signature": sim_crypto.signature(TOKEN, timestamp, nonce, encrypted),
            "timestamp": timestamp,
            "nonce": nonce,
        }
    )
    body = (
        f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt>"
        "<AgentID><![CDATA[1000002]]></AgentID></xml>"
    )
    return f"/wecom/callback/?{query}", body.encode()


def burst_bench(events: int, clients: int, var_dir: str) -> None:
    from rm_portal.wecom.models import CallbackEvent
    from wecom_sim.server import Config, Simulator, serve_in_thread

    warm = clients * 4  # each gunicorn thread's first request imports and connects; not measured
    requests = [signed_add(n) for n in range(events + warm)]
    counter = iter(range(events + warm))
    lock = threading.Lock()

    def make_request(rng, client, i):
        with lock:
            path, body = requests[next(counter)]
        return "POST", path, body, {"Content-Type": "text/xml"}

    env = dict(os.environ)
    with gunicorn(env, workers=2, threads=4) as port:
        hammer(port, clients, warm, make_request)

        def healthz(rng, client, i):
            return "GET", "/healthz", None, {}

        # The baseline: the same server, clients and stack, a request of two tiny queries.
        hammer(port, clients, warm, healthz)
        baseline = hammer(port, clients, events, healthz)
        base = pct(baseline.latencies, 0.95)
        print(f"  baseline GET /healthz (two tiny queries), {events:,} by {clients} clients:")
        print(f"    latency p50 / p95  {pct(baseline.latencies, 0.5):.1f} ms / {base:.1f} ms")
        before = CallbackEvent.objects.count()
        result = hammer(port, clients, events, make_request)
        stored = CallbackEvent.objects.count() - before
        print(f"  signed adds POSTed to /wecom/callback/ by {clients} clients (gunicorn 2 x 4 threads):")
        for line in result.lines(aim="aim: callback p95 <= 100 ms", indent="    "):
            print(line)
        print(f"    events stored      {stored:,} of {events:,} ({stored / result.elapsed:,.0f} stored/s)")
        print(f"    callback p95 / baseline p95  {pct(result.latencies, 0.95) / base:.2f}x")

        sim = Simulator(
            Config(
                corp_id=CORP_ID,
                contact_secret=CONTACT_SECRET,
                secret="bench-app-secret",
                agent_id="1000002",
                token=TOKEN,
                aes_key=AES_KEY,
                callback=f"http://127.0.0.1:{port}/wecom/callback/",
            )
        )
        server = serve_in_thread(sim)
        try:
            import json
            import urllib.request

            def add(n: int) -> bool:
                body = json.dumps(
                    {"userid": f"wrm{n % RMS:05d}", "state": "rBench", "name": f"客户{n}"}
                ).encode()
                request = urllib.request.Request(
                    f"{sim.config.public_url}/_sim/add_customer", data=body, method="POST"
                )
                with urllib.request.urlopen(request, timeout=30) as answer:
                    delivered = json.loads(answer.read())["delivered"]
                return delivered.get("status") == 200 and delivered.get("body") == "success"

            before = CallbackEvent.objects.count()
            ok = 0
            started = time.perf_counter()
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(clients) as pool:
                ok = sum(pool.map(add, range(events)))
            seconds = time.perf_counter() - started
            stored = CallbackEvent.objects.count() - before
            print(f"  {events:,} adds through the simulator (/_sim/add_customer, {clients} at a time):")
            rate = events / seconds
            print(f"    {seconds:.1f} s, {rate:,.0f} adds/s; answered 'success' {ok:,}; stored {stored:,}")
            print("3. end to end: adds handled by Celery workers (externalcontact/get, welcome, autobind)")
            for concurrency in (1, 2):
                handled_bench(sim, add, events, clients, concurrency)
        finally:
            server.shutdown()
            server.server_close()


def handled_bench(sim, add, events: int, clients: int, concurrency: int) -> None:
    """A campaign's burst with the workers running, as in production: one Celery worker with
    `concurrency` prefork processes on the embedded broker, one warm-up add handled first (the
    processes' imports, connections and token), then `events` adds pushed by the simulator from
    `clients` threads; the seconds from the first push until every add is handled."""
    import subprocess
    from concurrent.futures import ThreadPoolExecutor

    from django.db.models import Count

    from rm_portal.celery import app
    from rm_portal.wecom.models import CallbackEvent, ContactFollow

    app.control.purge()  # what earlier sections enqueued is not this burst
    env = dict(os.environ, WECOM_API_BASE=sim.config.public_url)
    command = [sys.executable, "-m", "celery", "-A", "rm_portal", "worker", "--pool", "prefork"]
    command += ["--concurrency", str(concurrency), "--loglevel", "ERROR", "--without-heartbeat"]
    worker = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    offset = concurrency * 100_000
    received = CallbackEvent.Status.RECEIVED
    try:
        mark = CallbackEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        for n in range(concurrency):  # each process's first add: imports, connections, the token
            add(offset + n)
        deadline = time.perf_counter() + 120
        warm = CallbackEvent.objects.filter(pk__gt=mark, change_type="add_external_contact")
        while warm.filter(status=received).exists() and time.perf_counter() < deadline:
            time.sleep(0.1)
        first = (CallbackEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
        follows_before = ContactFollow.objects.count()
        welcomed_before = ContactFollow.objects.filter(welcome_sent_at__isnull=False).count()
        started = time.perf_counter()
        with ThreadPoolExecutor(clients) as pool:
            ok = sum(pool.map(add, range(offset + 1000, offset + 1000 + events)))
        pushed = time.perf_counter() - started
        burst = CallbackEvent.objects.filter(pk__gte=first, change_type="add_external_contact")
        deadline = time.perf_counter() + 600
        while burst.filter(status=received).exists() and time.perf_counter() < deadline:
            time.sleep(0.1)
        seconds = time.perf_counter() - started
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    statuses = dict(burst.values("status").annotate(n=Count("id")).order_by().values_list("status", "n"))
    created = ContactFollow.objects.count() - follows_before
    welcomed = ContactFollow.objects.filter(welcome_sent_at__isnull=False).count() - welcomed_before
    print(
        f"    {concurrency} worker process{'es' if concurrency > 1 else ''}:"
        f" {ok:,} adds pushed in {pushed:.1f} s,"
        f" all handled {seconds:.1f} s after the first push: {ok / seconds:,.1f} adds/s (aim: 1,000 in 60 s)"
    )
    print(f"      statuses {statuses}; follows +{created:,}; welcomes sent within WeCom's 20 s {welcomed:,}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--follows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=20, help="timed runs per case (after one warm run)")
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--skip-burst", action="store_true")
    parser.add_argument(
        "--redis", default="", help="a Redis URL: broker and cache on Redis, not the file broker"
    )
    parser.add_argument("--keep", action="store_true", help="keep the bench database afterwards")
    args = parser.parse_args()

    where = fresh_database(args.redis)
    var_dir = tempfile.mkdtemp(prefix="rm-wecom-bench-")
    setup_django(var_dir)
    print(
        f"WeCom measure benchmark on {where}, broker {'Redis' if args.redis else 'file'};"
        f" load average {os.getloadavg()[0]:.2f} ({os.cpu_count()} CPUs)"
    )
    seconds, people = build(args.follows)
    print(
        f"built {args.follows:,} follows ({RMS} RMs, {BRANCHES} branches, {POSTERS} posters): {seconds:.1f} s"
    )
    print("1. contacts stats")
    stats_bench(people, args.repeat)
    if not args.skip_burst:
        print("2. callback burst")
        burst_bench(args.events, args.clients, var_dir)
    print(f"load average at the end {os.getloadavg()[0]:.2f}")
    if not args.keep:
        from django.db import connections

        connections.close_all()
        import psycopg

        url = os.environ["DATABASE_URL"].replace("postgres://", "postgresql://")
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {BENCH_DB}")


if __name__ == "__main__":
    main()
