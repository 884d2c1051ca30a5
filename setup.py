"""The optional C scanner; every other piece of metadata lives in pyproject.toml.

The extension uses only CPython's stable ABI, so one wheel per platform (abi3) serves every
CPython from 3.11 on. When it cannot be compiled (no compiler, ``CC=false``), the package
installs with its pure-Python scanner, as MarkupSafe and PyYAML do.
"""

import sys

from setuptools import Extension, setup

flags = [] if sys.platform == "win32" else ["-std=c99", "-Wall", "-Wextra", "-Werror"]

setup(
    ext_modules=[
        Extension(
            "icp_footer._speedups",
            ["src/icp_footer/_speedups.c"],
            define_macros=[("Py_LIMITED_API", "0x030B0000")],
            py_limited_api=True,
            extra_compile_args=flags,
            optional=True,
        )
    ],
    options={"bdist_wheel": {"py_limited_api": "cp311"}},
)
