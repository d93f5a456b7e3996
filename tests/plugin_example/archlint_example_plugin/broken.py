"""A plugin that fails to import, as a broken third-party rule would."""

raise ImportError("this example plugin is broken on purpose")
