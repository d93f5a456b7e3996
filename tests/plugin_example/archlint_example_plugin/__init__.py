"""An example archlint plugin: one working rule and one that fails to import."""
