"""Message types of the wire layer's registry as Python classes.

Every named, inspectable type registered in C++ (``RINGACTOR_TYPE(order,
"shop.order")``) appears here at its dotted path: ``ringactor.types.shop.order``.
Objects are constructed by keyword with every field (an ``optional<T>`` field
may be left out: None); a value of the wrong type, a missing field or an
unknown keyword raises TypeError naming the type and the field. Values cross
to C++ through the type's JSON codec.

The classes are built from the registry when a name is first looked up, and
again when the registry has grown (an extension registered more types).
Each class keeps the schema digest it was built from (``__digest__``); a
rebuild that finds another digest for a type raises ImportError naming the
type, and ``expect_digests`` checks digests pinned by the application.
"""

import json as _json

import _ringactor

_classes = {}
_built_size = -1

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


def _check(owner, path, ftype, value):
    """Raises TypeError unless `value` fits the schema type `ftype`."""
    if ftype in _INT_RANGES:
        if not isinstance(value, int) or isinstance(value, bool):
            _fail(owner, path, ftype, value)
        lo, hi = _INT_RANGES[ftype]
        if not lo <= value <= hi:
            _fail(owner, path, ftype, value, f"expects {ftype}: {value} is out of range")
        return
    if ftype in ("f32", "f64"):
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            _fail(owner, path, ftype, value)
        return
    if ftype == "bool":
        if not isinstance(value, bool):
            _fail(owner, path, ftype, value)
        return
    if ftype == "string":
        if not isinstance(value, str):
            _fail(owner, path, ftype, value)
        return
    kind, args = _generic(ftype)
    if kind == "list" and args:
        if not isinstance(value, (list, tuple)):
            _fail(owner, path, ftype, value)
        for i, x in enumerate(value):
            _check(owner, f"{path}[{i}]", args[0], x)
        return
    if kind == "array" and args:
        if not isinstance(value, (list, tuple)):
            _fail(owner, path, ftype, value)
        n = int(args[1]) if len(args) > 1 and args[1].isdigit() else None
        if n is not None and len(value) != n:
            _fail(owner, path, ftype, value, f"expects {ftype}: {len(value)} items, not {n}")
        for i, x in enumerate(value):
            _check(owner, f"{path}[{i}]", args[0], x)
        return
    if kind == "optional" and args:
        if value is not None:
            _check(owner, path, args[0], value)
        return
    if kind == "map" and args and len(args) == 2:
        if not isinstance(value, dict):
            _fail(owner, path, ftype, value)
        for k, v in value.items():
            _check(owner, f"{path}.key", args[0], k)
            _check(owner, f"{path}[{k!r}]", args[1], v)
        return
    if args is None and ftype in _classes:
        if getattr(value, "__ringactor_type__", None) != ftype:
            _fail(owner, path, ftype, value)
        return
    # variant, enum, duration, actor, error, unregistered nested types: the
    # JSON codec checks them (a WireError names the field).


def _plain(value):
    """The JSON-ready form of a field value (messages become dicts)."""
    if isinstance(value, Message):
        return value._to_dict()
    if isinstance(value, (list, tuple)):
        return [_plain(x) for x in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _typed(ftype, value):
    """A field value from JSON: nested registered types become objects."""
    if value is None:
        return None
    if ftype in _classes and isinstance(value, dict):
        return _classes[ftype]._from_dict(value)
    kind, args = _generic(ftype)
    if kind in ("list", "array") and args and isinstance(value, list):
        return [_typed(args[0], x) for x in value]
    if kind == "optional" and args:
        return _typed(args[0], value)
    if kind == "map" and args and len(args) == 2 and isinstance(value, dict):
        return {k: _typed(args[1], v) for k, v in value.items()}
    return value


class Message:
    """The base of every class in ringactor.types."""

    __ringactor_type__ = None
    __fields__ = ()
    __digest__ = 0
    __slots__ = ()

    def __init__(self, **kwargs):
        name = self.__ringactor_type__
        for fname, ftype in self.__fields__:
            if fname in kwargs:
                value = kwargs.pop(fname)
                _check(name, fname, ftype, value)
            elif ftype.startswith("optional<"):
                value = None
            else:
                raise TypeError(f"{name}: missing field '{fname}' ({ftype})")
            object.__setattr__(self, fname, value)
        if kwargs:
            raise TypeError(f"{name}: unknown field '{next(iter(kwargs))}'")

    def _to_dict(self):
        return {f: _plain(getattr(self, f)) for f, _ in self.__fields__}

    def _to_json(self):
        return _json.dumps(self._to_dict(), separators=(",", ":"))

    @classmethod
    def _from_dict(cls, d):
        obj = cls.__new__(cls)
        for fname, ftype in cls.__fields__:
            object.__setattr__(obj, fname, _typed(ftype, d.get(fname)))
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
    }
    return type(name.rsplit(".", 1)[-1], (Message,), attrs)


def refresh(force=False):
    """Builds classes for the types registered since the last build, and
    checks those built before against the registry's digests."""
    global _built_size
    size = _ringactor.registry_size()
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
    return get(name)._from_dict(_json.loads(text))


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
