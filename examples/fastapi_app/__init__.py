"""The FastAPI example site (a package only so that type checkers tell it from the Flask one)."""
