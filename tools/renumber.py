#!/usr/bin/env python3
"""tools/renumber.py: the exercises' numbers in the repository's files, made from ORDER.

    python3 tools/renumber.py --list      each exercise's number, name, kind and title
    python3 tools/renumber.py             after a name is inserted, removed or moved in
                                          tools/exercises.py's ORDER: rewrites every numbered
                                          mention of an exercise, in every file git tracks,
                                          from the numbering the files hold to ORDER's; prints
                                          each change, and each mention it cannot place,
                                          which it leaves as it is (exit status 1)
    python3 tools/renumber.py --check     fails (exit status 1), naming file and line, where
                                          a file's numbering disagrees with ORDER (CI)
    python3 tools/renumber.py --mentions  every numbered mention it finds, and what it reads

The numbering the files hold is the README's: the items of its exercise list ("6.
**`operator*` and `operator/`** ..."), each matched to an exercise by its title: the item's
bold text and the entry's title (or a part of it between ": "), backticks and case aside,
are equal, or one starts the other. They must name each exercise once. Before it rewrites
anything, the other files' titled mentions (below) must agree with that numbering; after,
--check says what is left to do by hand (a new exercise's README item, a moved item's
paragraph).

A numbered mention is one of these; any other number is not one:
  - an item of the README's exercise list, "N. **title**"
  - a bold heading that starts a line of a Markdown file, "**N. title**" (docs/answers.md,
    docs/labs.md): its title must match exercise N's, and the headings of a file go up
  - a cell of a Markdown table's column headed "ex" or "exercise"; in the teacher's table
    (docs/teachers.md) a row's bodies must be exercise N's stubs
  - a number, range or list after "exercise" or "exercises" (any case, a line break and a
    comment's "//" or "#" allowed between), "EXERCISES=", "--exercises " or "answers.md, "
    / "answers.md (": "exercise 8", "exercise 12's", "exercises 6 and 8", "Exercises 10,
    13 and 16", "exercises 6-17", "exercises 13 to 17", "EXERCISES=6,8,11"; when it is
    followed by a title in brackets, "exercise 8 (tanh's derivative)", that must match
  - the README's count of exercises, "Twenty-five exercises in"
So write "exercise 8" or "exercises 6 and 12" in prose, never a bare "8" ("needs 6 and 12",
"8's dense_slope"), which no tool can tell from a count of points or minutes. A list that
goes on in a way it cannot read ("exercises 7 and 9, 38 ..."), a number that names no
exercise, a range whose exercises are no longer one run of numbers, or a mention of a
removed exercise, is reported as one it cannot place, never guessed. This file and
.ci/renumber (EXAMPLES) are not read for mentions: their examples are not references.
"""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import exercises as ex  # noqa: E402
from mutants import stub_name  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Files whose numbers are examples, not references: not read for mentions.
EXAMPLES = ["tools/renumber.py", ".ci/renumber"]

# A space, or one line break with the next line's indent and comment leader.
GAP = r"(?:[ \t]*\n[ \t]*(?:(?://+|#+)[ \t]*)?|[ \t]+)"
NUMBER = r"\d+(?![\w%]|\.\d)"
ATOM = rf"{NUMBER}(?:(?:-|{GAP}to{GAP}){NUMBER})?"
LIST = rf"{ATOM}(?:,{GAP}?{ATOM})*(?:,?{GAP}(?:and|or){GAP}{ATOM})?"
ANCHOR = (rf"(?:\b[Ee]xercises?{GAP}\(?|\bEXERCISES=|--exercises[ =]|"
          rf"\banswers\.md(?:,{GAP}|{GAP}?\())")
MENTION = re.compile(rf"(?P<anchor>{ANCHOR})(?P<list>{LIST})")
GOES_ON = re.compile(rf"(?:,{GAP}?|,?{GAP}(?:and|or){GAP})\d")
ATOMS = re.compile(rf"(?P<a>{NUMBER})(?:(?P<sep>-|{GAP}to{GAP})(?P<b>{NUMBER}))?")
BRACKETED = re.compile(r"(?:'s)? \(([^()\n]{3,60})\)")
README_ITEM = re.compile(r"^(\d+)\. \*\*(.+?)\*\*", re.MULTILINE)
HEADING = re.compile(r"^\*\*(\d+)\. (.+?)\*\*", re.MULTILINE)
COUNT = re.compile(r"^(\w+(?:-\w+)?) exercises in ", re.MULTILINE)
TEACHERS_TABLE_BODIES = "bodies stubbed"

ONES = ("zero one two three four five six seven eight nine ten eleven twelve thirteen "
        "fourteen fifteen sixteen seventeen eighteen nineteen").split()
TENS = "- - twenty thirty forty fifty sixty seventy eighty ninety".split()


def in_words(n):
    """99 and under, as the README writes a count: 'twenty-five'."""
    if n < 20:
        return ONES[n]
    return TENS[n // 10] + ("-" + ONES[n % 10] if n % 10 else "")


def fail(message, status=2):
    print(f"renumber: {message}", file=sys.stderr)
    sys.exit(status)


# ---- Titles ---------------------------------------------------------------------------------

def normal(title):
    return " ".join(title.replace("`", "").lower().split()).rstrip(".:,; ")


def title_keys(e):
    return {normal(e["title"])} | {normal(part) for part in e["title"].split(": ")}


def starts(text, key):
    return text == key or (text.startswith(key) and not text[len(key)].isalnum())


def titled(title):
    """The names of the exercises a title can be (one, when it is a title at all)."""
    text = normal(title)
    return [e["name"] for e in ex.every_exercise()
            if any(starts(text, k) or starts(k, text) for k in title_keys(e))]


# ---- The files and what they mention --------------------------------------------------------

def tracked():
    """{path: text} of every text file git tracks, EXAMPLES aside."""
    try:
        paths = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, check=True,
                               capture_output=True, text=True).stdout.split("\0")
    except (OSError, subprocess.CalledProcessError):
        fail(f"{ROOT} is not a git repository: the files to renumber are those git tracks", 1)
    files = {}
    for path in sorted(p for p in paths if p and p not in EXAMPLES):
        try:
            with open(os.path.join(ROOT, path), "rb") as f:
                data = f.read()
        except OSError:
            continue  # deleted, not yet committed
        try:
            if b"\0" not in data:
                files[path] = data.decode("utf-8")
        except UnicodeDecodeError:
            pass  # not text
    return files


class Mention:
    """A numbered mention: the file; its atoms, each a number or a range, as a list of one or
    two (start, end, number); its kind; and a README item's, a heading's, a table row's
    bodies or a bracketed title."""

    def __init__(self, path, text, kind, atoms, whole, title=None):
        self.path, self.kind, self.atoms, self.title = path, kind, atoms, title
        self.spans = [span for atom in atoms for span in atom]
        self.line = text.count("\n", 0, self.spans[0][0]) + 1
        # All of it, as messages show it: one line, the first 72 characters.
        shown = " ".join(text[whole[0]:whole[1]].split())
        self.shown = f"'{shown}'" if len(shown) <= 72 else f"'{shown[:69]}...'"

    def where(self):
        return f"{self.path}:{self.line}"


def exercises_section(text):
    """(start, end) of the README's "## Exercises" section."""
    start = text.find("\n## Exercises\n")
    if start < 0:
        fail("README.md has no '## Exercises' section", 1)
    end = text.find("\n## ", start + 1)
    return start, end if end >= 0 else len(text)


def table_mentions(path, text):
    """The cells of the columns headed "ex" or "exercise" of the Markdown tables in text, and
    for the teacher's table each row's bodies (as its title)."""
    found = []
    lines = text.split("\n")
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)
    i = 0
    while i < len(lines):
        if not (lines[i].startswith("|") and i + 1 < len(lines) and
                re.match(r"^\|(?:\s*:?-+:?\s*\|)+\s*$", lines[i + 1])):
            i += 1
            continue
        header = [c.strip() for c in lines[i].strip().strip("|").split("|")]
        columns = [k for k, c in enumerate(header) if c in ("ex", "exercise")]
        bodies = header.index(TEACHERS_TABLE_BODIES) if TEACHERS_TABLE_BODIES in header \
            else None
        i += 2
        while i < len(lines) and lines[i].startswith("|"):
            cells, position = [], offsets[i] + 1
            for cell in lines[i][1:].split("|"):
                cells.append((cell, position))
                position += len(cell) + 1
            for k in columns:
                if k < len(cells):
                    m = re.match(r"^\s*(\d+)\s*$", cells[k][0])
                    if m:
                        start = cells[k][1] + m.start(1)
                        body = cells[bodies][0].strip() if bodies is not None and \
                            bodies < len(cells) else None
                        found.append(Mention(path, text, "bodies" if body else "table",
                                             [[(start, start + len(m.group(1)),
                                                int(m.group(1)))]],
                                             (offsets[i], offsets[i + 1] - 1), body))
            i += 1
    return found


def mentions(files):
    """(every numbered mention in files, [(where, why) of those it cannot read])."""
    found, unread = [], []
    for path, text in files.items():
        if path == "README.md":
            start, end = exercises_section(text)
            for m in README_ITEM.finditer(text, start, end):
                found.append(Mention(path, text, "item", [[(m.start(1), m.end(1),
                                                            int(m.group(1)))]],
                                     m.span(), m.group(2)))
            m = COUNT.search(text, start, end)
            if m:
                found.append(Mention(path, text, "count", [[(m.start(1), m.end(1), None)]],
                                     m.span(), m.group(1)))
        if path.endswith(".md"):
            for m in HEADING.finditer(text):
                found.append(Mention(path, text, "heading",
                                     [[(m.start(1), m.end(1), int(m.group(1)))]], m.span(),
                                     m.group(2)))
            found += table_mentions(path, text)
        for m in MENTION.finditer(text):
            atoms = []
            for a in ATOMS.finditer(text, m.start("list"), m.end("list")):
                atoms.append([(a.start("a"), a.end("a"), int(a.group("a")))])
                if a.group("b"):
                    atoms[-1].append((a.start("b"), a.end("b"), int(a.group("b"))))
            title = None
            after = BRACKETED.match(text, m.end())
            if after and len(atoms) == 1 and len(atoms[0]) == 1:
                title = after.group(1)
            mention = Mention(path, text, "text", atoms, m.span(), title)
            found.append(mention)
            if GOES_ON.match(text, m.end()):
                unread.append((mention.where(), f"'{flat(text, m.start(), m.end() + 12)}...' "
                               "goes on in a way this tool cannot read: write 'exercise' "
                               "before each list, or end it with 'and'"))
    return found, unread


def flat(text, start, end):
    return " ".join(text[start:end].split())


# ---- The numbering the files hold -----------------------------------------------------------

def held_numbering(found):
    """({number: name} from the README's exercise list, in which an item that matches no
    exercise is one removed from ORDER: None; problems (where, why); notes)."""
    numbering, problems, seen, notes = {}, [], {}, []
    for m in found:
        if m.kind != "item":
            continue
        number = m.spans[0][2]
        names = titled(m.title)
        if not names:
            numbering[number] = None
            notes.append(f"{m.where()}: item {number}, '{m.title}', matches no exercise of "
                         "tools/exercises.py by its title: taken as removed (delete its "
                         "paragraph)")
            continue
        if len(names) > 1:
            problems.append((m.where(), f"item {number}, '{m.title}', matches "
                             f"{' and '.join(names)} of tools/exercises.py by its title"))
            continue
        if number in numbering:
            problems.append((m.where(), f"a second item {number}"))
        if names[0] in seen:
            problems.append((m.where(), f"'{m.title}' is {names[0]}, already item "
                             f"{seen[names[0]]}"))
        numbering[number] = names[0]
        seen[names[0]] = number
    return numbering, problems, notes


def disagreements(found, numbering, order_check):
    """Where the mentions disagree with `numbering` ({number: name}): [(where, why)]. With
    order_check, also where the README's list or a file's headings do not go up, and
    exercises the README's list lacks."""
    problems = []
    last = {}
    for m in found:
        if m.kind == "count":
            if not order_check:
                continue  # renumbering rewrites it
            want = in_words(len(numbering))
            if m.title.lower() != want:
                problems.append((m.where(), f"'{m.title} exercises': there are {want}"))
            continue
        for span in m.spans:
            number = span[2]
            if number not in numbering:
                problems.append((m.where(), f"{m.shown}: no exercise "
                                 f"has the number {number}"))
                continue
            name = numbering[number]
            if name is None:
                continue  # removed: renumbering reports it
            if m.kind in ("item", "heading") or (m.kind == "text" and m.title):
                names = titled(m.title)
                if m.kind == "text" and not names:
                    continue  # brackets that hold no title
                if names != [name]:
                    problems.append((m.where(), f"{m.shown}: "
                                     f"{number} is {name}, but the title is "
                                     f"{' or '.join(names) or 'no exercise'}'s"))
            if m.kind == "bodies":
                e = ex.by_name(name)
                want = ", ".join(f"`{stub_name(s)}`" for s, _ in e.get("stubs", []))
                if m.title != want:
                    problems.append((m.where(), f"the teacher's table's row {number} stubs "
                                     f"{m.title}, but {number} is {name}, which stubs "
                                     f"{want or 'nothing'}"))
            if order_check and m.kind in ("item", "heading", "bodies"):
                key = (m.path, m.kind)
                if number <= last.get(key, 0):
                    how = {"item": "move its paragraph", "heading": "move its paragraph",
                           "bodies": "python3 tools/mutants.py --stubs --write"}[m.kind]
                    problems.append((m.where(), f"{m.kind} {number} comes after "
                                     f"{last[key]}: {how}"))
                last[key] = number
    if order_check:
        listed = {m.spans[0][2] for m in found if m.kind == "item"}
        for number, name in sorted(numbering.items()):
            if number not in listed:
                problems.append(("README.md", f"no item {number} ({name}) in the exercise "
                                 f"list: add '{number}. **{ex.by_name(name)['title']}**' "
                                 "and its text where it goes"))
    return problems


def ordered():
    return {e["number"]: e["name"] for e in ex.every_exercise()}


# ---- Renumbering ------------------------------------------------------------------------------

def rewrites(found, old):
    """([(path, start, end, new text, where, old, new)], [(where, why) it cannot place],
    [notes]) that take the mentions from `old` ({number: name}) to ORDER."""
    new = {name: number for number, name in ordered().items()}
    inserted = [name for name in new if name not in old.values()]
    edits, unplaced, notes = [], [], []
    for m in found:
        what = f"{m.shown}"
        if m.kind == "count":
            want = in_words(len(new))
            if m.title.lower() != want:
                want = want.capitalize() if m.title[0].isupper() else want
                edits.append((m.path, *m.spans[0][:2], want, m.where(), m.title, want))
            continue
        for atom in m.atoms:
            first, last = atom[0][2], atom[-1][2]
            span = range(first, last + 1)
            if not span or any(n not in old for n in span):
                unplaced.append((m.where(), f"{what}: no exercise had the number "
                                 f"{', '.join(str(n) for n in span if n not in old) or last}"))
                continue
            names = [old[n] for n in span]
            gone = [str(n) for n in span if old[n] not in new]
            if gone:
                unplaced.append((m.where(), f"{what}: exercise {', '.join(gone)} is no longer "
                                 "in ORDER: rewrite it by hand"))
                continue
            numbers = sorted(new[name] for name in names)
            if len(atom) == 2:
                run = list(range(numbers[0], numbers[0] + len(names)))
                if numbers != run:
                    unplaced.append((m.where(), f"{what}: the exercises {first} to {last} are "
                                     "no longer one run of numbers: rewrite it by hand"))
                    continue
                for name in inserted:
                    if new[name] in (run[0] - 1, run[-1] + 1):
                        notes.append(f"{m.where()}: {what}: the new exercise {new[name]} "
                                     f"({name}) is next to this range; should it be in it?")
            # A range's ends become the least and the greatest of its exercises' numbers.
            for (start, end, number), after in zip(atom, (numbers[0], numbers[-1])):
                if after != number:
                    edits.append((m.path, start, end, str(after), m.where(), number, after))
    return edits, unplaced, notes


def apply(edits, files):
    """Writes each file of `files` ({path: text}) that `edits` change, each whole or not
    at all; returns {path: its edits}."""
    by_path = {}
    for path, start, end, text, *_ in edits:
        by_path.setdefault(path, []).append((start, end, text))
    for path, changes in by_path.items():
        text = files[path]
        for start, end, replacement in sorted(changes, reverse=True):
            text = text[:start] + replacement + text[end:]
        full = os.path.join(ROOT, path)
        with open(full + ".renumber", "w") as f:
            f.write(text)
        os.chmod(full + ".renumber", os.stat(full).st_mode)
        os.replace(full + ".renumber", full)
    return by_path


def report(lines, what):
    """Prints each (where, why), then how many, with `what`: (one, more than one)."""
    for where, why in lines:
        print(f"{where}: {why}")
    if lines:
        print(f"renumber: {len(lines)} {what[len(lines) > 1]}")


def main(args):
    known = {"--list", "--check", "--mentions"}
    if len(args) > 1 or (args and args[0] not in known):
        fail(f"takes one of {', '.join(sorted(known))}, or nothing to renumber; got "
             f"{' '.join(args)!r} (see the top of tools/renumber.py)")
    if args == ["--list"]:
        for e in ex.every_exercise():
            kind = "write it" if e in ex.WRITE_IT else "see/change"
            print(f"{e['number']:>3}  {e['name']:<18} {kind:<10} {e['title']}")
        return 0
    files = tracked()
    found, unread = mentions(files)
    if args == ["--mentions"]:
        for m in found:
            numbers = [s[2] for s in m.spans]
            print(f"{m.where()}: {m.kind:<7} {numbers} {m.shown}")
        report(unread, ("mention it cannot read", "mentions it cannot read"))
        return 0
    if args == ["--check"]:
        problems = unread + disagreements(found, ordered(), True)
        report(problems, ("place where the files disagree with ORDER (tools/exercises.py)",
                          "places where the files disagree with ORDER (tools/exercises.py)"))
        if not problems:
            print(f"renumber: {len(found)} numbered mentions in "
                  f"{len({m.path for m in found})} files agree with ORDER "
                  f"({len(ex.ORDER)} exercises)")
        return 1 if problems else 0
    old, problems, removed = held_numbering(found)
    problems += disagreements(found, old, False)
    for note in removed:
        print(f"note: {note}")
    if problems:
        report(problems, ("place where the files disagree with the README's exercise list, "
                          "which gives the numbers they hold; nothing was rewritten",
                          "places where the files disagree with the README's exercise list, "
                          "which gives the numbers they hold; nothing was rewritten"))
        return 1
    edits, unplaced, notes = rewrites(found, old)
    changed = apply(edits, files)
    for path, start, end, text, where, before, after in edits:
        print(f"{where}: {before} -> {after}")
    print(f"renumber: {len(edits)} numbers rewritten in {len(changed)} files")
    for note in notes:
        print(f"note: {note}")
    report(unread + unplaced, ("mention it cannot place, left as it was: rewrite it by hand",
                               "mentions it cannot place, left as they were: rewrite them by "
                               "hand"))
    found, _ = mentions(tracked())
    left = disagreements(found, ordered(), True)
    report(left, ("place still to do by hand (then python3 tools/renumber.py --check)",
                  "places still to do by hand (then python3 tools/renumber.py --check)"))
    return 1 if unread or unplaced or left else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
