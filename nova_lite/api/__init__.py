"""The OpenStack Compute API v2.1: WSGI pipeline, route table and handlers."""
