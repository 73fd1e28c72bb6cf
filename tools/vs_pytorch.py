#!/usr/bin/env python3
"""tools/vs_pytorch.py: how many Fashion-MNIST images a second ./nn fashion trains, next to
PyTorch training the same network the same way.

    python3 tools/vs_pytorch.py [--rounds 3] [--quick] [--float64]
                                [--nn PATH] [--data DIR] [--torch-python PYTHON]

What it measures: training images a second, training time only (reading the files and
measuring accuracy are not counted), with one thread on each side. Both sides train
784-64-10 relu with Adam (0.9, 0.999, 1e-8), batches of 32, softmax cross-entropy (the
batch's mean), He-normal weights and zero biases, on 54,000 of the 60,000 training images
(a stratified tenth held out) for 6 epochs, the learning rate falling linearly from 0.001
in the first to 0.0001 in the last. nn computes in double precision; PyTorch in float32,
what a PyTorch user gets, unless --float64. Each side's test accuracy (t10k, 10,000 images)
is shown too, as a check that both trained the network.

How: the sides take turns, a round at a time (nn, PyTorch, nn, PyTorch, ...: 3 rounds
unless --rounds N), so that a change in the machine's load falls on every side alike. A
line is printed as each run ends, then a Markdown table: each side's runs, their median
and the median's ratio to nn's. The load average is printed before and after: on a busy
machine the figures say less.

The sides:
    nn                  ./nn fashion --out TMP (TMP a fresh folder, removed afterwards);
                        --nn PATH to run another binary; ./nn is built first if missing.
    pytorch             this script again under /usr/bin/python3 (or --torch-python), the
                        one that sees Debian's python3-torch; it uses the BLAS that
                        libblas.so.3 points at (Debian's alternatives).
    pytorch+openblas    the same with LD_LIBRARY_PATH at an OpenBLAS folder
                        (/usr/lib/x86_64-linux-gnu/openblas-serial or -pthread), where one
                        is installed: apt-get install libopenblas0-serial.
Each PyTorch run says which BLAS it loaded (from /proc/self/maps). Where torch cannot be
imported, that is said in one line and nn runs alone.

--quick trains on 4,500 images for 1 epoch (nn's --subset 5000 --epochs 1), to try the
script itself. Exit status 0 when every run was measured, 1 with one line when ./nn (or a
PyTorch run) failed or printed a line that could not be read, 2 for bad options.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = "/usr/share/datasets/fashion-mnist"  # where nn looks unless --data says otherwise
LIB = "/usr/lib/x86_64-linux-gnu"
OPENBLAS_FOLDERS = [LIB + "/openblas-serial", LIB + "/openblas-pthread"]
ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
QUICK = {"subset": 5000, "epochs": 1}  # --quick, on both sides
FULL = {"subset": 60000, "epochs": 6}

# What the runs print. nn's test accuracy is that of the epoch whose weights it kept.
TRAINED = re.compile(r"^  trained on (\d+) images in ([\d.]+) s: (\d+) a second$", re.M)
STOPPED = re.compile(r"^FASHION-MNIST: stopped after (\d+) epochs \(\w+\), "
                     r"weights from epoch (\d+)$", re.M)
TEST = re.compile(r"^  .*\btest ([\d.]+)% \(loss [\d.]+\)$", re.M)
PROBED = re.compile(r"^torch (\S+); BLAS: (.+)$", re.M)
LOOKS_LIKE = {TRAINED: "  trained on N images in S s: R a second",
              STOPPED: "FASHION-MNIST: stopped after N epochs (WHY), weights from epoch K",
              TEST: "  ... test A% (loss L)", PROBED: "torch VERSION; BLAS: PATHS"}


def fail(message, status=1):
    print(f"vs_pytorch: {message}", file=sys.stderr)
    sys.exit(status)


# ---- The machine --------------------------------------------------------------------------

def load_average():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def cpu_model():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return "unknown CPU"


# ---- Running a side -----------------------------------------------------------------------

def run(command, what, env=None):
    """(stdout, seconds) of a command that must succeed; exit 1 with one line if not."""
    start = time.monotonic()
    try:
        p = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True,
                           text=True, env=env)
    except OSError as e:
        fail(f"{what}: cannot run {command[0]}: {e.strerror}")
    if p.returncode != 0:
        said = last_line(p) or "printed nothing"
        fail(f"{what} failed (exit status {p.returncode}): {said}")
    return p.stdout, time.monotonic() - start


def last_line(p):
    """The last line a finished process wrote to stderr, or else to stdout."""
    return (p.stderr.strip() or p.stdout.strip()).split("\n")[-1]


def found(pattern, text, what):
    """The match of pattern in what a run printed; exit 1 with one line if there is none."""
    m = pattern.search(text)
    if not m:
        fail(f"{what}: printed no line like {LOOKS_LIKE[pattern]!r}")
    return m


def measured(output, seconds, what):
    """{rate, test, training, wall} from a run's output: the figures every side prints."""
    trained = found(TRAINED, output, what)
    return {"rate": int(trained.group(3)), "training": float(trained.group(2)),
            "test": float(found(TEST, output, what).group(1)), "wall": seconds}


def nn_binary(path):
    """The nn to run; the default ./nn is built with `make nn` if it is missing."""
    if path:
        if not os.access(path, os.X_OK):
            fail(f"--nn {path}: not an executable file", 2)
        return os.path.abspath(path)
    path = os.path.join(ROOT, "nn")
    if not os.access(path, os.X_OK):
        print("./nn is missing: make nn", flush=True)
        run(["make", "-C", ROOT, "nn"], "make nn")
    return path


def run_nn(side, options):
    with tempfile.TemporaryDirectory(prefix="vs_pytorch_nn_") as out:
        command = [side["binary"], "fashion", "--out", out]
        if options.quick:
            command += ["--subset", str(QUICK["subset"]), "--epochs", str(QUICK["epochs"])]
        if options.data:
            command += ["--data", options.data]
        output, seconds = run(command, "./nn fashion")
    result = measured(output, seconds, "./nn fashion")
    stopped = found(STOPPED, output, "./nn fashion")
    if stopped.group(1) != stopped.group(2):
        result["note"] = f"weights of epoch {stopped.group(2)} of {stopped.group(1)}"
    return result


def torch_command(options, *more):
    settings = QUICK if options.quick else FULL
    return [options.torch_python, os.path.abspath(__file__), "--torch-side",
            "--data", options.data or DATA, "--subset", str(settings["subset"]),
            "--epochs", str(settings["epochs"])] + (["--float64"] if options.float64 else []) \
        + list(more)


def run_torch(side, options):
    what = f"the {side['name']} run"
    output, seconds = run(torch_command(options), what, side["env"])
    result = measured(output, seconds, what)
    blas = found(PROBED, output, what).group(2)
    if blas != side["blas"]:
        fail(f"{what} loaded {blas}, not {side['blas']} as probed")
    return result


# ---- Which sides run ----------------------------------------------------------------------

def probe(options, env):
    """(torch's version, the BLAS it loads) under options.torch_python with env, or
    (None, why not)."""
    try:
        p = subprocess.run(torch_command(options, "--probe"), stdin=subprocess.DEVNULL,
                           capture_output=True, text=True, env=env)
    except OSError as e:
        return None, f"cannot run {options.torch_python}: {e.strerror}"
    m = PROBED.search(p.stdout)
    if p.returncode != 0 or not m:
        return None, last_line(p) or f"exit status {p.returncode}"
    return m.group(1), m.group(2)


def torch_sides(options):
    """The PyTorch sides to run, and those that are not run with the reason."""
    env = dict(os.environ, **ONE_THREAD)
    env.pop("LD_LIBRARY_PATH", None)
    version, blas = probe(options, env)
    if version is None:
        print(f"PyTorch not run: torch cannot be imported by {options.torch_python} "
              f"({blas}); install it with: sudo apt-get install python3-torch")
        return []
    dtype = "float64" if options.float64 else "float32"
    plain = {"name": "pytorch", "env": env, "blas": blas,
             "label": f"PyTorch {version} {dtype}, {blas_name(blas)}"}
    folder = next((f for f in OPENBLAS_FOLDERS if os.path.isfile(f + "/libblas.so.3")), None)
    other = {"name": "pytorch+openblas", "label": f"PyTorch {version} {dtype}, OpenBLAS"}
    if folder is None:
        other["not_run"] = "no OpenBLAS (sudo apt-get install libopenblas0-serial)"
        return [plain, other]
    other["env"] = dict(env, LD_LIBRARY_PATH=folder)
    loaded, other["blas"] = probe(options, other["env"])
    if loaded is None:
        other["not_run"] = f"with LD_LIBRARY_PATH={folder}, torch failed: {other['blas']}"
    elif "openblas" not in other["blas"]:
        other["not_run"] = f"with LD_LIBRARY_PATH={folder} it loaded {other['blas']}"
    elif other["blas"] == blas:
        other["not_run"] = "PyTorch already uses this OpenBLAS as installed"
    else:
        other["label"] = f"PyTorch {version} {dtype}, {blas_name(other['blas'])}"
    return [plain, other]


def blas_name(path):
    """A BLAS library's path, as the table names it."""
    if "openblas" in path:
        return f"OpenBLAS ({os.path.basename(os.path.dirname(path))})"
    if "/blas/" in path:
        return "reference BLAS"
    return path


# ---- What is printed ----------------------------------------------------------------------

def run_line(round_number, side, result):
    note = f"  ({result['note']})" if "note" in result else ""
    return (f"round {round_number}  {side['name']:<16} {result['rate']:>6} images a second  "
            f"test {result['test']:.1f}%  {result['training']:.1f} s training, "
            f"{result['wall']:.1f} s in all{note}")


def table(sides):
    lines = ["| side | images a second, each run | median | test accuracy | "
             "median / nn's |", "| --- | --- | --- | --- | --- |"]
    nn_median = statistics.median(r["rate"] for r in sides[0]["runs"])
    for side in sides:
        if "not_run" in side:
            lines.append(f"| {side['label']} | not run: {side['not_run']} | | | |")
            continue
        rates = [r["rate"] for r in side["runs"]]
        median = statistics.median(rates)
        tests = ", ".join(f"{r['test']:.1f}%" for r in side["runs"])
        lines.append(f"| {side['label']} | {', '.join(map(str, rates))} | {median:.0f} | "
                     f"{tests} | {median / nn_median:.2f} |")
    return "\n".join(lines)


def driver(options):
    if options.rounds < 1:
        fail("--rounds takes a whole number, 1 or more", 2)
    print(f"load average {load_average()} (1, 5, 15 minutes); {os.cpu_count()} CPUs, "
          f"{cpu_model()}", flush=True)
    nn = {"name": "nn", "label": "nn (float64)", "binary": nn_binary(options.nn)}
    sides = [nn] + torch_sides(options)
    runners = {"nn": run_nn, "pytorch": run_torch, "pytorch+openblas": run_torch}
    for side in sides:
        side["runs"] = []
        if "not_run" in side:
            print(f"{side['name']} not run: {side['not_run']}")
    running = ", ".join(s["name"] for s in sides if "not_run" not in s)
    quick = " (--quick: 4,500 images, 1 epoch)" if options.quick else ""
    rounds = f"{options.rounds} round{'s' if options.rounds > 1 else ''}"
    print(f"{rounds} of {running}{quick}", flush=True)
    for round_number in range(1, options.rounds + 1):
        for side in sides:
            if "not_run" not in side:
                side["runs"].append(runners[side["name"]](side, options))
                print(run_line(round_number, side, side["runs"][-1]), flush=True)
    print()
    print(table(sides))
    print()
    print(f"load average at the end {load_average()}")
    return 0


# ---- The PyTorch side (run under the Python that has torch) -------------------------------

def read_idx(folder, name, magic):
    """The payload of an IDX file (gzip'd, or not) and its dimensions."""
    import gzip
    import struct
    path = os.path.join(folder, name)
    if os.path.isfile(path + ".gz"):
        with gzip.open(path + ".gz") as f:
            data = f.read()
    else:
        with open(path, "rb") as f:
            data = f.read()
    if struct.unpack(">I", data[:4])[0] != magic:
        raise SystemExit(f"vs_pytorch: {path}: not an IDX file of the kind expected")
    count = (magic & 0xFF)  # the number of dimensions
    dims = struct.unpack(f">{count}I", data[4:4 + 4 * count])
    return bytearray(data[4 + 4 * count:]), dims


def read_set(torch, folder, prefix):
    """(images as an n x 784 uint8 tensor, labels as int64) of train or t10k."""
    pixels, dims = read_idx(folder, f"{prefix}-images-idx3-ubyte", 0x803)
    labels, _ = read_idx(folder, f"{prefix}-labels-idx1-ubyte", 0x801)
    images = torch.frombuffer(pixels, dtype=torch.uint8).view(dims[0], dims[1] * dims[2])
    return images, torch.frombuffer(labels, dtype=torch.uint8).long()


def training_indices(torch, labels, subset, generator):
    """A shuffled subset of the images less a stratified tenth: ordered by class, every
    tenth image is held out, so each class gives up a tenth of its images."""
    order = torch.randperm(len(labels), generator=generator)[:subset]
    by_class = order[torch.sort(labels[order], stable=True).indices]
    keep = torch.arange(len(by_class)) % 10 != 0
    return by_class[keep]


def he_normal_mlp(torch, dtype):
    model = torch.nn.Sequential(torch.nn.Linear(784, 64), torch.nn.ReLU(),
                                torch.nn.Linear(64, 10)).to(dtype)
    with torch.no_grad():
        for layer in (model[0], model[2]):
            layer.weight.normal_(0.0, (2.0 / layer.in_features) ** 0.5)
            layer.bias.zero_()
    return model


def learning_rate(epoch, epochs, first=0.001, last=0.0001):
    """Linear from first in epoch 1 to last in the last epoch."""
    return first if epochs == 1 else first + (epoch - 1) / (epochs - 1) * (last - first)


def train(torch, model, images, labels, epochs, dtype, generator):
    """Trains; returns (images trained, seconds). Only the loop is timed: shuffling, making
    each batch a tensor, the forward pass, the loss, backward and Adam's step."""
    optimizer = torch.optim.Adam(model.parameters(), lr=0.001, betas=(0.9, 0.999), eps=1e-8)
    loss_of = torch.nn.CrossEntropyLoss()
    seconds, trained = 0.0, 0
    for epoch in range(1, epochs + 1):
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(epoch, epochs)
        start = time.perf_counter()
        order = torch.randperm(len(labels), generator=generator)
        for i in range(0, len(order), 32):
            batch = order[i:i + 32]
            x = images[batch].to(dtype).div_(255)
            loss = loss_of(model(x), labels[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        seconds += time.perf_counter() - start
        trained += len(order)
    return trained, seconds


def loaded_blas():
    """The BLAS libraries this process has mapped, as paths, comma-separated."""
    names = ("libblas", "libopenblas", "libmkl", "libblis")
    with open("/proc/self/maps") as f:
        paths = {line.split()[-1] for line in f if "/" in line}
    blas = sorted(p for p in paths if os.path.basename(p).startswith(names))
    return ", ".join(blas) or "none found"


def torch_side(options):
    try:
        import torch
    except ImportError as e:
        raise SystemExit(str(e))
    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    print(f"torch {torch.__version__}; BLAS: {loaded_blas()}", flush=True)
    if options.probe:
        return 0
    dtype = torch.float64 if options.float64 else torch.float32
    generator = torch.Generator().manual_seed(1)
    torch.manual_seed(1)
    images, labels = read_set(torch, options.data, "train")
    test_images, test_labels = read_set(torch, options.data, "t10k")
    keep = training_indices(torch, labels, options.subset, generator)
    images, labels = images[keep], labels[keep]
    model = he_normal_mlp(torch, dtype)
    trained, seconds = train(torch, model, images, labels, options.epochs, dtype, generator)
    print(f"  trained on {trained} images in {seconds:.1f} s: {trained / seconds:.0f} a second")
    with torch.no_grad():
        logits = model(test_images.to(dtype) / 255)
        loss = torch.nn.functional.cross_entropy(logits, test_labels).item()
        right = (logits.argmax(1) == test_labels).double().mean().item()
    print(f"  test {100 * right:.1f}% (loss {loss:.4f})")
    return 0


def main():
    parser = argparse.ArgumentParser(
        description="Training images a second: ./nn fashion next to PyTorch, one thread "
                    "each, interleaved. See the top of tools/vs_pytorch.py.")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of runs (3)")
    parser.add_argument("--quick", action="store_true",
                        help="4,500 images, 1 epoch: to try the script")
    parser.add_argument("--float64", action="store_true",
                        help="PyTorch in double precision, as nn computes")
    parser.add_argument("--nn", help="the nn binary (./nn, built if missing)")
    parser.add_argument("--data", help=f"the four Fashion-MNIST files ({DATA})")
    parser.add_argument("--torch-python", default="/usr/bin/python3",
                        help="the Python that imports torch (/usr/bin/python3)")
    parser.add_argument("--torch-side", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--probe", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--subset", type=int, default=FULL["subset"], help=argparse.SUPPRESS)
    parser.add_argument("--epochs", type=int, default=FULL["epochs"], help=argparse.SUPPRESS)
    options = parser.parse_args()
    return torch_side(options) if options.torch_side else driver(options)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        fail("stopped", 130)
