#!/usr/bin/env python3
"""Build an addon's README.rst and static/description/index.html from its
readme/*.md fragments and manifest, in the layout of OCA's
oca-gen-addon-readme (which is not on PyPI): title, generated-file notice
with a source digest, badges, description, table of contents, one section
per fragment, bug tracker, credits.

    python scripts/gen_readme.py [ADDON]          # write both files
    python scripts/gen_readme.py --check [ADDON]  # exit 1 if they are stale

Fragments are Markdown; the subset used in readme/ is converted here:
paragraphs, ``##``/``###`` headings, ``-`` and ``1.`` lists (nested by
indentation), indented literal blocks, inline code, bold, italics and links.
Anything else is kept as text. docutils (pinned in requirements.txt) renders
the RST and refuses it on any warning, so a broken fragment fails the lint.
"""

import argparse
import ast
import difflib
import hashlib
import re
import sys
from pathlib import Path

from docutils.core import publish_string

ROOT = Path(__file__).resolve().parent.parent
ORG = "rma-unex"
REPO = "rma_unex"
BRANCH = "main"

# (file name, section title, underline); CONTRIBUTORS is under "Credits".
SECTIONS = [
    ("CONTEXT", "Use Cases / Context"),
    ("INSTALL", "Installation"),
    ("CONFIGURE", "Configuration"),
    ("USAGE", "Usage"),
    ("DEVELOP", "Development"),
    ("ROADMAP", "Known issues / Roadmap"),
    ("HISTORY", "Changelog"),
]
KNOWN = {"DESCRIPTION", "CONTRIBUTORS", "CREDITS"} | {name for name, _ in SECTIONS}
# Section levels of the generated document: "=" under the title's level,
# "-" below it, then "~" for headings inside fragments.
HEADING_CHARS = {2: "-", 3: "~", 4: "^"}
# Manifest keys the README shows; other keys (data files...) do not make it
# stale.
MANIFEST_KEYS = (
    "name",
    "version",
    "license",
    "author",
    "website",
    "maintainers",
    "development_status",
)

STATUS_BADGES = {
    "alpha": ("Alpha", "red"),
    "beta": ("Beta", "yellow"),
    "production/stable": ("Production%2FStable", "green"),
    "mature": ("Mature", "brightgreen"),
}
LICENSE_URLS = {
    "AGPL-3": "http://www.gnu.org/licenses/agpl-3.0-standalone.html",
    "LGPL-3": "http://www.gnu.org/licenses/lgpl-3.0-standalone.html",
    "GPL-3": "http://www.gnu.org/licenses/gpl-3.0-standalone.html",
}
# readme_renderer's safe settings, as OCA uses them: no file inclusion, no
# raw HTML, stop on any warning; no XML declaration (Odoo warns about it).
HTML_SETTINGS = {
    "file_insertion_enabled": False,
    "raw_enabled": False,
    "halt_level": 2,
    "report_level": 2,
    "smart_quotes": True,
    "syntax_highlight": "short",
    "math_output": "MathJax",
    "xml_declaration": False,
    "output_encoding": "utf-8",
    "_disable_config": True,
}

# --------------------------------------------------------------- Markdown --

LIST_RE = re.compile(r"^( *)(-|\d+\.) +(.*)$")
HEADING_RE = re.compile(r"^(#{1,4}) +(.*?) *#*$")
INLINE_RE = re.compile(
    r"(?P<code>`[^`\n]+`)"
    r"|(?P<strong>\*\*[^*]+?\*\*)"
    r"|(?P<em>\*[^*\s][^*]*?\*)"
    r"|(?P<link>\[[^\]]+\]\([^)\s]+\))"
    r"|(?P<auto><https?://[^>\s]+>)"
)
# characters that would start RST markup in plain text
RST_SPECIAL_RE = re.compile(r"([\\*`|])|(?<=\w)_(?=\W|$)")


def inline(text):
    """Markdown inline markup of ``text`` as RST inline markup."""
    out = []
    pos = 0
    for mo in INLINE_RE.finditer(text):
        out.append(RST_SPECIAL_RE.sub(r"\\\g<0>", text[pos : mo.start()]))
        kind, token = mo.lastgroup, mo.group()
        if kind == "code":
            rst = f"``{token[1:-1]}``"
        elif kind == "strong":
            rst = f"**{token[2:-2]}**"
        elif kind == "em":
            rst = f"*{token[1:-1]}*"
        elif kind == "link":
            label, url = re.match(r"\[([^\]]+)\]\(([^)]+)\)", token).groups()
            rst = f"`{label} <{url}>`__"
        else:
            rst = token[1:-1]
        # RST inline markup must not touch a word character
        if mo.start() and text[mo.start() - 1].isalnum():
            rst = "\\ " + rst
        if mo.end() < len(text) and text[mo.end()].isalnum():
            rst += "\\ "
        out.append(rst)
        pos = mo.end()
    out.append(RST_SPECIAL_RE.sub(r"\\\g<0>", text[pos:]))
    return "".join(out)


def dedent(lines, width):
    return [line[width:] if line[:width].isspace() else line.lstrip() for line in lines]


def md_blocks(lines, level_shift):
    """RST for Markdown ``lines``, as a list of blocks (lists of lines)."""
    blocks = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
            continue
        heading = HEADING_RE.match(line)
        if heading:
            level = len(heading.group(1)) + level_shift
            title = inline(heading.group(2))
            if level not in HEADING_CHARS:
                raise SystemExit(f"heading too deep for the README: {line!r}")
            blocks.append([title, HEADING_CHARS[level] * len(title)])
            i += 1
        elif LIST_RE.match(line) and not LIST_RE.match(line).group(1):
            items, i = md_list(lines, i)
            # a compact list unless an item holds more than a paragraph
            loose = any("" in item for item in items)
            block = []
            for item in items:
                if block and loose:
                    block.append("")
                block.extend(item)
            blocks.append(block)
        elif line.startswith("    "):
            code = []
            while i < len(lines) and (
                lines[i].startswith("    ") or not lines[i].strip()
            ):
                code.append(lines[i])
                i += 1
            while code and not code[-1].strip():
                code.pop()
            blocks.append(["::", ""] + code)
        else:
            para = []
            while i < len(lines) and lines[i].strip() and not LIST_RE.match(lines[i]):
                para.append(lines[i].strip())
                i += 1
            blocks.append(inline("\n".join(para)).split("\n"))
    return blocks


def md_list(lines, i):
    """The list starting at ``lines[i]``: (one block per item, next index)."""
    items = []
    while i < len(lines):
        mo = LIST_RE.match(lines[i])
        if not mo or mo.group(1):
            if lines[i].strip() or not _list_goes_on(lines, i):
                break
            i += 1
            continue
        marker = "-" if mo.group(2) == "-" else "#."
        width = len(mo.group(2)) + 1
        body = [mo.group(3)]
        i += 1
        while i < len(lines) and (
            lines[i][:1].isspace() or (lines[i].strip() and not LIST_RE.match(lines[i]))
        ):
            body.append(lines[i])
            i += 1
        while body and not body[-1].strip():
            body.pop()
        sub = md_blocks(dedent(body, width), level_shift=0)
        pad = " " * (len(marker) + 1)
        rendered = []
        for n, block in enumerate(sub):
            if n:
                rendered.append("")
            rendered.extend(block)
        item = [f"{marker} {rendered[0]}"] + [
            (pad + text) if text else "" for text in rendered[1:]
        ]
        items.append(item)
    return items, i


def _list_goes_on(lines, i):
    """A blank line inside a list: does another item of the list follow?"""
    for line in lines[i:]:
        if line.strip():
            mo = LIST_RE.match(line)
            return bool(mo and not mo.group(1))
    return False


def md_to_rst(text, level_shift=0):
    blocks = md_blocks(text.splitlines(), level_shift)
    for n, block in enumerate(blocks):
        # "text:" followed by a literal block reads better as "text::"
        if n and block[0] == "::" and blocks[n - 1][-1].endswith(":"):
            blocks[n - 1][-1] += ":"
            blocks[n] = block[2:]
    return "\n\n".join("\n".join(block) for block in blocks)


# ----------------------------------------------------------------- README --


def read_manifest(addon):
    return ast.literal_eval((addon / "__manifest__.py").read_text(encoding="utf-8"))


def source_digest(addon, manifest):
    digest = hashlib.sha256()
    for path in sorted((addon / "readme").glob("*.md")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    shown = {key: manifest.get(key) for key in MANIFEST_KEYS}
    digest.update(repr(sorted(shown.items())).encode())
    return "sha256:" + digest.hexdigest()


def badges(addon_name, manifest):
    result = []
    status = manifest.get("development_status", "Beta").lower()
    if status in STATUS_BADGES:
        label, color = STATUS_BADGES[status]
        result.append(
            (
                f"https://img.shields.io/badge/maturity-{label}-{color}.png",
                "https://odoo-community.org/page/development-status",
                label.replace("%2F", "/"),
            )
        )
    license_ = manifest.get("license")
    if license_ in LICENSE_URLS:
        result.append(
            (
                "https://img.shields.io/badge/license-{}-blue.png".format(
                    license_.replace("-", "--")
                ),
                LICENSE_URLS[license_],
                f"License: {license_}",
            )
        )
    # shields.io reads "-" as a separator and "_" as a space: double them
    shield_name = f"{ORG}%2F{REPO}".replace("-", "--").replace("_", "__")
    result.append(
        (
            f"https://img.shields.io/badge/github-{shield_name}-lightgray.png?logo=github",
            f"https://github.com/{ORG}/{REPO}/tree/{BRANCH}/{addon_name}",
            f"{ORG}/{REPO}",
        )
    )
    return result


def section(title, body, char="="):
    return f"{title}\n{char * len(title)}\n\n{body}\n\n"


def readme_rst(addon):
    manifest = read_manifest(addon)
    addon_name = addon.name
    fragments = {}
    for path in sorted((addon / "readme").glob("*.md")):
        if path.stem not in KNOWN:
            raise SystemExit(
                f"{path}: not a README fragment ({', '.join(sorted(KNOWN))})"
            )
        shift = 1 if path.stem in ("CONTRIBUTORS", "CREDITS") else 0
        text = path.read_text(encoding="utf-8")
        if text.strip():
            fragments[path.stem] = md_to_rst(text, level_shift=shift)
    if "DESCRIPTION" not in fragments:
        raise SystemExit(f"{addon}/readme/DESCRIPTION.md is missing or empty")
    name = manifest["name"]
    series = ".".join(manifest["version"].split(".")[:2])
    status = manifest.get("development_status", "Beta").lower()
    out = [
        f"{'=' * len(name)}\n{name}\n{'=' * len(name)}\n\n",
        "..\n"
        "   !! Generated by scripts/gen_readme.py from readme/*.md and the\n"
        "   !! manifest: edit those and run the script, never this file.\n"
        f"   !! source digest: {source_digest(addon, manifest)}\n\n",
    ]
    shown = badges(addon_name, manifest)
    for n, (image, target, alt) in enumerate(shown, 1):
        out.append(
            f".. |badge{n}| image:: {image}\n    :target: {target}\n    :alt: {alt}\n"
        )
    out.append(
        "\n" + " ".join(f"|badge{n}|" for n in range(1, len(shown) + 1)) + "\n\n"
    )
    out.append(fragments["DESCRIPTION"] + "\n\n")
    if status == "alpha":
        out.append(
            ".. IMPORTANT::\n"
            "   Alpha: the data model and the design may still change without\n"
            "   warning. For development and tests, not for production.\n"
            "   `Development status <https://odoo-community.org/page/development-status>`__\n\n"
        )
    out.append("**Table of contents**\n\n.. contents::\n   :local:\n\n")
    for key, title in SECTIONS:
        if key in fragments:
            out.append(section(title, fragments[key]))
    issues = f"https://github.com/{ORG}/{REPO}/issues"
    report = (
        f"{issues}/new?body=module:%20{addon_name}%0Aversion:%20{series}"
        "%0A%0A**Steps%20to%20reproduce**%0A-%20...%0A%0A**Current%20behavior**"
        "%0A%0A**Expected%20behavior**"
    )
    out.append(
        section(
            "Bug Tracker",
            f"Bugs are tracked on `GitHub Issues <{issues}>`_. Please look there\n"
            "first whether your problem is known; if not, `report it\n"
            f"<{report}>`_\n"
            "with the steps to reproduce it, what happened and what you expected.",
        )
    )
    credits = ["Credits\n=======\n\n"]
    authors = [a.strip() for a in manifest.get("author", "").split(",") if a.strip()]
    if authors:
        credits.append(section("Authors", "\n".join(f"- {a}" for a in authors), "-"))
    if "CONTRIBUTORS" in fragments:
        credits.append(section("Contributors", fragments["CONTRIBUTORS"], "-"))
    if "CREDITS" in fragments:
        credits.append(section("Other credits", fragments["CREDITS"], "-"))
    maintainers = manifest.get("maintainers") or []
    body = []
    if maintainers:
        body.append(
            "\n".join(
                f".. |maintainer-{m}| image:: https://github.com/{m}.png?size=40px\n"
                f"    :target: https://github.com/{m}\n"
                f"    :alt: {m}"
                for m in maintainers
            )
        )
        plural = "s" if len(maintainers) > 1 else ""
        body.append(f"Current maintainer{plural}:")
        body.append(" ".join(f"|maintainer-{m}|" for m in maintainers))
    body.append(
        f"This module is part of the `{ORG}/{REPO} "
        f"<https://github.com/{ORG}/{REPO}/tree/{BRANCH}/{addon_name}>`_ project\n"
        "on GitHub. You are welcome to contribute."
    )
    credits.append(section("Maintainers", "\n\n".join(body), "-"))
    out.extend(credits)
    return "".join(out).rstrip("\n") + "\n"


def index_html(rst):
    html = publish_string(
        source=rst, writer_name="html4css1", settings_overrides=HTML_SETTINGS
    )
    # no docutils version in the output: an upgrade alone must not make it stale
    html = re.sub(rb'(<meta name="generator" content="Docutils)\s*[\d.]+', rb"\1", html)
    return html


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("addon", nargs="?", default="rma_unex")
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 when README.rst or index.html are stale",
    )
    args = parser.parse_args()
    addon = (ROOT / args.addon).resolve()
    rst = readme_rst(addon)
    wanted = {
        addon / "README.rst": rst.encode("utf-8"),
        addon / "static" / "description" / "index.html": index_html(rst),
    }
    stale = [
        p for p, data in wanted.items() if not p.exists() or p.read_bytes() != data
    ]
    if args.check:
        for path in stale:
            rel = path.relative_to(ROOT)
            old = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
            diff = difflib.unified_diff(
                old,
                wanted[path].decode("utf-8").splitlines(),
                str(rel),
                "generated",
                lineterm="",
                n=1,
            )
            print(f"{rel} is out of date with readme/ and the manifest:")
            print("\n".join(list(diff)[:20]))
        if stale:
            print(f"Run: python scripts/gen_readme.py {args.addon}")
        return 1 if stale else 0
    for path in stale:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(wanted[path])
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
