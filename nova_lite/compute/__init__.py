"""The compute service: manager, resource tracker, API used by nova-lite-api."""
