"""Gauntlet hooks for TypeScript and JavaScript packages (language name "typescript")."""

from __future__ import annotations

from pathlib import Path

from gauntlet_typescript import build as build_step
from gauntlet_typescript import deps, image, project, related, runners
from gauntlet_typescript import lint as lint_step
from gauntlet_typescript import mutate as mutate_step
from harness import hookimpl
from harness.language import LanguageInfo, SolutionRecipe, Toolchain
from harness.outcome import BuildResult, Diagnostic, TestReport

LANGUAGE = "typescript"


@hookimpl
def gauntlet_language():
    return LanguageInfo(LANGUAGE, suffixes=project.TS_SUFFIXES + project.JS_SUFFIXES,
                        markers=("package.json", "tsconfig.json"))


@hookimpl
def gauntlet_detect(workspace):
    root = Path(workspace)
    if not (root / "package.json").is_file():
        return None
    if (root / "tsconfig.json").is_file():
        return 0.9
    if project.iter_sources(root, project.TS_SUFFIXES):
        return 0.8
    return 0.6  # a JavaScript-only package


@hookimpl
def gauntlet_image(language):
    return image.image_spec()


def _package(session):
    return project.load_package(project.session_reader(session))


@hookimpl
def gauntlet_dependencies(workspace):
    return deps.content_key(project.load_package(project.host_reader(Path(workspace))))


@hookimpl
def gauntlet_prepare(session):
    pkg = _package(session)
    if pkg is not None and not pkg.manifest_error:
        deps.prepare(session, pkg)


@hookimpl
def gauntlet_build(session):
    pkg = _package(session)
    if pkg is None:
        return BuildResult(False, [Diagnostic("no package.json at the workspace root", file="package.json")])
    return build_step.build(session, pkg)


@hookimpl
def gauntlet_test(session, selection, fail_fast):
    pkg = _package(session)
    if pkg is None or pkg.manifest_error:
        return TestReport(error=pkg.manifest_error if pkg else "no package.json at the workspace root")
    install = deps.ensure_dependencies(session, pkg)
    if not install.ok:
        return TestReport(error="dependencies did not install: " + "; ".join(d.message for d in install.diagnostics))
    return runners.run_tests(session, pkg, selection, fail_fast)


@hookimpl
def gauntlet_lint(session):
    pkg = _package(session)
    if pkg is None or pkg.manifest_error:
        return None
    return lint_step.lint(session, pkg)


@hookimpl
def gauntlet_mutate(workspace, options):
    return mutate_step.mutate(Path(workspace), options)


@hookimpl
def gauntlet_related_tests(workspace, file, stable):
    return related.related_tests(Path(workspace), file, stable)


@hookimpl
def gauntlet_solution_recipe(language):
    return SolutionRecipe(
        # The few Node globals stdin/stdout programs use, declared here so that no @types/node
        # package (and no network) is needed to type-check a solution.
        files={"main.ts": "{code}", "node-shim.d.ts": "declare var require: any;\ndeclare var process: any;\n"
               "declare var module: any;\ndeclare var Buffer: any;\n"},
        build=["tsc", "--target", "es2022", "--module", "commonjs", "--skipLibCheck", "--outDir", "out",
               "main.ts", "node-shim.d.ts"],
        run=["node", "out/main.js"], tool="tsc")


@hookimpl
def gauntlet_toolchain():
    """Node finds a private CA bundle through NODE_EXTRA_CA_CERTS (a file path, no secret)."""
    return Toolchain(passenv=("NODE_EXTRA_CA_CERTS",))
