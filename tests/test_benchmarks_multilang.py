"""stdin/stdout solutions in Rust, Go and TypeScript through a language session: compile once,
then each test; runs only where the language's plugin and toolchain are installed."""

from __future__ import annotations

import pytest

from harness.benchmarks import multilang

SUM = {
    "rust": 'use std::io::Read;\nfn main() {\n    let mut s = String::new();\n    std::io::stdin().read_to_string(&mut s).unwrap();\n'
            '    let v: Vec<i64> = s.split_whitespace().map(|x| x.parse().unwrap()).collect();\n    println!("{}", v[0] + v[1]);\n}\n',
    "go": 'package main\n\nimport "fmt"\n\nfunc main() {\n\tvar a, b int64\n\tfmt.Scan(&a, &b)\n\tfmt.Println(a + b)\n}\n',
    "typescript": 'const data: string = require("fs").readFileSync(0, "utf8");\n'
                  'const [a, b] = data.trim().split(/\\s+/).map(Number);\nconsole.log(a + b);\n',
}
INPUTS, OUTPUTS = ["1 2\n", "10 20\n", "-5 5\n"], ["3\n", "30\n", "0\n"]


@pytest.mark.parametrize("language", sorted(SUM))
def test_compile_once_then_each_test(language):
    why = multilang.available(language)
    if why:
        pytest.skip(reason=why)
    r = multilang.grade(language, SUM[language], INPUTS, OUTPUTS, timeout=10)
    assert (r["verdict"], r["results"]) == ("passed", [True, True, True]), r
    r = multilang.grade(language, SUM[language], INPUTS, ["3\n", "31\n", "0\n"], timeout=10)
    assert (r["verdict"], r["failed_test"], r["output"]) == ("wrong_answer", 1, "30\n")
    r = multilang.grade(language, SUM[language].replace("+", "+ +", 1) + "}{", INPUTS, OUTPUTS, timeout=10)
    assert r["verdict"] == "compile_error" and r["error"]
