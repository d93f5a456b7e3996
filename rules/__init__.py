"""archlint's built-in rules, one module per rule.

Each module is registered in pyproject.toml under the entry-point group `archlint.rules`,
exactly as a third-party rule would be; its docstring is the rule's user documentation.
"""
