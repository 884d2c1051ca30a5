"""A minimal Django project with icp-footer installed, served by the tests."""
