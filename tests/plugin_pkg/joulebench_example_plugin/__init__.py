"""An example joulebench plugin: a task, a sensor, an executor and a report view."""
