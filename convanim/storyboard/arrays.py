"""Numeric arrays inside a Timeline: read-only NumPy arrays with a JSON form.

A Timeline carries the numbers its renderer draws (tensor values, sampling points, stamps), so
that a renderer needs nothing but the Timeline. :class:`ArrayData` wraps one such array: in
memory it is a read-only NumPy array (usually a view of the engine's array, so building a
Timeline copies nothing); in JSON it is ``{"dtype": "float64", "shape": [C, H, W], "data": [...]}``
with the elements flattened in C order, written with Python's shortest round-trip float repr so
that reading it back gives the same bits. Goldens use :meth:`ArrayData.summary` instead (dtype,
shape and a digest), which keeps them small.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

DTYPES = ("float64", "int64", "bool")
"""The element types a Timeline array may have."""

DIGEST_DECIMALS = 6
"""Float values are rounded to this many decimals before hashing (digests then do not depend
on the last bits a BLAS or CPU leaves in a sum)."""


@dataclass(frozen=True, eq=False)
class ArrayData:
    """A read-only array of ``float64``, ``int64`` or ``bool`` elements.

    Equal when dtype, shape and every element are equal (NaN equals NaN).
    """

    array: npt.NDArray[Any]

    def __post_init__(self) -> None:
        if str(self.array.dtype) not in DTYPES:
            raise TypeError(f"a Timeline array holds {', '.join(DTYPES)}, not {self.array.dtype}")
        if self.array.flags.writeable:
            view = self.array.view()
            view.setflags(write=False)
            object.__setattr__(self, "array", view)

    @classmethod
    def of(cls, values: npt.ArrayLike, dtype: str = "float64") -> ArrayData:
        """Wrap ``values`` as ``dtype`` (no copy when it already is one; the result is read-only).

        Parameters
        ----------
        values : array_like
            The numbers.
        dtype : {"float64", "int64", "bool"}
            Element type.
        """
        return cls(np.asarray(values, dtype=dtype))

    @property
    def dtype(self) -> str:
        """``"float64"``, ``"int64"`` or ``"bool"``."""
        return str(self.array.dtype)

    @property
    def shape(self) -> tuple[int, ...]:
        """The array's shape."""
        return tuple(int(v) for v in self.array.shape)

    def to_dict(self) -> dict[str, Any]:
        """``{"dtype", "shape", "data"}``: every element, flattened in C order (exact)."""
        return {"dtype": self.dtype, "shape": list(self.shape), "data": self.array.ravel().tolist()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ArrayData:
        """The array :meth:`to_dict` wrote.

        Raises
        ------
        ValueError
            When the dtype is not one of :data:`DTYPES` or the data do not fill the shape.
        """
        dtype, shape = str(data["dtype"]), tuple(int(v) for v in data["shape"])
        if dtype not in DTYPES:
            raise ValueError(f"a Timeline array holds {', '.join(DTYPES)}, not {dtype}")
        flat = np.array(data["data"], dtype=dtype)
        if flat.ndim != 1 or flat.size != int(np.prod(shape)):
            raise ValueError(f"{flat.size} array elements do not fill the shape {list(shape)}")
        return cls(flat.reshape(shape))

    def digest(self) -> str:
        """A short hash of the values (floats rounded to :data:`DIGEST_DECIMALS` decimals)."""
        if self.dtype == "float64":
            values = np.round(self.array, DIGEST_DECIMALS) + 0.0  # + 0.0: no negative zeros
            raw = np.ascontiguousarray(values, dtype="<f8").tobytes()
        else:
            raw = np.ascontiguousarray(self.array, dtype="<i8").tobytes()
        return "sha256:" + hashlib.sha256(raw).hexdigest()[:16]

    def summary(self) -> dict[str, Any]:
        """``{"dtype", "shape", "digest"}``: what a golden file keeps of the array."""
        return {"dtype": self.dtype, "shape": list(self.shape), "digest": self.digest()}

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ArrayData):
            return NotImplemented
        if self.dtype != other.dtype or self.shape != other.shape:
            return False
        return bool(np.array_equal(self.array, other.array, equal_nan=self.dtype == "float64"))

    def __hash__(self) -> int:
        return hash((self.dtype, self.shape, self.array.tobytes()))

    def __repr__(self) -> str:
        return f"ArrayData(dtype={self.dtype}, shape={self.shape})"
