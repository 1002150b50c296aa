#!/usr/bin/env python
"""Boot latency of a real deployment: api, conductor, scheduler and two computes as
separate processes on RabbitMQ and MariaDB, with the fake virt driver and a real
no-auth Glance (its own venv; every POST /servers checks the image in it, as Nova).

1. ``--count`` servers booted one after another; for each, the time from sending
   POST /servers until GET /servers/{id} (polled every ``--poll`` seconds) says ACTIVE.
2. One request with min_count = max_count = ``--burst``: time until all are ACTIVE.
3. The latency of GET /servers/{id} (every poll of phase 1).

With ``--trace`` the daemons load ``bench/rpctrace/sitecustomize.py`` (through
PYTHONPATH), which records every RPC call, cast and dispatch with its duration and
request id; phase 1 is then broken down per RPC (no product code is changed).

Run: ``.venv/bin/python bench/boot_latency.py [--count 50] [--burst 100] [--trace]``
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import os
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psutil  # noqa: E402

from tests.integration.deployment import ApiClient, Deployment  # noqa: E402

FLAVOR = "bench.tiny"


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def row(name: str, values: list[float], unit: float = 1000.0) -> str:
    if not values:
        return f"{name:38} {'-':>8}"
    figures = [percentile(values, q) * unit for q in (50, 90, 99)] + [max(values) * unit]
    return f"{name:38} " + " ".join(f"{f:8.1f}" for f in figures) + f" {len(values):6d}"


def header() -> str:
    return f"{'':38} {'p50':>8} {'p90':>8} {'p99':>8} {'max':>8} {'n':>6}"


def boot_one(api: ApiClient, name: str, poll: float, get_times: list[float]) -> tuple:
    """POST one server and poll it until ACTIVE.

    Returns (uuid, POST seconds, POST->ACTIVE seconds, epoch sent, request id).
    """
    t0_wall = time.time()
    t0 = time.perf_counter()
    response = api.boot(name, FLAVOR)
    post = time.perf_counter() - t0
    if response.status_code != 202:
        raise RuntimeError(f"POST /servers: {response.status_code} {response.text}")
    server_id = response.json()["server"]["id"]
    request_id = response.headers.get("x-openstack-request-id", "")
    while True:
        g0 = time.perf_counter()
        got = api.get(f"/servers/{server_id}")
        now = time.perf_counter()
        get_times.append(now - g0)
        status = got.json()["server"]["status"]
        if status == "ACTIVE":
            return server_id, post, now - t0, t0_wall, request_id
        if status == "ERROR":
            raise RuntimeError(f"server {server_id} went to ERROR: {got.text}")
        time.sleep(poll)


def burst(api: ApiClient, count: int, poll: float) -> tuple[float, float, list[str]]:
    """One request for ``count`` servers; (POST s, all ACTIVE s, uuids)."""
    t0 = time.perf_counter()
    response = api.boot("burst", FLAVOR, count=count)
    post = time.perf_counter() - t0
    if response.status_code != 202:
        raise RuntimeError(f"POST /servers: {response.status_code} {response.text}")
    while True:
        servers = [s for s in api.servers() if s["name"].startswith("burst-")]
        statuses = collections.Counter(s["status"] for s in servers)
        if statuses.get("ERROR"):
            raise RuntimeError(f"burst servers in ERROR: {statuses}")
        if len(servers) == count and statuses["ACTIVE"] == count:
            return post, time.perf_counter() - t0, [s["id"] for s in servers]
        time.sleep(poll)


def cpu_seconds(deployment: Deployment) -> dict[str, float]:
    """User + system CPU seconds used so far by each daemon."""
    used = {}
    for name, daemon in deployment.daemons.items():
        times = psutil.Process(daemon.pid).cpu_times()
        used[name] = times.user + times.system
    return used


SQL_COUNTERS = ("Questions", "Com_select", "Com_insert", "Com_update", "Com_delete", "Com_commit")


def sql_statements(deployment: Deployment) -> dict[str, int]:
    """MariaDB's global statement counters (all databases; the bench is the only user)."""
    rows = dict(deployment.query("SHOW GLOBAL STATUS WHERE Variable_name IN %s", [SQL_COUNTERS]))
    return {name: int(rows[name]) for name in SQL_COUNTERS}


def delete_all(api: ApiClient) -> None:
    for server in api.servers():
        api.delete(f"/servers/{server['id']}")
    api.wait_servers(lambda servers: not servers, timeout=120)


# -- per-RPC breakdown (--trace) ---------------------------------------------------------------

TRACER_DIR = Path(__file__).resolve().parent / "rpctrace"


@dataclasses.dataclass
class Rpc:
    """One traced RPC: a call or cast made by ``daemon``, or a dispatch it served."""

    start: float
    kind: str
    method: str
    detail: str
    ms: float
    request_id: str
    daemon: str

    @property
    def name(self) -> str:
        return self.method if self.detail == "-" else f"{self.method}({self.detail})"


def load_traces(deployment: Deployment) -> list[Rpc]:
    names = {daemon.pid: name for name, daemon in deployment.daemons.items()}
    rpcs = []
    for path in deployment.workdir.glob("rpctrace.*"):
        daemon = names.get(int(path.suffix[1:]), path.suffix[1:])
        for line in path.read_text().splitlines():
            start, kind, method, detail, ms, rid, _thread = line.split(" ", 6)
            daemon_kind = re.sub(r"\d+$", "", daemon)  # compute1 -> compute
            rpcs.append(Rpc(float(start), kind, method, detail, float(ms), rid, daemon_kind))
    return sorted(rpcs, key=lambda r: r.start)


def breakdown(results: list[tuple], rpcs: list[Rpc]) -> list[str]:
    """Per boot: what each daemon called or served, and the cast delivery delays."""
    by_request: dict[str, list[Rpc]] = collections.defaultdict(list)
    for rpc in rpcs:
        by_request[rpc.request_id].append(rpc)
    boots = [(by_request.get(rid, []), t0, active) for _u, _p, active, t0, rid in results]
    lines = [f"{'daemon':10} {'rpc':52} {'per boot':>8} {'p50 ms':>8} {'sum p50':>8}"]
    stats: dict[tuple, list[list[float]]] = collections.defaultdict(list)
    for rpc_list, _t0, _active in boots:
        per_key: dict[tuple, list[float]] = collections.defaultdict(list)
        for rpc in rpc_list:
            per_key[(rpc.daemon, rpc.kind, rpc.name)].append(rpc.ms)
        for key, values in per_key.items():
            stats[key].append(values)
    for (daemon, kind, name), per_boot in stats.items():  # in order of first use
        flat = [v for values in per_boot for v in values]
        count = statistics.median(len(values) for values in per_boot)
        total = statistics.median(sum(values) for values in per_boot)
        label = f"{kind} {name}"[:52]
        lines.append(
            f"{daemon:10} {label:52} {count:8.0f} {statistics.median(flat):8.1f} {total:8.1f}"
        )
    # Cast delivery: from the sender's cast to the receiver's dispatch start.
    delays: dict[str, list[float]] = collections.defaultdict(list)
    for rpc_list, t0, active in boots:
        casts = {r.method: r for r in rpc_list if r.kind == "cast"}
        served = {r.method: r for r in rpc_list if r.kind == "dispatch"}
        for method, cast in casts.items():
            if method in served:
                delays[f"cast {method}: sent -> dispatched"].append(
                    (served[method].start - cast.start) * 1000
                )
        if "build_and_run_instance" in served:
            build = served["build_and_run_instance"]
            done = build.start + build.ms / 1000
            delays["compute build done -> client sees ACTIVE"].append((t0 + active - done) * 1000)
            delays["POST sent -> compute build starts"].append((build.start - t0) * 1000)
            delays["POST sent -> compute build done (ACTIVE saved)"].append((done - t0) * 1000)
    lines.append("")
    for name, values in delays.items():
        lines.append(f"{name:63} p50 {statistics.median(values):7.1f} ms")
    return lines


def timeline(result: tuple, rpcs: list[Rpc]) -> list[str]:
    """Every RPC of one boot, relative to the moment its POST was sent."""
    _uuid, _post, active, t0, rid = result
    lines = [f"{'start':>7} {'ms':>6}  {'daemon':10} rpc"]
    for rpc in rpcs:
        if rpc.request_id == rid:
            offset = (rpc.start - t0) * 1000
            lines.append(f"{offset:7.1f} {rpc.ms:6.1f}  {rpc.daemon:10} {rpc.kind} {rpc.name}")
    lines.append(f"{active * 1000:7.1f} {'':6}  {'client':10} sees ACTIVE")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=50, help="sequential boots (50)")
    parser.add_argument("--burst", type=int, default=100, help="servers in the burst (100)")
    parser.add_argument("--poll", type=float, default=0.002, help="GET poll interval, s")
    parser.add_argument(
        "--burst-poll", type=float, default=0.1, help="GET /servers/detail poll in the burst, s"
    )
    parser.add_argument("--computes", type=int, default=2)
    parser.add_argument("--trace", action="store_true", help="DEBUG logs and a per-hop table")
    parser.add_argument("--keep-logs", type=Path, help="copy configs and logs here")
    args = parser.parse_args(argv)

    print(f"Starting api, conductor, scheduler and {args.computes} computes ...", flush=True)
    started = time.perf_counter()
    deployment = Deployment(computes=args.computes, keep_logs=args.keep_logs)
    if args.trace:
        deployment.env = {
            "PYTHONPATH": os.pathsep.join(
                filter(None, [str(TRACER_DIR), os.environ.get("PYTHONPATH")])
            ),
            "NOVA_LITE_RPC_TRACE": str(deployment.workdir / "rpctrace"),
        }
    deployment.start()
    try:
        ready = time.perf_counter() - started
        where = (
            f"API {deployment.api_url}, db {deployment.db_name}, vhost {deployment.vhost or '/'}"
        )
        print(f"  ready in {ready:.1f} s ({where})", flush=True)
        api = deployment.api
        api.create_flavor(FLAVOR, ram=64, vcpus=1, disk=1)
        boot_one(api, "warmup", args.poll, [])  # first-use costs (connections, caches)
        delete_all(api)

        get_times: list[float] = []
        results = []
        cpu_before, sql_before = cpu_seconds(deployment), sql_statements(deployment)
        for index in range(args.count):
            results.append(boot_one(api, f"seq-{index}", args.poll, get_times))
        cpu_after, sql_after = cpu_seconds(deployment), sql_statements(deployment)
        posts = [r[1] for r in results]
        actives = [r[2] for r in results]
        hosts = collections.Counter(s["OS-EXT-SRV-ATTR:host"] for s in api.servers())
        delete_all(api)

        cpu_burst = cpu_seconds(deployment)
        burst_post, burst_all, _ids = burst(api, args.burst, poll=args.burst_poll)
        cpu_burst = {n: t - cpu_burst[n] for n, t in cpu_seconds(deployment).items()}
        burst_hosts = collections.Counter(s["OS-EXT-SRV-ATTR:host"] for s in api.servers())
        delete_all(api)

        idle_gets = []
        probe = api.boot("probe", FLAVOR)
        probe_id = probe.json()["server"]["id"]
        api.wait_servers(lambda s: s and s[0]["status"] == "ACTIVE", timeout=30, interval=0.01)
        for _ in range(200):
            g0 = time.perf_counter()
            api.get(f"/servers/{probe_id}")
            idle_gets.append(time.perf_counter() - g0)
        delete_all(api)

        print()
        spread = dict(sorted(hosts.items()))
        print(f"Sequential boots: {args.count} (GET every {args.poll * 1000:.0f} ms), {spread}")
        print(header() + "   (ms)")
        print(row("POST /servers -> ACTIVE", actives))
        print(row("POST /servers response (202)", posts))
        print(row("GET /servers/{id} while polling", get_times))
        print(row("GET /servers/{id} idle (200 in a row)", idle_gets))
        cpu = {n: (cpu_after[n] - cpu_before[n]) * 1000 / args.count for n in cpu_before}
        per_daemon = ", ".join(f"{n} {ms:.1f}" for n, ms in cpu.items())
        print(f"CPU ms per boot (incl. polling): {sum(cpu.values()):.1f} = {per_daemon}")
        sql = {k: (sql_after[k] - sql_before[k]) / args.count for k in sql_before}
        statements = ", ".join(f"{k} {v:.1f}" for k, v in sql.items() if k != "Questions")
        print(f"SQL statements per boot (incl. polling): {sql['Questions']:.1f} ({statements})")
        print()
        spread = dict(sorted(burst_hosts.items()))
        print(
            f"Burst: one POST with min_count = max_count = {args.burst}, {spread} "
            f"(GET /servers/detail every {args.burst_poll * 1000:.0f} ms)"
        )
        print(f"  POST response (202)        {burst_post * 1000:8.1f} ms")
        rate = args.burst / burst_all
        print(f"  all {args.burst} ACTIVE after     {burst_all * 1000:8.1f} ms ({rate:.0f}/s)")
        per_daemon = ", ".join(f"{n} {s:.2f}" for n, s in cpu_burst.items())
        print(f"  CPU s during the burst: {sum(cpu_burst.values()):.2f} = {per_daemon}")
        if args.trace:
            rpcs = load_traces(deployment)
            print()
            print(f"RPCs per sequential boot (by request id; median over {len(results)} boots)")
            print("\n".join(breakdown(results, rpcs)))
            median = sorted(results, key=lambda r: r[2])[len(results) // 2]
            print()
            print(f"Timeline of the median boot ({median[2] * 1000:.1f} ms), ms after POST sent")
            print("\n".join(timeline(median, rpcs)))
    finally:
        deployment.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
