"""Message types of the wire layer's registry as Python classes.

Every named, inspectable type registered in C++ (``RINGACTOR_TYPE(order,
"shop.order")``) appears here at its dotted path: ``ringactor.types.shop.order``.
Objects are constructed by keyword with every field (an ``optional<T>`` field
may be left out: None); a value of the wrong type, a missing field or an
unknown keyword raises TypeError naming the type and the field. Values cross
to C++ without text (the extension writes the type's binary form from the
fields: python/src/typed_values.hpp), or through the type's JSON codec for
the field kinds that path leaves to it (variants, actor handles, errors,
described enums). In-process types (python/src/inprocess_types.hpp), e.g. a
kernel's request with a device_buffer field, are classes here too; a NumPy
array in such a field becomes a DeviceBuffer when the object is made.

The classes are built from the registry when a name is first looked up, and
again when the registry has grown (an extension registered more types).
Each class keeps the schema digest it was built from (``__digest__``); a
rebuild that finds another digest for a type raises ImportError naming the
type, and ``expect_digests`` checks digests pinned by the application.
"""

import json as _json

import _ringactor

_classes = {}
_built_size = None

_INT_RANGES = {
    "i8": (-(2**7), 2**7 - 1),
    "i16": (-(2**15), 2**15 - 1),
    "i32": (-(2**31), 2**31 - 1),
    "i64": (-(2**63), 2**63 - 1),
    "u8": (0, 2**8 - 1),
    "u16": (0, 2**16 - 1),
    "u32": (0, 2**32 - 1),
    "u64": (0, 2**64 - 1),
}


class SchemaMismatch(ImportError):
    """A type's schema in the registry differs from the one its Python class
    was built from (or from the digest the application expects)."""


def _split_args(text):
    """The top-level arguments of "a,b<c,d>" (split at ',' or '|')."""
    out, depth, start = [], 0, 0
    for i, c in enumerate(text):
        if c == "<":
            depth += 1
        elif c == ">":
            depth -= 1
        elif c in ",|" and depth == 0:
            out.append(text[start:i])
            start = i + 1
    out.append(text[start:])
    return out


def _generic(ftype):
    """("list", ["i32"]) for "list<i32>"; (ftype, None) for a plain type."""
    lt = ftype.find("<")
    if lt < 0 or not ftype.endswith(">"):
        return ftype, None
    return ftype[:lt], _split_args(ftype[lt + 1 : -1])


def _fail(owner, path, ftype, value, why=None):
    what = why or f"expects {ftype}, got {type(value).__name__} {value!r}"
    raise TypeError(f"{owner}: field '{path}' {what}")


def _checker(ftype):
    """A function check(owner, path, value) that raises TypeError unless
    `value` fits the schema type `ftype` (compiled once per field: the
    constructor runs it for every field of every object)."""
    if ftype in _INT_RANGES:
        lo, hi = _INT_RANGES[ftype]

        def check_int(owner, path, value):
            if type(value) is not int:  # bool is a subclass: refused too
                if not isinstance(value, int) or isinstance(value, bool):
                    _fail(owner, path, ftype, value)
            if not lo <= value <= hi:
                _fail(owner, path, ftype, value, f"expects {ftype}: {value} is out of range")

        return check_int
    if ftype in ("f32", "f64"):

        def check_float(owner, path, value):
            if type(value) is not float and (not isinstance(value, (int, float))
                                             or isinstance(value, bool)):
                _fail(owner, path, ftype, value)

        return check_float
    if ftype in ("bool", "string"):
        expected = bool if ftype == "bool" else str

        def check_exact(owner, path, value):
            if not isinstance(value, expected):
                _fail(owner, path, ftype, value)

        return check_exact
    kind, args = _generic(ftype)
    if kind in ("list", "array") and args:
        item = _checker(args[0])
        n = int(args[1]) if kind == "array" and len(args) > 1 and args[1].isdigit() else None

        def check_list(owner, path, value):
            if not isinstance(value, (list, tuple)):
                _fail(owner, path, ftype, value)
            if n is not None and len(value) != n:
                _fail(owner, path, ftype, value, f"expects {ftype}: {len(value)} items, not {n}")
            if item is not None:
                for i, x in enumerate(value):
                    item(owner, f"{path}[{i}]", x)

        return check_list
    if kind == "optional" and args:
        inner = _checker(args[0])

        def check_optional(owner, path, value):
            if value is not None and inner is not None:
                inner(owner, path, value)

        return check_optional
    if kind == "map" and args and len(args) == 2:
        key, val = _checker(args[0]), _checker(args[1])

        def check_map(owner, path, value):
            if not isinstance(value, dict):
                _fail(owner, path, ftype, value)
            for k, v in value.items():
                if key is not None:
                    key(owner, f"{path}.key", k)
                if val is not None:
                    val(owner, f"{path}[{k!r}]", v)

        return check_map
    if args is None and "." in ftype:

        def check_message(owner, path, value):
            # A registered nested type: an object of its class.
            if ftype in _classes and getattr(value, "__ringactor_type__", None) != ftype:
                _fail(owner, path, ftype, value)

        return check_message
    # variant, enum, duration, actor, error: the JSON codec checks them (a
    # WireError names the field).
    return None


_DLPACK_DTYPES = {"f32": "float32", "f64": "float64", "i8": "int8", "i16": "int16",
                  "i32": "int32", "i64": "int64", "u8": "uint8", "u16": "uint16",
                  "u32": "uint32", "u64": "uint64"}


def _adapter(ftype):
    """A function adapt(owner, path, value) -> value for a field whose
    Python value is converted when the object is made (None for others): a
    device_buffer<T> field takes a DeviceBuffer of T's dtype, or anything
    ``to_device_buffer`` takes (a NumPy array: no copy), checked here, before
    anything is sent."""
    kind, args = _generic(ftype)
    if kind != "device_buffer" or not args:
        return None
    dtype = _DLPACK_DTYPES.get(args[0], args[0])

    def adapt(owner, path, value):
        from ringactor.buffers import DeviceBuffer, to_device_buffer

        if DeviceBuffer is not None and isinstance(value, DeviceBuffer):
            if value.released:
                _fail(owner, path, ftype, value, "holds a released DeviceBuffer")
            if value.dtype != dtype:
                _fail(owner, path, ftype, value,
                      f"expects {ftype}: the buffer holds {value.dtype}, not {dtype}")
            return value
        try:
            return to_device_buffer(value, dtype=dtype, ndim=1)
        except TypeError as e:
            raise TypeError(f"{owner}: field '{path}' expects {ftype}: {e}") from None

    return adapt


def _plain(value):
    """The JSON-ready form of a field value (messages become dicts)."""
    if isinstance(value, Message):
        return value._to_dict()
    if isinstance(value, (list, tuple)):
        return [_plain(x) for x in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _converter(ftype):
    """A function that turns a field value read from JSON into its Python
    form (nested registered types become objects), or None when the JSON
    value is the Python value already."""
    kind, args = _generic(ftype)
    if args is None:
        if "." not in ftype:
            return None

        def to_message(value):
            cls = _classes.get(ftype)
            return cls._from_dict(value) if cls is not None and isinstance(value, dict) else value

        return to_message
    if kind in ("list", "array") and args:
        item = _converter(args[0])
        return None if item is None else (lambda v: None if v is None else [item(x) for x in v])
    if kind == "optional" and args:
        inner = _converter(args[0])
        return None if inner is None else (lambda v: None if v is None else inner(v))
    if kind == "map" and args and len(args) == 2:
        val = _converter(args[1])
        return None if val is None else (
            lambda v: None if v is None else {k: val(x) for k, x in v.items()})
    return None


class Message:
    """The base of every class in ringactor.types."""

    __ringactor_type__ = None
    __fields__ = ()
    __digest__ = 0
    __slots__ = ()
    # Per field: (name, type, check or None, optional, adapt or None); and
    # (name, convert or None) for values from JSON. Built with the class.
    _checks = ()
    _converts = ()

    def __init__(self, **kwargs):
        name = self.__ringactor_type__
        setter = object.__setattr__
        for fname, ftype, check, optional, adapt in self._checks:
            if fname in kwargs:
                value = kwargs.pop(fname)
                if check is not None:
                    check(name, fname, value)
                elif adapt is not None:
                    value = adapt(name, fname, value)
            elif optional:
                value = None
            else:
                raise TypeError(f"{name}: missing field '{fname}' ({ftype})")
            setter(self, fname, value)
        if kwargs:
            raise TypeError(f"{name}: unknown field '{next(iter(kwargs))}'")

    def _to_dict(self):
        return {f: _plain(getattr(self, f)) for f, _ in self.__fields__}

    def _to_json(self):
        return _json.dumps(self._to_dict(), separators=(",", ":"))

    @classmethod
    def _from_dict(cls, d):
        obj = cls.__new__(cls)
        setter = object.__setattr__
        get = d.get
        for fname, convert in cls._converts:
            value = get(fname)
            setter(obj, fname, value if convert is None else convert(value))
        return obj

    def __eq__(self, other):
        if type(other) is not type(self):
            return NotImplemented
        return all(getattr(self, f) == getattr(other, f) for f, _ in self.__fields__)

    def __repr__(self):
        inner = ", ".join(f"{f}={getattr(self, f)!r}" for f, _ in self.__fields__)
        return f"{self.__ringactor_type__}({inner})"


def _make_class(entry):
    name = entry["name"]
    fields = tuple((f, t) for f, t in entry["fields"])
    attrs = {
        "__ringactor_type__": name,
        "__fields__": fields,
        "__digest__": entry["digest"],
        "__slots__": tuple(f for f, _ in fields),
        "__doc__": f"{name}: " + ", ".join(f"{f}: {t}" for f, t in fields),
        "__module__": "ringactor.types",
        "__qualname__": name,
        "_checks": tuple((f, t, _checker(t), t.startswith("optional<"), _adapter(t))
                         for f, t in fields),
        "_converts": tuple((f, _converter(t)) for f, t in fields),
    }
    return type(name.rsplit(".", 1)[-1], (Message,), attrs)


def refresh(force=False):
    """Builds classes for the types registered since the last build, and
    checks those built before against the registry's digests."""
    global _built_size
    size = (_ringactor.registry_size(), _ringactor.inprocess_type_count())
    if size == _built_size and not force:
        return
    for entry in _ringactor.registered_types():
        cls = _classes.get(entry["name"])
        if cls is None:
            _classes[entry["name"]] = _make_class(entry)
        elif cls.__digest__ != entry["digest"]:
            raise SchemaMismatch(
                f"ringactor.types: the schema of '{entry['name']}' differs from the one its "
                f"Python class was built from (digest {cls.__digest__:#018x} here, "
                f"{entry['digest']:#018x} in the registry)"
            )
    _built_size = size


def get(name):
    """The class of the registered type `name` (e.g. "shop.order"); raises
    a TypeError naming it when no such type is registered."""
    refresh()
    cls = _classes.get(name)
    if cls is None:
        raise TypeError(f"ringactor.types: no type '{name}' is registered (with inspect() and a "
                        f"JSON form)")
    return cls


def names():
    """The names of every type with a class, sorted."""
    refresh()
    return sorted(_classes)


def registry_digest():
    """The C++ registry's digest over every inspectable type."""
    return _ringactor.registry_digest()


def expect_digests(expected):
    """Checks schema digests the application was written against (a dict of
    name to digest): raises SchemaMismatch naming the first type whose
    registered schema differs, or that is not registered."""
    for name, digest in expected.items():
        have = _ringactor.type_digest(name)
        if have is None:
            raise SchemaMismatch(f"ringactor.types: '{name}' is not registered")
        if have != digest:
            raise SchemaMismatch(
                f"ringactor.types: the schema of '{name}' differs (digest {have:#018x} "
                f"registered, {digest:#018x} expected)"
            )


def _from_json(name, text):
    """The Python object of a registered type's JSON text (the extension
    calls it for values that come from C++)."""
    cls = _classes.get(name) or get(name)
    return cls._from_dict(_json.loads(text))


class _Package:
    """One level of the dotted names: ringactor.types.shop is a package,
    ringactor.types.shop.order a class."""

    def __init__(self, prefix):
        self._prefix = prefix

    def __getattr__(self, attr):
        if attr.startswith("__"):
            raise AttributeError(attr)
        return _lookup(self._prefix + attr)

    def __dir__(self):
        refresh()
        n = len(self._prefix)
        return sorted({k[n:].split(".", 1)[0] for k in _classes if k.startswith(self._prefix)})

    def __repr__(self):
        return f"<ringactor.types package {self._prefix[:-1]}>"


def _lookup(path):
    refresh()
    if path in _classes:
        return _classes[path]
    if any(k.startswith(path + ".") for k in _classes):
        return _Package(path + ".")
    raise AttributeError(f"ringactor.types: no registered type or package '{path}'")


def __getattr__(attr):
    if attr.startswith("__"):
        raise AttributeError(attr)
    return _lookup(attr)
