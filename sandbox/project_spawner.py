"""What every lab spawner does around its server: pick the approved project, hold its token.

Local (``sandbox.spawner``) and Kubernetes (``sandbox.kube.spawner``) spawners share it: the
user picks one of the organisation's approved projects (a form when there are several), and at
spawn the hub mints a gateway token for that user and project, handed to the kernel through the
server's environment and revoked when the server stops.
"""

from __future__ import annotations

import html
from datetime import timedelta

from tornado import web
from traitlets import Integer, Unicode, default
from traitlets.config import LoggingConfigurable

from sandbox.identity import (
    ProjectChoice,
    approved_projects,
    mint_kernel_token,
    revoke_kernel_token,
)
from sandbox.runtime import hub_lab

NO_PROJECT = (
    "Your organisation has no approved sandbox project, so no sandbox server can start. "
    "Apply for a project and ask a data steward to approve it."
)
NO_PROJECT_ZH = (
    "您所在的机构还没有获批的沙箱项目，因此无法启动沙箱服务器。"
    "请先在数据实验室申请沙箱项目，并请数据管理员审批。"
)


def no_project_error() -> web.HTTPError:
    """The 403 for a user without an approved project, saying why on the hub's page.

    JupyterHub shows an exception's ``jupyterhub_message`` (and ``jupyterhub_html_message``)
    instead of its generic "Failed to start your server"; the log keeps the English line.
    """
    error = web.HTTPError(403, NO_PROJECT)
    error.jupyterhub_message = f"{NO_PROJECT_ZH} {NO_PROJECT}"
    chinese, english = html.escape(NO_PROJECT_ZH), html.escape(NO_PROJECT)
    error.jupyterhub_html_message = (
        f'<p class="lab-text" lang="zh-CN">{chinese}</p><p class="lab-text" lang="en">{english}</p>'
    )
    return error


class ProjectSpawner(LoggingConfigurable):
    """Mixed into a Spawner (listed first): servers for one approved project, with its token.

    Not a Spawner itself: JupyterHub refuses Spawner subclasses that define no ``start``.
    """

    token_hours = Integer(12, help="Lifetime of the kernel's gateway token.").tag(config=True)
    token_prefix = Unicode("")

    @default("options_form")
    def _options_form_default(self):
        return self._project_form

    def _project_form(self, spawner) -> str:
        projects = approved_projects(hub_lab(), self.user.name)
        if len(projects) < 2:
            return ""
        options = "".join(
            f'<option value="{p.id}">{html.escape(p.title)} (#{p.id})</option>' for p in projects
        )
        label = '<label for="project">Sandbox project</label>'
        return f'{label}<select name="project" id="project">{options}</select>'

    def options_from_form(self, formdata) -> dict:
        return {"project": formdata.get("project", [""])[0]}

    def chosen_project(self) -> ProjectChoice:
        """The project this server is for; HTTP 403 with a clear message when there is none."""
        projects = approved_projects(hub_lab(), self.user.name)
        if not projects:
            raise no_project_error()
        wanted = str(self.user_options.get("project", "") or "")
        if not wanted and len(projects) == 1:
            return projects[0]
        for project in projects:
            if str(project.id) == wanted:
                return project
        choices = ", ".join(f"{p.id} ({p.title})" for p in projects)
        raise web.HTTPError(400, f"Choose one of your approved sandbox projects: {choices}.")

    def grant_gateway_token(self, project: ProjectChoice, gateway_url: str) -> None:
        """Mint the kernel's token for ``project`` and put it, with the gateway, in the env."""
        token = mint_kernel_token(
            hub_lab(),
            username=self.user.name,
            project_id=project.id,
            lifetime=timedelta(hours=self.token_hours),
        )
        self.token_prefix = token.prefix
        self.environment = {
            **self.environment,
            "DATALAB_GATEWAY_URL": gateway_url,
            "DATALAB_GATEWAY_TOKEN": token.plain,
            "DATALAB_SANDBOX_PROJECT": str(project.id),
        }

    @staticmethod
    def revoke_gateway_token(prefix: str) -> None:
        """Revoke a server's token (nothing to do for an empty prefix)."""
        if prefix:
            revoke_kernel_token(hub_lab(), prefix)

    def get_state(self):
        state = super().get_state()
        state.update(token=self.token_prefix)
        return state

    def load_state(self, state):
        super().load_state(state)
        self.token_prefix = state.get("token", "")

    def clear_state(self):
        super().clear_state()
        self.token_prefix = ""
