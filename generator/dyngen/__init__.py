"""dyngen: compile DynamoDB single-table YAML schemas into typed Python.

The pipeline follows the folders: ``schema`` (YAML as written, with source
positions) -> ``ir`` (every printed string computed) -> ``templates`` ->
``emit`` (render, write, diff), driven by ``cli``.
"""

__version__ = "0.1.0"
