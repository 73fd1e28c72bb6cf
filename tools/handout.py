#!/usr/bin/env python3
"""tools/handout.py: a folder a teacher can give to students, the answers taken out.

    python3 tools/handout.py [--exercises 7,9,12] [--out DIR] [--answer-key] [--student ID]
        writes DIR (handout/ by default): nn.cpp with the chosen write-it exercises' bodies
        stubbed (all of them by default; by numbers or names, as --exercises
        mul-div,tanh-slope), every leak of their answers replaced, tests.cpp, a Makefile
        with `make grade`, grade.sh, README.md opening with the handout's own instructions,
        docs/'s pictures; as a fresh git repository with one commit, whose author and date
        are fixed so that two runs make the same commit. --answer-key keeps
        every body (leaks are still replaced): the teacher's copy, on which `make grade`
        gives full points. --student ID makes it ID's copy: its Makefile exports
        NN_VARIANT=ID, from which the tests draw their inputs, and its README says whose it
        is; ID is 1 to 64 letters, digits, '-', '_' or '.'. DIR must be empty, absent or a
        handout written before.
    python3 tools/handout.py --check DIR
        the leak check: fails, naming file and line, if a telltale of a stubbed body is
        anywhere in DIR or in its one commit. Telltales: each distinctive line of each
        original stubbed body (found here, from nn.cpp), each leak's original, and the
        strings listed in tools/exercises.py. `make handout` runs it before it keeps DIR.
    python3 tools/handout.py --telltales [6,8,...]
        prints the telltales, and the body lines left out because they occur elsewhere
    python3 tools/handout.py --measure [6,backward,...]
        stubs every body alone, in pairs, all together and all but one, runs the lesson's
        tests and the see-it and change-it exercises' commands on each, and prints what each
        exercise needs written first; fails if tools/exercises.py says otherwise (10 to 20
        minutes here). With exercises (numbers or names, any kind), only what measures
        theirs: every body alone, with their commands, and for a write-it exercise each pair
        with it, all together and all but it (2 to 7 minutes)

What is left out of a handout: pin/ (pin.py implements Adam), tools/ (mutants.txt and the
exercises' data hold answers), .ci/, docs/ pages (the answer key, teachers' pages), the
README's part for teachers and docs/reference.md's for maintainers; and every passage that
points to them (POINTERS). A stub whose answer another body holds brings that one's stub
along (`comes_with` in tools/exercises.py: exercise 16 brings exercise 15).
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from exercises import (COMMANDS, README_LEAKS_LISTED, SEE_AND_CHANGE, WRITE_IT,  # noqa: E402
                       every_exercise, points, test_names)
from mutants import body_span, stub_name, stub_source  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MARKER = "# nn.cpp handout grader"  # grade.sh's first comment: a folder holding it is ours
ANSWER_KEY_MARKER = "# answer key: nothing stubbed"
LISTED = "tools/exercises.py's list"
POINTERS_LISTED = "POINTER_TELLTALES"
PICTURES = (".gif", ".png", ".jpg", ".jpeg", ".svg", ".ppm")
# Files copied (when the repository has them), their leaks replaced; README.md, Makefile,
# nn.cpp and tests.cpp are written by this tool, and docs/'s pictures added. No other page
# of docs/ goes in: answers.md is the answer key, teachers.md is for teachers.
COPIED = [".gitignore", ".clang-format", "plots/README.md", "LICENSE", "docs/reference.md"]
# The Makefile's targets that need what a handout lacks.
DROPPED_TARGETS = ["mutants", "handout", "grade-all"]
# Sections of README.md and docs/reference.md left out, by heading: what they say is for
# teachers or maintainers (mutation testing and CI name tools/ and the teachers' page).
DROPPED_SECTIONS = re.compile(r"for teachers|for maintainers", re.IGNORECASE)
# A handout does not point to where its answers are: not to docs/answers.md, pin/ (pin.py
# implements Adam), tools/ (mutants.txt, the exercises' data) or the teachers' page, nor
# to the repository they are in. Every handout, answer keys too, has these passages
# replaced, as an exercise's leaks are: (file, original, replacement), each original once.
POINTERS = [
    ("README.md",
     "hour to spend here (in the original clone: in a handout, `./nn first` and `./nn graph` show\n"
     "what the stubs do).",
     "hour to spend here (in this handout, every run that goes through a stubbed body shows\n"
     "what the stub does)."),
    ("README.md",
     "Planning to do the \"Write it\" exercises below? Choose them before you read: each deletes\n"
     "a body you would otherwise read first. `make handout EXERCISES=12,13 HANDOUT=../mylab`\n"
     "writes you a copy of the lesson, in a folder `mylab` beside this one, with those bodies\n"
     "already taken out and the comments that give them away rewritten: read and work in that\n"
     "copy instead ([docs/teachers.md](docs/teachers.md)). It needs Python 3, which the lesson\n"
     "itself does not; without it, read with the bodies folded in your editor.\n\n",
     ""),
    ("README.md",
     "exercises below say what to run, not what it prints. What each run prints, and a model\n"
     "answer to every \"explain\", is in [docs/answers.md](docs/answers.md) (a teacher's handout\n"
     "leaves that file out). Every figure there comes from running the exercise on this code.\n",
     "exercises below say what to run, not what it prints.\n"),
    ("README.md", "In a fresh clone every test passes.",
     "With no stub left, every test passes."),
    ("README.md",
     "that grade each exercise alone. A teacher can\n"
     "hand them out with the bodies already deleted ([docs/teachers.md](docs/teachers.md)).\n",
     "that grade each exercise alone.\n"),
    ("README.md",
     "  the tests, mutation testing and CI.\n"
     "- [docs/teachers.md](docs/teachers.md): handing the exercises out to a class (`make\n"
     "  handout`, `make grade`), and which tests fail when each body is deleted.\n"
     "- [docs/answers.md](docs/answers.md): what every exercise prints, and model answers.",
     "  and the tests."),
    ("docs/reference.md",
     " to 1e-10 (`pin/README.md` says how those figures were made);", " to 1e-10;"),
    (".gitignore", "/pin/dump\n/pin/dump.txt\n/pin/nn_history\n/pin/nn_history.txt\n", ""),
    (".gitignore", "/handout/\n/ci_handout/\n/ci_answer_key/\n", ""),
    ("tests.cpp", "initial weights and batch order (pin/pin.py; pin/README.md says how to redo it). Any",
     "initial weights and batch order. Any"),
]
# Strings no handout may hold, whatever its exercises: names of the places the answers are
# and of the repository, in any file, tests.cpp included.
POINTER_TELLTALES = ["answers.md", "teachers.md", "pin/", "pin.py", "mutants.txt",
                     "exercises.py", "make handout", "original clone", "fresh clone"]
POINTERS_UNCHECKED = []
GIT_ENV = {
    "GIT_AUTHOR_NAME": "nn.cpp handout", "GIT_AUTHOR_EMAIL": "handout@nn-cpp.invalid",
    "GIT_AUTHOR_DATE": "2000-01-01T00:00:00+0000", "GIT_COMMITTER_NAME": "nn.cpp handout",
    "GIT_COMMITTER_EMAIL": "handout@nn-cpp.invalid",
    "GIT_COMMITTER_DATE": "2000-01-01T00:00:00+0000", "GIT_CONFIG_NOSYSTEM": "1",
}
GIT_FLAGS = ["-c", "commit.gpgsign=false", "-c", "core.autocrlf=false",
             "-c", "core.hooksPath=/dev/null", "-c", "user.useConfigOnly=false"]


def fail(message, status=2):
    print(f"handout: {message}", file=sys.stderr)
    sys.exit(status)


def read(path):
    with open(os.path.join(ROOT, path)) as f:
        return f.read()


def available():
    return [e for e in WRITE_IT if "pending" not in e]


def by_number(number):
    return next(e for e in WRITE_IT if e["number"] == number)


def named(spec, among, what="EXERCISES="):
    """The exercises of `among` that `spec` names, numbers or names separated by commas, in
    order; refused in one line, which lists those it takes, if one is not among them."""
    chosen = []
    for part in spec.split(","):
        part = part.strip()
        e = next((e for e in among if part in (str(e["number"]), e["name"])), None)
        if e is None:
            pending = [e for e in WRITE_IT if part in (str(e["number"]), e["name"]) and
                       "pending" in e]
            why = f" ({part}: {pending[0]['pending']})" if pending else ""
            fail(f"{what}{spec}: takes 'all' or some of "
                 f"{','.join(str(e['number']) for e in among)} or their names "
                 f"({','.join(e['name'] for e in among)}), separated by commas{why}")
        chosen.append(e)
    return [e for e in among if e in chosen]


def choose(spec):
    """The write-it exercises named by `spec` ("all", or numbers or names separated by
    commas), in order, with those their `comes_with` adds (a stub whose answer another body
    holds brings that body's stub along, and says so)."""
    if spec in (None, "", "all"):
        return available()
    chosen = named(spec, available())
    for e in list(chosen):
        extra, why = e.get("comes_with", ([], ""))
        for name in extra:
            other = next(x for x in available() if x["name"] == name)
            if other not in chosen:
                chosen.append(other)
                print(f"handout: exercise {e['number']} comes with {other['number']}: {why}",
                      file=sys.stderr)
    return [e for e in available() if e in chosen]


def numbers_of(names, exercises):
    """The numbers of those of `exercises` whose names are in `names`, in order."""
    return [e["number"] for e in exercises if e["name"] in names]


# ---- What goes in -------------------------------------------------------------------------

def replace_once(text, original, replacement, where):
    count = text.count(original)
    if count != 1:
        fail(f"{where}: its original occurs {count} times, not once; fix tools/exercises.py:"
             f"\n{original}", 1)
    return text.replace(original, replacement)


def apply_leaks(files, exercises):
    """Replaces every leak of the exercises, and every pointer. Two exercises may list the
    same leak (the README's ./nn graph block gives exercises 7 and 9 away): it is replaced
    once."""
    done = set()
    for e in exercises:
        for path, original, replacement in e["leaks"]:
            if (path, original, replacement) not in done:
                files[path] = replace_once(files[path], original, replacement,
                                           f"exercise {e['number']}'s leak in {path}")
                done.add((path, original, replacement))
    for path, original, replacement in POINTERS:
        files[path] = replace_once(files[path], original, replacement, f"a pointer in {path}")


def apply_stubs(source, exercises):
    for e in exercises:
        for signature, body in e["stubs"]:
            source = stub_source(source, signature, body)
    return source


def section_of(source, signature):
    """The number of the nn.cpp section a function is in, from the banner above it."""
    before = source[:source.index(signature)]
    return re.findall(r"^// (\d+)\. ", before, re.MULTILINE)[-1]


def drop_sections(text):
    """A page without the sections (and their subsections) whose heading DROPPED_SECTIONS
    matches."""
    out, dropping, fence = [], None, False
    for line in text.split("\n"):
        if line.startswith("```"):
            fence = not fence
        heading = None if fence else re.match(r"^(#+) ", line)
        if heading and dropping is not None and len(heading.group(1)) <= dropping:
            dropping = None
        if heading and dropping is None and DROPPED_SECTIONS.search(line):
            dropping = len(heading.group(1))
        if dropping is None:
            out.append(line)
    return "\n".join(out)


def makefile(text, exercises, student=None):
    """The Makefile without DROPPED_TARGETS (each with the paragraph it sits in), with grade,
    and a student's NN_VARIANT after its first paragraph."""
    paragraphs = text.rstrip("\n").split("\n\n")
    for target in DROPPED_TARGETS:
        hits = [p for p in paragraphs if re.search(rf"^{target}:", p, re.MULTILINE)]
        if len(hits) != 1:
            fail(f"Makefile: found {len(hits)} paragraphs with the target {target}, not 1", 1)
        paragraphs.remove(hits[0])
    out = "\n\n".join(paragraphs) + "\n"
    phony = re.search(r"^\.PHONY:.*$", out, re.MULTILINE)
    names = [n for n in phony.group(0).split()[1:] if n not in DROPPED_TARGETS] + ["grade"]
    out = out.replace(phony.group(0), ".PHONY: " + " ".join(names))
    grade = ("# `make grade` scores the exercises of this handout: it builds the lesson's\n"
             "# tests, runs those of each exercise and prints a table and a total. It runs\n"
             "# grade.sh, which builds tests.cpp, as this folder's first commit has them:\n"
             "# edits to them change no mark.\n"
             "grade:\n\troot=$$(git rev-list --max-parents=0 HEAD) && "
             "grader=$$(git show \"$$root:grade.sh\") && \\\n"
             "\t  CXX=\"$(CXX)\" sh -c \"$$grader\" grade.sh\n")
    clean = re.search(r"^clean:", out, re.MULTILINE)
    out = out[:clean.start()] + grade + "\n" + out[clean.start():]
    for word in ("tools/", "pin/", ".ci/"):
        if word in out:
            fail(f"Makefile: the handout's Makefile still mentions {word}", 1)
    if student:
        first, rest = out.split("\n\n", 1)
        out = first + "\n\n" + variant_paragraph(student) + "\n" + rest
    return out


# ---- A student's copy: NN_VARIANT --------------------------------------------------------

STUDENT_ID = re.compile(r"[A-Za-z0-9_.-]{1,64}")


def student_id(value):
    """The --student value, refused unless it is a student ID: 1 to 64 characters, each a
    letter, a digit, '-', '_' or '.', so that it is safe in a Makefile, a path and a CSV."""
    if value is not None and not STUDENT_ID.fullmatch(value):
        fail(f"STUDENT={value!r}: takes 1 to 64 characters, each a letter (A-Z, a-z), a "
             "digit, '-', '_' or '.'")
    return value


def variant_paragraph(student):
    """The handout Makefile's lines that make it `student`'s copy: the one place NN_VARIANT
    is set, exported to every recipe, so `make check` and `make grade` run with it."""
    return (f"# This copy is {student}'s. The tests draw their inputs from NN_VARIANT, so "
            "the numbers\n"
            "# they expect are this student's own; `make check` and `make grade` run them "
            "with it.\n"
            f"export NN_VARIANT = {student}\n")


def whose(student):
    """The README's sentences on whose copy it is ("" for a handout for anyone)."""
    if not student:
        return ""
    return (f"\nThis copy is **{student}**'s. Its tests draw their inputs from that name "
            "(`NN_VARIANT`,\nset at the top of the Makefile), so the numbers they expect "
            "are not a classmate's;\nyour teacher grades your nn.cpp with them.\n")


def grade_script(exercises, answer_key):
    """grade.sh with a line for each exercise: number|title|needs|NAME=POINTS ..., where needs
    are the exercises it needs written first that this handout stubs too."""
    lines = [f"{e['number']}|{e['title']}|"
             f"{' '.join(str(n) for n in numbers_of(e['needs'], exercises))}|"
             f"{' '.join(f'{t}={p}' for t, p in e['tests'])}"
             for e in exercises]
    script = read("tools/grade.sh").replace("@EXERCISES@", "\n".join(lines))
    first, rest = script.split("\n", 1)
    marker = MARKER + (f"\n{ANSWER_KEY_MARKER}" if answer_key else "")
    return first + "\n" + marker + "\n" + rest


def names_list(numbers):
    return ", ".join(str(n) for n in numbers) if numbers else "nothing"


def introduction(exercises, answer_key, source, student=None):
    chosen = [e["number"] for e in exercises]
    rows = []
    for e in exercises:
        where = ", ".join(f"`{stub_name(s)}` (section {section_of(source, s)})"
                          for s, _ in e["stubs"])
        first = numbers_of(e["needs"], exercises)
        tests = ", ".join(f"{t} ({p})" for t, p in e["tests"])
        rows.append(f"| {e['number']} | {e['title']} | {where} | {points(e)} | "
                    f"{tests} | {names_list(first)} |")
    see = []
    for x in SEE_AND_CHANGE:
        first = numbers_of(x["needs"], exercises)
        see.append(f"| {x['number']} | {x['title']} | "
                   f"{names_list(first) if first else 'works as it is'} |")
    total = sum(points(e) for e in exercises)
    if answer_key:
        head = (f"# nn.cpp: the answer key of a handout of exercises {names_list(chosen)}\n\n"
                "This is the handout of the exercises below with every body in place: the "
                "teacher's copy.\n`make grade` gives it full points. The handout itself, "
                "without `--answer-key`, has\nthe bodies below stubbed.\n")
    else:
        head = (f"# nn.cpp: a handout of exercises {names_list(chosen)}\n\n"
                "This folder is the lesson nn.cpp with the bodies of some functions taken out,"
                " for you to\nwrite back. Each one now holds a stub that compiles and a "
                "`// TODO exercise N`; g++ may warn\nabout unused parameters until you "
                "write them. Comments elsewhere that gave an answer\naway were rewritten. "
                "The folder is a git repository with one commit: `git diff` shows what\n"
                "you have changed.\n")
    if student:
        head = head.replace("\n\n", f", for {student}\n\n", 1)
    return f"""{head}{whose(student)}
## The exercises to do

| exercise | write | the bodies taken out | points | the tests that grade it (points) | write first |
|---|---|---|---|---|---|
{chr(10).join(rows)}

Each exercise's text is under "Exercises" in the README below; where it says to delete a
body, that is done. "Write first": the tests of that exercise go through those bodies
too, so they pass only once those are written.

    make check T=WORD   # builds the lesson's tests, runs those whose names contain WORD
    make grade          # builds them and scores every exercise above: a table and a total

`make check T=add_sub` runs every test whose name contains add_sub, and prints each
failure's message. `make grade` runs the tests of each exercise above, one at a time, and
gives an exercise the points of each of its tests that passes ({total} in all); a test that
crashes or runs longer than 60 s counts as failed, and the others still run. For each test
that failed it shows the first messages, or the crash and its likely cause (a stack
overflow, a bad pointer, an endless loop, ...), and it says when an exercise's "write first"
has failing tests too, as its own may fail for theirs. It grades your nn.cpp with tests.cpp
and grade.sh as this folder's first commit has them, so changing them changes no mark. It
needs only sh, git and a C++ compiler. Until the bodies are written, `make test`, `make
check` without T and the experiments that go through them fail or print other numbers than
the README's: the README below describes the finished lesson, where every test passes.

## The other exercises: what to write first

These exercises (see it, change it, and the write-it exercises that take nothing out) run
the program or the tests as they are, or after a small change. Those that go through a
body taken out here give the README's numbers only once it is written.

| exercise | title | write first |
|---|---|---|
{chr(10).join(see)}

---

"""


def handout_files(exercises, answer_key, student=None):
    """{path in the handout: bytes}."""
    files = {p: read(p) for p in ("nn.cpp", "tests.cpp", "README.md", "Makefile")}
    files.update({p: read(p) for p in COPIED if os.path.isfile(os.path.join(ROOT, p))})
    original_nn = files["nn.cpp"]
    apply_leaks(files, exercises)
    if not answer_key:
        files["nn.cpp"] = apply_stubs(files["nn.cpp"], exercises)
    files["README.md"] = (introduction(exercises, answer_key, original_nn, student)
                          + drop_sections(files["README.md"]))
    files["docs/reference.md"] = drop_sections(files["docs/reference.md"])
    files["Makefile"] = makefile(files["Makefile"], exercises, student)
    files["grade.sh"] = grade_script(exercises, answer_key)
    out = {path: text.encode() for path, text in files.items()}
    for name in sorted(os.listdir(os.path.join(ROOT, "docs"))):
        if name.lower().endswith(PICTURES):
            with open(os.path.join(ROOT, "docs", name), "rb") as f:
                out["docs/" + name] = f.read()
    return out


# ---- Writing it ---------------------------------------------------------------------------

def git(folder, *args, text=True):
    return subprocess.run(["git", *GIT_FLAGS, *args], cwd=folder, check=True, text=text,
                          env=dict(os.environ, **GIT_ENV), capture_output=True).stdout


def is_handout(folder):
    try:
        with open(os.path.join(folder, "grade.sh")) as f:
            return MARKER in f.read(2000)
    except OSError:
        return False


def write_handout(out, files, message, answer_key):
    out = os.path.abspath(out)
    if os.path.exists(out):
        if not os.path.isdir(out):
            fail(f"{out} exists and is not a folder; choose another HANDOUT")
        if os.listdir(out) and not is_handout(out):
            fail(f"{out} is not empty and is not a handout made by this tool; remove it or "
                 "choose another HANDOUT")
    parent = os.path.dirname(out)
    os.makedirs(parent, exist_ok=True)
    work = tempfile.mkdtemp(prefix=".handout-", dir=parent)
    umask = os.umask(0)
    os.umask(umask)
    try:
        os.chmod(work, 0o777 & ~umask)
        for path, data in sorted(files.items()):
            os.makedirs(os.path.dirname(os.path.join(work, path)), exist_ok=True)
            with open(os.path.join(work, path), "wb") as f:
                f.write(data)
            os.chmod(os.path.join(work, path), 0o644)
        git(work, "init", "-q")
        git(work, "symbolic-ref", "HEAD", "refs/heads/main")
        git(work, "add", "-A")
        git(work, "commit", "-q", "-m", message)
        problems = check(work)
        if problems:
            print("\n".join(problems), file=sys.stderr)
            fail("the handout gives answers away (above); nothing was written", 1)
        replace_whole(out, work, ".handout-old-")
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return git(out, "rev-parse", "HEAD").strip()


def replace_whole(out, work, prefix):
    """Puts the folder `work`, written whole, at `out` (beside it), so that `out` is never
    half written: a folder already there is moved aside first, under a temporary name
    that starts with `prefix`, and removed once `work` has taken its place."""
    if os.path.exists(out):
        old = tempfile.mkdtemp(prefix=prefix, dir=os.path.dirname(os.path.abspath(out)))
        os.rename(out, os.path.join(old, "previous"))
        os.rename(work, out)
        shutil.rmtree(old)
    else:
        os.rename(work, out)


# ---- The leak check -----------------------------------------------------------------------

def normal(text):
    return " ".join(text.split())


def code_and_comment(line):
    code, _, comment = line.partition("//")
    return normal(code), normal(comment)


def telltales(exercises):
    """[(exercise, telltale, where it comes from)] and [(exercise, line, why it is left out)]."""
    source = read("nn.cpp")
    found, skipped = [], []
    for e in exercises:
        rest = source
        bodies = []
        for signature, _ in e["stubs"]:
            open_brace, close_brace = body_span(rest, signature)
            bodies.append((stub_name(signature), rest[open_brace + 1:close_brace]))
            rest = rest[:open_brace + 1] + rest[close_brace:]
        rest_lines = [normal(line) for line in rest.split("\n")]
        stub_lines = {normal(line) for _, stub in e["stubs"] for line in stub.split("\n")}
        stub_parts = {part for line in stub_lines for part in code_and_comment(line)}
        for name, body in bodies:
            for line in body.split("\n"):
                for part, shortest in zip(code_and_comment(line), (10, 8)):
                    if len(part) < shortest or part in stub_parts:
                        continue
                    if part.startswith("for ("):  # a loop's header alone gives nothing away
                        skipped.append((e["number"], part, "a loop's header"))
                        continue
                    if any(part in other for other in rest_lines):
                        skipped.append((e["number"], part, "also elsewhere in nn.cpp"))
                        continue
                    found.append((e["number"], part, f"the body of {name}"))
        for path, original, replacement in e["leaks"]:
            kept = {normal(line) for line in replacement.split("\n")}
            for line in original.split("\n"):
                if len(normal(line)) >= 10 and normal(line) not in kept:
                    found.append((e["number"], normal(line), f"a leak in {path}"))
        for text in e["telltales"]:
            found.append((e["number"], normal(text), LISTED))
    for path, original, replacement in POINTERS:
        kept = {normal(line) for line in replacement.split("\n")}
        for line in original.split("\n"):
            if len(normal(line)) >= 10 and normal(line) not in kept:
                found.append((None, normal(line), f"a pointer in {path}"))
    for text in POINTER_TELLTALES:
        found.append((None, normal(text), POINTERS_LISTED))
    return found, skipped


def handout_exercises(folder):
    """(the exercises a handout was made of, whether it is an answer key), from grade.sh."""
    with open(os.path.join(folder, "grade.sh")) as f:
        script = f.read()
    table = script.split("cat <<'END'\n", 1)[1].split("\nEND\n", 1)[0]
    numbers = [int(line.split("|")[0]) for line in table.split("\n") if line.strip()]
    return [by_number(n) for n in numbers], ANSWER_KEY_MARKER in script


def check(folder):
    """The problems found in a handout: [one line each]; [] when it gives nothing away."""
    if not is_handout(folder):
        return [f"{folder}: not a handout (no grade.sh written by tools/handout.py)"]
    exercises, answer_key = handout_exercises(folder)
    found, _ = telltales(exercises)
    if answer_key:  # the bodies are there on purpose; leaks and pointers must still be gone
        found = [t for t in found if t[0] is None or t[2].startswith("a leak")]
    problems = []
    commits = git(folder, "rev-list", "--all", "--count").strip()
    if commits != "1":
        problems.append(f"{folder}: {commits} commits, not 1: the history may hold answers")
    texts = {}
    for path in git(folder, "ls-files", "-z").split("\0"):
        if path:
            texts[f"{path} (committed)"] = git(folder, "show", f"HEAD:{path}", text=False)
    for base, _, names in os.walk(folder):
        if ".git" in base.split(os.sep):
            continue
        for name in names:
            path = os.path.join(base, name)
            with open(path, "rb") as f:
                texts[os.path.relpath(path, folder)] = f.read()
    for where, data in sorted(texts.items()):
        if b"\0" in data:
            continue  # a picture
        for number, line in enumerate(data.decode(errors="replace").split("\n"), 1):
            flat = normal(line)
            for exercise, telltale, origin in found:
                if origin == LISTED and where.startswith("README.md") and \
                        not README_LEAKS_LISTED:
                    continue
                if origin == POINTERS_LISTED and where.split(" ")[0] in POINTERS_UNCHECKED:
                    continue
                if telltale in flat:
                    what = (f"exercise {exercise}'s answer" if exercise is not None else
                            "a pointer to where the answers are")
                    problems.append(f"{where}:{number}: {what}, '{telltale}' (from {origin})")
    if not README_LEAKS_LISTED:
        print("handout: README.md is checked for the stubbed bodies' lines, not yet for the "
              "strings tools/exercises.py lists (README_LEAKS_LISTED)", file=sys.stderr)
    return problems


# ---- Measuring what each exercise needs ----------------------------------------------------

def run(command, folder, timeout=600):
    try:
        p = subprocess.run(command, cwd=folder, shell=True, capture_output=True, text=True,
                           errors="replace", timeout=timeout,
                           env=dict(os.environ, TEST_TIME_LIMIT="120"))
        return p.returncode, p.stdout
    except subprocess.TimeoutExpired:
        return "timeout", ""


def outcomes(stubbed, commands):
    """Builds nn.cpp with the bodies of `stubbed` (exercise numbers) stubbed; returns
    ({test: pass/fail/crash}, {command name: what it printed, normalised}) for the
    `commands` named (COMMANDS' names)."""
    source = apply_stubs(read("nn.cpp"), [by_number(n) for n in stubbed])
    with tempfile.TemporaryDirectory(prefix="handout_measure_") as work:
        for name, text in (("nn.cpp", source), ("tests.cpp", read("tests.cpp"))):
            with open(os.path.join(work, name), "w") as f:
                f.write(text)
        status, _ = run("nice g++ -std=c++17 -Og -DLESSON_ONLY -o tests tests.cpp", work)
        if status != 0:
            fail(f"measure: exercises {list(stubbed)} stubbed do not build", 1)
        _, printed = run("nice ./tests", work)
        tests = {}
        for line in printed.split("\n"):
            words = line.split()
            if len(words) == 2 and words[1] == "pass":
                tests[words[0]] = "pass"
            elif words[:1] in (["FAIL"], ["CRASH"]):
                tests[words[1]] = words[0].lower()
        printed_by = {}
        if any(not COMMANDS[name].startswith("make check") for name in commands):
            run("nice g++ -std=c++17 -O2 -o nn nn.cpp", work)
        for name in commands:
            command = COMMANDS[name]
            if command.startswith("make check"):
                word = command.partition("T=")[2]
                printed_by[name] = all(v == "pass" for t, v in tests.items() if word in t)
                continue
            status, printed = run("nice " + command + " --out out", work)
            if name == "bench":  # each row's network, nodes and edges
                rows = re.findall(r"^(\d[\d-]* \w+) .* (\d+) +(\d+)$", printed, re.M)
                printed = "; ".join(" ".join(row) for row in rows)
            printed = re.sub(r"Done in [0-9.]+ s", "Done", printed)
            printed = re.sub(r"read in [0-9.]+ s", "read", printed)  # an image run's files
            printed = re.sub(r"(trained on \d+ images) in [0-9.]+ s: \d+ a second", r"\1",
                             printed)  # and its speed
            printed = "\n".join(line for line in printed.split("\n")  # its progress lines
                                 if " a second, " not in line)
            printed_by[name] = (status, printed)
    return tests, printed_by


def measure(spec=None):
    """Measures what the exercises `spec` names (all by default) need written first, and
    says whether tools/exercises.py agrees."""
    if spec not in (None, "", "all"):
        targets = named(spec, every_exercise(), "--measure ")
    else:
        targets = every_exercise()
    numbers = [e["number"] for e in available()]
    write_it = [e for e in available() if e in targets]
    see = [x for x in SEE_AND_CHANGE if x in targets]
    commands = [c for c in COMMANDS if any(c in x["commands"] for x in see)]
    # Each body alone (with the commands), and for each write-it exercise: each pair with it,
    # all together, and all but it.
    configs = {(): commands}
    configs.update({(m,): commands for m in numbers})
    for e in write_it:
        n = e["number"]
        for config in [tuple(sorted((n, m))) for m in numbers if m != n] + \
                [tuple(numbers), tuple(m for m in numbers if m != n)]:
            configs.setdefault(config, [])
    print(f"measure: {len(configs)} builds, two at a time")
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = dict(zip(configs, pool.map(lambda c: outcomes(c, configs[c]), configs)))
    base_tests, base_commands = results[()]
    ok = True
    bad = [t for t, v in base_tests.items() if v != "pass"]
    if bad:
        fail(f"measure: with nothing stubbed these fail: {bad}", 1)
    for e in write_it:
        n = e["number"]
        for t in test_names(e):
            if t not in base_tests:
                ok = False
                print(f"exercise {n}: no lesson test is called {t}")
        # Its stub must fail every one of its tests, alone, in every pair and all together.
        for config, (tests, _) in results.items():
            if n in config:
                passing = [t for t in test_names(e) if tests.get(t) == "pass"]
                if passing:
                    ok = False
                    print(f"exercise {n}: with {list(config)} stubbed, {passing} still pass")
        needs = sorted(m for m in numbers if m != n and any(
            results[(m,)][0].get(t) != "pass" for t in test_names(e)))
        others = tuple(m for m in numbers if m != n)
        alone = [t for t in test_names(e) if results[others][0].get(t) != "pass"]
        if not needs and alone:
            ok = False
            print(f"exercise {n}: written alone among stubs, {alone} fail, though no one "
                  "stub makes them fail")
        recorded = numbers_of(e["needs"], available())
        line = f"exercise {n} ({e['name']}): needs {needs}"
        if needs != recorded:
            ok = False
            line += f"; tools/exercises.py says {recorded}"
        print(line)
        for m in needs:
            failing = [t for t in test_names(e) if results[(m,)][0].get(t) != "pass"]
            print(f"    with {m} stubbed: {', '.join(failing)} fail")
    command_needs = {}
    for name in commands:
        command_needs[name] = sorted(
            m for m in numbers if results[(m,)][1][name] != base_commands[name])
        print(f"command {name} ({COMMANDS[name]}): changes with {command_needs[name]} stubbed")
    for x in see:
        needs = sorted(set().union(*[command_needs[c] for c in x["commands"]])
                       | set(numbers_of(x["edits"], available())))
        recorded = numbers_of(x["needs"], available())
        line = f"exercise {x['number']} ({x['name']}): needs {needs}"
        if needs != recorded:
            ok = False
            line += f"; tools/exercises.py says {recorded}"
        print(line)
    print("measure: tools/exercises.py agrees" if ok else
          "measure: update tools/exercises.py from the lines above")
    return ok


# ---- Command line -------------------------------------------------------------------------

def option(args, name):
    if name not in args:
        return None
    i = args.index(name)
    if i + 1 >= len(args):
        fail(f"{name} needs a value")
    return args[i + 1]


def main(args):
    known = {"--exercises", "--out", "--answer-key", "--check", "--telltales", "--measure",
             "--student"}
    valued = {"--exercises", "--out", "--check", "--telltales", "--student", "--measure"}
    for i, a in enumerate(args):
        value = i > 0 and args[i - 1] in valued and not a.startswith("--")
        if a not in known and not value:
            fail(f"unknown argument {a!r}; options: {', '.join(sorted(known))} "
                 "(see the top of tools/handout.py)")
    if "--check" in args:
        folder = option(args, "--check")
        problems = check(folder)
        print("\n".join(problems) if problems else
              f"handout: {folder} gives no stubbed answer away")
        return 1 if problems else 0
    if "--measure" in args:
        spec = args[args.index("--measure") + 1] if args[-1] != "--measure" else None
        return 0 if measure(spec) else 1
    if "--telltales" in args:
        spec = args[args.index("--telltales") + 1] if args[-1] != "--telltales" else None
        found, skipped = telltales(choose(spec))
        for exercise, text, origin in found:
            print(f"{exercise or '--':>2} telltale  {text}   ({origin})")
        for exercise, text, why in skipped:
            print(f"{exercise:>2} left out {text}   ({why})")
        return 0
    exercises = choose(option(args, "--exercises"))
    student = student_id(option(args, "--student"))
    answer_key = "--answer-key" in args
    out = option(args, "--out") or "handout"
    files = handout_files(exercises, answer_key, student)
    message = (f"nn.cpp handout: exercises {names_list([e['number'] for e in exercises])}"
               + (f", for {student}" if student else "")
               + (" (answer key: nothing stubbed)" if answer_key else ""))
    commit = write_handout(out, files, message, answer_key)
    print(f"handout: wrote {out}/ ({len(files)} files, commit {commit[:12]}): {message}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
