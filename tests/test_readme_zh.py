"""README.zh-CN.md kept in step with README.md.

The Chinese README translates the prose and the headings and nothing else. So both files have:

- the same headings: levels, order and count (the text is translated);
- the same paragraphs, lists (with as many items) and tables in each section, in order;
- the same fenced code blocks, in the same order, byte for byte, info string and English
  comments included: they are what readers copy, and comments stay as the English has them;
- the same inline code spans, each as many times (every command such as `icp-footer check ...`
  or `make test`, every variable, value and error message; line breaks inside a span aside);
- in each table, the same rows and columns, and the same figures in each row;
- the same images and links, in order; links into the page resolve in their own file;
- a link to the other file right under the title.

When README.md changes, translate the change into README.zh-CN.md; these tests say what is
missing.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from itertools import zip_longest
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ENGLISH = ROOT / "README.md"
CHINESE = ROOT / "README.zh-CN.md"
# What each file shows right under its title, linking to the other one.
LANGUAGE_LINE = {
    "README.md": "**English** | [简体中文](README.zh-CN.md)",
    "README.zh-CN.md": "[English](README.md) | **简体中文**",
}

FENCE = re.compile(r"^(?P<indent> *)(?P<fence>`{3,}|~{3,})(?P<info>[^`]*)$")
HEADING = re.compile(r"^(?P<hashes>#{1,6})[ \t]+(?P<text>.*?)(?:[ \t]+#+)?[ \t]*$")
CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.DOTALL)
IMAGE = re.compile(r"!\[[^\]]*\]\(([^)\s]+)\)")
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")
FIGURE = re.compile(r"\d+(?:[.,]\d+)*")
LIST_ITEM = re.compile(r"^(?:[-*]|\d+\.) ", re.MULTILINE)
CELL_SEPARATOR = re.compile(r"(?<!\\)\|")


@dataclass(frozen=True)
class CodeBlock:
    """A fenced code block: the line it starts on, its info string, its lines fences included."""

    line: int
    info: str
    text: str


@dataclass(frozen=True)
class Readme:
    """A Markdown file split into its fenced code blocks and the lines outside them."""

    name: str
    blocks: list[CodeBlock]
    # (line number, text) of every line outside fenced code blocks.
    prose: list[tuple[int, str]]

    def __repr__(self) -> str:
        return f"<{self.name}: {len(self.headings)} headings, {len(self.blocks)} code blocks>"

    @property
    def headings(self) -> list[tuple[int, str]]:
        """(level, text) of every ATX heading outside code blocks, in order."""
        found = []
        for _, line in self.prose:
            match = HEADING.match(line)
            if match:
                found.append((len(match["hashes"]), match["text"]))
        return found

    def paragraphs(self) -> list[tuple[int, str]]:
        """(first line, text) of each run of non-blank prose lines; a heading is a run of its own.

        A code span never crosses a blank line, so spans are looked for run by run.
        """
        runs: list[tuple[int, list[str]]] = []
        run_end = -2  # the line a paragraph line must follow to continue the last run
        for number, line in self.prose:
            if not line.strip():
                continue
            heading = HEADING.match(line) is not None
            if heading or number != run_end + 1:
                runs.append((number, []))
            runs[-1][1].append(line)
            run_end = -2 if heading else number
        return [(start, "\n".join(lines)) for start, lines in runs if lines]

    def outline(self) -> list[tuple[int, str]]:
        """(line, kind) of every block in order: headings, paragraphs, lists, tables, code."""
        items = [(block.line, "code block") for block in self.blocks]
        for start, text in self.paragraphs():
            heading = HEADING.match(text)
            if heading:
                kind = f"heading level {len(heading['hashes'])}"
            elif text.startswith("|"):
                kind = f"table of {text.count(chr(10)) + 1} lines"
            elif IMAGE.fullmatch(text):
                kind = "image"
            elif LIST_ITEM.search(text):
                kind = f"list of {len(LIST_ITEM.findall(text))} items"
                if not LIST_ITEM.match(text):  # a list item's text that follows its code block
                    kind = f"paragraph and {kind}"
            else:
                kind = "paragraph"
            items.append((start, kind))
        return sorted(items)

    def code_spans(self) -> Counter[str]:
        """Every inline code span's content, line breaks and their indentation as one space."""
        spans: Counter[str] = Counter()
        for _, paragraph in self.paragraphs():
            for match in CODE_SPAN.finditer(paragraph):
                spans[re.sub(r"[ \t]*\n[ \t]*", " ", match[2]).strip()] += 1
        return spans

    def prose_without_code(self) -> str:
        """The prose with inline code spans blanked out, so a `](x)` inside code is no link."""
        return "\n".join(CODE_SPAN.sub("``", p) for _, p in self.paragraphs())

    def tables(self) -> list[list[list[str]]]:
        """Each table as its rows of cells (the delimiter row left out)."""
        tables: list[list[list[str]]] = []
        last = -2
        for number, line in self.prose:
            if not line.lstrip().startswith("|"):
                continue
            cells = [c.strip() for c in CELL_SEPARATOR.split(line.strip().strip("|"))]
            if all(re.fullmatch(r":?-+:?", c) for c in cells):
                last = number
                continue
            if number != last + 1:
                tables.append([])
            tables[-1].append(cells)
            last = number
        return tables

    def anchors(self) -> set[str]:
        """The fragment ids GitHub gives the headings."""
        seen: Counter[str] = Counter()
        for _, text in self.headings:
            slug = github_slug(text)
            seen[slug] += 1
            if seen[slug] > 1:
                seen[f"{slug}-{seen[slug] - 1}"] += 1
        return set(seen)


def github_slug(heading: str) -> str:
    """The id GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"`([^`]*)`", r"\1", heading).lower()
    kept = "".join(c for c in text if c in " -_" or unicodedata.category(c)[0] in "LNM")
    return kept.replace(" ", "-")


def parse(name: str, text: str) -> Readme:
    """Split Markdown into fenced code blocks and the lines outside them.

    A fence closes on a line of at least as many of the same character and nothing else. A
    fence left open is an error here, not a block that runs to the end of the file.
    """
    blocks: list[CodeBlock] = []
    prose: list[tuple[int, str]] = []
    lines = text.splitlines(keepends=True)
    index = 0
    while index < len(lines):
        line = lines[index].rstrip("\n")
        opening = FENCE.match(line)
        if not opening:
            prose.append((index + 1, line))
            index += 1
            continue
        char, length = opening["fence"][0], len(opening["fence"])
        closing = re.compile(rf"^ *{re.escape(char)}{{{length},}}[ \t]*$")
        end = index + 1
        while end < len(lines) and not closing.match(lines[end].rstrip("\n")):
            end += 1
        if end == len(lines):
            raise ValueError(f"{name} line {index + 1}: code fence {opening['fence']} never closed")
        blocks.append(
            CodeBlock(index + 1, opening["info"].strip(), "".join(lines[index : end + 1]))
        )
        index = end + 1
    return Readme(name, blocks, prose)


def read(path: Path) -> Readme:
    """Parse one of the two READMEs."""
    return parse(path.name, path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def english() -> Readme:
    """README.md as it is now."""
    return read(ENGLISH)


@pytest.fixture(scope="module")
def chinese() -> Readme:
    """README.zh-CN.md as it is now."""
    return read(CHINESE)


def heading_mismatches(english: Readme, chinese: Readme) -> list[str]:
    """Where the heading levels differ, pairing the two files' headings in order."""
    pairs = zip_longest(english.headings, chinese.headings, fillvalue=(0, "(none)"))
    return [
        f"heading {i}: {'#' * en[0]} {en[1]!r} <-> {'#' * zh[0]} {zh[1]!r}"
        for i, (en, zh) in enumerate(pairs, 1)
        if en[0] != zh[0]
    ]


def outline_mismatches(english: Readme, chinese: Readme) -> list[str]:
    """The first block (paragraph, list, table, ...) where the two files part ways."""
    pairs = zip_longest(english.outline(), chinese.outline(), fillvalue=(0, "(nothing)"))
    for (en_line, en_kind), (zh_line, zh_kind) in pairs:
        if en_kind != zh_kind:
            return [
                f"README.md line {en_line}: {en_kind}; README.zh-CN.md line {zh_line}: {zh_kind}"
            ]
    return []


def block_mismatches(english: Readme, chinese: Readme) -> list[str]:
    """The first code block that differs, with where it is in each file."""
    missing = CodeBlock(0, "(none)", "")
    for i, (en, zh) in enumerate(zip_longest(english.blocks, chinese.blocks, fillvalue=missing)):
        if en.text != zh.text:
            return [
                f"code block {i + 1}: README.md line {en.line} ({en.info or 'no info'}) differs"
                f" from README.zh-CN.md line {zh.line} ({zh.info or 'no info'})",
                f"README.md:\n{en.text}",
                f"README.zh-CN.md:\n{zh.text}",
            ]
    return []


def span_mismatches(english: Readme, chinese: Readme) -> list[str]:
    """Inline code spans one file has more often than the other."""
    en, zh = english.code_spans(), chinese.code_spans()
    return [f"only in README.md: `{s}` x{n}" for s, n in (en - zh).items()] + [
        f"only in README.zh-CN.md: `{s}` x{n}" for s, n in (zh - en).items()
    ]


def table_shape(readme: Readme) -> list[list[tuple[int, Counter[str]]]]:
    """Each table row as its cell count and the figures in it (figures may move within a row)."""
    return [
        [(len(row), Counter(FIGURE.findall(CODE_SPAN.sub("", " ".join(row))))) for row in table]
        for table in readme.tables()
    ]


def link_targets(readme: Readme) -> list[str]:
    """Link targets outside the page, in order, the language links left out."""
    return [
        target
        for target in LINK.findall(readme.prose_without_code())
        if not target.startswith("#") and target not in LANGUAGE_LINE
    ]


def test_chinese_readme_exists_and_is_translated(chinese: Readme) -> None:
    text = CHINESE.read_text(encoding="utf-8")
    assert len(re.findall(r"[\u4e00-\u9fff]", text)) > 5000, "README.zh-CN.md is barely Chinese"
    prose = "\n".join(line for _, line in chinese.prose)
    # The English sentences that open the README and its last section, not translated.
    assert "is WSGI/ASGI middleware that makes" not in prose
    assert "for the history" not in prose


@pytest.mark.parametrize("path", [ENGLISH, CHINESE], ids=lambda p: p.name)
def test_language_link_under_the_title(path: Path) -> None:
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert lines[0] == "# icp-footer"
    assert lines[1] == LANGUAGE_LINE[path.name], f"{path.name}: line under the title"


def test_same_heading_structure(english: Readme, chinese: Readme) -> None:
    assert not heading_mismatches(english, chinese), "\n".join(heading_mismatches(english, chinese))


def test_same_paragraphs_lists_and_tables(english: Readme, chinese: Readme) -> None:
    # A paragraph or list item added to README.md with no code in it shows here.
    assert len(english.outline()) > 100
    assert not outline_mismatches(english, chinese), "\n".join(outline_mismatches(english, chinese))


def test_same_code_blocks(english: Readme, chinese: Readme) -> None:
    assert not block_mismatches(english, chinese), "\n".join(block_mismatches(english, chinese))


def test_same_inline_code_and_commands(english: Readme, chinese: Readme) -> None:
    commands = [s for s in english.code_spans() if re.match(r"(icp-footer|make) ", s)]
    assert len(commands) >= 10, commands  # the parser still finds the commands
    assert not span_mismatches(english, chinese), "\n".join(span_mismatches(english, chinese))


def test_same_tables_and_figures(english: Readme, chinese: Readme) -> None:
    assert len(english.tables()) >= 4
    en, zh = table_shape(english), table_shape(chinese)
    assert len(en) == len(zh), "number of tables"
    for number, (en_rows, zh_rows) in enumerate(zip(en, zh, strict=True), 1):
        assert len(en_rows) == len(zh_rows), f"table {number}: number of rows"
        for row, (en_row, zh_row) in enumerate(zip(en_rows, zh_rows, strict=True), 1):
            assert en_row == zh_row, f"table {number}, row {row}: cells and figures"


def test_same_images(english: Readme, chinese: Readme) -> None:
    en = IMAGE.findall(english.prose_without_code())
    assert en
    assert all(target.startswith("docs/") for target in en)
    assert IMAGE.findall(chinese.prose_without_code()) == en


def test_same_links(english: Readme, chinese: Readme) -> None:
    assert link_targets(english) == link_targets(chinese)
    en = [t for t in LINK.findall(english.prose_without_code()) if t.startswith("#")]
    zh = [t for t in LINK.findall(chinese.prose_without_code()) if t.startswith("#")]
    assert len(en) == len(zh), "links into the page"
    assert all(t[1:] in chinese.anchors() for t in zh), (zh, sorted(chinese.anchors()))


def test_english_anchors_resolve_as_github_makes_them(english: Readme) -> None:
    # The slug function is what the Chinese anchors are checked with; the English ones were
    # written against GitHub's rendering, so they check the function.
    en = [t[1:] for t in LINK.findall(english.prose_without_code()) if t.startswith("#")]
    assert en
    assert set(en) <= english.anchors()


ADDED_SECTION = (
    "\n## Added later\n\nRun `icp-footer new-command`:\n\n```sh\nicp-footer new-command\n```\n"
)


def test_a_section_added_to_one_file_only_is_caught(chinese: Readme) -> None:
    text = ENGLISH.read_text(encoding="utf-8")
    longer = parse("README.md", text + ADDED_SECTION)
    assert heading_mismatches(longer, chinese)
    assert outline_mismatches(longer, chinese)
    assert block_mismatches(longer, chinese)
    assert span_mismatches(longer, chinese)
    assert outline_mismatches(parse("README.md", text + "\nOne more paragraph.\n"), chinese)


def test_a_changed_code_block_or_figure_is_caught(english: Readme, chinese: Readme) -> None:
    text = ENGLISH.read_text(encoding="utf-8")
    block = english.blocks[0].text
    edited = block[: -len("```\n")] + "x" + block[-len("```\n") :]
    assert block_mismatches(parse("README.md", text.replace(block, edited, 1)), chinese)

    lines = text.splitlines(keepends=True)
    row = next(
        n for n, line in english.prose if line.startswith("|") and re.search(r"\d\.\d", line)
    )
    lines[row - 1] = FIGURE.sub(lambda m: m[0] + "1", lines[row - 1], count=1)
    refigured = parse("README.md", "".join(lines))
    assert table_shape(refigured) != table_shape(chinese)


def test_parser_reads_fences_as_markdown_does() -> None:
    readme = parse(
        "x.md",
        "# T\n\n- item:\n  ```text\n  # not a heading\n  ```\n"
        "````md\n```\n## nor this\n````\n## H\n",
    )
    assert readme.headings == [(1, "T"), (2, "H")]
    assert [b.info for b in readme.blocks] == ["text", "md"]
    assert readme.blocks[0].text == "  ```text\n  # not a heading\n  ```\n"
    with pytest.raises(ValueError, match="line 3: code fence ``` never closed"):
        parse("x.md", "# T\n\n```sh\nmake test\n")
