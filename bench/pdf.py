"""CPU time to lay out one page of CJK text as a PDF with WeasyPrint, as the agreement PDF does.

    .venv/bin/python -m bench.pdf [runs]

The first run of a process loads and subsets the Noto CJK fonts; later runs reuse the loaded
fonts. Run it with and without Debian's libharfbuzz-subset0 to see why the README asks for it.
"""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path

CSS_FILE = Path(__file__).resolve().parents[1] / "app" / "static" / "css" / "print.css"
HTML_TEXT = (
    "<html><body class='paper'><h1>融资意向协议</h1><table><tr><th>企业</th>"
    "<td>示范县宏达种植专业合作社</td></tr><tr><th>金额（大写）</th><td>人民币叁佰万元整</td></tr>"
    "</table><p><b>确认记录</b> 2026-11-30 工商银行 黄明磊</p></body></html>"
)


def main(runs: int = 3) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from weasyprint import CSS, HTML
    for run in range(1, runs + 1):
        cpu, wall = time.process_time(), time.perf_counter()
        HTML(string=HTML_TEXT).write_pdf(stylesheets=[CSS(filename=str(CSS_FILE))])
        print(
            f"run {run}: {time.process_time() - cpu:.2f} s CPU, "
            f"{time.perf_counter() - wall:.2f} s wall (machine shared: wall is noisy)"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
