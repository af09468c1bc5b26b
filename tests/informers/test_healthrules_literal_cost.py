"""The cost bound must also count comprehensions over lists written in the expression.

Why: the bound multiplies by the size of the *data* a comprehension can reach, so a draft
that nests comprehensions over long literal lists (``[0, 1, …, 199].exists(a, [0, …].exists(
b, …))``) is estimated as cheap while it does ``n ** depth`` steps: with 200-element lists,
depth 3 took 7 s of a core and depth 5 would take days, in the rule tester's request thread
or the engine's evaluation of every object.
"""

from __future__ import annotations

from informers.healthrules.expressions import compile_expression, values_over


def _nested(size: int, depth: int) -> str:
    items = "[" + ", ".join(str(i) for i in range(size)) + "]"
    expression = "v0 < 0"
    for level in range(depth):
        expression = f"{items}.exists(v{level}, {expression})"
    return expression


def test_nested_comprehensions_over_literal_lists_are_over_the_cost_bound() -> None:
    expression = compile_expression(_nested(100, 5))  # 10**10 steps
    assert values_over(expression, 0)
    assert values_over(expression, 10)


def test_one_comprehension_over_a_short_literal_list_is_allowed() -> None:
    expression = compile_expression('["a", "b", "c"].exists(x, x == "b")')
    assert not values_over(expression, 1000)
