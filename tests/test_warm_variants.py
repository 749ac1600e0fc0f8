"""The warm path's own logic (``gauntlet_python.warm_variants``): which function holds a change,
and that its recompiled code, swapped into the live function object, behaves as the changed file."""

import importlib.util
import sys
import textwrap

import pytest

pytest.importorskip("gauntlet_python", reason="gauntlet-python is not installed (pip install -e plugins/python)")
from gauntlet_python.warm_variants import Change, Parsed, _live_functions  # noqa: E402

SOURCE = textwrap.dedent('''\
    import functools

    LIMIT = 3


    def wrapper(fn):
        @functools.wraps(fn)
        def inner(*args):
            return fn(*args)
        return inner


    def plain(x, y=LIMIT):
        def helper(v):
            return v + 1
        return helper(x) + y


    @wrapper
    def decorated(x):
        return x * 2


    class Base:
        def value(self):
            return 1


    class Child(Base):
        __secret = 5

        def value(self):
            return super().value() + self.__secret
''')


@pytest.fixture
def module(tmp_path):
    path = tmp_path / "warm_example.py"
    path.write_text(SOURCE)
    spec = importlib.util.spec_from_file_location("warm_example", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules["warm_example"] = mod
    spec.loader.exec_module(mod)
    yield str(path), mod
    sys.modules.pop("warm_example", None)


def change(path, new_text):
    return Change.of(path, SOURCE, new_text, Parsed(SOURCE, path))


def swap(path, c):
    live = _live_functions(str(__import__("pathlib").Path(path).parent))[c.key]
    assert live and all(f.__code__.co_freevars == c.code.co_freevars for f in live)
    c.apply(live)


def test_a_change_in_a_nested_function_swaps_the_outer_one(module):
    path, mod = module
    c = change(path, SOURCE.replace("return v + 1", "return v + 2"))
    assert c.key.endswith(":plain")
    swap(path, c)
    assert mod.plain(1) == 6


def test_a_decorated_function_is_found_under_its_wrapper(module):
    path, mod = module
    c = change(path, SOURCE.replace("return x * 2", "return x * 3"))
    assert c.key.endswith(f":{SOURCE.splitlines().index('@wrapper') + 1}:decorated")  # decorator's line
    swap(path, c)
    assert mod.decorated(2) == 6


def test_a_method_keeps_super_and_private_names(module):
    path, mod = module
    c = change(path, SOURCE.replace("super().value() + self.__secret", "super().value() - self.__secret"))
    assert c.code.co_freevars == ("__class__",)
    swap(path, c)
    assert mod.Child().value() == -4


def test_a_changed_default_value_is_evaluated_in_the_module(module):
    path, mod = module
    c = change(path, SOURCE.replace("def plain(x, y=LIMIT):", "def plain(x, y=LIMIT + 1):"))
    swap(path, c)
    assert mod.plain(1) == 6 and mod.plain(1, 0) == 2


@pytest.mark.parametrize("edit", [
    ("LIMIT = 3", "LIMIT = 4"),  # module level
    ("__secret = 5", "__secret = 6"),  # a class attribute
    ("@wrapper\ndef decorated", "@functools.cache\ndef decorated"),  # a decorator
])
def test_changes_outside_a_function_body_take_the_cold_path(module, edit):
    path, _ = module
    assert change(path, SOURCE.replace(*edit)) is None
