#!/usr/bin/env python3
"""Checks the relative links of the repository's Markdown files: every linked file exists, and
every #anchor names a heading of the linked Markdown file, as GitHub makes heading anchors.

Usage: python3 scripts/check-links.py [ROOT]   (ROOT: the repository, default: this script's parent)
Prints one line per broken link, "file:line: link: problem", and exits 1 if there is any.
"""
import os
import re
import sys
import unicodedata

LINK = re.compile(r"\]\(([^()\s]+)\)")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
SKIPPED_FOLDERS = {".git", "node_modules"}


def slug(heading):
    """GitHub's anchor of a heading: lower case, punctuation and symbols dropped, spaces to '-'."""
    text = re.sub(r"`([^`]*)`", r"\1", heading)  # code spans keep their text
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # links keep their text
    kept = []
    for character in text.lower():
        category = unicodedata.category(character)
        if character in "-_" or category[0] in "LN" or category == "Mn":
            kept.append(character)
        elif character == " ":
            kept.append("-")
    return "".join(kept)


def markdown_files(root):
    for folder, subfolders, files in os.walk(root):
        # Build folders (.build, .build-test, ...) hold copies, not the repository's documents.
        subfolders[:] = [name for name in subfolders if name not in SKIPPED_FOLDERS and not name.startswith(".build")]
        for name in files:
            if name.endswith(".md"):
                yield os.path.join(folder, name)


def lines_outside_code(path):
    """(line number, text) of the lines that are not inside fenced code blocks."""
    fenced = False
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if line.lstrip().startswith("```"):
                fenced = not fenced
                continue
            if not fenced:
                yield number, line


def anchors(path, cache):
    if path not in cache:
        seen, found = {}, set()
        for _, line in lines_outside_code(path):
            match = HEADING.match(line)
            if not match:
                continue
            base = slug(match.group(2))
            count = seen.get(base, 0)
            found.add(base if count == 0 else f"{base}-{count}")
            seen[base] = count + 1
        cache[path] = found
    return cache[path]


def problems(root):
    cache = {}
    for path in sorted(markdown_files(root)):
        for number, line in lines_outside_code(path):
            for target in LINK.findall(re.sub(r"`[^`]*`", "", line)):
                if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto:
                    continue
                file_part, _, anchor = target.partition("#")
                linked = os.path.normpath(os.path.join(os.path.dirname(path), file_part)) if file_part else path
                where = f"{os.path.relpath(path, root)}:{number}: {target}"
                if not os.path.exists(linked):
                    yield f"{where}: no such file"
                elif anchor and linked.endswith(".md") and anchor not in anchors(linked, cache):
                    yield f"{where}: no heading with this anchor in {os.path.relpath(linked, root)}"


def main():
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), ".."))
    found = list(problems(root))
    for line in found:
        print(line)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
