"""lamina.tree against keras.tree (Keras 3 as the oracle) on the same structures."""

import collections

import pytest

import lamina as lamina_keras

Point = collections.namedtuple("Point", ["x", "y"])
OtherPoint = collections.namedtuple("OtherPoint", ["x", "y"])

STRUCTURES = [
    42,
    None,
    [1, (2, 3), {"b": 4, "a": [5, None]}],
    # Nested dicts in sorted key order: Keras 3's torch tree keeps the insertion order of
    # nested dicts (its JAX tree, optree, sorts them, as lamina does everywhere).
    {"z": (1,), "a": {"b": [3, 4], "c": 2}},
    Point(1, [2, 3]),
    ((), [], {}),
    [(1, 2), [3], {"a": 4}],
]


@pytest.fixture(scope="module")
def ktree():
    keras = pytest.importorskip("keras")
    return keras.tree


@pytest.mark.parametrize("structure", STRUCTURES)
def test_flatten_with_path_and_lists_to_tuples_match_keras(ktree, structure):
    tree = lamina_keras.tree
    assert tree.flatten_with_path(structure) == ktree.flatten_with_path(structure)
    assert tree.flatten(structure) == ktree.flatten(structure)
    assert tree.lists_to_tuples(structure) == ktree.lists_to_tuples(structure)


@pytest.mark.parametrize("structure", STRUCTURES)
@pytest.mark.parametrize("top_down", [True, False])
def test_traverse_visits_and_replaces_like_keras(ktree, structure, top_down):
    tree = lamina_keras.tree
    seen_lamina, seen_keras = [], []
    out_lamina = tree.traverse(seen_lamina.append, structure, top_down=top_down)
    out_keras = ktree.traverse(seen_keras.append, structure, top_down=top_down)
    assert out_lamina == out_keras
    assert seen_lamina == seen_keras

    def replace(lib):
        def func(x):
            if isinstance(x, int) and x % 2 == 0:
                return x * 10
            if isinstance(x, tuple) and len(x) == 1:
                return lib.MAP_TO_NONE
            return None
        return func

    assert tree.traverse(replace(tree), structure, top_down=top_down) == \
        ktree.traverse(replace(ktree), structure, top_down=top_down)


def test_map_structure_up_to_and_none_is_leaf_match_keras(ktree):
    tree = lamina_keras.tree
    structure = [[1, 1], [2, 2]]
    for shallow in ([None, None], [None, [None, None]]):
        assert tree.map_structure_up_to(shallow, str, structure) == \
            ktree.map_structure_up_to(shallow, str, structure)
    nested = {"a": [1, None], "b": (None, 2)}
    for none_is_leaf in (True, False):
        got = tree.map_structure(lambda v: "leaf", nested, none_is_leaf=none_is_leaf)
        want = ktree.map_structure(lambda v: "leaf", nested, none_is_leaf=none_is_leaf)
        assert got == want
    with pytest.raises(ValueError, match="shallower"):
        tree.map_structure_up_to([None, [None]], str, [1, 2])


def test_map_shape_structure_matches_keras(ktree):
    tree = lamina_keras.tree
    structure = {"a": (2, 3), "b": [(None, 4, 5), (7,)], "c": ()}
    assert tree.map_shape_structure(len, structure) == ktree.map_shape_structure(len,
                                                                                structure)


@pytest.mark.parametrize("a, b", [
    ([(0, 1)], [(2, 3)]),
    ([(0, 1)], [[2, 3]]),
    (Point(0, 1), OtherPoint(2, 3)),
    ({"a": 1, "b": 2}, {"b": 3, "a": 4}),
    ({"a": 1}, {"b": 1}),
    ([1, 2], [1, 2, 3]),
    ([1, [2]], [1, 2]),
    (1, [1]),
])
def test_assert_same_structure_and_paths_agree_with_keras(ktree, a, b):
    tree = lamina_keras.tree
    for name in ("assert_same_structure", "assert_same_paths"):
        try:
            getattr(ktree, name)(a, b)
            keras_raises = False
        except ValueError:
            keras_raises = True
        if keras_raises:
            with pytest.raises(ValueError, match="don't have the same"):
                getattr(tree, name)(a, b)
        else:
            getattr(tree, name)(a, b)
