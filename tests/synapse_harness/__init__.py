"""A real Synapse homeserver on loopback and a small Matrix client, for the Matrix tests.

server = SynapseServer(tmp_dir); server.start()      # or the `synapse` fixture
user = await server.register("alice")
alice = MatrixClient(server.base_url, user.user_id, user.access_token)
"""

from .client import Event, Invite, MatrixClient, MatrixError, joined
from .homeserver import (
    RAISED_RATE_LIMITS,
    AdminApiError,
    RegisteredUser,
    SynapseError,
    SynapseServer,
    free_port,
    synapse_python,
)

__all__ = [
    "RAISED_RATE_LIMITS",
    "AdminApiError",
    "Event",
    "Invite",
    "MatrixClient",
    "MatrixError",
    "RegisteredUser",
    "SynapseError",
    "SynapseServer",
    "free_port",
    "joined",
    "synapse_python",
]
