"""Show a site's Chinese ICP and Public Security filing numbers on its home page."""

__version__ = "0.1.0"
