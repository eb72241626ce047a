"""The isolating spawner: one confined single-user server per lab user and sandbox project.

At spawn it checks the host can isolate, resolves the user's approved project (asking which one
when there are several), provisions the Unix account (a new home gets the example notebooks),
creates the server's network namespace and cgroup, mints the kernel's gateway token, and starts
``jupyterhub-singleuser`` from the read-only kernel environment inside bubblewrap. On stop it
kills what is left in the cgroup, removes the cgroup and the namespace, and revokes the token.
"""

from __future__ import annotations

from pathlib import Path

from jupyterhub.spawner import LocalProcessSpawner
from tornado import web
from traitlets import Integer, List, Unicode

from sandbox.accounts import provision
from sandbox.cgroups import ServerCgroup, become_subreaper, detect_layout
from sandbox.confinement import SEALED_JUPYTER, confined_command
from sandbox.examples import place_examples
from sandbox.identity import ProjectChoice
from sandbox.kernel_env import kernel_environ
from sandbox.network import SandboxNetwork, ServerNamespace
from sandbox.project_spawner import ProjectSpawner

SERVER_PORT = 8888


def sealed_jupyter_paths(home: str) -> dict[str, str]:
    """Environment that keeps the server's configuration out of its user's hands.

    Jupyter reads Python config files and extension lists from ``~/.jupyter``, from
    ``~/.local/etc/jupyter`` (the user site) and, through the user site, can import
    ``usercustomize``; its data dir (``~/.local/share/jupyter``) serves front-end extensions to
    every visitor. A kernel can write all of these, so a server restart would run its user's code
    on every request. Config and data dirs are empty, root-owned and bound read-only (see
    ``sandbox.confinement``), the user site is off, and only
    what the front end persists (settings, workspaces) and the runtime files stay in the home.
    The hub's ``disable_user_config`` drops home paths from the search paths as well.
    """
    return {
        "JUPYTER_CONFIG_DIR": f"{SEALED_JUPYTER}/config",
        "JUPYTER_DATA_DIR": f"{SEALED_JUPYTER}/data",
        "JUPYTER_RUNTIME_DIR": f"{home}/.local/share/jupyter/runtime",
        "JUPYTERLAB_SETTINGS_DIR": f"{home}/.jupyter/lab/user-settings",
        "JUPYTERLAB_WORKSPACES_DIR": f"{home}/.jupyter/lab/workspaces",
        "JUPYTERHUB_DISABLE_USER_CONFIG": "1",
        "PYTHONNOUSERSITE": "1",
    }


class IsolatingSpawner(ProjectSpawner, LocalProcessSpawner):
    """Starts each server in its own namespace, cgroup and bubblewrap, as its own Unix user."""

    sandbox_root = Unicode(help="Where sandbox homes and per-user /etc files live.").tag(
        config=True
    )
    kernel_env = Unicode(help="The read-only kernel environment (a venv).").tag(config=True)
    sdk_path = Unicode(help="The read-only directory holding the notebook client SDK.").tag(
        config=True
    )
    subnet = Unicode(help="The sandbox bridge's private /24.").tag(config=True)
    gateway_url = Unicode(help="The DP gateway as kernels reach it.").tag(config=True)
    memory_bytes = Integer(help="Memory limit of one server.").tag(config=True)
    max_processes = Integer(help="Process limit of one server.").tag(config=True)
    isolation_problems = List(Unicode(), help="Why this host cannot isolate (empty: it can).").tag(
        config=True
    )
    namespace_name = Unicode("")
    cgroup_name = Unicode("")

    def _network(self) -> SandboxNetwork:
        return SandboxNetwork(self.subnet)

    def _cgroup(self) -> ServerCgroup:
        return ServerCgroup(detect_layout(), self.cgroup_name)

    async def start(self):
        if self.isolation_problems:
            reasons = "; ".join(self.isolation_problems)
            raise web.HTTPError(503, f"Sandboxes are unavailable on this host: {reasons}")
        project = self.chosen_project()
        become_subreaper()
        self._account = provision(Path(self.sandbox_root), self.user.name)
        place_examples(self._account)
        network = self._network()
        namespace = network.add_server(network.free_index())
        self.namespace_name = self.cgroup_name = namespace.name
        try:
            self._confine(namespace, project)
            return await super().start()
        except Exception:
            self._release(self.namespace_name, self.cgroup_name, self.token_prefix)
            raise

    def _confine(self, namespace: ServerNamespace, project: ProjectChoice) -> None:
        """Limits, the kernel's gateway token and the confined command for this server."""
        self._cgroup().create(memory_bytes=self.memory_bytes, max_processes=self.max_processes)
        self.grant_gateway_token(project, self.gateway_url)
        env = Path(self.kernel_env)
        self.cmd = [
            *confined_command(self._account, namespace, env, Path(self.sdk_path)),
            str(env / "bin" / "jupyterhub-singleuser"),
        ]
        self.ip, self.port = namespace.address, SERVER_PORT

    def get_args(self):
        # the notebook-trust secret lives in the data dir, which is sealed: keep it in the home
        notary = f"{self._account.sandbox_home}/.local/share/jupyter"
        return [*super().get_args(), f"--NotebookNotary.data_dir={notary}"]

    def make_preexec_fn(self, name):
        cgroup = self._cgroup()
        return cgroup.join

    def user_env(self, env):
        account = self._account
        env.update(
            USER=account.name,
            HOME=account.sandbox_home,
            SHELL="/bin/sh",
            PATH=f"{self.kernel_env}/bin:/usr/bin:/bin",
            **kernel_environ(Path(self.sdk_path)),
            **sealed_jupyter_paths(account.sandbox_home),
        )
        return env

    async def stop(self, now=False):
        # poll() clears the state once the process is gone, so note what to release first
        held = (self.namespace_name, self.cgroup_name, self.token_prefix)
        members = self._cgroup().processes() if self.cgroup_name else set()
        if self.pid:
            members.add(self.pid)
            await super().stop(now=now)
        self._release(*held, members=members)

    def _release(
        self, namespace: str, cgroup: str, token: str, members: set[int] = frozenset()
    ) -> None:
        """Kill and reap leftovers, remove the cgroup and the namespace, revoke the token."""
        layout = detect_layout()
        if cgroup and layout is not None and ServerCgroup(layout, cgroup).exists():
            ServerCgroup(layout, cgroup).release(members)
        if namespace:
            network = self._network()
            network.remove_server(network.namespace(int(namespace.rsplit("-", 1)[1])))
        self.revoke_gateway_token(token)
        self.namespace_name = self.cgroup_name = self.token_prefix = ""

    def get_state(self):
        state = super().get_state()
        state.update(namespace=self.namespace_name, cgroup=self.cgroup_name)
        return state

    def load_state(self, state):
        super().load_state(state)
        self.namespace_name = state.get("namespace", "")
        self.cgroup_name = state.get("cgroup", "")

    def clear_state(self):
        super().clear_state()
        self.namespace_name = self.cgroup_name = ""
