"""The Flask example site (a package only so that type checkers tell it from the FastAPI one)."""
