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
    import anyio
    from mcp import types
    from mcp.server.lowlevel import Server

    server = Server("gauntlet-env", instructions=ep.reset().text)

    @server.list_tools()
    async def list_tools() -> list[types.Tool]:
        return [types.Tool(name=t.name, description=t.description, inputSchema=t.parameters) for t in TOOLS.values()]

    @server.call_tool(validate_input=False)
    async def call_tool(name: str, arguments: dict[str, Any] | None) -> types.CallToolResult:
        obs = await anyio.to_thread.run_sync(ep.step, {"name": name, "arguments": arguments or {}})
        return types.CallToolResult(content=[types.TextContent(type="text", text=obs.text)],
                                    structuredContent=obs.to_dict(), isError=not obs.ok)

    @server.list_resources()
    async def list_resources() -> list[types.Resource]:
        return [types.Resource(uri=PROBLEM_URI, name="problem", description="The task and the repository's layout",
                               mimeType="text/plain")]

    @server.read_resource()
    async def read_resource(uri) -> str:
        if str(uri) != PROBLEM_URI:
            raise ValueError(f"no resource {uri}")
        return ep.reset().text

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
