"""One episode's tools over MCP (stdio), with the ``mcp`` SDK's low-level server.

The server opens the episode when it starts (the task is given on the command line), lists the
same tools with the same JSON schemas as the HTTP server and the adapters, and answers each call
with the observation: its text as content, its data as ``structuredContent``, ``isError`` for
malformed, refused or failed calls.  Arguments are checked by the episode (not the SDK), so a bad
call counts against format accuracy like everywhere else.  The problem statement and the first
observation are the resource ``task://problem``.  The episode closes (trajectory written, sandbox
gone) when the client disconnects.
"""

from __future__ import annotations

from typing import Any

from harness.env.episode import Episode, EpisodeOptions
from harness.env.tools import TOOLS

PROBLEM_URI = "task://problem"


def build_server(ep: Episode):
    """The low-level server over ``ep``, for mcp 1.x (handlers registered by decorators) and 2.x (handlers
    given to the constructor, each returning its whole result); the low-level API because the episode
    checks arguments itself and answers with structured content."""
    import anyio
    from mcp import types
    from mcp.server.lowlevel import Server

    tools = [types.Tool(name=t.name, description=t.description, inputSchema=t.parameters) for t in TOOLS.values()]
    problem = types.Resource(uri=PROBLEM_URI, name="problem", description="The task and the repository's layout",
                             mimeType="text/plain")

    async def call_tool(name: str, arguments: dict[str, Any] | None) -> types.CallToolResult:
        obs = await anyio.to_thread.run_sync(ep.step, {"name": name, "arguments": arguments or {}})
        return types.CallToolResult(content=[types.TextContent(type="text", text=obs.text)],
                                    structuredContent=obs.to_dict(), isError=not obs.ok)

    def read_problem(uri) -> str:
        if str(uri) != PROBLEM_URI:
            raise ValueError(f"no resource {uri}")
        return ep.reset().text

    instructions = ep.reset().text
    if not hasattr(Server, "list_tools"):  # mcp 2.x
        async def on_list_tools(ctx, params) -> types.ListToolsResult:
            return types.ListToolsResult(tools=tools)

        async def on_call_tool(ctx, params) -> types.CallToolResult:
            return await call_tool(params.name, params.arguments)

        async def on_list_resources(ctx, params) -> types.ListResourcesResult:
            return types.ListResourcesResult(resources=[problem])

        async def on_read_resource(ctx, params) -> types.ReadResourceResult:
            text = read_problem(params.uri)
            return types.ReadResourceResult(contents=[types.TextResourceContents(uri=PROBLEM_URI, text=text,
                                                                                 mimeType="text/plain")])

        return Server("gauntlet-env", instructions=instructions, on_list_tools=on_list_tools, on_call_tool=on_call_tool,
                      on_list_resources=on_list_resources, on_read_resource=on_read_resource)

    server = Server("gauntlet-env", instructions=instructions)  # mcp 1.x

    @server.list_tools()
    async def list_tools() -> list[types.Tool]:
        return tools

    server.call_tool(validate_input=False)(call_tool)

    @server.list_resources()
    async def list_resources() -> list[types.Resource]:
        return [problem]

    @server.read_resource()
    async def read_resource(uri) -> str:
        return read_problem(uri)

    return server


def run_stdio(task: str | dict, options: EpisodeOptions | None = None, repos_dir: str | None = None) -> None:
    import anyio
    from mcp.server.stdio import stdio_server

    ep = Episode(task, options, repos_dir=repos_dir)
    server = build_server(ep)

    async def main() -> None:
        async with stdio_server() as (read, write):
            await server.run(read, write, server.create_initialization_options())

    try:
        anyio.run(main)
    finally:
        ep.close()
