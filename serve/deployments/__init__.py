"""The Ray Serve deployments: thin wiring that binds components; no logic of their own.

Ingress (HTTP) -> Agent (pipeline: plan, skills, retrieval, trust) -> Router and Generator.
The generator is the only deployment meant to ask for a GPU (config serve.generator.num_gpus).
Each takes the validated configuration as a plain dict, so it travels to any node.

One module per deployment, exported lazily: a replica imports the module of its own class, so the
router's and the generator's replicas never load the pipeline's libraries (LanceDB, polars, FastAPI),
seconds of CPU per replica start on a small machine.
"""

from components.lazy import lazy_exports

_EXPORTS = {"AgentDeployment": "serve.deployments.agent", "GeneratorDeployment": "serve.deployments.generator",
            "IngressDeployment": "serve.deployments.ingress",
            "InternalApisDeployment": "serve.deployments.internal_apis", "RouterDeployment": "serve.deployments.router"}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
