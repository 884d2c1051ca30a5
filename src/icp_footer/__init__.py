"""Show a site's Chinese ICP and Public Security filing numbers on its home page.

``ICPFooterWSGIMiddleware`` (also ``icp_footer.wsgi.ICPFooterMiddleware``) wraps a WSGI app;
``ICPFooterASGIMiddleware`` (also ``icp_footer.asgi.ICPFooterMiddleware``) an ASGI app.
Both use only the standard library.
"""

from icp_footer.asgi import ICPFooterMiddleware as ICPFooterASGIMiddleware
from icp_footer.config import ConfigError
from icp_footer.wsgi import ICPFooterMiddleware as ICPFooterWSGIMiddleware

__all__ = ["ConfigError", "ICPFooterASGIMiddleware", "ICPFooterWSGIMiddleware", "__version__"]

__version__ = "0.2.0"
