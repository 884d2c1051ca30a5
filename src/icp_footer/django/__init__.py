"""Django integration: middleware, settings, system check and template tag.

.. code-block:: python

    INSTALLED_APPS = [..., "icp_footer.django"]
    MIDDLEWARE = [..., "icp_footer.django.ICPFooterMiddleware"]
    ICP_FOOTER = {"number": "京ICP备12345678号-1", "psb": "京公网安备 11010502030143号"}

Then ``{% load icp_footer %}{% icp_footer %}`` places the footer in a template yourself.
"""

from icp_footer.django.middleware import ICPFooterMiddleware

__all__ = ["ICPFooterMiddleware"]
