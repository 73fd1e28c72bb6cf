#!/usr/bin/env python3
"""tools/grade_all.py: a class's grades, each student's nn.cpp graded as `make grade` would.

    python3 tools/grade_all.py [--exercises 7,9,12] [--out GRADES] [--jobs N] SUBMISSIONS
    make grade-all SUBMISSIONS=DIR [EXERCISES=7,9,12] [GRADES=DIR] [JOBS=N]

SUBMISSIONS holds each student's nn.cpp as NAME/nn.cpp or as NAME.cpp. NAME is the student's
ID and so their variant: their tests run with NN_VARIANT=NAME, as in the handout that
`make handout STUDENT=NAME` wrote for them. Names that start with '.' are left out; other
entries are listed as left out.

Each student is graded on their own: a handout of the exercises (--exercises, by numbers or
names as handout.py takes them, every one by default) is made once in a temporary folder;
for each student a copy of it gets their nn.cpp, and nothing else of theirs, and its
grade.sh runs there, with NN_VARIANT=NAME, TEST_TIME_LIMIT seconds a test (60 unless set)
and GRADE_TIME_LIMIT seconds for the whole student (600 unless set), files of at most 64 MiB
and no core files. A missing nn.cpp, a build error, a crash, an endless loop or a flood of
output is reported, and the next student is graded all the same. --jobs N grades N students
at a time (1 unless set; each test's time limit is wall-clock time, so leave a busy machine
room).

Writes GRADES (SUBMISSIONS-grades/, beside SUBMISSIONS, unless --out says otherwise):
    grades.csv        student,exercise,points,out_of: a row per student and exercise
    reports/NAME.txt  each student's grade report as make grade prints it, and what was wrong
and prints a line per student: their total and anything abnormal. GRADES is written under a
temporary name and renamed when whole; a GRADES that exists must be empty or one written
before (it holds grades.csv), and is replaced. Exit status 0 when every student was graded
or reported, 2 for bad input (one line), 1 when no handout could be made.
"""
import csv
import hashlib
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from exercises import WRITE_IT, points  # noqa: E402
from handout import replace_whole  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STUDENT_ID = re.compile(r"[A-Za-z0-9_.-]{1,64}")  # as handout.py --student takes them
FILE_LIMIT = 64 << 20    # bytes a graded process may write to one file
REPORT_LIMIT = 1 << 20   # bytes of a report kept; a flood of output is cut there
HEADER = re.compile(r"^exercise +title +tests +points$")
ROW = re.compile(r"^(\d+) .* (\d+) of (\d+) +(\d+) of (\d+)$")
OUTCOME = re.compile(r"^  exercise \d+: \S+: (fail|crash|timeout|missing)$")


def fail(message, status=2):
    print(f"grade-all: {message}", file=sys.stderr)
    sys.exit(status)


def seconds(name, default):
    value = os.environ.get(name, str(default))
    if not value.isdigit() or int(value) == 0:
        fail(f"{name}={value!r}: takes a whole number of seconds, 1 or more")
    return int(value)


# ---- What to grade ------------------------------------------------------------------------

def submissions(folder):
    """({name: [the nn.cpp files found for it]}, [entries left out]). A folder NAME without
    nn.cpp gives its missing path, so that it is reported."""
    found, left_out = {}, []
    for entry in sorted(os.listdir(folder)):
        path = os.path.join(folder, entry)
        if entry.startswith("."):
            continue
        if os.path.isdir(path):
            found.setdefault(entry, []).append(os.path.join(path, "nn.cpp"))
        elif entry.endswith(".cpp") and len(entry) > 4:
            found.setdefault(entry[:-4], []).append(path)
        else:
            left_out.append(entry)
    return found, left_out


def make_template(work, spec):
    """A handout of the exercises `spec` names, in work/template: the teacher's tests.cpp and
    grade.sh, which every student's copy is made from."""
    template = os.path.join(work, "template")
    p = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "handout.py"),
                        "--exercises", spec, "--out", template],
                       capture_output=True, text=True)
    if p.returncode != 0:
        lines = p.stderr.strip().split("\n")
        message = re.sub(r"^handout: ", "", lines[-1]) or "failed"
        fail(f"the handout to grade with: {message}", 2 if p.returncode == 2 else 1)
    return template


def chosen_exercises(template):
    """[(number, points)] of the exercises in the template handout's grade.sh, in order."""
    with open(os.path.join(template, "grade.sh")) as f:
        table = f.read().split("cat <<'END'\n", 1)[1].split("\nEND\n", 1)[0]
    numbers = [int(line.split("|")[0]) for line in table.split("\n") if line.strip()]
    return [(e["number"], points(e)) for n in numbers for e in WRITE_IT if e["number"] == n]


# ---- Grading one student ------------------------------------------------------------------

def limits():
    """In the grading process, before it starts: files of at most FILE_LIMIT, no core files."""
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_LIMIT, FILE_LIMIT))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


class Student:
    """One student's grading: prepared, started, then finished."""

    def __init__(self, name, paths, work, index):
        self.name, self.paths = name, paths
        self.shown = name.encode(errors="replace").decode()  # printable, whatever the bytes
        self.sha = None
        self.folder = os.path.join(work, f"student{index}")
        self.notes = []       # what was abnormal, for the summary and the report
        self.report = ""      # what grade.sh printed
        self.rows = {}        # {exercise: (points, out_of)} from the table
        self.process = None
        self.started = 0.0

    def start(self, template, env, time_limit):
        """Starts grade.sh in a copy of the template with this student's nn.cpp; False (and a
        note) when there is nothing to grade."""
        if len(self.paths) > 1:
            self.notes.append("two submissions, " + " and ".join(self.paths) +
                              ": not graded; keep one")
            return False
        source = self.paths[0]
        if not os.path.isfile(source):
            self.notes.append(f"no nn.cpp: {source} is missing")
            return False
        if not STUDENT_ID.fullmatch(self.name):
            self.notes.append("not a student ID (letters, digits, '-', '_', '.'), so no "
                              "handout has this variant: graded with it all the same")
        shutil.copytree(template, self.folder, symlinks=True)
        try:
            shutil.copyfile(source, os.path.join(self.folder, "nn.cpp"))
        except OSError as e:
            self.notes.append(f"{source} cannot be read: {e.strerror}")
            return False
        with open(source, "rb") as f:
            self.sha = hashlib.sha256(f.read()).hexdigest()[:16]
        temporary = os.path.join(self.folder + "-tmp")
        os.mkdir(temporary)
        self.output = open(os.path.join(self.folder + "-report.txt"), "wb")
        self.time_limit = time_limit
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            ["sh", os.path.join(self.folder, "grade.sh")], cwd=self.folder,
            stdin=subprocess.DEVNULL, stdout=self.output, stderr=subprocess.STDOUT,
            env=dict(env, NN_VARIANT=self.name, TMPDIR=temporary),
            start_new_session=True, preexec_fn=limits)
        return True

    def overdue(self):
        return time.monotonic() - self.started > self.time_limit

    def stop(self):
        """Kills grade.sh and everything it started (its session's process group)."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait()

    def finish(self, timed_out):
        """Reads the table from what grade.sh printed, keeps the report cut at REPORT_LIMIT,
        and notes what was abnormal. The table is what follows grade.sh's last header line
        (a compiler's messages come before it, the failed tests' messages after)."""
        self.output.close()
        with open(self.output.name, encoding="utf-8", errors="replace") as f:
            lines = f.read().split("\n")
        headers = [i for i, line in enumerate(lines) if HEADER.match(line)]
        for line in lines[headers[-1] + 1:] if headers else []:
            m = ROW.match(line)
            if not m:
                break
            self.rows[int(m.group(1))] = (int(m.group(4)), int(m.group(5)))
        outcomes = [m.group(1) for m in map(OUTCOME.match, lines) if m]
        if "They do not build, so every exercise gets 0 points. " \
           "The compiler's first lines:" in lines:
            self.notes.append("does not build")
        for outcome, says in (("crash", "crashed"), ("timeout", "ran out of time")):
            count = outcomes.count(outcome)
            if count:
                self.notes.append(f"{count} test{'s' if count > 1 else ''} {says}")
        # The runner's line for a test whose process ended with exit() before it returned:
        # no student's code does that by mistake, so the summary says so.
        exited = sum("the test did not run to its end" in line for line in lines)
        if exited:
            self.notes.append(f"{exited} test{'s' if exited > 1 else ''} exited before "
                              "returning: exit() in the code?")
        with open(self.output.name, "rb") as f:
            data = f.read(REPORT_LIMIT + 1)
        if len(data) > REPORT_LIMIT:
            size = os.path.getsize(self.output.name)
            data = data[:REPORT_LIMIT] + b"\n[cut: the report was %d bytes]\n" % size
            self.notes.append(f"printed {size >> 20} MiB; its report is cut at 1 MiB")
        self.report = data.decode(errors="replace")
        status = self.process.returncode
        if timed_out:
            self.notes.append(f"stopped after GRADE_TIME_LIMIT={self.time_limit} s, with "
                              f"{len(self.rows)} exercises graded; the rest get 0")
        elif not any(line.startswith("total: ") for line in lines):
            self.notes.append(f"grade.sh ended with status {status} before its total")
        shutil.rmtree(self.folder, ignore_errors=True)
        shutil.rmtree(self.folder + "-tmp", ignore_errors=True)


def grade_everyone(students, template, jobs, test_time_limit, time_limit):
    """Grades the students, `jobs` at a time, each ended after `time_limit` seconds."""
    env = dict(os.environ, TEST_TIME_LIMIT=str(test_time_limit))
    waiting, running, done = list(students), [], 0
    try:
        while waiting or running:
            while waiting and len(running) < jobs:
                student = waiting.pop(0)
                if student.start(template, env, time_limit):
                    running.append(student)
                else:
                    done += 1
            time.sleep(0.1)
            for student in list(running):
                timed_out = student.process.poll() is None and student.overdue()
                if timed_out:
                    student.stop()
                if student.process.poll() is not None:
                    student.finish(timed_out)
                    running.remove(student)
                    done += 1
                    print(f"grade-all: {done} of {len(students)} graded ({student.shown})",
                          file=sys.stderr)
    finally:
        for student in running:  # only when interrupted
            student.stop()


# ---- What it writes -----------------------------------------------------------------------

def is_grades_folder(folder):
    return os.path.isdir(folder) and (not os.listdir(folder) or
                                      os.path.isfile(os.path.join(folder, "grades.csv")))


def write_grades(out, students, exercises):
    """GRADES, written under a temporary name beside it and renamed when whole."""
    parent = os.path.dirname(os.path.abspath(out))
    work = tempfile.mkdtemp(prefix=".grades-", dir=parent)
    try:
        os.mkdir(os.path.join(work, "reports"))
        with open(os.path.join(work, "grades.csv"), "w", newline="", encoding="utf-8",
                  errors="replace") as f:
            writer = csv.writer(f)  # RFC 4180: CRLF, quotes where a field needs them
            writer.writerow(["student", "exercise", "points", "out_of"])
            for s in students:
                for number, worth in exercises:
                    earned, out_of = s.rows.get(number, (0, worth))
                    writer.writerow([s.name, number, earned, out_of])
                writer.writerow([s.name, "total", *total(s, exercises)])
        for s in students:
            with open(os.path.join(work, "reports", s.report_name), "w", encoding="utf-8",
                      errors="replace") as f:
                f.write(report(s))
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(work, 0o777 & ~umask)
        replace_whole(out, work, ".grades-old-")
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise


def name_reports(students):
    """Sets each student's report_name: NAME.txt, where a name that is no student ID has its
    other characters replaced by '_', and a number added should two names then meet."""
    taken = set()
    for s in students:
        base = re.sub(r"[^A-Za-z0-9_.-]", "_", s.name)
        name, n = base + ".txt", 1
        while name in taken:
            n += 1
            name = f"{base}-{n}.txt"
        taken.add(name)
        s.report_name = name


def report(s):
    where = " and ".join(s.paths)
    head = f"nn.cpp grades of {s.name}, from {where}"
    if s.sha:
        head += f" (sha256 {s.sha}...), graded with NN_VARIANT={s.name}"
    notes = "".join(f"grade-all: {note}\n" for note in s.notes)
    return f"{head}\n\n{s.report}" + (f"\n{notes}" if notes else "")


def total(s, exercises):
    earned = sum(s.rows.get(n, (0, w))[0] for n, w in exercises)
    return earned, sum(s.rows.get(n, (0, w))[1] for n, w in exercises)


# ---- Command line -------------------------------------------------------------------------

def main(args):
    options = {"--exercises": "all", "--out": None, "--jobs": "1"}
    folders = []
    while args:
        a = args.pop(0)
        if a in options:
            if not args:
                fail(f"{a} needs a value")
            options[a] = args.pop(0)
        elif a.startswith("-"):
            fail(f"unknown option {a!r}; options: --exercises, --out, --jobs (see the top of "
                 "tools/grade_all.py)")
        else:
            folders.append(a)
    if len(folders) != 1 or not folders[0]:
        fail("needs one folder of submissions: make grade-all SUBMISSIONS=DIR, where DIR "
             "holds NAME/nn.cpp or NAME.cpp for each student")
    submitted = folders[0].rstrip("/") or "/"
    if not os.path.isdir(submitted):
        fail(f"SUBMISSIONS={folders[0]}: no such folder")
    if not options["--jobs"].isdigit() or int(options["--jobs"]) == 0:
        fail(f"JOBS={options['--jobs']}: takes a whole number, 1 or more")
    test_time_limit = seconds("TEST_TIME_LIMIT", 60)
    time_limit = seconds("GRADE_TIME_LIMIT", 600)
    out = options["--out"] or submitted + "-grades"
    if os.path.exists(out) and not is_grades_folder(out):
        fail(f"GRADES={out}: is not empty and holds no grades.csv; remove it or choose another")
    found, left_out = submissions(submitted)
    if not found:
        fail(f"SUBMISSIONS={folders[0]}: holds no NAME/ folder and no NAME.cpp")
    with tempfile.TemporaryDirectory(prefix="nn_grade_all_") as work:
        template = make_template(work, options["--exercises"])
        exercises = chosen_exercises(template)
        students = [Student(name, paths, work, i)
                    for i, (name, paths) in enumerate(sorted(found.items()))]
        name_reports(students)
        grade_everyone(students, template, int(options["--jobs"]), test_time_limit,
                       time_limit)
        write_grades(out, students, exercises)
    width = max(len(s.shown) for s in students)
    for s in students:
        earned, possible = total(s, exercises)
        notes = f"  ({'; '.join(s.notes)})" if s.notes else ""
        print(f"{s.shown:<{width}}  {earned:>3} of {possible}{notes}")
    if left_out:
        print(f"left out, being neither NAME/ nor NAME.cpp: {', '.join(left_out)}")
    print(f"grade-all: wrote {out}/grades.csv and {len(students)} reports in {out}/reports/")
    return 0


class Stopped(Exception):
    """SIGINT, SIGTERM or SIGHUP: the students being graded are stopped, nothing written."""


def stop(signal_number, _):
    raise Stopped(signal_number)


if __name__ == "__main__":
    for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, stop)
    try:
        sys.exit(main(sys.argv[1:]))
    except Stopped as e:
        print("grade-all: stopped; nothing written", file=sys.stderr)
        sys.exit(128 + e.args[0])
