"""`switchboard`: the command line a person runs. Each command is wiring over one component, in a module
per subject: stack, ask, data, registry, evaluation.

Commands import the components they use inside themselves, for start-up time only (no cycle needs it):
`switchboard --help` takes half a second, where importing what the commands use would take about six.
"""

from components.cli import ask, data, evaluation, registry, stack  # noqa: F401 - each registers its commands
from components.cli.app import app

__all__ = ["app"]
