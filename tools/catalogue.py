"""Build and check the message catalogue (``src/icp_footer/locale``) with Babel.

    python tools/catalogue.py          # extract, merge into the .po, compile the .mo
    python tools/catalogue.py --check  # fail if the .po or the .mo is out of date

Extraction takes every ``_("...")`` and ``N_("...")`` in the package. Merging keeps the
translations already in the ``.po``, adds the new messages with an empty ``msgstr`` and
drops the messages no longer in the code; translate the empty ones by editing the ``.po``,
then run this again to compile the ``.mo``. The ``.po`` lists the files a message comes
from, not the lines, so that moving code leaves it alone.
"""

from __future__ import annotations

import argparse
import io
import sys
from importlib.metadata import version
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "icp_footer"
LOCALE = "zh_CN"
PO = PACKAGE / "locale" / LOCALE / "LC_MESSAGES" / "icp_footer.po"
MO = PO.with_suffix(".mo")
KEYWORDS = {"_": None, "N_": None}
WIDTH = 100


def extract() -> Catalog:
    """Every message the package marks, with the files it comes from."""
    template = Catalog(domain="icp_footer", fuzzy=False)
    for filename, lineno, message, _comments, _context in extract_from_dir(
        PACKAGE, [("**.py", "python")], keywords=KEYWORDS
    ):
        template.add(message, locations=[(f"src/icp_footer/{filename}", lineno)])
    return template


def merged() -> Catalog:
    """The ``.po`` brought up to date with the code (its translations kept)."""
    if PO.exists():
        with PO.open("rb") as file:
            catalog = read_po(file, locale=LOCALE, domain="icp_footer")
    else:
        catalog = Catalog(
            locale=LOCALE,
            domain="icp_footer",
            project="icp-footer",
            header_comment="# Simplified Chinese messages of icp-footer.",
            fuzzy=False,
        )
    catalog.update(extract(), no_fuzzy_matching=True, update_creation_date=False)
    catalog.obsolete.clear()
    catalog.project, catalog.version = "icp-footer", version("icp-footer")
    return catalog


def po_bytes(catalog: Catalog) -> bytes:
    """The ``.po`` text of ``catalog``."""
    out = io.BytesIO()
    write_po(out, catalog, width=WIDTH, include_lineno=False, ignore_obsolete=True)
    return out.getvalue()


def mo_bytes(catalog: Catalog) -> bytes:
    """The compiled catalogue: what ``gettext`` reads."""
    out = io.BytesIO()
    write_mo(out, catalog)
    return out.getvalue()


def untranslated(catalog: Catalog) -> list[str]:
    """The messages without a translation (or with one marked fuzzy)."""
    return [str(m.id) for m in catalog if m.id and (not m.string or m.fuzzy)]


def main(argv: list[str] | None = None) -> int:
    """Update the catalogue, or with ``--check`` say what is out of date."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if stale")
    args = parser.parse_args(argv)
    catalog = merged()
    po, missing = po_bytes(catalog), untranslated(catalog)
    with io.BytesIO(po) as file:  # compile what the .po will say, as a reader would read it
        mo = mo_bytes(read_po(file, locale=LOCALE, domain="icp_footer"))
    stale = [
        str(path.relative_to(ROOT))
        for path, content in ((PO, po), (MO, mo))
        if not path.exists() or path.read_bytes() != content
    ]
    if args.check:
        for path in stale:
            print(f"{path} is out of date: run python tools/catalogue.py", file=sys.stderr)
    else:
        PO.parent.mkdir(parents=True, exist_ok=True)
        PO.write_bytes(po)
        MO.write_bytes(mo)
    for message in missing:
        print(f"untranslated: {message!r}", file=sys.stderr)
    if missing:
        print(f"{len(missing)} messages to translate in {PO.relative_to(ROOT)}", file=sys.stderr)
    return 1 if missing or (args.check and stale) else 0


if __name__ == "__main__":
    sys.exit(main())
