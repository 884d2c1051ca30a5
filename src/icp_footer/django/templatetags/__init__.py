"""Template tag libraries of the ``icp_footer.django`` app."""
