"""ringactor.types: classes of the C++ registry's types, their checks, the
value table, and the schema digest."""

import pytest

import ringactor as ra
import ringactor.types as rt


def test_registered_cpp_types_appear_at_their_dotted_path(testing):
    order = ra.types.shop.order(id=7, qty=3, tags=["a"])
    assert type(order) is rt.get("shop.order")
    assert (order.id, order.qty, order.tags) == (7, 3, ["a"])
    assert "shop.order" in rt.names() and "shop.score" in rt.names()
    assert ra.types.shop.order.__fields__ == (("id", "i64"), ("qty", "i32"),
                                              ("tags", "list<string>"))


def test_both_extensions_share_one_type_registry(testing):
    # The test extension registered shop.order at its load; the main module
    # reads the same registry (one copy of the library's globals).
    assert testing.registry_size() == ra._ringactor.registry_size()
    assert ra._ringactor.type_digest("shop.order") is not None


def test_a_wrong_field_type_raises_type_error_naming_the_type_and_field():
    with pytest.raises(TypeError, match=r"shop\.order: field 'qty' expects i32"):
        ra.types.shop.order(id=7, qty="three", tags=[])
    with pytest.raises(TypeError, match=r"field 'tags\[1\]' expects string"):
        ra.types.shop.order(id=7, qty=3, tags=["a", 2])
    with pytest.raises(TypeError, match=r"field 'qty' expects i32: 4294967296 is out of range"):
        ra.types.shop.order(id=7, qty=2**32, tags=[])
    with pytest.raises(TypeError, match=r"field 'id' expects i64"):
        ra.types.shop.order(id=True, qty=3, tags=[])


def test_a_missing_field_or_an_unknown_keyword_raises_type_error_naming_it():
    with pytest.raises(TypeError, match=r"shop\.order: missing field 'tags'"):
        ra.types.shop.order(id=7, qty=3)
    with pytest.raises(TypeError, match=r"shop\.order: unknown field 'colour'"):
        ra.types.shop.order(id=7, qty=3, tags=[], colour="red")


def test_an_unknown_type_name_raises():
    with pytest.raises(TypeError, match=r"no type 'shop\.nothing' is registered"):
        rt.get("shop.nothing")
    with pytest.raises(AttributeError, match=r"shop\.nothing"):
        ra.types.shop.nothing


def test_a_value_the_json_codec_refuses_raises_wire_error_with_the_field(scorer):
    order = ra.types.shop.order(id=7, qty=3, tags=[])
    object.__setattr__(order, "qty", "three")  # past the constructor's check
    with pytest.raises(ra.WireError, match="qty"):
        scorer.request(order, timeout=1.0)


def test_values_cross_to_cpp_and_back_by_the_documented_table(system):
    echo = system.spawn(lambda msg: msg)
    order = ra.types.shop.order(id=1, qty=2, tags=["x"])
    for value in [None, True, False, 5, -(2**63), 2**64 - 1, 1.5, "text", b"\x00bytes",
                  [1, 2, 3], [1.5, 2.5], ["a", "b"], {"a": 1}, {"a": 1.5}, {"a": "b"}, order]:
        back = echo.request(value, timeout=1.0)
        assert back == value and type(back) is type(value), value


def test_values_without_a_cpp_form_raise_type_error(system):
    echo = system.spawn(lambda msg: msg)
    for value in [object(), [1, "a"], {1: 2}, 2**64, (1, 2)]:
        with pytest.raises(TypeError, match="C\\+\\+"):
            echo.request(value, timeout=1.0)


def test_a_class_whose_schema_differs_from_the_registry_raises_on_rebuild():
    cls = ra.types.shop.order
    real = cls.__digest__
    cls.__digest__ = real ^ 1
    try:
        with pytest.raises(ImportError, match=r"'shop\.order' differs"):
            rt.refresh(force=True)
    finally:
        cls.__digest__ = real
    rt.refresh(force=True)


def test_expect_digests_checks_pinned_schemas():
    digest = ra._ringactor.type_digest("shop.order")
    rt.expect_digests({"shop.order": digest})
    with pytest.raises(rt.SchemaMismatch, match=r"'shop\.order' differs"):
        rt.expect_digests({"shop.order": digest ^ 1})
    with pytest.raises(rt.SchemaMismatch, match=r"'shop\.gone' is not registered"):
        rt.expect_digests({"shop.gone": 1})


def test_nested_optional_and_map_fields_are_checked_and_cross_both_ways(system):
    order = ra.types.shop.order
    basket = ra.types.shop.basket(orders=[order(id=1, qty=2, tags=["a"]), order(id=2, qty=1,
                                                                            tags=[])],
                                  discounts={"summer": 0.1})
    assert basket.owner is None  # an optional field may be left out
    echo = system.spawn(lambda msg: msg)
    back = echo.request(basket, timeout=1.0)
    assert type(back) is ra.types.shop.basket and back == basket
    assert all(type(o) is order for o in back.orders)
    named = ra.types.shop.basket(orders=[], owner="ann", discounts={})
    assert echo.request(named, timeout=1.0).owner == "ann"
    with pytest.raises(TypeError, match=r"shop\.basket: field 'orders\[0\]' expects shop\.order"):
        ra.types.shop.basket(orders=[{"id": 1}], discounts={})
    with pytest.raises(TypeError, match=r"field 'discounts\['x'\]' expects f64"):
        ra.types.shop.basket(orders=[], discounts={"x": "big"})
    with pytest.raises(TypeError, match=r"field 'owner' expects string"):
        ra.types.shop.basket(orders=[], owner=5, discounts={})


def test_registered_types_cross_without_json_both_ways(scorer):
    # shop.order to the C++ scorer and shop.score back: one direct conversion
    # each way, no text (the JSON path does not count).
    assert ra._ringactor.typed_path("shop.order") and ra._ringactor.typed_path("shop.score")
    to_cpp, to_python = ra._ringactor.typed_conversions()
    reply = scorer.request(ra.types.shop.order(id=7, qty=3, tags=["gift"]), timeout=1.0)
    assert reply == ra.types.shop.score(order_id=7, value=4.5, grade="gift")
    assert ra._ringactor.typed_conversions() == (to_cpp + 1, to_python + 1)


def test_every_field_kind_of_the_direct_path_crosses_both_ways(system, testing):
    sample = ra.types.shop.sample
    order = ra.types.shop.order
    value = sample(i8=-128, u8=255, i16=-32768, u16=65535, u32=2**32 - 1, u64=2**64 - 1,
                   f32=4.2, flag=True, triple=[1, -2, 3], wait=250, lvl=2,
                   first=order(id=1, qty=2, tags=["a", "b"]), groups={"x": [1, 2], "y": []})
    echo = system.spawn(lambda msg: msg)
    back = echo.request(value, timeout=1.0)
    assert type(back) is sample and back == value
    assert back.f32 == 4.2  # the float's shortest text, as the JSON path read it
    assert type(back.first) is order
    empty = sample(i8=0, u8=0, i16=0, u16=0, u32=0, u64=0, f32=0.0, flag=False,
                   triple=[0, 0, 0], wait=0, lvl=1, groups={})
    assert echo.request(empty, timeout=1.0) == empty and empty.first is None


def test_a_type_the_direct_path_does_not_take_keeps_the_json_codec(system, testing):
    assert not ra._ringactor.typed_path("shop.tagged")
    echo = system.spawn(lambda msg: msg)
    value = ra.types.shop.tagged(tag={"1": "red"})
    before = ra._ringactor.typed_conversions()
    assert echo.request(value, timeout=1.0) == value
    assert ra._ringactor.typed_conversions() == before


def test_a_value_set_past_the_checks_raises_wire_error_naming_the_field_path(system, testing):
    echo = system.spawn(lambda msg: msg)
    sample = ra.types.shop.sample
    value = sample(i8=0, u8=0, i16=0, u16=0, u32=0, u64=0, f32=0.0, flag=False,
                   triple=[0, 0, 0], wait=0, lvl=1,
                   first=ra.types.shop.order(id=1, qty=2, tags=[]), groups={})
    object.__setattr__(value.first, "tags", ["a", 5])
    with pytest.raises(ra.WireError, match=r"shop\.sample: field 'first\.tags\[1\]' expects "
                                           r"string, got int 5"):
        echo.request(value, timeout=1.0)
    object.__setattr__(value.first, "tags", [])
    object.__setattr__(value, "u8", 256)
    with pytest.raises(ra.WireError, match=r"field 'u8' expects u8: int 256 is out of range"):
        echo.request(value, timeout=1.0)
    object.__setattr__(value, "u8", 0)
    object.__setattr__(value, "triple", [1, 2])
    with pytest.raises(ra.WireError, match=r"field 'triple' expects array<i32,3>: 2 items"):
        echo.request(value, timeout=1.0)
    object.__setattr__(value, "triple", [0, 0, 0])
    object.__setattr__(value, "f32", float("nan"))
    with pytest.raises(ra.WireError, match=r"f32"):  # the binary loader refuses NaN
        echo.request(value, timeout=1.0)
