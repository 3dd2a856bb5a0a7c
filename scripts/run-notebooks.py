#!/usr/bin/python3
"""Execute the project's notebooks headless with the tslab (TypeScript) kernel.

    npm run notebooks                                   # every notebooks/*.ipynb, in place
    npm run notebooks -- notebooks/01-x.ipynb           # only these
    DNI_SCALE=smoke npm run notebooks -- --out /tmp/nb  # executed copies go to /tmp/nb
    npm run notebooks -- --jobs 2                       # two notebooks at a time, one per core
    npm run notebooks -- --dry-run                      # only say what it would do
    npm run notebooks -- --recompute /tmp/fresh --jobs 2  # every run from an empty cache, timed

Runs on Debian's /usr/bin/python3 (nbclient from `bash environment/setup-debian.sh`), or on any
python with `pip install nbclient`. Steps:
  0. say what it will do (scripts/notebook-plan.ts): per notebook, the runs cached and the runs to
     compute, the estimated time from the recorded runs, the datasets to download (with sizes);
     then download them (--dry-run stops after the plan);
  1. build the library (`npm run build`: the pinned TypeScript, not the one tslab bundles, which
     `npx tsc` would pick) so notebooks import fresh dist/ code;
  2. execute each notebook with nbclient, kernel "tslab" found through
     JUPYTER_PATH=<repo>/environment, cwd = the notebook's folder, scale from DNI_SCALE;
  3. on success, write it back (or to --out) with outputs and execution counts, without noisy
     metadata (timings, widget state), as indent-1 JSON like Jupyter;
     on a failing cell, print its source head and error text (tslab puts TypeScript errors in
     the cell's stderr stream) and exit non-zero, leaving the notebook file untouched.
The kernel's own stderr goes to a temporary file: when the kernel dies (or exits non-zero at
shutdown), its last lines are printed; otherwise it is dropped.
"""

import argparse
import atexit
import concurrent.futures
import glob
import json
import math
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENV_DIR = os.path.join(ROOT, "environment")
SCALES = ("smoke", "cpu", "paper")
# Per-cell timeout in seconds by scale (None: no limit). --timeout overrides.
DEFAULT_TIMEOUTS = {"smoke": 600, "cpu": 4 * 3600, "paper": None}
KERNELSPEC = {"name": "tslab", "display_name": "TypeScript (tslab)", "language": "typescript"}
KERNEL_LOG_LINES = 60  # lines of a dead kernel's stderr shown
SETUP_HINT = (
    "run `bash environment/setup-debian.sh` (Debian, as root), or `pip install nbclient` "
    "elsewhere; note that Debian's packages are on /usr/bin/python3, not on a pyenv/conda python3"
)


def die(msg, code=2):
    print(f"run-notebooks: {msg}", file=sys.stderr)
    sys.exit(code)


try:
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
    from jupyter_client.asynchronous import AsyncKernelClient
    from jupyter_client.manager import AsyncKernelManager
except ImportError as e:  # pragma: no cover - depends on the machine
    # `npm run notebooks` calls the python3 first on PATH (on Debian machines with pyenv or
    # conda, not the one apt installed nbclient for): retry once on Debian's python.
    debian = "/usr/bin/python3"
    if (os.path.realpath(sys.executable) != os.path.realpath(debian) and os.access(debian, os.X_OK)
            and not os.environ.get("DNI_NOTEBOOKS_REEXEC")):
        os.environ["DNI_NOTEBOOKS_REEXEC"] = "1"
        os.execv(debian, [debian, os.path.abspath(__file__)] + sys.argv[1:])
    die(f"nbclient/nbformat not importable by {sys.executable} ({e}); {SETUP_HINT}")


class KernelClient(AsyncKernelClient):
    """nbclient's kernel client without the heartbeat channel.

    tslab echoes heartbeats on a socket it closes while shutting down; a ping that arrives in
    between makes it throw ("Socket is closed") and exit with status 7, after every cell ran.
    The heartbeat is not needed here: a client made by a kernel manager asks the manager (the
    kernel's process) whether the kernel is alive.
    """

    def start_channels(self, shell=True, iopub=True, stdin=True, hb=True, control=True):
        super().start_channels(shell=shell, iopub=iopub, stdin=stdin, hb=False, control=control)


class KernelManager(AsyncKernelManager):
    """nbclient's kernel manager, keeping the kernel's process to read its exit status.

    jupyter_client interrupts (SIGINT) a kernel before asking it to shut down. The kernelspec
    runs tslab through `npm exec`, which then exits by that SIGINT whatever tslab's own status:
    no interrupt at shutdown, so that a kernel failing as it exits shows.
    """

    process = None

    def __init__(self, **kw):
        super().__init__(**kw)
        self.client_factory = KernelClient

    async def start_kernel(self, **kw):
        await super().start_kernel(**kw)
        self.process = getattr(self.provisioner, "process", None)

    async def interrupt_kernel(self):
        if not self.shutting_down:
            await super().interrupt_kernel()


def crashed(code):
    """A kernel exit status that is the kernel's own failure, not jupyter_client stopping it."""
    return code is not None and code != 0 and code not in (-signal.SIGTERM, -signal.SIGKILL)


def exit_text(code):
    if code is None:
        return "had not exited"
    if code < 0:
        try:
            return f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"
    return f"exited with status {code}"


def kernel_log_tail(log, n=KERNEL_LOG_LINES):
    """The last n lines of the kernel's stderr file, as one block of text."""
    log.flush()
    size = log.seek(0, os.SEEK_END)
    log.seek(max(0, size - 256 * 1024))  # enough for n lines of any sensible length
    lines = log.read().decode("utf-8", "replace").splitlines()
    if size > 256 * 1024:
        lines = lines[1:]  # the first may be cut
    if not lines:
        return "  (the kernel wrote nothing to stderr)\n"
    head = f"  ... ({len(lines) - n} earlier lines)\n" if len(lines) > n else ""
    return head + "".join(f"  {line}\n" for line in lines[-n:])


# With --jobs N, reports from several notebooks would interleave line by line: write each whole.
_print_lock = threading.Lock()


def emit(text, stream):
    with _print_lock:
        stream.write(text)
        stream.flush()


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("notebooks", nargs="*", help="notebooks to run (default: notebooks/*.ipynb)")
    p.add_argument("--out", metavar="DIR", help="write executed copies to DIR instead of in place")
    p.add_argument("--scale", choices=SCALES, help="sets DNI_SCALE (default: $DNI_SCALE, else cpu)")
    p.add_argument("--timeout", type=float, metavar="SECONDS",
                   help="per-cell timeout; 0 = none (default by scale: smoke 600, cpu 14400, paper none)")
    p.add_argument("--startup-timeout", type=int, default=120, metavar="SECONDS",  # nbclient wants an int
                   help="kernel start timeout (default 120)")
    p.add_argument("--no-build", action="store_true", help="skip the library build (npm run build)")
    p.add_argument("--dry-run", action="store_true",
                   help="print the plan (runs cached / to compute, time, downloads) and stop")
    p.add_argument("-v", "--verbose", action="store_true", help="print each cell's wall time")
    p.add_argument("--recompute", metavar="DIR",
                   help="compute every run from an empty results folder DIR/results (DNI_RESULTS_DIR): the recorded runs "
                        "first, --jobs processes at a time (scripts/compute-runs.ts), then the notebooks; write the executed "
                        "copies to DIR/notebooks, leave results/ and notebooks/ untouched, and end with a table of minutes per "
                        "notebook (DIR/minutes.md): what the collection costs from scratch")
    p.add_argument("-j", "--jobs", type=int, default=1, metavar="N",
                   help="notebooks run at once, one kernel each (default 1; 2 uses both cores of a 2-core "
                        "machine, with OpenBLAS set to 1 thread per kernel unless DNI_BLAS_THREADS is set)")
    return p.parse_args()


def resolve_scale(arg):
    raw = arg if arg is not None else os.environ.get("DNI_SCALE", "").strip()
    if raw == "":
        return "cpu"
    if raw.lower() not in SCALES:
        die(f"DNI_SCALE={raw!r} is not a scale; choose one of {', '.join(SCALES)}")
    return raw.lower()


def build():
    t0 = time.time()
    r = subprocess.run(["node", os.path.join("node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.json"], cwd=ROOT,
                       capture_output=True, text=True)
    if r.returncode != 0:
        sys.stderr.write(r.stdout + r.stderr)
        die("the library build (node_modules/typescript/bin/tsc -p tsconfig.json) failed; notebooks not run "
            "(fix the errors above, or pass --no-build to run on the existing dist/)", 1)
    print(f"build: tsc -p tsconfig.json ({time.time() - t0:.1f} s)", flush=True)


def tsx(*args):
    """Runs a TypeScript script of the project with tsx; returns its exit status."""
    cli = os.path.join(ROOT, "node_modules", "tsx", "dist", "cli.mjs")
    return subprocess.run(["node", cli, *args], cwd=ROOT).returncode


def plan(scale, paths, fetch):
    """Prints what the run will do; with fetch, downloads the datasets the notebooks read first."""
    script = os.path.join("scripts", "notebook-plan.ts")
    code = tsx(script, "prepare" if fetch else "plan", scale, *paths)
    if code != 0:
        # Only informational (a kernel fetches a missing dataset itself): say so and go on.
        emit(f"run-notebooks: warning: the plan (scripts/notebook-plan.ts) exited with status {code}"
             f"{'' if not fetch else '; running anyway'}\n", sys.stderr)
    return code


_record_lock = threading.Lock()  # with --jobs N, one read-modify-write of the record at a time


def record(scale, path, log, seconds, start):
    """Keeps which results entries the notebook used, for the next run's plan."""
    with _record_lock:
        code = tsx(os.path.join("scripts", "notebook-plan.ts"), "record", scale, path, log, f"{seconds:.1f}", str(int(start * 1000)))
    if code != 0:
        emit(f"{path}: warning: could not record its runs for the plan\n", sys.stderr)


def clean(nb):
    """Drops noisy metadata; keeps outputs, execution counts, kernelspec and language_info."""
    md = nb.metadata
    for key in ("widgets", "papermill", "toc", "varInspector", "vscode", "execution"):
        md.pop(key, None)
    md["kernelspec"] = dict(KERNELSPEC)
    for i, cell in enumerate(nb.cells):
        for key in ("execution", "ExecuteTime", "papermill", "collapsed", "scrolled", "jupyter"):
            cell.metadata.pop(key, None)
        if nb.nbformat == 4 and nb.nbformat_minor >= 5 and "id" not in cell:
            cell["id"] = f"cell-{i}"
        if cell.cell_type != "code":
            continue
        merged = []
        for out in cell.outputs:
            out.pop("transient", None)
            if out.get("output_type") in ("display_data", "execute_result"):
                out.setdefault("metadata", {})
            if (out.get("output_type") == "stream" and merged and merged[-1].get("output_type") == "stream"
                    and merged[-1].get("name") == out.get("name")):
                merged[-1]["text"] += out["text"]
            else:
                merged.append(out)
        cell.outputs = merged
    return nb


def write_notebook(nb, path):
    text = nbformat.writes(nb)  # indent 1, sorted keys, like Jupyter
    if not text.endswith("\n"):
        text += "\n"
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def report_failure(path, cell, index, err, kernel=None):
    """The failing cell's source head and error text and, when the kernel died (`kernel` = (how
    it exited, its stderr file)), that stderr's tail: one block of text."""
    out = []
    if index is None:
        out.append(f"\n{path}: the kernel failed before running any cell\n")
    else:
        lines = (cell.source if cell is not None else "").splitlines()
        out.append(f"\n{path}: cell {index} failed\n")
        out.append("---- cell source (head) ----\n")
        out += [f"  {line}\n" for line in lines[:15]]
        if len(lines) > 15:
            out.append(f"  ... ({len(lines) - 15} more lines)\n")
    out.append("---- error ----\n")
    shown = False
    for o in (cell.outputs if cell is not None else []):
        if o.get("output_type") == "stream" and o.get("name") == "stderr":
            out.append(o["text"] if o["text"].endswith("\n") else o["text"] + "\n")
            shown = True
        elif o.get("output_type") == "error":
            tb = "\n".join(o.get("traceback") or []) or f"{o.get('ename')}: {o.get('evalue')}"
            out.append(tb + "\n")
            shown = True
    if not shown and err is not None:
        # Timeouts, dead kernels, or a kernel that wrote nothing: fall back to nbclient's message.
        out.append(str(err).strip()[-4000:] + "\n")
    if kernel is not None:
        how, log = kernel
        out.append(f"---- the kernel {how}; its stderr (last {KERNEL_LOG_LINES} lines) ----\n")
        out.append(kernel_log_tail(log))
    return "".join(out)


def report_kernel_exit(path, what, log):
    return f"\n{path}: {what}\n---- its stderr (last {KERNEL_LOG_LINES} lines) ----\n{kernel_log_tail(log)}"


def run_one(path, out_dir, timeout, startup_timeout, verbose=False, scale=None):
    # The kernel's stderr, read only when it fails (a crash, V8's fatal errors, a native abort).
    # The cache log lists the results entries the notebook uses (DNI_CACHE_LOG), for the plan.
    with tempfile.TemporaryFile(prefix="dni-kernel-stderr-") as log, \
            tempfile.NamedTemporaryFile(prefix="dni-cache-log-", suffix=".txt") as cache_log:
        start = time.time()
        ok = _run_one(path, out_dir, timeout, startup_timeout, verbose, log, cache_log.name)
        users = os.environ.get("DNI_CACHE_LOG")
        if users:  # the user's own log (scripts/prune-results.ts) gets the same lines
            with open(cache_log.name, encoding="utf-8") as f, open(users, "a", encoding="utf-8") as out:
                out.write(f.read())
        # Only a notebook of the project, executed in place, describes the runs its next execution needs.
        ours = os.path.dirname(os.path.abspath(path)) == os.path.join(ROOT, "notebooks")
        if ok and scale and ours and not out_dir:
            record(scale, path, cache_log.name, time.time() - start, start)
        return ok


def _run_one(path, out_dir, timeout, startup_timeout, verbose, log, cache_log):
    nb = nbformat.read(path, as_version=4)
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    current = {"index": None, "start": None}

    def on_cell_execute(cell, cell_index):
        current["index"] = cell_index
        current["start"] = time.time()
        if verbose and cell_index == next(i for i, c in enumerate(nb.cells) if c.cell_type == "code"):
            print(f"  kernel ready after {current['start'] - t0:.1f} s", flush=True)

    def on_cell_executed(cell, cell_index, execute_reply):
        current["end"] = time.time()
        if verbose:
            head = (cell.source.strip().splitlines() or [""])[0][:60]
            print(f"  cell {cell_index:2d}: {time.time() - current['start']:6.1f} s  {head}", flush=True)

    client = NotebookClient(
        nb,
        kernel_name="tslab",
        kernel_manager_class=KernelManager,
        timeout=timeout,
        startup_timeout=startup_timeout,
        record_timing=False,
        allow_errors=False,
        resources={"metadata": {"path": os.path.dirname(os.path.abspath(path))}},
        on_cell_execute=on_cell_execute,
        on_cell_executed=on_cell_executed,
    )
    km = client.create_kernel_manager()  # nbclient starts and shuts down the kernel; we keep km
    t0 = time.time()
    try:
        client.execute(stderr=log, env={**os.environ, "DNI_CACHE_LOG": cache_log})
    except (CellExecutionError, CellTimeoutError, DeadKernelError, RuntimeError) as e:
        # RuntimeError: the kernel died or did not answer while starting (nbclient's message).
        i = current["index"]
        code = km.process.poll() if km.process is not None else None
        died = isinstance(e, DeadKernelError) or i is None or crashed(code)
        if i is None:
            # nbclient leaves its exit-time cleanup registered when the kernel fails to start.
            atexit.unregister(client._cleanup_kernel)
        report = report_failure(path, nb.cells[i] if i is not None else None, i, e,
                                kernel=(exit_text(code), log) if died else None)
        emit(f"{report}{path}: FAILED after {time.time() - t0:.1f} s\n", sys.stderr)
        return False
    code = km.process.poll() if km.process is not None else None
    if crashed(code):
        report = report_kernel_exit(path, f"every cell ran, but the kernel {exit_text(code)} at shutdown", log)
        emit(f"{report}{path}: FAILED after {time.time() - t0:.1f} s (notebook not written)\n", sys.stderr)
        return False
    if code is not None and code != 0:
        # jupyter_client stops a kernel that ignores the shutdown request (SIGTERM, then SIGKILL):
        # slow to exit, not a failure.
        emit(report_kernel_exit(path, f"warning: the kernel did not exit when asked to and {exit_text(code)}", log), sys.stderr)
    dest = os.path.join(out_dir, os.path.basename(path)) if out_dir else path
    write_notebook(clean(nb), dest)
    where = "" if dest == path else f" -> {dest}"
    if verbose and current.get("end"):
        print(f"  after the last cell (kernel shutdown, write): {time.time() - current['end']:.1f} s", flush=True)
    print(f"{path}: ok in {time.time() - t0:.1f} s{where}", flush=True)
    return True


def write_minutes(file, paths, minutes, walls, jobs, scale, runs_file):
    """The from-scratch table: per notebook, the process minutes of its recorded runs (computed first,
    `jobs` at a time) and the minutes of its execution (`jobs` notebooks at a time); then the wall clock."""
    cpu = ""
    if os.path.exists("/proc/cpuinfo"):
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "")
    runs = []
    if runs_file and os.path.exists(runs_file):
        with open(runs_file, encoding="utf-8") as f:
            runs = json.load(f)["runs"]
    lines = [f"Every notebook at DNI_SCALE={scale} from an empty results folder on {os.cpu_count()} cores ({cpu}), "
             f"{time.strftime('%Y-%m-%d')}: the recorded runs first, {jobs} processes at a time, then the notebooks, "
             f"{jobs} at a time (they compute any run not computed first).", "",
             "| notebook | runs computed first | their minutes (one process each) | notebook minutes | |",
             "|---|---|---|---|---|"]
    for p in paths:
        name = os.path.basename(p)
        mine = [r for r in runs if r["notebook"] == name and r["status"] == "computed"]
        m, good = minutes.get(p, (float("nan"), False))
        lines.append(f"| {name[:-6]} | {len(mine)} | {sum(r['seconds'] for r in mine) / 60:.1f} | {m:.1f} | "
                     f"{'ok' if good else 'FAILED'} |")
    lines.append(f"| runs first, wall clock | | {walls[0] / 60:.1f} | | |")
    lines.append(f"| notebooks, wall clock | | | {walls[1] / 60:.1f} | |")
    lines.append(f"| all, wall clock | | | {sum(walls) / 60:.1f} | |")
    text = "\n".join(lines) + "\n"
    with open(file, "w", encoding="utf-8") as f:
        f.write(text)
    print(text, flush=True)


def main():
    args = parse_args()
    scale = resolve_scale(args.scale)
    # nbclient's timeout trait takes whole seconds only: 2.5 waits 3.
    timeout = DEFAULT_TIMEOUTS[scale] if args.timeout is None else (None if args.timeout <= 0 else math.ceil(args.timeout))

    paths = args.notebooks or sorted(glob.glob(os.path.join(ROOT, "notebooks", "*.ipynb")))
    for p in paths:
        if not p.endswith(".ipynb") or not os.path.isfile(p):
            die(f"not a notebook file: {p}")
    if not paths:
        print("run-notebooks: no notebooks found in notebooks/")
        return 0
    if args.recompute:
        fresh = os.path.join(os.path.abspath(args.recompute), "results")
        if os.path.isdir(fresh) and any(f.endswith(".json") for f in os.listdir(fresh)):
            die(f"--recompute {args.recompute}: {fresh} already holds results entries; give an empty or new folder")
        os.makedirs(fresh, exist_ok=True)
        args.out = args.out or os.path.join(os.path.abspath(args.recompute), "notebooks")
    if args.out:
        os.makedirs(args.out, exist_ok=True)

    # The kernel (started by nbclient) inherits this environment.
    os.environ["DNI_SCALE"] = scale
    os.environ["JUPYTER_PATH"] = os.pathsep.join(
        [ENV_DIR] + [p for p in os.environ.get("JUPYTER_PATH", "").split(os.pathsep) if p])

    if args.recompute:
        # The plan: every run computed, timed from the committed record; then the empty folder.
        was = os.environ.get("DNI_CACHE")
        os.environ["DNI_CACHE"] = "off"
        planned = plan(scale, paths, fetch=not args.dry_run)
        if was is None:
            del os.environ["DNI_CACHE"]
        else:
            os.environ["DNI_CACHE"] = was
        os.environ["DNI_RESULTS_DIR"] = fresh
    else:
        planned = plan(scale, paths, fetch=not args.dry_run)
    if args.dry_run:
        return 1 if planned else 0
    if not args.no_build:
        build()
    limit = "none" if timeout is None else f"{timeout:g} s"
    print(f"scale: {scale} (DNI_SCALE), per-cell timeout: {limit}, {len(paths)} notebook(s)", flush=True)

    if args.jobs < 1:
        die(f"--jobs must be at least 1, got {args.jobs}")
    if args.jobs > 1 and not os.environ.get("DNI_BLAS_THREADS"):
        # Each kernel gets one core: two OpenBLAS threads per kernel would oversubscribe them.
        os.environ["DNI_BLAS_THREADS"] = "1"
    t0 = time.time()
    minutes = {}
    runs_first = None
    if args.recompute:
        # The recorded runs first, spread over the jobs, so both cores stay busy while a long
        # notebook runs; the notebooks then find them cached (scripts/compute-runs.ts).
        runs_first = os.path.join(os.path.abspath(args.recompute), "runs.json")
        status = tsx("scripts/compute-runs.ts", "--scale", scale, "--from", os.path.join(ROOT, "results"),
                     "--jobs", str(args.jobs), "--report", runs_first, *paths)
        if status != 0:
            print(f"run-notebooks: computing the recorded runs first stopped (status {status}); "
                  "the notebooks compute what is missing", flush=True)
    t_notebooks = time.time()

    def run(p):
        start = time.time()
        good = run_one(p, args.out, timeout, args.startup_timeout, args.verbose, scale)
        minutes[p] = ((time.time() - start) / 60, good)
        return good

    if args.jobs == 1:
        ok = [run(p) for p in paths]
    else:
        with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
            ok = list(pool.map(run, paths))
    failed = [p for p, good in zip(paths, ok) if not good]
    print(f"{len(paths) - len(failed)} of {len(paths)} notebook(s) ok in {time.time() - t0:.1f} s", flush=True)
    if args.recompute:
        write_minutes(os.path.join(os.path.abspath(args.recompute), "minutes.md"), paths, minutes,
                      (t_notebooks - t0, time.time() - t_notebooks), args.jobs, scale, runs_first)
    if failed:
        print("failed: " + ", ".join(failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
