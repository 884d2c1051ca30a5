"""Stream a sample page through the injector and show where the number went.

Run with ``make demo`` (or ``python examples/inject_sample.py [PAGE]``).
"""

from __future__ import annotations

import sys
from pathlib import Path

from icp_footer.injector import Injector

SNIPPET = (
    '<div style="text-align:center;font-size:12px;color:#595959;margin:8px 0">'
    '<a href="https://beian.miit.gov.cn/" target="_blank" rel="noopener noreferrer">'
    "京ICP备12345678号-1</a></div>"
).encode()


def main() -> None:
    page = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_name("sample_page.html")
    document = page.read_bytes()
    injector = Injector(SNIPPET)
    # Feed it in 64-byte pieces, as a streaming response would arrive.
    out = b"".join(injector.feed(document[i : i + 64]) for i in range(0, len(document), 64))
    out += injector.finish()
    result = injector.result
    assert result is not None
    print(f"{page}: {len(document)} bytes in, {len(out)} bytes out")
    print(f"placement: {result.placement.name} at byte {result.offset} ({result.reason})\n")
    if result.offset is not None:
        start = out.rfind(b"\n", 0, max(result.offset - 120, 0)) + 1
        end = out.find(b"\n", result.offset + len(result.inserted) + 80)
        print(out[start : end if end > 0 else None].decode("utf-8", "replace"))


if __name__ == "__main__":
    main()
