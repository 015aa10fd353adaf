"""API benchmark: curve latency under concurrent clients and a 2,050-run POST, on a real server.

Needs PostgreSQL on 127.0.0.1:5432 (trust auth, database `test`) and Redis on 127.0.0.1:6379.
Creates a temporary database with a synthetic 1,300-run experiment (8 metric values per run),
starts uvicorn in a subprocess, measures, then drops everything. `--json` prints one JSON line.

The curve is loaded twice: with a `read` key on every request against a server whose public read
is off (the figure that counts: each request looks its key up, checks it is live and its scope),
then anonymously against one with public read on (the loopback default), the baseline in the same
run. The load generator runs on the same cores as the server, so the report
gives each side's share of the machine's CPU time during the keyed load: the load generator, the
uvicorn processes, and the rest (PostgreSQL, the kernel).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import numpy as np
import psutil
import redis
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/report.py
from report import emit  # noqa: E402

from persistence import crud  # noqa: E402
from persistence.db import get_engine, session_scope  # noqa: E402
from persistence.keys import create_api_key  # noqa: E402
from persistence.migrate import upgrade  # noqa: E402
from persistence.models import KeyScope, MetricResult, Run, RunStatus, utcnow  # noqa: E402
from vae_core.metrics.registry import METRICS  # noqa: E402
from vae_core.spec import ExperimentSpec  # noqa: E402

ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
REDIS_URL = "redis://127.0.0.1:6379"
METRIC_GROUPS = ["beta_vae_change_one", "mig", "sap", "factor_vae", "reconstruction"]  # 8 keys


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def free_redis_index() -> int:
    for index in range(15, 0, -1):
        client = redis.Redis.from_url(f"{REDIS_URL}/{index}")
        if client.dbsize() == 0:
            return index
    raise RuntimeError("no empty Redis database index")


def seed_experiment(url: str) -> str:
    """A completed 1,300-run shapes experiment (4 models x 65 betas x 5 seeds), 8 values each."""
    spec = {
        "name": "bench",
        "dataset": "shapes",
        "model_types": ["fc", "fc-denoising", "conv", "conv-denoising"],
        "betas": [round(0.1 * k, 10) for k in range(65)],
        "seeds": list(range(5)),
        "label_fractions": None,
        "metrics": METRIC_GROUPS,
        "metric_keys": [k for g in METRIC_GROUPS for k in METRICS[g].keys],
        "training": {"preset": "paper", "max_epochs": None},
    }
    rng = np.random.default_rng(0)
    with session_scope(url) as session:
        experiment, run_ids = crud.create_experiment(
            session=session, spec=ExperimentSpec.from_dict(spec)
        )
        session.execute(
            sa.update(Run)
            .where(Run.experiment_id == experiment.id)
            .values(
                status=RunStatus.completed,
                attempts=1,
                epochs_done=40,
                compute_seconds=60.0,
                finished_at=utcnow(),
            )
        )
        values = [
            {
                "run_id": run_id,
                "experiment_id": experiment.id,
                "key": key,
                "value": float(rng.random()),
                "created_at": utcnow(),
            }
            for run_id in run_ids
            for key in spec["metric_keys"]
        ]
        session.execute(sa.insert(MetricResult.__table__), values)
        return experiment.id


# `uvicorn --workers N` on one shared socket that uvicorn makes without TCP_NODELAY (asyncio
# sets it only on sockets whose proto is IPPROTO_TCP): small responses, written as headers then
# body, then stall ~40 ms on Nagle + delayed ACK (healthz p50 44 ms with ONE client). Accepted
# sockets inherit the option from the listener on Linux, so set it there. `betalab serve` runs
# a single uvicorn process on its own socket, which has it.
SERVE = """
import socket, sys, uvicorn
from uvicorn.supervisors import Multiprocess
port, workers = int(sys.argv[1]), int(sys.argv[2])
config = uvicorn.Config("api.main:create_app", factory=True, host="127.0.0.1", port=port,
                        workers=workers, access_log=False, log_level="warning")
sock = config.bind_socket()
sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
if workers > 1:
    Multiprocess(config, sockets=[sock]).run()
else:
    uvicorn.Server(config).run(sockets=[sock])
"""


def start_server(
    url: str, broker: str, workers: int, data_dir: Path, public_read: bool
) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {
        **os.environ,
        "BETALAB_PUBLIC_READ": "true" if public_read else "false",
        # The POST measurement queues 2,050 runs per repeat under one key: past the default quota.
        "BETALAB_MAX_ACTIVE_RUNS_PER_KEY": "1000000",
        "BETALAB_DATABASE_URL": url,
        "BETALAB_BROKER_URL": broker,
        "BETALAB_DATA_DIR": str(data_dir),
        "BETALAB_HOST": "127.0.0.1",
    }
    cmd = [sys.executable, "-c", SERVE, str(port), str(workers)]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("server did not start")


async def _get(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> bool:
    """One keep-alive HTTP/1.1 GET; True on a 200 whose Content-Length body arrived."""
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    length = None
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    if length is None:
        raise ValueError("response without Content-Length")
    await reader.readexactly(length)
    return head[9:12] == b"200"


async def load(
    base: str,
    path: str,
    params: dict,
    clients: int,
    seconds: float,
    warmup: float = 0.0,
    token: str | None = None,
) -> dict:
    """`clients` concurrent keep-alive request loops for `seconds` after `warmup` seconds on the
    same connections (not recorded); latency percentiles, rate, errors.

    With several uvicorn workers, one worker's accept loop often takes most of the 50 new
    connections, and that worker's result cache may be cold (the warm-up request went to the
    other): the warm-up lets every worker that serves the load fill its cache first.

    A minimal HTTP/1.1 client on asyncio streams: httpx costs ~6 ms of CPU per request, which on
    a small machine made the load generator, not the server, the bottleneck (it saturated a
    core at ~170 requests/s on /healthz).
    """
    url = httpx.URL(base)
    target = httpx.URL(path, params=params).raw_path.decode()
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    request = f"GET {target} HTTP/1.1\r\nHost: {url.host}:{url.port}\r\n{auth}\r\n".encode()
    latencies: list[float] = []
    errors = 0
    began = time.perf_counter() + warmup
    deadline = began + seconds

    async def worker() -> None:
        nonlocal errors
        streams = None
        while (start := time.perf_counter()) < deadline:
            try:
                if streams is None:
                    streams = await asyncio.open_connection(url.host, url.port)
                ok = await _get(*streams, request)
            except (OSError, ValueError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
                ok, streams = False, None
            if start >= began:
                latencies.append(time.perf_counter() - start)
                errors += not ok
        if streams is not None:
            streams[1].close()

    await asyncio.gather(*(worker() for _ in range(clients)))
    elapsed = time.perf_counter() - began
    ms = np.asarray(latencies) * 1000
    return {
        "p50_ms": float(np.percentile(ms, 50)),
        "p95_ms": float(np.percentile(ms, 95)),
        "rps": len(ms) / elapsed,
        "errors": errors,
    }


def busy_seconds(procs: list[psutil.Process]) -> float:
    """CPU seconds (user + system) used so far by `procs`; ones that have exited count 0."""
    total = 0.0
    for proc in procs:
        try:
            times = proc.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine has spent off idle (all cores together)."""
    times = psutil.cpu_times()
    return sum(times) - times.idle - getattr(times, "iowait", 0.0)


def load_with_shares(server: subprocess.Popen, run) -> tuple[dict, dict]:
    """Run the coroutine factory `run` and say who used the machine's CPU while it ran."""
    parent = psutil.Process(server.pid)
    servers = [parent, *parent.children(recursive=True)]
    me = psutil.Process()
    start = (time.perf_counter(), busy_seconds([me]), busy_seconds(servers), machine_busy_seconds())
    result = asyncio.run(run())
    end = (time.perf_counter(), busy_seconds([me]), busy_seconds(servers), machine_busy_seconds())
    capacity = (end[0] - start[0]) * psutil.cpu_count()
    loadgen, uvicorn, machine = (end[i] - start[i] for i in (1, 2, 3))
    shares = {
        "loadgen": loadgen / capacity,
        "server": uvicorn / capacity,
        "other": max(machine - loadgen - uvicorn, 0.0) / capacity,
        "idle": max(1.0 - machine / capacity, 0.0),
    }
    return result, shares


def post_grid(base: str, key: str, repeats: int) -> float:
    """Median milliseconds to POST a 2 x 41 x 25 = 2,050-run experiment (insert + enqueue)."""
    body = {
        "name": "bench-post",
        "dataset": "shapes",
        "model_types": ["fc", "conv"],
        "betas": {"start": 0, "stop": 4, "step": 0.1},
        "seeds": 25,
        "training": {"preset": "paper"},
    }
    times = []
    with httpx.Client(base_url=base, timeout=60) as client:
        for _ in range(repeats):
            start = time.perf_counter()
            response = client.post(
                "/experiments", json=body, headers={"Authorization": f"Bearer {key}"}
            )
            times.append((time.perf_counter() - start) * 1000)
            if response.status_code != 201 or response.json()["run_count"] != 2050:
                raise RuntimeError(f"POST failed: {response.status_code} {response.text[:200]}")
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds of unrecorded load")
    parser.add_argument("--metric", default="mig")
    parser.add_argument("--post-repeats", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    name = f"betalab_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    index = free_redis_index()
    broker = f"{REDIS_URL}/{index}"
    proc = None
    try:
        upgrade(url)
        experiment_id = seed_experiment(url)
        with session_scope(url) as session:
            key = create_api_key(session=session, name="bench")
            reader = create_api_key(session=session, name="bench-read", scope=KeyScope.read)
        with tempfile.TemporaryDirectory(prefix="betalab-bench-") as tmp:
            proc, base = start_server(url, broker, args.workers, Path(tmp), public_read=False)
            path = f"/results/{experiment_id}/curve"
            params = {"metric": args.metric}
            headers = {"Authorization": f"Bearer {reader}"}
            anonymous_status = httpx.get(base + path, params=params, timeout=60).status_code
            if anonymous_status != 401:
                raise RuntimeError(f"public read is on: an anonymous curve got {anonymous_status}")
            httpx.get(base + path, params=params, headers=headers, timeout=60).raise_for_status()
            baseline = asyncio.run(
                load(base, "/healthz", {}, args.clients, args.seconds / 4, warmup=1.0)
            )
            keyed, shares = load_with_shares(
                proc,
                lambda: load(
                    base, path, params, args.clients, args.seconds, args.warmup, token=reader
                ),
            )
            post_ms = post_grid(base, key, args.post_repeats)
            proc.terminate()
            proc.wait(timeout=30)
            proc, base = start_server(url, broker, args.workers, Path(tmp), public_read=True)
            httpx.get(base + path, params=params, timeout=60).raise_for_status()
            anonymous = asyncio.run(
                load(base, path, params, args.clients, args.seconds, warmup=args.warmup)
            )
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=30)
        get_engine(url).dispose()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        redis.Redis.from_url(broker).flushdb()

    report = {
        "curve_p50_ms": round(keyed["p50_ms"], 2),
        "curve_p95_ms": round(keyed["p95_ms"], 2),
        "curve_rps": round(keyed["rps"], 1),
        "errors": keyed["errors"] + anonymous["errors"],
        "anonymous_p95_ms": round(anonymous["p95_ms"], 2),
        "anonymous_rps": round(anonymous["rps"], 1),
        "keyed_vs_anonymous_p95": round(keyed["p95_ms"] / anonymous["p95_ms"], 2),
        "cpu_share_loadgen": round(shares["loadgen"], 3),
        "cpu_share_server": round(shares["server"], 3),
        "cpu_share_other": round(shares["other"], 3),
        "cpu_share_idle": round(shares["idle"], 3),
        "post_2050_runs_ms": round(post_ms, 1),
        "healthz_p95_ms": round(baseline["p95_ms"], 2),
        "curve_vs_healthz_p95": round(keyed["p95_ms"] / baseline["p95_ms"], 2),
        "workers": args.workers,
        "clients": args.clients,
    }
    emit(report, as_json=args.json)


if __name__ == "__main__":
    main()
