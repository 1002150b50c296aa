"""The Image service: the Glance v2 client (``glance.API``) and image metadata helpers."""
