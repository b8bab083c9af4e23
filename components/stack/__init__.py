"""The local stack behind `make up` / `make down`: background services with pid files and health checks."""

from components.stack.supervisor import (
    Service,
    StackError,
    default_services,
    mlflow_command,
    running_servers,
    start,
    status,
    stop,
)

__all__ = ["Service", "StackError", "default_services", "mlflow_command", "running_servers", "start", "status", "stop"]
